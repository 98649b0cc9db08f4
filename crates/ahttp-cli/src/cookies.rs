//! `-b` and `-c`: curl's cookie engine on ahttp's [`CookieJar`].
//!
//! - `-b 'n=v; m=w'` (an argument with `=`) sends those cookies with every
//!   request.
//! - `-b FILE` reads a Netscape cookie file (as curl writes with `-c`) and
//!   turns the cookie engine on; a file that does not exist is no error.
//!   `-b ''` turns the engine on with no cookies.
//! - `-c FILE` turns the engine on and writes every cookie to FILE at the
//!   end (`-` is stdout).
//!
//! With the engine on, cookies set by responses are stored and sent by RFC
//! 6265's rules (ordering, domain and path matching) to later requests and
//! redirects, IP-address hosts included, as curl does. With it off, no
//! cookie is stored, not even across a redirect.

use crate::exit::{CliError, WRITE_ERROR};
use ahttp_tokio::cookie::CookieJar;
use std::sync::Arc;

/// The cookie settings of a run.
#[derive(Debug, Default)]
pub struct Cookies {
    /// The jar, when the engine is on.
    pub jar: Option<Arc<CookieJar>>,
    /// `-b 'n=v; ...'` pairs, sent with every request.
    pub literal: Vec<(String, String)>,
    /// Where `-c` writes the jar.
    pub save_to: Option<String>,
}

impl Cookies {
    /// From the `-b` values and the `-c` path.
    pub fn new(b: &[String], c: Option<&str>) -> Cookies {
        let mut cookies = Cookies {
            save_to: c.map(str::to_owned),
            ..Cookies::default()
        };
        let mut engine = c.is_some();
        let jar = Arc::new(
            CookieJar::builder()
                .unsafe_hosts(true)
                .quote_cookie(false)
                .build(),
        );
        for arg in b {
            if arg.contains('=') {
                cookies.literal.extend(parse_cookie_string(arg));
                continue;
            }
            engine = true;
            if arg.is_empty() {
                continue;
            }
            if let Ok(text) = std::fs::read_to_string(arg) {
                jar.load_netscape(&text);
            }
        }
        if engine {
            cookies.jar = Some(jar);
        }
        cookies
    }

    /// Writes the jar for `-c` (nothing without `-c`).
    pub fn save(&self) -> Result<(), CliError> {
        let (Some(path), Some(jar)) = (&self.save_to, &self.jar) else {
            return Ok(());
        };
        let text = jar.to_netscape();
        let written = if path == "-" {
            use std::io::Write;
            std::io::stdout().write_all(text.as_bytes())
        } else {
            std::fs::write(path, text)
        };
        written.map_err(|e| {
            CliError::new(
                WRITE_ERROR,
                format!("Failed to save cookies in {path}: {e}"),
            )
        })
    }
}

/// `n=v; m=w` as pairs; pieces without `=` are skipped.
pub fn parse_cookie_string(s: &str) -> Vec<(String, String)> {
    s.split(';')
        .map(str::trim)
        .filter_map(|p| p.split_once('='))
        .filter(|(n, _)| !n.trim().is_empty())
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_string() {
        assert_eq!(
            parse_cookie_string("a=1; b = 2;;c"),
            vec![("a".into(), "1".into()), ("b".into(), "2".into())]
        );
    }

    #[test]
    fn engine_is_on_for_files_empty_and_jar_only() {
        assert!(Cookies::new(&["a=1".into()], None).jar.is_none());
        assert!(Cookies::new(&[String::new()], None).jar.is_some());
        assert!(Cookies::new(&[], Some("x")).jar.is_some());
        assert!(Cookies::new(&["/nonexistent/file".into()], None)
            .jar
            .is_some());
    }

    #[test]
    fn file_round_trip_with_an_ip_host() {
        let jar = Cookies::new(&[String::new()], None).jar.unwrap();
        let url = url::Url::parse("http://127.0.0.1:8080/a/b").unwrap();
        jar.update_cookies_from_headers(["s=1; Path=/", "t=2; HttpOnly"], &url);
        let text = jar.to_netscape();
        assert!(
            text.contains("127.0.0.1\tFALSE\t/\tFALSE\t0\ts\t1"),
            "{text}"
        );
        assert!(
            text.contains("#HttpOnly_127.0.0.1\tFALSE\t/a\tFALSE\t0\tt\t2"),
            "{text}"
        );
        let again = Cookies::new(&[String::new()], None).jar.unwrap();
        assert_eq!(again.load_netscape(&text), 2);
        assert_eq!(again.cookie_header(&url).as_deref(), Some("t=2; s=1"));
    }
}
