//! Small helpers: query strings, deterministic bytes, compression, JSON.

use std::io::Write;

use base64::Engine as _;
use serde_json::{Map, Value};

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes `%XX` escapes (and `+` as a space when `plus` is set) into bytes;
/// invalid escapes are kept as they are.
pub(crate) fn percent_decode_bytes(s: &str, plus: bool) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'+' && plus {
            out.push(b' ');
        } else if b == b'%' {
            match (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            ) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b),
            }
        } else {
            out.push(b);
        }
        i += 1;
    }
    out
}

/// [`percent_decode_bytes`], with invalid UTF-8 replaced.
pub(crate) fn percent_decode(s: &str, plus: bool) -> String {
    String::from_utf8_lossy(&percent_decode_bytes(s, plus)).into_owned()
}

/// Parses `a=1&b=2&flag` into decoded pairs, in order (`flag` gets "").
pub(crate) fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k, true), percent_decode(v, true)),
            None => (percent_decode(p, true), String::new()),
        })
        .collect()
}

/// Pairs as a JSON object; a key seen more than once maps to an array of
/// its values in order (httpbin's `args` and `form` shape).
pub(crate) fn multi_map<I>(pairs: I) -> Value
where
    I: IntoIterator<Item = (String, Value)>,
{
    let mut map = Map::new();
    let mut repeated = std::collections::HashSet::new();
    for (k, v) in pairs {
        match map.get_mut(&k) {
            None => {
                map.insert(k, v);
            }
            Some(Value::Array(items)) if repeated.contains(&k) => items.push(v),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, v]);
                repeated.insert(k);
            }
        }
    }
    Value::Object(map)
}

/// The first value of `key` in `pairs`.
pub(crate) fn query_get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Parses the first value of `key` as `T`, or `default` when absent or bad.
pub(crate) fn query_num<T: std::str::FromStr>(
    pairs: &[(String, String)],
    key: &str,
    default: T,
) -> T {
    query_get(pairs, key)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// Body bytes as a JSON string: the text if it is UTF-8, otherwise a
/// `data:application/octet-stream;base64,...` URL (as httpbin does).
pub(crate) fn body_string(body: &[u8]) -> String {
    match std::str::from_utf8(body) {
        Ok(s) => s.to_string(),
        Err(_) => format!(
            "data:application/octet-stream;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(body)
        ),
    }
}

/// `n` deterministic pseudo-random bytes (SplitMix64 from `seed`, each
/// 64-bit output written little-endian). See [`crate::pseudo_random_bytes`].
pub(crate) fn prng_bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut state = seed;
    let mut out = Vec::with_capacity(n + 8);
    while out.len() < n {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        out.extend_from_slice(&z.to_le_bytes());
    }
    out.truncate(n);
    out
}

/// `n` bytes of `abcdefghijklmnopqrstuvwxyz` repeated (httpbin's `/range`).
pub(crate) fn alphabet_bytes(n: usize) -> Vec<u8> {
    (0..n).map(|i| b'a' + (i % 26) as u8).collect()
}

/// The content codings the server can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coding {
    Gzip,
    /// zlib-wrapped deflate (RFC 1950), the correct `deflate`.
    Deflate,
    /// Raw deflate (RFC 1951) sent as `deflate`, as some servers do.
    DeflateRaw,
    Brotli,
    Zstd,
}

impl Coding {
    pub(crate) fn from_name(name: &str) -> Option<Coding> {
        Some(match name {
            "gzip" | "x-gzip" => Coding::Gzip,
            "deflate" => Coding::Deflate,
            "deflate-raw" => Coding::DeflateRaw,
            "br" | "brotli" => Coding::Brotli,
            "zstd" => Coding::Zstd,
            _ => return None,
        })
    }

    /// The `Content-Encoding` token.
    pub(crate) fn token(self) -> &'static str {
        match self {
            Coding::Gzip => "gzip",
            Coding::Deflate | Coding::DeflateRaw => "deflate",
            Coding::Brotli => "br",
            Coding::Zstd => "zstd",
        }
    }
}

/// Compresses `data` with `coding`.
pub(crate) fn compress(coding: Coding, data: &[u8]) -> std::io::Result<Vec<u8>> {
    use flate2::Compression;
    match coding {
        Coding::Gzip => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), Compression::default());
            e.write_all(data)?;
            e.finish()
        }
        Coding::Deflate => {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), Compression::default());
            e.write_all(data)?;
            e.finish()
        }
        Coding::DeflateRaw => {
            let mut e = flate2::write::DeflateEncoder::new(Vec::new(), Compression::default());
            e.write_all(data)?;
            e.finish()
        }
        Coding::Brotli => {
            let mut out = Vec::new();
            {
                let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
                w.write_all(data)?;
                w.flush()?;
            }
            Ok(out)
        }
        Coding::Zstd => zstd::encode_all(data, 3),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_queries() {
        assert_eq!(
            parse_query("a=1&b=x+y%21&a=2&flag&&c=%zz"),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y!".into()),
                ("a".into(), "2".into()),
                ("flag".into(), "".into()),
                ("c".into(), "%zz".into()),
            ]
        );
        assert_eq!(percent_decode("%4", false), "%4");
        assert_eq!(percent_decode("a+b", false), "a+b");
    }

    #[test]
    fn multi_map_groups_repeats() {
        let v = multi_map(
            [("a", "1"), ("b", "2"), ("a", "3"), ("a", "4")]
                .map(|(k, v)| (k.to_string(), Value::from(v))),
        );
        assert_eq!(v, serde_json::json!({"a": ["1", "3", "4"], "b": "2"}));
    }

    #[test]
    fn prng_is_stable() {
        let a = prng_bytes(20, 0);
        assert_eq!(a.len(), 20);
        assert_eq!(&prng_bytes(8, 0)[..], &a[..8]);
        assert_ne!(prng_bytes(8, 1), prng_bytes(8, 0));
    }
}
