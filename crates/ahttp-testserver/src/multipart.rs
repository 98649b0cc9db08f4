//! A small `multipart/form-data` parser (RFC 7578), enough to check what a
//! client sends: part headers, `name`, `filename` (also `filename*`), content.

use crate::util::percent_decode_bytes;

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Part {
    pub(crate) name: Option<String>,
    pub(crate) filename: Option<String>,
    pub(crate) content_type: Option<String>,
    pub(crate) data: Vec<u8>,
}

/// Splits a header value such as `form-data; name="a"; filename="b"` into
/// its first token and its parameters (names lowercased, quotes removed,
/// backslash escapes resolved).
pub(crate) fn header_params(value: &str) -> (String, Vec<(String, String)>) {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            '\\' if quoted => {
                cur.push(c);
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            ';' if !quoted => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    parts.push(cur);
    let mut iter = parts.into_iter();
    let first = iter.next().unwrap_or_default().trim().to_ascii_lowercase();
    let params = iter
        .filter_map(|p| {
            let (k, v) = p.split_once('=')?;
            Some((k.trim().to_ascii_lowercase(), unquote(v.trim())))
        })
        .collect();
    (first, params)
}

fn unquote(v: &str) -> String {
    let Some(inner) = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) else {
        return v.to_string();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Decodes an RFC 8187 value such as `UTF-8''na%C3%AFve.txt`.
fn ext_value(v: &str) -> Option<String> {
    let mut it = v.splitn(3, '\'');
    let charset = it.next()?;
    let _lang = it.next()?;
    let text = it.next()?;
    let bytes = percent_decode_bytes(text, false);
    if charset.eq_ignore_ascii_case("utf-8") {
        Some(String::from_utf8_lossy(&bytes).into_owned())
    } else {
        // ISO-8859-1: every byte is the code point.
        Some(bytes.iter().map(|&b| b as char).collect())
    }
}

/// The boundary of a `multipart/*` Content-Type value.
pub(crate) fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = header_params(content_type);
    if !kind.starts_with("multipart/") {
        return None;
    }
    params
        .into_iter()
        .find(|(k, _)| k == "boundary")
        .map(|(_, v)| v)
        .filter(|b| !b.is_empty())
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from > hay.len() || needle.is_empty() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// Parses a multipart body; `None` when it is not well formed.
pub(crate) fn parse(body: &[u8], boundary: &str) -> Option<Vec<Part>> {
    let delim = format!("--{boundary}").into_bytes();
    let next_delim = format!("\r\n--{boundary}").into_bytes();
    // The first delimiter may start the body or follow a preamble.
    let mut pos = if body.starts_with(&delim) {
        delim.len()
    } else {
        find(body, &next_delim, 0)? + next_delim.len()
    };
    let mut parts = Vec::new();
    loop {
        if body[pos..].starts_with(b"--") {
            return Some(parts);
        }
        // Transport padding, then the line end.
        while matches!(body.get(pos), Some(b' ' | b'\t')) {
            pos += 1;
        }
        if !body[pos..].starts_with(b"\r\n") {
            return None;
        }
        pos += 2;
        let end = find(body, &next_delim, pos)?;
        parts.push(parse_part(&body[pos..end])?);
        pos = end + next_delim.len();
    }
}

fn parse_part(raw: &[u8]) -> Option<Part> {
    let (head, data) = if raw.starts_with(b"\r\n") {
        (&raw[..0], &raw[2..])
    } else {
        let i = find(raw, b"\r\n\r\n", 0)?;
        (&raw[..i], &raw[i + 4..])
    };
    let mut part = Part {
        name: None,
        filename: None,
        content_type: None,
        data: data.to_vec(),
    };
    for line in String::from_utf8_lossy(head).split("\r\n") {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.trim().eq_ignore_ascii_case("content-disposition") {
            let (_, params) = header_params(value);
            for (k, v) in params {
                match k.as_str() {
                    "name" => part.name = Some(v),
                    "filename" if part.filename.is_none() => part.filename = Some(v),
                    "filename*" => part.filename = ext_value(&v).or(part.filename),
                    _ => {}
                }
            }
        } else if name.trim().eq_ignore_ascii_case("content-type") {
            part.content_type = Some(value.to_string());
        }
    }
    Some(part)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_and_files() {
        let body = b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x \\\"q\\\".txt\"\r\nContent-Type: text/plain\r\n\r\nline1\r\nline2\r\n--XyZ\r\nContent-Disposition: form-data; name=\"g\"; filename*=UTF-8''na%C3%AFve.txt\r\n\r\n\r\n--XyZ--\r\n";
        let parts = parse(body, "XyZ").expect("parse");
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0].name.as_deref(), Some("a"));
        assert_eq!(parts[0].data, b"1");
        assert_eq!(parts[1].filename.as_deref(), Some("x \"q\".txt"));
        assert_eq!(parts[1].content_type.as_deref(), Some("text/plain"));
        assert_eq!(parts[1].data, b"line1\r\nline2");
        assert_eq!(parts[2].filename.as_deref(), Some("naïve.txt"));
        assert_eq!(parts[2].data, b"");
    }

    #[test]
    fn finds_boundary() {
        assert_eq!(
            boundary("multipart/form-data; boundary=\"a b\"").as_deref(),
            Some("a b")
        );
        assert_eq!(boundary("text/plain; boundary=x"), None);
    }
}
