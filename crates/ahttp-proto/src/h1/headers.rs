//! Received header fields: raw bytes in order, and an `http::HeaderMap` view.

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};
use std::fmt;
use std::sync::OnceLock;

/// Where one field's name and value lie in the block's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawField {
    pub name: (u32, u32),
    pub value: (u32, u32),
}

impl RawField {
    /// Bytes per field in the index: its four offsets as one little-endian
    /// `u128` (one store to write, one load to read).
    pub(crate) const ENCODED_LEN: usize = 16;

    pub(crate) fn encode(self) -> [u8; Self::ENCODED_LEN] {
        let word = u128::from(self.name.0)
            | u128::from(self.name.1) << 32
            | u128::from(self.value.0) << 64
            | u128::from(self.value.1) << 96;
        word.to_le_bytes()
    }

    /// Reads a field back from its `ENCODED_LEN` index bytes.
    fn decode(bytes: &[u8]) -> Self {
        let mut le = [0; Self::ENCODED_LEN];
        le.copy_from_slice(bytes);
        let word = u128::from_le_bytes(le);
        let part = |shift: u32| (word >> shift) as u32;
        RawField {
            name: (part(0), part(32)),
            value: (part(64), part(96)),
        }
    }
}

/// The header fields of a response head, or of a chunked body's trailer
/// section, exactly as received.
///
/// The fields keep their order, their original name case and their raw
/// value bytes (for aiohttp's `raw_headers`). The received block is copied
/// once, out of the read buffer, into one allocation that also holds the
/// index of where each field lies; every field is a slice of it.
/// The [`http::HeaderMap`] view is built on first use of [`Headers::map`]:
/// framing decisions do not need it, and a caller that only reads a header
/// or two can use [`Headers::get`] without building it at all.
///
/// (One copy of a few hundred bytes is cheaper than sharing the read
/// buffer: splitting a `Bytes` off it and dropping that later are two
/// atomic operations, and the index would need an allocation of its own.
/// `count_head ratio` in the benches measures the difference.)
///
/// ```
/// use ahttp_proto::h1::{ClientConnection, Event, RequestHead};
/// use bytes::BytesMut;
/// use http::{Method, Version};
///
/// let mut conn = ClientConnection::new();
/// let head = RequestHead::new(&Method::GET, "/", Version::HTTP_11, [("Host", "example.com")]);
/// conn.send_request(head, std::time::Instant::now(), &mut BytesMut::new()).unwrap();
/// let mut buf = BytesMut::from(&b"HTTP/1.1 200 OK\r\nX-Id: 7\r\nContent-Length: 0\r\n\r\n"[..]);
/// let Event::Response(head) = conn.decode(&mut buf).unwrap() else { panic!() };
/// assert_eq!(head.headers().get("x-id"), Some(&b"7"[..]));
/// assert_eq!(head.headers().map()["x-id"], "7");
/// let raw: Vec<_> = head.headers().iter_raw().collect();
/// assert_eq!(raw[0], (&b"X-Id"[..], &b"7"[..]));
/// ```
#[derive(Clone, Default)]
pub struct Headers {
    /// The received block, then the field index: `RawField::ENCODED_LEN`
    /// bytes per field, in received order.
    storage: Vec<u8>,
    /// Where the index starts: the block's length.
    index_at: usize,
    /// Boxed so that a head moves cheaply until the map is wanted.
    map: OnceLock<Box<HeaderMap>>,
}

impl Headers {
    /// Copies `block` and indexes the fields httparse found in it (values
    /// already trimmed by httparse), checking the field size limit. When
    /// `may_fold` (httparse ran with obs-fold allowed), every obs-fold in a
    /// value is rewritten to one space, as RFC 9112 section 5.2 asks of a
    /// user agent and as h11 does.
    #[inline(always)]
    pub(crate) fn from_parsed(
        block: &[u8],
        parsed: &[httparse::Header<'_>],
        max_field_size: usize,
        may_fold: bool,
    ) -> Result<Self, crate::ErrorKind> {
        // Offsets are u32 to keep the index small; a head that large is far
        // past any sensible limit.
        if block.len() > u32::MAX as usize {
            return Err(crate::ErrorKind::HeaderFieldTooLong {
                limit: max_field_size,
            });
        }
        // No field can be longer than the block holding it: for the usual
        // short head the per-field check is skipped (as the line check is).
        if block.len() > max_field_size.min(u16::MAX as usize) {
            // A name longer than http's HeaderName allows could not be mapped.
            let too_long = parsed.iter().any(|h| {
                h.name.len() + h.value.len() > max_field_size || h.name.len() > u16::MAX as usize
            });
            if too_long {
                return Err(crate::ErrorKind::HeaderFieldTooLong {
                    limit: max_field_size.min(u16::MAX as usize),
                });
            }
        }
        let origin = block.as_ptr() as usize;
        let offset = |part: &[u8]| (part.as_ptr() as usize - origin) as u32;
        let len = block.len() + parsed.len() * RawField::ENCODED_LEN;
        let mut storage = Vec::with_capacity(len);
        storage.extend_from_slice(block);
        storage.resize(len, 0);
        let index = storage[block.len()..].chunks_exact_mut(RawField::ENCODED_LEN);
        for (encoded, h) in index.zip(parsed) {
            let (name, value) = (h.name.as_bytes(), h.value);
            let (name_start, value_start) = (offset(name), offset(value));
            let field = RawField {
                name: (name_start, name_start + name.len() as u32),
                value: (value_start, value_start + value.len() as u32),
            };
            encoded.copy_from_slice(&field.encode());
        }
        let folded = may_fold
            && parsed
                .iter()
                .any(|h| memchr::memchr2(b'\r', b'\n', h.value).is_some());
        if folded {
            unfold(&mut storage, block.len());
        }
        Ok(Headers {
            storage,
            index_at: block.len(),
            map: OnceLock::new(),
        })
    }

    /// Copies `block` and an index of its fields already encoded (by the
    /// strict head parser, which checked the names, values and limits).
    #[inline(always)]
    pub(crate) fn from_index(block: &[u8], index: &[u8]) -> Self {
        let mut storage = Vec::with_capacity(block.len() + index.len());
        storage.extend_from_slice(block);
        storage.extend_from_slice(index);
        Headers {
            storage,
            index_at: block.len(),
            map: OnceLock::new(),
        }
    }

    fn fields(&self) -> impl Iterator<Item = RawField> + '_ {
        self.storage[self.index_at..]
            .chunks_exact(RawField::ENCODED_LEN)
            .map(RawField::decode)
    }

    /// Number of fields (a repeated name counts once per line).
    pub fn len(&self) -> usize {
        (self.storage.len() - self.index_at) / RawField::ENCODED_LEN
    }

    /// True when there are no fields.
    pub fn is_empty(&self) -> bool {
        self.storage.len() == self.index_at
    }

    /// Bytes of the received block, by offsets found while parsing.
    pub(crate) fn block_slice(&self, (start, end): (u32, u32)) -> &[u8] {
        &self.storage[start as usize..end as usize]
    }

    fn name_of(&self, field: RawField) -> &[u8] {
        self.block_slice(field.name)
    }

    fn value_of(&self, field: RawField) -> &[u8] {
        self.block_slice(field.value)
    }

    /// The fields in received order as (name, value) bytes, name in its
    /// original case, value without surrounding whitespace.
    pub fn iter_raw(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.fields().map(|f| (self.name_of(f), self.value_of(f)))
    }

    /// The first value of `name` (compared case-insensitively), without
    /// building the header map.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.fields()
            .find(|&f| self.name_of(f).eq_ignore_ascii_case(name.as_bytes()))
            .map(|f| self.value_of(f))
    }

    /// Every value of `name` in received order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.fields()
            .filter(move |&f| self.name_of(f).eq_ignore_ascii_case(name.as_bytes()))
            .map(|f| self.value_of(f))
    }

    /// The fields as an [`http::HeaderMap`], built on first call and then
    /// kept. Values share the received bytes.
    pub fn map(&self) -> &HeaderMap {
        self.map.get_or_init(|| Box::new(self.build_map()))
    }

    /// The fields as an owned [`http::HeaderMap`].
    pub fn into_map(mut self) -> HeaderMap {
        match self.map.take() {
            Some(map) => *map,
            None => self.build_map(),
        }
    }

    fn build_map(&self) -> HeaderMap {
        let mut map = HeaderMap::with_capacity(self.len());
        // The values share one copy of the block: a plain Vec holds the
        // head until now because it is cheaper to build and drop than
        // Bytes, and most responses never need the map.
        let shared = Bytes::copy_from_slice(&self.storage[..self.index_at]);
        for field in self.fields() {
            // The parser admitted only token names and values without
            // control bytes, which is exactly what these constructors accept,
            // so neither can fail (a test feeds every byte to both to prove
            // it); should one ever fail, the field is left out of the map
            // rather than panicking, and stays in `iter_raw`.
            let Ok(name) = HeaderName::from_bytes(self.name_of(field)) else {
                continue;
            };
            let value = shared.slice(field.value.0 as usize..field.value.1 as usize);
            let Ok(value) = HeaderValue::from_maybe_shared(value) else {
                continue;
            };
            map.append(name, value);
        }
        map
    }
}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter_raw().map(|(n, v)| {
                (
                    String::from_utf8_lossy(n).into_owned(),
                    String::from_utf8_lossy(v).into_owned(),
                )
            }))
            .finish()
    }
}

impl PartialEq for Headers {
    fn eq(&self, other: &Self) -> bool {
        self.iter_raw().eq(other.iter_raw())
    }
}

impl Eq for Headers {}

/// Rewrites every obs-fold (a line ending followed by spaces or tabs) inside
/// the values of `storage`'s block to a single space, in place; each
/// value's end in the index moves back accordingly.
fn unfold(storage: &mut [u8], index_at: usize) {
    let (block, index) = storage.split_at_mut(index_at);
    for encoded in index.chunks_exact_mut(RawField::ENCODED_LEN) {
        let mut field = RawField::decode(encoded);
        let (start, end) = (field.value.0 as usize, field.value.1 as usize);
        let mut write = start;
        let mut read = start;
        while read < end {
            let b = block[read];
            if b == b'\r' || b == b'\n' {
                block[write] = b' ';
                write += 1;
                read += 1;
                while read < end && matches!(block[read], b'\r' | b'\n' | b' ' | b'\t') {
                    read += 1;
                }
            } else {
                block[write] = b;
                write += 1;
                read += 1;
            }
        }
        field.value.1 = write as u32;
        encoded.copy_from_slice(&field.encode());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every byte httparse admits in a header name or value is accepted by
    /// `http`'s constructors, so the lazily built map never drops a field.
    #[test]
    fn http_accepts_every_byte_httparse_admits() {
        for b in 0u8..=255 {
            let head = [b"HTTP/1.1 200 OK\r\nX".as_slice(), &[b], b": v\r\n\r\n"].concat();
            let mut hs = [httparse::EMPTY_HEADER; 4];
            let mut resp = httparse::Response::new(&mut hs);
            if let Ok(httparse::Status::Complete(_)) = resp.parse(&head) {
                let name = resp.headers[0].name.as_bytes();
                assert!(HeaderName::from_bytes(name).is_ok(), "name byte {b:#x}");
            }
            let head = [b"HTTP/1.1 200 OK\r\nX: a".as_slice(), &[b], b"b\r\n\r\n"].concat();
            let mut hs = [httparse::EMPTY_HEADER; 4];
            let mut resp = httparse::Response::new(&mut hs);
            if let Ok(httparse::Status::Complete(_)) = resp.parse(&head) {
                let value = resp.headers[0].value;
                assert!(HeaderValue::from_bytes(value).is_ok(), "value byte {b:#x}");
            }
        }
    }

    #[test]
    fn unfold_collapses_each_fold_to_one_space() {
        let block = b"a \r\n \t b\n\tc";
        let field = RawField {
            name: (0, 0),
            value: (0, block.len() as u32),
        };
        let mut storage = [&block[..], &field.encode()].concat();
        unfold(&mut storage, block.len());
        let field = RawField::decode(&storage[block.len()..]);
        assert_eq!(&storage[..field.value.1 as usize], b"a  b c");
    }

    #[test]
    fn a_field_survives_its_encoding() {
        let field = RawField {
            name: (1, 70_000),
            value: (u32::MAX - 1, u32::MAX),
        };
        assert_eq!(RawField::decode(&field.encode()), field);
    }
}
