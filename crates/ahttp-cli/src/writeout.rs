//! `-w/--write-out`: curl's format language over what one transfer did.
//!
//! `%{name}` is a variable, `%header{Name}` a response header, `%%` a
//! percent sign, and `\n`, `\r`, `\t`, `\\` the usual escapes.
//! `%{stdout}` and `%{stderr}` switch where the rest goes. An unknown
//! variable prints a warning on stderr and nothing in the output, as curl
//! does.

use std::time::Duration;

/// What a finished (or failed) transfer reports to `-w`.
#[derive(Debug, Clone, Default)]
pub struct Transfer {
    /// The URL as given.
    pub url: String,
    /// The URL last fetched (after redirects).
    pub url_effective: String,
    /// The last status, 0 when there was no response.
    pub http_code: u16,
    /// The method last sent.
    pub method: String,
    /// "1.0" or "1.1", "0" when there was no response.
    pub http_version: String,
    /// Redirects followed.
    pub num_redirects: usize,
    /// The `Location` of the last response, resolved, when not followed.
    pub redirect_url: Option<String>,
    /// Body bytes received (as sent on the wire, before decompression).
    pub size_download: u64,
    /// Bytes of response heads received.
    pub size_header: u64,
    /// Bytes of request body sent.
    pub size_upload: u64,
    /// The last response's Content-Type.
    pub content_type: Option<String>,
    /// The last response's headers, in order.
    pub headers: Vec<(String, String)>,
    /// From start to end of the transfer.
    pub time_total: Duration,
    /// curl's exit code for the transfer.
    pub exitcode: u8,
    /// The error message, when it failed.
    pub errormsg: String,
}

/// Where a piece of write-out goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Standard output (the default).
    Stdout,
    /// Standard error.
    Stderr,
}

/// The rendered output, in pieces by target, plus warnings for stderr.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Rendered {
    /// Text and where it goes, in order.
    pub pieces: Vec<(Target, String)>,
    /// Warnings about unknown variables.
    pub warnings: Vec<String>,
}

/// Renders `format` for `t`.
pub fn render(format: &str, t: &Transfer) -> Rendered {
    let mut out = Rendered::default();
    let mut target = Target::Stdout;
    let mut cur = String::new();
    let mut rest = format;
    while let Some(c) = rest.chars().next() {
        if c == '\\' {
            let mut chars = rest.chars();
            chars.next();
            match chars.next() {
                Some('n') => cur.push('\n'),
                Some('r') => cur.push('\r'),
                Some('t') => cur.push('\t'),
                Some('\\') => cur.push('\\'),
                Some(other) => {
                    cur.push('\\');
                    cur.push(other);
                }
                None => cur.push('\\'),
            }
            rest = chars.as_str();
            continue;
        }
        if c == '%' {
            if let Some(after) = rest.strip_prefix("%%") {
                cur.push('%');
                rest = after;
                continue;
            }
            if let Some(after) = rest.strip_prefix("%{") {
                if let Some(end) = after.find('}') {
                    let name = &after[..end];
                    rest = &after[end + 1..];
                    match name {
                        "stdout" | "stderr" => {
                            if !cur.is_empty() {
                                out.pieces.push((target, std::mem::take(&mut cur)));
                            }
                            target = if name == "stdout" {
                                Target::Stdout
                            } else {
                                Target::Stderr
                            };
                        }
                        _ => match variable(name, t) {
                            Some(v) => cur.push_str(&v),
                            None => out
                                .warnings
                                .push(format!("unknown --write-out variable: '{name}'")),
                        },
                    }
                    continue;
                }
            }
            if let Some(after) = rest.strip_prefix("%header{") {
                if let Some(end) = after.find('}') {
                    let name = &after[..end];
                    rest = &after[end + 1..];
                    let values: Vec<&str> = t
                        .headers
                        .iter()
                        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                        .map(|(_, v)| v.as_str())
                        .collect();
                    cur.push_str(&values.join(", "));
                    continue;
                }
            }
        }
        cur.push(c);
        rest = &rest[c.len_utf8()..];
    }
    if !cur.is_empty() {
        out.pieces.push((target, cur));
    }
    out
}

/// The value of `%{name}`, or `None` for a name curl would not know.
fn variable(name: &str, t: &Transfer) -> Option<String> {
    let secs = |d: Duration| format!("{:.6}", d.as_secs_f64());
    Some(match name {
        "http_code" | "response_code" => format!("{:03}", t.http_code),
        "num_redirects" => t.num_redirects.to_string(),
        "url_effective" => t.url_effective.clone(),
        "url" => t.url.clone(),
        "size_download" => t.size_download.to_string(),
        "size_header" => t.size_header.to_string(),
        "size_upload" => t.size_upload.to_string(),
        "size_request" => "0".to_owned(),
        "time_total" => secs(t.time_total),
        "content_type" => t.content_type.clone().unwrap_or_default(),
        "method" => t.method.clone(),
        "http_version" => t.http_version.clone(),
        "exitcode" => t.exitcode.to_string(),
        "errormsg" => t.errormsg.clone(),
        "redirect_url" => t.redirect_url.clone().unwrap_or_default(),
        "num_headers" => t.headers.len().to_string(),
        "scheme" => t
            .url_effective
            .split_once("://")
            .map(|(s, _)| s.to_ascii_uppercase())
            .unwrap_or_default(),
        "speed_download" => {
            let s = t.time_total.as_secs_f64();
            if s > 0.0 {
                format!("{}", (t.size_download as f64 / s) as u64)
            } else {
                "0".to_owned()
            }
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> Transfer {
        Transfer {
            url: "http://h/a".into(),
            url_effective: "http://h/b".into(),
            http_code: 200,
            num_redirects: 2,
            size_download: 42,
            time_total: Duration::from_millis(1500),
            headers: vec![("Content-Type".into(), "text/plain".into())],
            ..Transfer::default()
        }
    }

    fn stdout_of(r: &Rendered) -> String {
        r.pieces
            .iter()
            .filter(|(t, _)| *t == Target::Stdout)
            .map(|(_, s)| s.as_str())
            .collect()
    }

    #[test]
    fn variables_and_escapes() {
        let r = render(
            "%{http_code} %{num_redirects} %{url_effective} %{size_download} %{time_total}\\n",
            &t(),
        );
        assert_eq!(stdout_of(&r), "200 2 http://h/b 42 1.500000\n");
    }

    #[test]
    fn no_response_is_000_and_percent_escapes() {
        let r = render(
            "%{http_code}%%\\t%header{content-type}",
            &Transfer::default(),
        );
        assert_eq!(stdout_of(&r), "000%\t");
        let r = render("%header{content-type}", &t());
        assert_eq!(stdout_of(&r), "text/plain");
    }

    #[test]
    fn unknown_variable_warns_and_prints_nothing() {
        let r = render("x%{bogus}y", &t());
        assert_eq!(stdout_of(&r), "xy");
        assert_eq!(r.warnings, ["unknown --write-out variable: 'bogus'"]);
    }

    #[test]
    fn stderr_switch() {
        let r = render("a%{stderr}b%{stdout}c", &t());
        assert_eq!(
            r.pieces,
            vec![
                (Target::Stdout, "a".into()),
                (Target::Stderr, "b".into()),
                (Target::Stdout, "c".into())
            ]
        );
    }
}
