//! RFC 9110's `tchar`: the bytes of a token (a field name, a boundary, a
//! WebSocket subprotocol or extension name).

/// True for a `tchar` byte: an ASCII letter or digit, or one of
/// ``!#$%&'*+-.^_`|~``. The same set as aiohttp's `_valid_tchar_regex` and
/// httparse's token map.
pub(crate) const fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}
