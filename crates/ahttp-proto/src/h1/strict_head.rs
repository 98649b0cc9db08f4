//! A parser for the usual response head, and for nothing else.
//!
//! Nearly every response head arrives whole in one read, starts with
//! `HTTP/1.1 `, ends its lines with CRLF and has a few dozen fields at most.
//! This parser takes exactly such heads and builds the [`ResponseHead`]
//! straight from one pass over the bytes: the field index is written as the
//! fields are found, then the block and the index are copied into the
//! head's one allocation. Anything else, valid or not (an incomplete head,
//! a bare LF, obs-fold, obs-text in the reason, leading blank lines, more
//! fields than [`STRICT_FIELDS`], any invalid byte), it declines, and the
//! caller parses the head with httparse, which decides what it is.
//!
//! Why not httparse here too (a measured reason, as the project asks of a
//! hand-written parser): httparse takes 2,618 instructions for the 10-field
//! head of `benches/examples/count_head.rs`, and its result is a slice of
//! borrowed fields that must then be copied and indexed into an owned head:
//! 3,204 instructions in all, and 1.21 to 1.25 times httparse's time alone
//! (medians over 48 copies of the benchmark binary), against issue 2's
//! limit of 1.25. With this parser the owned head takes 2,622 instructions
//! and 1.13 times httparse's time (three runs of
//! `COPIES=48 benches/head_ratio.sh`: 1.131, 1.132, 1.131), because it
//! writes the index while it parses and scans names and values eight bytes
//! at a time. It accepts only what httparse accepts and yields exactly the
//! same fields: unit tests (every byte in every part, and proptest) and the
//! `h1_head_differential` fuzz target compare the two. docs/benchmarks.md
//! has the details.

use super::headers::{Headers, RawField};
use super::{Limits, ResponseHead};
use crate::token::is_tchar;
use crate::Error;
use http::{StatusCode, Version};

/// The most fields this parser indexes on the stack; a head with more is
/// left to httparse. (Typical responses have 5 to 20.)
pub(crate) const STRICT_FIELDS: usize = 32;

/// Parses a whole, strictly valid head at the front of `buf` and sets
/// `head_len` to its length (blank line included). `Ok(None)` means
/// "not decided here": the head is incomplete, unusual or invalid, or
/// longer than the smaller of the line and field limits (so no line in an
/// accepted head can break a limit). It never returns an error; the type
/// is the caller's, so the head is moved only once on its way out.
#[inline(always)]
pub(crate) fn parse(
    buf: &[u8],
    limits: &Limits,
    head_len: &mut usize,
) -> Result<Option<ResponseHead>, Error> {
    // (And no longer than a name http's HeaderName can hold, as
    // `Headers::from_parsed` checks on the other path, which also keeps
    // the index's u32 offsets whole.)
    let max_len = limits
        .max_line_size
        .min(limits.max_field_size)
        .min(u16::MAX as usize);
    let buf = &buf[..buf.len().min(max_len)];
    let max_fields = limits.max_headers.min(STRICT_FIELDS);
    let mut index = [[0u8; RawField::ENCODED_LEN]; STRICT_FIELDS];
    let Some(parsed) = parse_into(buf, max_fields, &mut index) else {
        return Ok(None);
    };
    *head_len = parsed.len;
    Ok(Some(ResponseHead {
        version: parsed.version,
        status: parsed.status,
        reason: parsed.reason,
        headers: Headers::from_index(&buf[..parsed.len], index[..parsed.fields].as_flattened()),
    }))
}

/// What [`parse_into`] found, besides the index it wrote.
struct Parsed {
    len: usize,
    version: Version,
    status: StatusCode,
    reason: (u32, u32),
    fields: usize,
}

/// The pass over the bytes: status line, then one field per line into
/// `index`, until the blank line. `None` declines the head. Every offset
/// fits in u32: [`parse`] cut `buf` to at most `u16::MAX` bytes.
#[inline(always)]
fn parse_into(
    buf: &[u8],
    max_fields: usize,
    index: &mut [[u8; RawField::ENCODED_LEN]; STRICT_FIELDS],
) -> Option<Parsed> {
    let (version, status, reason, mut at) = status_line(buf)?;
    let mut fields = 0;
    loop {
        if *buf.get(at)? == b'\r' {
            // The blank line ends the head.
            if *buf.get(at + 1)? != b'\n' {
                return None;
            }
            return Some(Parsed {
                len: at + 2,
                version,
                status,
                reason,
                fields,
            });
        }
        let name_start = at;
        at = skip_name(buf, at)?;
        // An empty name or a name not followed by its colon (a space before
        // it, obs-fold, a bare LF) is not for this parser.
        if at == name_start || buf[at] != b':' {
            return None;
        }
        let colon = at;
        at += 1;
        while matches!(*buf.get(at)?, b' ' | b'\t') {
            at += 1;
        }
        let value_start = at;
        // The value runs to the CR; the only control byte it may hold
        // before that is HTAB.
        let cr = loop {
            at = next_control(buf, at)?;
            match buf[at] {
                b'\t' => at += 1,
                b'\r' => break at,
                _ => return None,
            }
        };
        if *buf.get(cr + 1)? != b'\n' || fields == max_fields {
            return None;
        }
        let mut value_end = cr;
        while value_end > value_start && matches!(buf[value_end - 1], b' ' | b'\t') {
            value_end -= 1;
        }
        index[fields] = RawField {
            name: (name_start as u32, colon as u32),
            value: (value_start as u32, value_end as u32),
        }
        .encode();
        fields += 1;
        at = cr + 2;
    }
}

/// `HTTP/1.x NNN reason\r\n` with x 0 or 1, a status of 100 to 999 and a
/// reason of visible ASCII, spaces and tabs (possibly empty, possibly
/// without its space). Returns the version, the status, the reason's place
/// and where the fields begin.
#[inline(always)]
fn status_line(buf: &[u8]) -> Option<(Version, StatusCode, (u32, u32), usize)> {
    let version = match buf.get(..9)? {
        b"HTTP/1.1 " => Version::HTTP_11,
        b"HTTP/1.0 " => Version::HTTP_10,
        _ => return None,
    };
    let &[hundreds, tens, ones, after] = buf.get(9..13)? else {
        return None;
    };
    if !matches!(hundreds, b'1'..=b'9') || !tens.is_ascii_digit() || !ones.is_ascii_digit() {
        return None;
    }
    let code =
        u16::from(hundreds - b'0') * 100 + u16::from(tens - b'0') * 10 + u16::from(ones - b'0');
    let status = StatusCode::from_u16(code).ok()?;
    let reason_start = match after {
        b' ' => 13,
        b'\r' => 12,
        _ => return None,
    };
    let mut at = reason_start;
    while matches!(*buf.get(at)?, b'\t' | b' '..=b'~') {
        at += 1;
    }
    if buf[at] != b'\r' || *buf.get(at + 1)? != b'\n' {
        return None;
    }
    Some((version, status, (reason_start as u32, at as u32), at + 2))
}

/// `b` in each byte of a word, for the eight-bytes-at-a-time scans.
const fn each(b: u8) -> u64 {
    u64::from_ne_bytes([b; 8])
}

/// The high bit of each byte.
const HIGHS: u64 = each(0x80);

/// Where the next control byte (below 0x20, or DEL) at or after `at` is;
/// `None` when `buf` ends first. Eight bytes at a time: field values are
/// mostly longer than that, and this is the loop most bytes go through.
#[inline(always)]
fn next_control(buf: &[u8], mut at: usize) -> Option<usize> {
    while let Some(chunk) = buf.get(at..at + 8) {
        // (`get` gave exactly 8 bytes, so the conversion cannot fail;
        // `first_chunk` would show that in the types, but cost 5% more
        // instructions per head.)
        let word = u64::from_le_bytes(chunk.try_into().ok()?);
        // The high bit of each byte below 0x20, and of each DEL byte
        // (which is 0 after the xor). Bytes above a found byte may be
        // flagged falsely (a borrow), never one below it, so the lowest
        // flag is exact.
        let below_space = word.wrapping_sub(each(0x20)) & !word & HIGHS;
        let del = word ^ each(0x7f);
        let del = del.wrapping_sub(each(0x01)) & !del & HIGHS;
        let found = below_space | del;
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let rest = buf.get(at..)?;
    rest.iter()
        .position(|&b| b < 0x20 || b == 0x7f)
        .map(|i| at + i)
}

/// Where the field name starting at `at` ends: the first byte that is not
/// a tchar. `None` when `buf` ends first. Eight bytes at a time, looking
/// up only the bytes that are not letters, digits or hyphens.
#[inline(always)]
fn skip_name(buf: &[u8], mut at: usize) -> Option<usize> {
    while let Some(chunk) = buf.get(at..at + 8) {
        // (Exactly 8 bytes, as in `next_control`.)
        let word = u64::from_le_bytes(chunk.try_into().ok()?);
        let uncommon = not_letter_digit_or_hyphen(word);
        if uncommon == 0 {
            at += 8;
            continue;
        }
        at += (uncommon.trailing_zeros() / 8) as usize;
        if !is_token(buf[at]) {
            return Some(at);
        }
        at += 1;
    }
    while is_token(*buf.get(at)?) {
        at += 1;
    }
    Some(at)
}

/// The high bit of each byte of `word` that is not an ASCII letter, digit
/// or hyphen, exactly (no borrow or carry crosses a byte: every sum below
/// is of two bytes of at most 0x7f and 0x80).
#[inline(always)]
fn not_letter_digit_or_hyphen(word: u64) -> u64 {
    // The high bit of each byte of `low` (bytes of at most 0x7f) that is
    // at least `b`.
    let at_least = |low: u64, b: u8| (low + each(0x80 - b)) & HIGHS;
    let low = word & !HIGHS;
    let folded = low | each(0x20); // letters to lower case
    let letter = at_least(folded, b'a') & !at_least(folded, b'z' + 1);
    let digit = at_least(low, b'0') & !at_least(low, b'9' + 1);
    let hyphen = !((low ^ each(b'-')) + each(0x7f)) & HIGHS;
    let ascii = !word & HIGHS;
    !(ascii & (letter | digit | hyphen)) & HIGHS
}

/// RFC 9110's tchar, the bytes of a field name (httparse's set exactly),
/// by table: it is looked up for every name byte that is not a letter,
/// digit or hyphen.
fn is_token(b: u8) -> bool {
    TOKEN[usize::from(b)]
}

static TOKEN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = is_tchar(b as u8);
        b += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// httparse's strict verdict on `buf`: the head's length, version,
    /// status, non-empty reason and fields, or `None` when it is not a
    /// complete valid head.
    type Verdict = (usize, Version, u16, Vec<u8>, Vec<(Vec<u8>, Vec<u8>)>);

    fn httparse_verdict(buf: &[u8], max_fields: usize) -> Option<Verdict> {
        let mut slots = vec![httparse::EMPTY_HEADER; max_fields];
        let mut response = httparse::Response::new(&mut slots);
        let Ok(httparse::Status::Complete(len)) = response.parse(buf) else {
            return None;
        };
        let version = if response.version == Some(0) {
            Version::HTTP_10
        } else {
            Version::HTTP_11
        };
        let fields = response
            .headers
            .iter()
            .map(|h| (h.name.as_bytes().to_vec(), h.value.to_vec()))
            .collect();
        let reason = response.reason.unwrap_or("").as_bytes().to_vec();
        Some((len, version, response.code?, reason, fields))
    }

    fn strict_verdict(buf: &[u8], limits: &Limits) -> Option<Verdict> {
        let mut len = 0;
        let head = parse(buf, limits, &mut len).unwrap()?;
        let fields = head
            .headers
            .iter_raw()
            .map(|(n, v)| (n.to_vec(), v.to_vec()))
            .collect();
        Some((
            len,
            head.version,
            head.status.as_u16(),
            head.headers.block_slice(head.reason).to_vec(),
            fields,
        ))
    }

    /// Whatever this parser accepts, httparse accepts with the same result.
    fn agrees_with_httparse(buf: &[u8]) {
        let limits = Limits::default();
        if let Some(ours) = strict_verdict(buf, &limits) {
            assert_eq!(
                httparse_verdict(buf, limits.max_headers),
                Some(ours),
                "input {:?}",
                String::from_utf8_lossy(buf)
            );
        }
    }

    const TYPICAL: &[u8] = b"HTTP/1.1 200 OK\r\nDate: Sun, 22 Nov 2026 01:39:30 GMT\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 12\r\nX-Empty:\r\nX-Tab: a\tb \t\r\nX-Obs: caf\xc3\xa9\r\n\r\nhello world!";

    #[test]
    fn takes_the_usual_heads() {
        let limits = Limits::default();
        for head in [
            TYPICAL,
            b"HTTP/1.0 404 Not Found\r\n\r\n",
            b"HTTP/1.1 204\r\n\r\n",
            b"HTTP/1.1 200 \r\nA:b\r\n\r\n",
            b"HTTP/1.1 999 Whatever it is\r\n!#$%&'*+-.^_`|~09az:  x  \r\n\r\n",
        ] {
            let verdict = strict_verdict(head, &limits);
            assert!(
                verdict.is_some(),
                "declined {:?}",
                String::from_utf8_lossy(head)
            );
            agrees_with_httparse(head);
        }
        let (len, _, _, reason, fields) = strict_verdict(TYPICAL, &limits).unwrap();
        assert_eq!(len, TYPICAL.len() - 12);
        assert_eq!(reason, b"OK");
        assert_eq!(fields[3], (b"X-Empty".to_vec(), b"".to_vec()));
        assert_eq!(fields[4], (b"X-Tab".to_vec(), b"a\tb".to_vec()));
        assert_eq!(fields[5], (b"X-Obs".to_vec(), b"caf\xc3\xa9".to_vec()));
    }

    #[test]
    fn declines_everything_else() {
        let limits = Limits::default();
        for head in [
            &b"HTTP/1.1 200 OK\r\nA: b\r\n"[..],      // incomplete
            b"HTTP/1.1 200 OK\nA: b\n\n",             // bare LF
            b"\r\nHTTP/1.1 200 OK\r\n\r\n",           // leading blank line
            b"HTTP/1.1 200 Gr\xfc\xdf\r\n\r\n",       // obs-text reason
            b"HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n", // obs-fold
            b"HTTP/1.1 200 OK\r\nA : b\r\n\r\n",      // space before colon
            b"HTTP/1.1 200 OK\r\n: b\r\n\r\n",        // empty name
            b"HTTP/1.1 200 OK\r\nA: b\x7f\r\n\r\n",   // DEL
            b"HTTP/1.1 200 OK\r\nA: b\x00c\r\n\r\n",  // NUL
            b"HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n",    // lone CR
            b"HTTP/1.1 200 OK\r\n\r\r\n",             // bad blank line
            b"HTTP/1.1 099 Low\r\n\r\n",              // status below 100
            b"HTTP/1.2 200 OK\r\n\r\n",               // version
            b"HTTP/1.1  200 OK\r\n\r\n",              // two spaces
            b"HTTP/1.1 200OK\r\n\r\n",                // no space
            b"HTTP/1.1 2x0 OK\r\n\r\n",               // status digits
        ] {
            assert!(
                strict_verdict(head, &limits).is_none(),
                "took {:?}",
                String::from_utf8_lossy(head)
            );
        }
    }

    #[test]
    fn declines_what_a_limit_would_refuse() {
        let many: Vec<u8> = [
            &b"HTTP/1.1 200 OK\r\n"[..],
            &b"A: b\r\n".repeat(STRICT_FIELDS + 1),
            b"\r\n",
        ]
        .concat();
        assert!(strict_verdict(&many, &Limits::default()).is_none());
        let few = Limits {
            max_headers: 0,
            ..Limits::default()
        };
        assert!(strict_verdict(b"HTTP/1.1 200 OK\r\nA: b\r\n\r\n", &few).is_none());
        // A name longer than http's HeaderName allows is left to the other
        // path, which refuses it, however large the limits.
        let huge = Limits {
            max_line_size: 1 << 20,
            max_field_size: 1 << 20,
            ..Limits::default()
        };
        let long_name = [
            &b"HTTP/1.1 200 OK\r\n"[..],
            &b"x".repeat(70_000),
            b": v\r\n\r\n",
        ]
        .concat();
        assert!(strict_verdict(&long_name, &huge).is_none());
        let short = Limits {
            max_line_size: 20,
            ..Limits::default()
        };
        assert!(strict_verdict(b"HTTP/1.1 200 OK\r\nA: b\r\n\r\n", &short).is_none());
        assert!(strict_verdict(b"HTTP/1.1 200 OK\r\n\r\n", &short).is_some());
    }

    #[test]
    fn finds_every_control_byte_at_every_place() {
        for len in 0..20 {
            for place in 0..len {
                for b in (0u8..=255).filter(|&b| b < 0x20 || b == 0x7f) {
                    let mut buf = vec![b'a'; len];
                    buf[place] = b;
                    if place + 1 < len {
                        // A later control byte must not hide the first.
                        buf[len - 1] = 0;
                    }
                    assert_eq!(next_control(&buf, 0), Some(place), "{buf:?}");
                }
            }
            let clean: Vec<u8> = (0..len)
                .map(|i| [0x20, 0x7e, 0x80, 0xff, 0x21][i % 5])
                .collect();
            assert_eq!(next_control(&clean, 0), None);
        }
    }

    #[test]
    fn classifies_every_name_byte_at_every_place() {
        for b in 0u8..=255 {
            let common = b.is_ascii_alphanumeric() || b == b'-';
            for place in 0..8 {
                let mut bytes = *b"aZ09-zA9";
                bytes[place] = b;
                let flags = not_letter_digit_or_hyphen(u64::from_le_bytes(bytes));
                let expected = if common { 0 } else { 0x80 << (place * 8) };
                assert_eq!(flags, expected, "byte {b:#x} at {place}");
            }
        }
        // Tokens other than letters, digits and hyphens, before and after
        // the eight-byte steps, and the first non-token ends the name.
        let line = b"Strict-Transport_Security~x.y: v";
        for start in 0..29 {
            assert_eq!(skip_name(line, start), Some(29), "from {start}");
        }
        assert_eq!(skip_name(b"Content-Ty(e: v", 0), Some(10));
        assert_eq!(skip_name(b"Content-Type", 0), None);
    }

    #[test]
    fn every_byte_in_names_and_values_agrees() {
        for b in 0u8..=255 {
            agrees_with_httparse(
                &[b"HTTP/1.1 200 OK\r\nX".as_slice(), &[b], b": v\r\n\r\n"].concat(),
            );
            agrees_with_httparse(
                &[b"HTTP/1.1 200 OK\r\nX: a".as_slice(), &[b], b"b\r\n\r\n"].concat(),
            );
            agrees_with_httparse(&[b"HTTP/1.1 200 O".as_slice(), &[b], b"K\r\n\r\n"].concat());
        }
    }

    const NAME_BYTES: &[u8] = b"!#$%&'*+-.^_`|~09AZaz";
    const VALUE_BYTES: &[u8] = b" \t!~azAZ09\x80\xff";

    /// Up to `max_len` bytes, nine in ten drawn from `common` (so that most
    /// heads are valid and taken) and the rest any byte.
    fn mostly(common: &'static [u8], max_len: usize) -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![9 => proptest::sample::select(common), 1 => any::<u8>()];
        proptest::collection::vec(byte, 0..max_len)
    }

    proptest! {
        #[test]
        fn mutated_heads_agree_with_httparse(
            edits in proptest::collection::vec((0usize..160, any::<u8>()), 0..4),
            cut in 0usize..200,
        ) {
            let mut buf = TYPICAL.to_vec();
            for (place, byte) in edits {
                let place = place % buf.len();
                buf[place] = byte;
            }
            buf.truncate(cut.max(1));
            agrees_with_httparse(&buf);
        }

        #[test]
        fn arbitrary_fields_agree_with_httparse(
            fields in proptest::collection::vec((mostly(NAME_BYTES, 12), mostly(VALUE_BYTES, 30)), 0..12),
        ) {
            let mut buf = b"HTTP/1.1 200 OK\r\n".to_vec();
            for (name, value) in fields {
                buf.extend_from_slice(&name);
                buf.push(b':');
                buf.extend_from_slice(&value);
                buf.extend_from_slice(b"\r\n");
            }
            buf.extend_from_slice(b"\r\n");
            agrees_with_httparse(&buf);
        }
    }
}
