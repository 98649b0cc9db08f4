//! Parsing of response header values: Content-Type, Content-Disposition
//! and Link.

use url::Url;

/// Splits `value` on `sep` outside double quotes.
fn split_unquoted(value: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == sep && !quoted => {
                parts.push(&value[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&value[start..]);
    parts
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    match v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) => {
            let mut out = String::with_capacity(inner.len());
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    if let Some(next) = chars.next() {
                        out.push(next);
                    }
                } else {
                    out.push(c);
                }
            }
            out
        }
        None => v.to_owned(),
    }
}

/// `name=value` parameters after a `;`, names lowercased.
fn params(parts: &[&str]) -> Vec<(String, String)> {
    parts
        .iter()
        .filter_map(|p| {
            let (k, v) = p.split_once('=')?;
            Some((k.trim().to_ascii_lowercase(), unquote(v)))
        })
        .collect()
}

/// The media type (lowercased) and charset of a Content-Type value.
pub(crate) fn parse_content_type(value: &str) -> (String, Option<String>) {
    let parts = split_unquoted(value, ';');
    let mime = parts[0].trim().to_ascii_lowercase();
    let charset = params(&parts[1..])
        .into_iter()
        .find(|(k, _)| k == "charset")
        .map(|(_, v)| v.to_ascii_lowercase());
    (mime, charset)
}

/// A parsed Content-Disposition header, as aiohttp's
/// `ContentDisposition(type, parameters, filename)`.
///
/// ```
/// use ahttp::ContentDisposition;
///
/// let cd = ContentDisposition::parse("attachment; filename=\"a b.txt\"; filename*=UTF-8''%E2%82%AC.txt");
/// assert_eq!(cd.disposition_type, "attachment");
/// assert_eq!(cd.filename.as_deref(), Some("€.txt"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentDisposition {
    /// `inline`, `attachment`, `form-data`, ... lowercased.
    pub disposition_type: String,
    /// Every parameter, names lowercased, values unquoted.
    pub parameters: Vec<(String, String)>,
    /// The filename: `filename*` (RFC 6266/5987) when present, else
    /// `filename`.
    pub filename: Option<String>,
}

impl ContentDisposition {
    /// Parses a header value.
    pub fn parse(value: &str) -> Self {
        let parts = split_unquoted(value, ';');
        let disposition_type = parts[0].trim().to_ascii_lowercase();
        let parameters = params(&parts[1..]);
        let extended = parameters
            .iter()
            .find(|(k, _)| k == "filename*")
            .and_then(|(_, v)| decode_ext_value(v));
        let plain = parameters
            .iter()
            .find(|(k, _)| k == "filename")
            .map(|(_, v)| v.clone());
        ContentDisposition {
            disposition_type,
            filename: extended.or(plain),
            parameters,
        }
    }
}

/// `charset'lang'percent-encoded` (RFC 5987); UTF-8 and ISO-8859-1.
fn decode_ext_value(v: &str) -> Option<String> {
    let mut it = v.splitn(3, '\'');
    let charset = it.next()?.to_ascii_lowercase();
    let _lang = it.next()?;
    let encoded = it.next()?;
    let bytes: Vec<u8> = percent_encoding::percent_decode_str(encoded).collect();
    match charset.as_str() {
        "utf-8" => String::from_utf8(bytes).ok(),
        "iso-8859-1" | "latin1" => Some(bytes.iter().map(|&b| b as char).collect()),
        _ => None,
    }
}

/// One entry of a Link header, as aiohttp's `resp.links` values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The target, resolved against the response URL.
    pub url: Url,
    /// The `rel` parameter (aiohttp keys links by it, or by the URL).
    pub rel: Option<String>,
    /// Every parameter, names lowercased.
    pub params: Vec<(String, String)>,
}

/// Parses a Link header value (RFC 8288).
pub(crate) fn parse_links(value: &str, base: &Url) -> Vec<Link> {
    split_unquoted(value, ',')
        .into_iter()
        .filter_map(|entry| {
            let entry = entry.trim();
            let rest = entry.strip_prefix('<')?;
            let (target, rest) = rest.split_once('>')?;
            let url = base.join(target.trim()).ok()?;
            let parts: Vec<&str> = split_unquoted(rest, ';');
            let params = params(&parts);
            let rel = params
                .iter()
                .find(|(k, _)| k == "rel")
                .map(|(_, v)| v.clone());
            Some(Link { url, rel, params })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        assert_eq!(
            parse_content_type("Text/HTML; Charset=\"UTF-8\""),
            ("text/html".into(), Some("utf-8".into()))
        );
        assert_eq!(
            parse_content_type("application/json"),
            ("application/json".into(), None)
        );
    }

    #[test]
    fn links() {
        let base = Url::parse("http://h.example/a/").unwrap();
        let links = parse_links(
            "<b?page=2>; rel=\"next\", <http://x.example/>; rel=prev; title=\"a, b\"",
            &base,
        );
        assert_eq!(links.len(), 2);
        assert_eq!(links[0].url.as_str(), "http://h.example/a/b?page=2");
        assert_eq!(links[0].rel.as_deref(), Some("next"));
        assert_eq!(links[1].params[1], ("title".to_owned(), "a, b".to_owned()));
    }

    #[test]
    fn dispositions() {
        let cd = ContentDisposition::parse("form-data; name=\"f\"; filename=\"x\\\"y.txt\"");
        assert_eq!(cd.filename.as_deref(), Some("x\"y.txt"));
        assert_eq!(cd.parameters[0], ("name".to_owned(), "f".to_owned()));
    }
}
