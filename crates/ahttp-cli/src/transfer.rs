//! Transfers: the session every URL shares, one request per URL, and what
//! is written for it (heads, body, `-w`, errors).

use crate::args::TransferArgs;
use crate::body::{upload_url, BodySpec};
use crate::cookies::Cookies;
use crate::exit::{self, CliError};
use crate::output::{self, Sink};
use crate::proxy::ProxyConfig;
use crate::tls::{self, TlsFlags};
use crate::writeout::{self, Target, Transfer};
use ahttp_tokio::cookie::AbstractCookieJar;
use ahttp_tokio::{
    BasicAuth, ClientResponse, ClientSession, ClientTimeout, Method, Proxy, Ssl, TcpConnector,
    TokioRuntime, Url, Version,
};
use futures_util::StreamExt;
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The Accept-Encoding curl sends with `--compressed`.
const ACCEPT_ENCODING: &str = "deflate, gzip, br, zstd";
/// The automatic headers a `-H 'Name:'` can remove.
const AUTO_HEADERS: [&str; 4] = ["accept", "user-agent", "content-type", "accept-encoding"];
/// curl's default `--max-redirs` with `-L`.
const DEFAULT_MAX_REDIRS: i64 = 50;
/// curl's default connect timeout.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(300);
/// The longest response header line curl takes (100 KiB); the client's
/// own default (8 KiB, aiohttp's) is lower.
const MAX_HEADER_LINE: usize = 100 * 1024;
/// How many header fields are accepted.
const MAX_HEADERS: usize = 1000;

/// A header from `-H`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum HeaderArg {
    /// `Name: value`.
    Set(String, String),
    /// `Name:`: leave out the automatic header of that name.
    Remove(String),
}

fn parse_header(h: &str) -> Option<HeaderArg> {
    if let Some((name, value)) = h.split_once(':') {
        let name = name.trim();
        if name.is_empty() {
            return None;
        }
        let value = value.trim();
        return Some(if value.is_empty() {
            HeaderArg::Remove(name.to_owned())
        } else {
            HeaderArg::Set(name.to_owned(), value.to_owned())
        });
    }
    // `Name;` sends the header with an empty value.
    let name = h.trim().strip_suffix(';')?.trim();
    (!name.is_empty()).then(|| HeaderArg::Set(name.to_owned(), String::new()))
}

/// What the run needs across URLs.
pub struct Runner<'a> {
    args: &'a TransferArgs,
    session: ClientSession,
    ssl: Option<Ssl>,
    proxies: ProxyConfig,
    body: BodySpec,
    cookies: Cookies,
    headers: Vec<HeaderArg>,
    write_out: Option<String>,
    version: Version,
    stdout: std::io::BufWriter<std::fs::File>,
}

impl<'a> Runner<'a> {
    /// Reads files and flags and builds the session.
    pub fn new(args: &'a TransferArgs) -> Result<Runner<'a>, CliError> {
        let ca_pem = args.cacert.as_deref().map(tls::read_cacert).transpose()?;
        let tls_flags = TlsFlags {
            insecure: args.insecure,
            cert: args.cert.as_deref(),
            key: args.key.as_deref(),
            pinned: args.pinnedpubkey.as_deref(),
        };
        let ssl = tls::ssl_mode(&tls_flags)?;
        let mut connector = TcpConnector::builder(TokioRuntime).use_system_roots(true);
        if let Some(pem) = &ca_pem {
            connector = connector.add_ca_pem(pem);
        }
        if let Some(client) = tls::client_certificate(&tls_flags)? {
            connector = connector.client_certificate_pem(&client.cert_pem, &client.key_pem);
        }
        if let Some(path) = &args.unix_socket {
            connector = connector.unix_socket(path.to_string_lossy().into_owned());
        }
        for r in &args.resolve {
            for (host, port, addr) in parse_resolve(r)? {
                connector = connector.resolve_override(&host, port, addr);
            }
        }
        let cookies = Cookies::new(&args.cookie, args.cookie_jar.as_deref());
        let version = if args.http1_0 {
            Version::HTTP_10
        } else {
            Version::HTTP_11
        };
        let headers: Vec<HeaderArg> = args
            .headers
            .iter()
            .filter_map(|h| parse_header(h))
            .collect();
        let mut skip: Vec<String> = headers
            .iter()
            .filter_map(|h| match h {
                HeaderArg::Remove(n) if AUTO_HEADERS.contains(&n.to_ascii_lowercase().as_str()) => {
                    Some(n.clone())
                }
                _ => None,
            })
            .collect();
        if !args.compressed {
            skip.push("Accept-Encoding".to_owned());
        }
        if args.user_agent.as_deref() == Some("") {
            skip.push("User-Agent".to_owned());
        }
        let mut timeout = ClientTimeout::none().with_connect(
            args.connect_timeout
                .map(seconds)
                .transpose()?
                .unwrap_or(DEFAULT_CONNECT_TIMEOUT),
        );
        timeout.total = args.max_time.map(seconds).transpose()?;
        let mut builder = ClientSession::builder()
            .connector(connector.build())
            .timeout(timeout)
            .auto_decompress(args.compressed)
            .skip_auto_headers(skip)
            .version(version)
            .max_line_size(MAX_HEADER_LINE)
            .max_field_size(MAX_HEADER_LINE)
            .max_headers(MAX_HEADERS)
            .requote_redirect_url(false);
        builder = match &cookies.jar {
            Some(jar) => builder.cookie_jar(jar.clone() as Arc<dyn AbstractCookieJar>),
            None => builder.cookie_jar(Arc::new(ahttp_tokio::DummyCookieJar::new())),
        };
        let write_out = match args.write_out.as_deref() {
            Some(f) => Some(match f.strip_prefix('@') {
                Some(path) => std::fs::read_to_string(path).map_err(|e| {
                    CliError::new(exit::READ_ERROR, format!("--write-out: {path}: {e}"))
                })?,
                None => f.to_owned(),
            }),
            None => None,
        };
        Ok(Runner {
            args,
            session: builder.build(),
            ssl,
            proxies: ProxyConfig::new(args.proxy.as_deref(), args.noproxy.as_deref(), |n| {
                std::env::var(n).ok()
            }),
            body: BodySpec::from_args(args)?,
            cookies,
            headers,
            write_out,
            version,
            stdout: std::io::BufWriter::with_capacity(output::WRITE_BUFFER, output::raw_stdout()?),
        })
    }

    /// Fetches every URL in order; returns the exit code of the last one,
    /// as curl does.
    pub async fn run(mut self) -> u8 {
        let mut code = 0;
        for (i, url) in self.args.urls.iter().enumerate() {
            let mut sink = Sink::new(self.args.output.get(i));
            let started = Instant::now();
            let mut stats = Transfer {
                url: url.clone(),
                url_effective: normalize_url(url),
                ..Transfer::default()
            };
            let result = self.transfer(url, &mut sink, &mut stats).await;
            let flushed = sink.flush(&mut self.stdout);
            let result = result.and_then(|()| {
                flushed.map_err(|e| {
                    CliError::new(exit::WRITE_ERROR, format!("Failure writing output: {e}"))
                })
            });
            stats.time_total = started.elapsed();
            code = match &result {
                Ok(()) => 0,
                Err(e) => e.code,
            };
            stats.exitcode = code;
            if let Err(e) = &result {
                stats.errormsg = e.message.clone();
                self.report(e);
            }
            self.write_out(&stats);
        }
        let _ = self.stdout.flush();
        if let Err(e) = self.cookies.save() {
            self.report(&e);
            code = e.code;
        }
        self.session.close().await;
        code
    }

    /// Prints `ahttp: (N) message` unless silenced.
    fn report(&mut self, e: &CliError) {
        let _ = self.stdout.flush();
        if !self.args.silent || self.args.show_error {
            eprintln!("ahttp: {e}");
        }
    }

    fn verbose(&mut self, text: &str) {
        if self.args.verbose {
            let _ = self.stdout.flush();
            eprint!("{text}");
        }
    }

    fn write_out(&mut self, stats: &Transfer) {
        let Some(format) = &self.write_out else {
            return;
        };
        let rendered = writeout::render(format, stats);
        for w in &rendered.warnings {
            eprintln!("ahttp: {w}");
        }
        for (target, text) in rendered.pieces {
            match target {
                Target::Stdout => {
                    let _ = self.stdout.write_all(text.as_bytes());
                }
                Target::Stderr => {
                    let _ = self.stdout.flush();
                    eprint!("{text}");
                }
            }
        }
        let _ = self.stdout.flush();
    }

    /// One URL: request, heads, body.
    async fn transfer(
        &mut self,
        url: &str,
        sink: &mut Sink,
        stats: &mut Transfer,
    ) -> Result<(), CliError> {
        let args = self.args;
        let mut url = normalize_url(url);
        if let BodySpec::Upload(path) = &self.body {
            url = upload_url(&url, path);
        }
        stats.url_effective = url.clone();
        let parsed = Url::parse(&url).map_err(|e| {
            CliError::new(
                exit::URL_MALFORMAT,
                format!("URL rejected: Malformed input to a URL function ({e})"),
            )
        })?;
        match parsed.scheme() {
            "http" | "https" => {}
            other => {
                return Err(CliError::new(
                    exit::UNSUPPORTED_PROTOCOL,
                    format!("Protocol \"{other}\" not supported"),
                ))
            }
        }
        let method = match &args.request {
            Some(m) => Method::from_bytes(m.as_bytes())
                .map_err(|_| CliError::new(exit::USAGE, format!("invalid method {m:?}")))?,
            None if args.head => Method::HEAD,
            None => self.body.default_method(),
        };
        stats.method = method.to_string();
        let mut req = self.session.request(method.clone(), &url);
        let headers = self.headers.clone();
        let user_set = |name: &str| {
            headers
                .iter()
                .any(|h| matches!(h, HeaderArg::Set(n, _) if n.eq_ignore_ascii_case(name)))
        };
        for h in &headers {
            if let HeaderArg::Set(name, value) = h {
                req = req.header(name, value);
            }
        }
        if args.compressed && !user_set("accept-encoding") {
            req = req.header("Accept-Encoding", ACCEPT_ENCODING);
        }
        match args.user_agent.as_deref() {
            Some("") | None => {}
            Some(ua) if !user_set("user-agent") => req = req.header("User-Agent", ua),
            Some(_) => {}
        }
        if let Some(user) = &args.user {
            if !user_set("authorization") {
                let (login, password) = user.split_once(':').unwrap_or((user, ""));
                let auth = BasicAuth::new(login, password)
                    .map_err(|e| CliError::new(exit::USAGE, format!("-u: {e}")))?;
                req = req.auth(auth);
            }
        }
        if !self.cookies.literal.is_empty() {
            req = req.cookies(self.cookies.literal.clone());
        }
        let proxy_url = self.proxies.proxy_for(&parsed);
        if let Some(p) = &proxy_url {
            let mut proxy = Proxy::new(p).map_err(|e| {
                CliError::new(
                    exit::UNSUPPORTED_PROTOCOL,
                    format!("Unsupported proxy: {e}"),
                )
            })?;
            if let Some(pu) = &args.proxy_user {
                let (login, password) = pu.split_once(':').unwrap_or((pu, ""));
                let auth = BasicAuth::new(login, password)
                    .map_err(|e| CliError::new(exit::USAGE, format!("-U: {e}")))?;
                proxy = proxy.auth(auth);
            }
            req = req.proxy(proxy);
            self.verbose(&format!("* Using proxy {p}\n"));
        }
        if let Some(ssl) = &self.ssl {
            req = req.ssl(ssl.clone());
        }
        let max_redirs = args.max_redirs.unwrap_or(DEFAULT_MAX_REDIRS);
        let follow = args.location && max_redirs != 0;
        req = req.allow_redirects(follow);
        if follow {
            req = req.max_redirects(usize::try_from(max_redirs).unwrap_or(0));
        }
        req = self.body.apply(req, user_set).await?;
        let via_http_proxy = proxy_url.as_deref().is_some_and(|p| p.starts_with("http"));

        let sent = req.send().await;
        let mut resp = match sent {
            Ok(r) => r,
            Err(e) => {
                if let Some(info) = e.request_info() {
                    stats.url_effective = info.url.to_string();
                    let lines = output::request_head(
                        info,
                        self.version,
                        via_http_proxy && info.url.scheme() == "http",
                    );
                    self.verbose(&output::verbose_block(">", &lines));
                }
                if let Some(parts) = e.response() {
                    stats.http_code = parts.status.as_u16();
                    stats.num_redirects = parts.history.len();
                }
                let mut err = exit::from_client(&e, 0);
                if err.code == exit::TOO_MANY_REDIRECTS {
                    err.message = format!("Maximum ({max_redirs}) redirects followed");
                }
                return Err(err);
            }
        };
        stats.num_redirects = resp.history().len();
        stats.url_effective = resp.url().to_string();
        stats.http_code = resp.status().as_u16();
        stats.http_version = if resp.version() == Version::HTTP_10 {
            "1.0"
        } else {
            "1.1"
        }
        .to_owned();
        stats.method = resp.method().to_string();
        stats.content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        stats.headers = resp
            .raw_headers()
            .map(|(n, v)| {
                (
                    String::from_utf8_lossy(n).into_owned(),
                    String::from_utf8_lossy(v).into_owned(),
                )
            })
            .collect();
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .and_then(|l| resp.url().join(l).ok());
        if matches!(resp.status().as_u16(), 301 | 302 | 303 | 307 | 308) {
            stats.redirect_url = location.as_ref().map(Url::to_string);
        }

        // Heads: -v on stderr; -i / -I into the output, every hop's.
        let include = args.include || args.head;
        let hops: Vec<&ClientResponse> = resp.history().iter().chain([&resp]).collect();
        let mut verbose_text = String::new();
        let mut head_text = String::new();
        for hop in &hops {
            let info = hop.request_info();
            let absolute = via_http_proxy && info.url.scheme() == "http";
            let req_lines = output::request_head(info, self.version, absolute);
            if args.verbose {
                verbose_text.push_str(&output::verbose_block(">", &req_lines));
            }
            // Interim 1xx heads first, as they arrived, then the final one.
            for resp_lines in output::interim_heads(hop)
                .into_iter()
                .chain([output::response_head(hop)])
            {
                if args.verbose {
                    verbose_text.push_str(&output::verbose_block("<", &resp_lines));
                }
                let block = output::head_block(&resp_lines);
                stats.size_header += block.len() as u64;
                head_text.push_str(&block);
            }
        }
        drop(hops);
        self.verbose(&verbose_text);

        if args.location && max_redirs == 0 && stats.redirect_url.is_some() {
            resp.close();
            return Err(CliError::new(
                exit::TOO_MANY_REDIRECTS,
                "Maximum (0) redirects followed",
            ));
        }
        if args.fail && resp.status().as_u16() >= 400 {
            resp.close();
            return Err(CliError::new(
                exit::HTTP_RETURNED_ERROR,
                format!(
                    "The requested URL returned error: {}",
                    resp.status().as_u16()
                ),
            ));
        }
        if args.compressed {
            if let Some(ce) = resp.headers().get("content-encoding").cloned() {
                if ahttp_proto::decode::ContentCoding::parse(ce.as_bytes()).is_err() {
                    resp.close();
                    return Err(CliError::new(
                        exit::BAD_CONTENT_ENCODING,
                        format!(
                            "Unrecognized content encoding type {:?}. ahttp understands deflate, gzip, br, zstd content encodings.",
                            String::from_utf8_lossy(ce.as_bytes())
                        ),
                    ));
                }
            }
        }
        let write_error = |e: std::io::Error| {
            CliError::new(
                exit::WRITE_ERROR,
                format!("Failure writing output to destination: {e}"),
            )
        };
        if include {
            sink.write_all(&mut self.stdout, head_text.as_bytes())
                .map_err(write_error)?;
        } else {
            sink.touch(&mut self.stdout).map_err(write_error)?;
        }
        let bar = if sink.is_file() && !args.silent {
            output::progress_bar(resp.content_length())
        } else {
            None
        };
        let mut result = Ok(());
        while let Some(piece) = resp.next().await {
            match piece {
                Ok(piece) => {
                    if let Err(e) = sink.write_all(&mut self.stdout, &piece) {
                        result = Err(write_error(e));
                        break;
                    }
                    if let Some(bar) = &bar {
                        bar.set_position(resp.bytes_received());
                    }
                }
                Err(e) => {
                    result = Err(exit::from_client(&e, resp.bytes_received()));
                    break;
                }
            }
        }
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        stats.size_download = resp.bytes_received();
        result
    }
}

/// curl takes `host/path` as `http://host/path`.
pub fn normalize_url(url: &str) -> String {
    if url.contains("://") {
        url.to_owned()
    } else {
        format!("http://{url}")
    }
}

/// Seconds (fractions allowed) as a duration.
fn seconds(s: f64) -> Result<Duration, CliError> {
    Duration::try_from_secs_f64(s).map_err(|_| {
        CliError::new(
            exit::USAGE,
            format!("expected a number of seconds, got {s}"),
        )
    })
}

/// `--resolve [+]HOST:PORT:ADDR[,ADDR...]` (`-HOST:PORT` removals are
/// ignored).
fn parse_resolve(s: &str) -> Result<Vec<(String, u16, std::net::IpAddr)>, CliError> {
    let bad = || {
        CliError::new(
            exit::USAGE,
            format!("--resolve: expected HOST:PORT:ADDR, got {s:?}"),
        )
    };
    if s.starts_with('-') {
        return Ok(Vec::new());
    }
    let s = s.strip_prefix('+').unwrap_or(s);
    let (host, rest) = s.split_once(':').ok_or_else(bad)?;
    let (port, addrs) = rest.split_once(':').ok_or_else(bad)?;
    let port: u16 = port.parse().map_err(|_| bad())?;
    addrs
        .split(',')
        .map(|a| {
            a.trim()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse()
                .map(|ip| (host.to_owned(), port, ip))
                .map_err(|_| bad())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        assert_eq!(
            parse_header("X-A:  1 "),
            Some(HeaderArg::Set("X-A".into(), "1".into()))
        );
        assert_eq!(
            parse_header("Accept:"),
            Some(HeaderArg::Remove("Accept".into()))
        );
        assert_eq!(
            parse_header("X-Empty;"),
            Some(HeaderArg::Set("X-Empty".into(), String::new()))
        );
        assert_eq!(parse_header("junk"), None);
    }

    #[test]
    fn resolve_entries() {
        let r = parse_resolve("example.com:443:127.0.0.1,[::1]").unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].2, "::1".parse::<std::net::IpAddr>().unwrap());
        assert!(parse_resolve("nonsense").is_err());
    }

    #[test]
    fn urls_without_scheme_are_http() {
        assert_eq!(normalize_url("h:1/x"), "http://h:1/x");
        assert_eq!(normalize_url("https://h/"), "https://h/");
    }
}
