//! The routes. The crate documentation lists them and what they answer.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{self, HeaderName, HeaderValue};
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::channel::{Channel, Sender};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use serde_json::{json, Map, Value};

use crate::conn::{lock, Conn};
use crate::multipart;
use crate::util::{
    alphabet_bytes, body_string, compress, multi_map, parse_query, percent_decode, prng_bytes,
    query_get, query_num, Coding,
};
use crate::{RecordedRequest, HTML_PAGE, TEXT_SAMPLE, UTF8_SAMPLE};

pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;
pub(crate) type Body = BoxBody<Bytes, BoxError>;

/// Upper bound for generated bodies (`/bytes`, `/range`, `/bomb`, ...).
const MAX_GENERATED: usize = 256 << 20;
/// Longest sleep a route agrees to.
const MAX_DELAY: f64 = 120.0;

/// The `/json` document (httpbin's).
fn slideshow() -> Value {
    json!({
        "slideshow": {
            "author": "Yours Truly",
            "date": "date of publication",
            "slides": [
                {"title": "Wake up to WonderWidgets!", "type": "all"},
                {
                    "items": [
                        "Why <em>WonderWidgets</em> are great",
                        "Who <em>buys</em> WonderWidgets"
                    ],
                    "title": "Overview",
                    "type": "all"
                }
            ],
            "title": "Sample Slide Show"
        }
    })
}

/// A request as the routes see it.
struct Req {
    method: Method,
    target: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, Vec<u8>)>,
    conn: Arc<Conn>,
    log_idx: usize,
}

impl Req {
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    }

    fn header_all(&self, name: &str) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
            .collect()
    }

    fn host(&self) -> String {
        self.header("host")
            .unwrap_or_else(|| self.conn.shared.default_host.clone())
    }

    fn url(&self) -> String {
        if self.target.starts_with('/') {
            format!(
                "{}://{}{}",
                self.conn.shared.scheme,
                self.host(),
                self.target
            )
        } else {
            self.target.clone()
        }
    }

    fn origin(&self) -> String {
        self.conn
            .peer
            .map(|p| p.ip().to_string())
            .unwrap_or_default()
    }

    fn headers_json(&self) -> Value {
        Value::Array(
            self.headers
                .iter()
                .map(|(n, v)| json!([n, String::from_utf8_lossy(v)]))
                .collect(),
        )
    }

    fn args_json(&self) -> Value {
        multi_map(
            self.query
                .iter()
                .map(|(k, v)| (k.clone(), Value::from(v.as_str()))),
        )
    }

    fn q(&self, key: &str) -> Option<&str> {
        query_get(&self.query, key)
    }

    fn num<T: std::str::FromStr>(&self, key: &str, default: T) -> T {
        query_num(&self.query, key, default)
    }

    fn record_body(&self, body: &Bytes) {
        if let Some(r) = lock(&self.conn.shared.log).get_mut(self.log_idx) {
            r.body = body.clone();
        }
    }
}

// ---------------------------------------------------------------- responses

fn full(data: impl Into<Bytes>) -> Body {
    Full::new(data.into()).map_err(|e| match e {}).boxed()
}

fn empty() -> Body {
    full(Bytes::new())
}

fn channel(buffer: usize) -> (Sender<Bytes, BoxError>, Body) {
    let (tx, ch) = Channel::<Bytes, BoxError>::new(buffer);
    (tx, ch.boxed())
}

fn resp(status: StatusCode, body: Body) -> Response<Body> {
    let mut r = Response::new(body);
    *r.status_mut() = status;
    r
}

fn with_header(mut r: Response<Body>, name: &'static str, value: &str) -> Response<Body> {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().append(HeaderName::from_static(name), v);
    }
    r
}

fn json_resp(status: StatusCode, v: &Value) -> Response<Body> {
    let mut text = serde_json::to_vec(v).unwrap_or_default();
    text.push(b'\n');
    with_header(resp(status, full(text)), "content-type", "application/json")
}

fn error(status: StatusCode, msg: &str) -> Response<Body> {
    json_resp(status, &json!({"error": msg}))
}

fn redirect(status: StatusCode, location: &str) -> Response<Body> {
    let mut r = resp(status, empty());
    match HeaderValue::from_str(location) {
        Ok(v) => {
            r.headers_mut().insert(header::LOCATION, v);
            r
        }
        Err(_) => error(StatusCode::BAD_REQUEST, "invalid location"),
    }
}

fn not_allowed(allow: &str) -> Response<Body> {
    with_header(
        resp(StatusCode::METHOD_NOT_ALLOWED, empty()),
        "allow",
        allow,
    )
}

fn sleep_secs(secs: f64) -> tokio::time::Sleep {
    let secs = if secs.is_finite() {
        secs.clamp(0.0, MAX_DELAY)
    } else {
        0.0
    };
    tokio::time::sleep(Duration::from_secs_f64(secs))
}

/// Sends `pieces` on `tx` with `delay` before each, then ends the body.
fn spawn_pieces(mut tx: Sender<Bytes, BoxError>, pieces: Vec<Bytes>, delay: Duration) {
    tokio::spawn(async move {
        for p in pieces {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            if tx.send_data(p).await.is_err() {
                return;
            }
        }
    });
}

fn split_chunks(data: Vec<u8>, size: usize) -> Vec<Bytes> {
    let data = Bytes::from(data);
    let size = size.max(1);
    (0..data.len())
        .step_by(size)
        .map(|i| data.slice(i..(i + size).min(data.len())))
        .collect()
}

// ------------------------------------------------------------------ dispatch

pub(crate) async fn handle(req: Request<Incoming>, conn: Arc<Conn>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let target = parts.uri.to_string();
    let method = parts.method.clone();
    let (target, headers) = match conn.take_head(method.as_str(), &target) {
        Some(h) => (h.target, h.headers),
        None => (
            target,
            parts
                .headers
                .iter()
                .map(|(n, v)| (n.as_str().to_string(), v.as_bytes().to_vec()))
                .collect(),
        ),
    };
    let path = parts.uri.path().to_string();
    let raw_query = parts.uri.query().map(str::to_string);
    let log_idx = lock(&conn.shared.log).push(RecordedRequest {
        connection: conn.id,
        method: method.as_str().to_string(),
        target: target.clone(),
        path: path.clone(),
        query: raw_query.clone(),
        version: parts.version,
        headers: headers.clone(),
        body: Bytes::new(),
        tls: conn.tls.clone(),
    });
    let req = Req {
        method,
        target,
        path,
        query: raw_query.as_deref().map(parse_query).unwrap_or_default(),
        headers,
        conn,
        log_idx,
    };
    let segs: Vec<String> = req
        .path
        .trim_start_matches('/')
        .split('/')
        .map(|s| percent_decode(s, false))
        .collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();

    // Routes that read the body themselves, or not at all.
    match segs[..] {
        ["expect-reject"] => {
            return error(StatusCode::EXPECTATION_FAILED, "expectation failed");
        }
        ["upload-count"] => return upload_count(&req, body, None).await,
        ["slow-read"] => {
            let rate = req.num("bytes_per_sec", 16384u64).max(1);
            return upload_count(&req, body, Some(rate)).await;
        }
        _ => {}
    }

    let (body, trailers) = match body.collect().await {
        Ok(c) => {
            let trailers = c.trailers().cloned();
            (c.to_bytes(), trailers)
        }
        Err(e) => return error(StatusCode::BAD_REQUEST, &format!("reading body: {e}")),
    };
    req.record_body(&body);
    route(&req, &segs, body, trailers).await
}

macro_rules! n_or_return {
    ($e:expr) => {
        match $e.parse::<usize>() {
            Ok(n) => n,
            Err(_) => return error(StatusCode::BAD_REQUEST, "expected a number in the path"),
        }
    };
}

async fn route(
    req: &Req,
    segs: &[&str],
    body: Bytes,
    trailers: Option<HeaderMap>,
) -> Response<Body> {
    let m = &req.method;
    match segs {
        [""] => with_header(
            resp(StatusCode::OK, full("ahttp-testserver\n")),
            "content-type",
            "text/plain; charset=utf-8",
        ),
        ["get"] => {
            if m != Method::GET && m != Method::HEAD {
                return not_allowed("GET, HEAD");
            }
            echo_resp(req, &body, trailers.as_ref())
        }
        [name @ ("post" | "put" | "patch" | "delete")] => {
            if !m.as_str().eq_ignore_ascii_case(name) {
                return not_allowed(&name.to_ascii_uppercase());
            }
            echo_resp(req, &body, trailers.as_ref())
        }
        ["anything", ..] => echo_resp(req, &body, trailers.as_ref()),
        ["status", code] => status(code, false),
        ["status-body", code] => status(code, true),

        ["redirect", n] => {
            let n = n_or_return!(n);
            let loc = if n <= 1 {
                "/get".to_string()
            } else {
                format!("/redirect/{}", n - 1)
            };
            redirect(StatusCode::FOUND, &loc)
        }
        ["relative-redirect", n] => {
            let n = n_or_return!(n);
            let loc = if n <= 1 {
                "/get".to_string()
            } else {
                format!("/relative-redirect/{}", n - 1)
            };
            redirect(StatusCode::FOUND, &loc)
        }
        ["absolute-redirect", n] => {
            let n = n_or_return!(n);
            let host = req.host();
            let scheme = req.conn.shared.scheme;
            let loc = if n <= 1 {
                format!("{scheme}://{host}/get")
            } else {
                format!("{scheme}://{host}/absolute-redirect/{}", n - 1)
            };
            redirect(StatusCode::FOUND, &loc)
        }
        ["redirect-to"] => {
            let Some(url) = req.q("url") else {
                return error(StatusCode::BAD_REQUEST, "missing url parameter");
            };
            let code = req.num("status_code", 302u16);
            let status = match StatusCode::from_u16(code) {
                Ok(s) if s.is_redirection() => s,
                _ => StatusCode::FOUND,
            };
            redirect(status, url)
        }
        ["redirect-loop"] => redirect(StatusCode::FOUND, "/redirect-loop"),
        ["redirect-with-cookie"] => with_header(
            redirect(StatusCode::FOUND, "/cookies"),
            "set-cookie",
            "redirected=yes; Path=/",
        ),

        ["cookies"] => cookies(req),
        ["cookies", "set"] => {
            let mut r = redirect(StatusCode::FOUND, "/cookies");
            for (k, v) in &req.query {
                r = with_header(r, "set-cookie", &format!("{k}={v}; Path=/"));
            }
            r
        }
        ["cookies", "delete"] => {
            let mut r = redirect(StatusCode::FOUND, "/cookies");
            for (k, _) in &req.query {
                r = with_header(
                    r,
                    "set-cookie",
                    &format!("{k}=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/"),
                );
            }
            r
        }
        ["cookies", "set-attrs"] => cookie_attrs(req),

        ["basic-auth", user, pass] => basic_auth(req, user, pass),
        ["bearer"] => {
            let token = req
                .header("authorization")
                .and_then(|a| a.strip_prefix("Bearer ").map(|t| t.trim().to_string()));
            match token {
                Some(t) if !t.is_empty() => {
                    json_resp(StatusCode::OK, &json!({"authenticated": true, "token": t}))
                }
                _ => with_header(
                    json_resp(StatusCode::UNAUTHORIZED, &json!({"authenticated": false})),
                    "www-authenticate",
                    "Bearer",
                ),
            }
        }

        ["headers"] => json_resp(StatusCode::OK, &json!({"headers": req.headers_json()})),
        ["user-agent"] => json_resp(
            StatusCode::OK,
            &json!({"user-agent": req.header("user-agent")}),
        ),
        ["ip"] => json_resp(StatusCode::OK, &json!({"origin": req.origin()})),

        [name @ ("gzip" | "deflate" | "deflate-raw" | "brotli" | "zstd")] => {
            let (coding, flag) = match *name {
                "gzip" => (Coding::Gzip, "gzipped"),
                "deflate" => (Coding::Deflate, "deflated"),
                "deflate-raw" => (Coding::DeflateRaw, "deflated"),
                "brotli" => (Coding::Brotli, "brotli"),
                _ => (Coding::Zstd, "zstd"),
            };
            let mut doc = Map::new();
            doc.insert(flag.into(), Value::Bool(true));
            if coding == Coding::DeflateRaw {
                doc.insert("raw".into(), Value::Bool(true));
            }
            doc.insert("method".into(), m.as_str().into());
            doc.insert("headers".into(), req.headers_json());
            doc.insert("origin".into(), req.origin().into());
            let mut text = serde_json::to_vec(&Value::Object(doc)).unwrap_or_default();
            text.push(b'\n');
            compressed(req, coding, text, "application/json").await
        }
        ["bomb", enc] => {
            let Some(coding) = Coding::from_name(enc) else {
                return error(StatusCode::NOT_FOUND, "unknown coding");
            };
            let size = req.num("size", 1usize << 20);
            if size > MAX_GENERATED * 4 {
                return error(StatusCode::BAD_REQUEST, "size too large");
            }
            compressed(req, coding, vec![0u8; size], "application/octet-stream").await
        }

        ["bytes", n] => {
            let n = n_or_return!(n);
            if n > MAX_GENERATED {
                return error(StatusCode::BAD_REQUEST, "n too large");
            }
            let data = prng_bytes(n, req.num("seed", 0u64));
            with_header(
                resp(StatusCode::OK, full(data)),
                "content-type",
                "application/octet-stream",
            )
        }
        ["stream-bytes", n] => {
            let n = n_or_return!(n);
            if n > MAX_GENERATED {
                return error(StatusCode::BAD_REQUEST, "n too large");
            }
            let data = prng_bytes(n, req.num("seed", 0u64));
            let (tx, body) = channel(4);
            spawn_pieces(
                tx,
                split_chunks(data, req.num("chunk_size", 10240usize)),
                Duration::ZERO,
            );
            with_header(
                resp(StatusCode::OK, body),
                "content-type",
                "application/octet-stream",
            )
        }
        ["stream", n] => {
            let n = n_or_return!(n).min(100_000);
            let lines = (0..n)
                .map(|i| {
                    let mut line = serde_json::to_vec(&json!({
                        "id": i,
                        "url": req.url(),
                        "args": req.args_json(),
                        "headers": req.headers_json(),
                        "origin": req.origin(),
                    }))
                    .unwrap_or_default();
                    line.push(b'\n');
                    Bytes::from(line)
                })
                .collect();
            let (tx, body) = channel(4);
            spawn_pieces(tx, lines, Duration::ZERO);
            with_header(
                resp(StatusCode::OK, body),
                "content-type",
                "application/json",
            )
        }
        ["range", n] => range(req, n_or_return!(n)),

        ["drip"] => {
            let numbytes = req.num("numbytes", 10usize).min(MAX_GENERATED);
            let duration = req.num("duration", 2.0f64);
            let code = req.num("code", 200u16);
            sleep_secs(req.num("delay", 0.0f64)).await;
            let (tx, body) = channel(1);
            let per_byte = if numbytes == 0 || !duration.is_finite() {
                0.0
            } else {
                duration.clamp(0.0, MAX_DELAY) / numbytes as f64
            };
            spawn_pieces(
                tx,
                vec![Bytes::from_static(b"*"); numbytes],
                Duration::from_secs_f64(per_byte),
            );
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::OK);
            let r = with_header(
                resp(status, body),
                "content-type",
                "application/octet-stream",
            );
            with_header(r, "content-length", &numbytes.to_string())
        }
        ["delay", secs] => {
            let Ok(secs) = secs.parse::<f64>() else {
                return error(StatusCode::BAD_REQUEST, "expected seconds in the path");
            };
            sleep_secs(secs).await;
            echo_resp(req, &body, trailers.as_ref())
        }
        ["slow-body"] => {
            let delay = Duration::from_millis(req.num("delay_ms", 1000u64).min(120_000));
            let size = req.num("size", 10usize).min(MAX_GENERATED);
            let chunks = req.num("chunks", 1usize).clamp(1, size.max(1));
            let data = alphabet_bytes(size);
            let piece = size.div_ceil(chunks).max(1);
            let (tx, body) = channel(1);
            spawn_pieces(tx, split_chunks(data, piece), delay);
            let r = with_header(
                resp(StatusCode::OK, body),
                "content-type",
                "text/plain; charset=utf-8",
            );
            if req.q("chunked").is_some() {
                r
            } else {
                with_header(r, "content-length", &size.to_string())
            }
        }

        ["sse"] => sse(req),
        ["html"] => with_header(
            resp(StatusCode::OK, full(HTML_PAGE)),
            "content-type",
            "text/html; charset=utf-8",
        ),
        ["encoding", "latin1"] => {
            let latin1: Vec<u8> = TEXT_SAMPLE.chars().map(|c| c as u32 as u8).collect();
            with_header(
                resp(StatusCode::OK, full(latin1)),
                "content-type",
                "text/plain; charset=iso-8859-1",
            )
        }
        ["encoding", "utf8"] => with_header(
            resp(StatusCode::OK, full(UTF8_SAMPLE)),
            "content-type",
            "text/plain; charset=utf-8",
        ),
        ["encoding", "nocharset"] => with_header(
            resp(StatusCode::OK, full(UTF8_SAMPLE)),
            "content-type",
            "text/plain",
        ),
        ["json"] => json_resp(StatusCode::OK, &slideshow()),
        ["json-empty"] => with_header(
            resp(StatusCode::OK, empty()),
            "content-type",
            "application/json",
        ),
        ["links"] => {
            let first = format!(
                "<{}://{}/links/page/1>; rel=\"first\"; title=\"first page\"",
                req.conn.shared.scheme,
                req.host()
            );
            let one = "</links/page/3>; rel=\"next\", </links/page/9>; rel=\"last\"";
            let two = format!("{first}, </links/page/1>; rel=prev");
            let r = json_resp(StatusCode::OK, &json!({"links": [one, two]}));
            let r = with_header(r, "link", one);
            with_header(r, "link", &two)
        }
        ["response-headers"] => response_headers(req),

        ["close-mid-body"] => {
            let (mut tx, body) = channel(1);
            tokio::spawn(async move {
                if tx
                    .send_data(Bytes::from_static(b"0123456789"))
                    .await
                    .is_ok()
                {
                    // Let hyper write the bytes before the connection is cut.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    tx.abort("close-mid-body".into());
                }
            });
            let r = with_header(resp(StatusCode::OK, body), "content-type", "text/plain");
            if req.q("chunked").is_some() {
                r
            } else {
                with_header(r, "content-length", "100")
            }
        }
        ["no-keep-alive"] => with_header(
            echo_resp(req, &body, trailers.as_ref()),
            "connection",
            "close",
        ),
        ["keep-alive-timeout"] => {
            let raw = req.q("secs").unwrap_or("1").to_string();
            let secs: f64 = raw.trim().parse().unwrap_or(1.0);
            if req.q("close") != Some("0") {
                let conn = req.conn.clone();
                let seen = conn.reads();
                tokio::spawn(async move {
                    sleep_secs(secs).await;
                    if conn.reads() == seen {
                        conn.idle_close.notify_one();
                    }
                });
            }
            let r = echo_resp(req, &body, trailers.as_ref());
            let r = with_header(r, "connection", "keep-alive");
            with_header(r, "keep-alive", &format!("timeout={raw}"))
        }
        ["expect"] => {
            let mut doc = echo(req, &body, trailers.as_ref());
            doc.insert("expect".into(), req.header("expect").into());
            json_resp(StatusCode::OK, &Value::Object(doc))
        }
        ["trailers"] => {
            let (mut tx, body) = channel(4);
            tokio::spawn(async move {
                for piece in [&b"hello, "[..], b"trailers\n"] {
                    if tx.send_data(Bytes::from_static(piece)).await.is_err() {
                        return;
                    }
                }
                let mut t = HeaderMap::new();
                t.insert("x-checksum", HeaderValue::from_static("abc123"));
                t.insert("x-trailer-two", HeaderValue::from_static("two"));
                let _ = tx.send_trailers(t).await;
            });
            let r = with_header(resp(StatusCode::OK, body), "content-type", "text/plain");
            with_header(r, "trailer", "X-Checksum, X-Trailer-Two")
        }

        _ => error(StatusCode::NOT_FOUND, "no such route"),
    }
}

// -------------------------------------------------------------------- echo

fn mime_of(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn file_json(p: &multipart::Part) -> Value {
    json!({
        "filename": p.filename,
        "content_type": p.content_type,
        "content": body_string(&p.data),
    })
}

/// The httpbin-like echo document.
fn echo(req: &Req, body: &Bytes, trailers: Option<&HeaderMap>) -> Map<String, Value> {
    let ct = req.header("content-type").unwrap_or_default();
    let mime = mime_of(&ct);
    let mut form = json!({});
    let mut files = json!({});
    if mime == "application/x-www-form-urlencoded" {
        let text = String::from_utf8_lossy(body);
        form = multi_map(
            parse_query(&text)
                .into_iter()
                .map(|(k, v)| (k, Value::from(v))),
        );
    } else if let Some(parts) = multipart::boundary(&ct).and_then(|b| multipart::parse(body, &b)) {
        let name = |p: &multipart::Part| p.name.clone().unwrap_or_default();
        form = multi_map(
            parts
                .iter()
                .filter(|p| p.filename.is_none())
                .map(|p| (name(p), Value::from(body_string(&p.data)))),
        );
        files = multi_map(
            parts
                .iter()
                .filter(|p| p.filename.is_some())
                .map(|p| (name(p), file_json(p))),
        );
    }
    let is_json = mime == "application/json" || mime.ends_with("+json");
    let parsed = if is_json {
        serde_json::from_slice::<Value>(body).unwrap_or(Value::Null)
    } else {
        Value::Null
    };
    let trailers = trailers.map(|t| {
        Value::Array(
            t.iter()
                .map(|(n, v)| json!([n.as_str(), String::from_utf8_lossy(v.as_bytes())]))
                .collect(),
        )
    });
    let mut doc = Map::new();
    doc.insert("method".into(), req.method.as_str().into());
    doc.insert("url".into(), req.url().into());
    doc.insert("path".into(), req.path.clone().into());
    doc.insert("args".into(), req.args_json());
    doc.insert("headers".into(), req.headers_json());
    doc.insert("data".into(), body_string(body).into());
    doc.insert("form".into(), form);
    doc.insert("files".into(), files);
    doc.insert("json".into(), parsed);
    doc.insert(
        "content_length".into(),
        req.header("content-length")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .into(),
    );
    doc.insert(
        "transfer_encoding".into(),
        req.header("transfer-encoding").into(),
    );
    doc.insert("trailers".into(), trailers.unwrap_or(Value::Null));
    doc.insert("origin".into(), req.origin().into());
    doc
}

fn echo_resp(req: &Req, body: &Bytes, trailers: Option<&HeaderMap>) -> Response<Body> {
    json_resp(StatusCode::OK, &Value::Object(echo(req, body, trailers)))
}

// ------------------------------------------------------------------ others

fn status(code: &str, with_body: bool) -> Response<Body> {
    let status = match code.parse::<u16>().ok().map(StatusCode::from_u16) {
        Some(Ok(s)) if s.as_u16() >= 200 => s,
        _ => return error(StatusCode::BAD_REQUEST, "invalid status code"),
    };
    let body = if with_body {
        full(alphabet_bytes(100 * 1024))
    } else {
        empty()
    };
    let mut r = resp(status, body);
    if with_body {
        r = with_header(r, "content-type", "text/plain");
    }
    match status.as_u16() {
        301 | 302 | 303 | 305 | 307 | 308 => with_header(r, "location", "/redirect/1"),
        401 => with_header(r, "www-authenticate", "Basic realm=\"Fake Realm\""),
        407 => with_header(r, "proxy-authenticate", "Basic realm=\"Fake Realm\""),
        _ => r,
    }
}

fn cookies(req: &Req) -> Response<Body> {
    let raw = req.header_all("cookie");
    let mut map = Map::new();
    for header in &raw {
        for pair in header.split(';') {
            let pair = pair.trim();
            if pair.is_empty() {
                continue;
            }
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            map.entry(k.trim().to_string())
                .or_insert_with(|| Value::from(v.trim()));
        }
    }
    json_resp(
        StatusCode::OK,
        &json!({"cookies": map, "cookie_headers": raw}),
    )
}

fn cookie_attrs(req: &Req) -> Response<Body> {
    let name = req.q("name").unwrap_or("attr");
    let value = req.q("value").unwrap_or("value");
    let mut c = format!("{name}={value}");
    for (key, attr) in [
        ("path", "Path"),
        ("domain", "Domain"),
        ("max-age", "Max-Age"),
        ("expires", "Expires"),
        ("samesite", "SameSite"),
    ] {
        if let Some(v) = req.q(key) {
            c.push_str(&format!("; {attr}={v}"));
        }
    }
    for (key, attr) in [
        ("secure", "Secure"),
        ("httponly", "HttpOnly"),
        ("partitioned", "Partitioned"),
    ] {
        if req.q(key).is_some() {
            c.push_str(&format!("; {attr}"));
        }
    }
    let r = match req.q("redirect") {
        Some(loc) => redirect(StatusCode::FOUND, loc),
        None => json_resp(StatusCode::OK, &json!({"set-cookie": c})),
    };
    with_header(r, "set-cookie", &c)
}

fn basic_auth(req: &Req, user: &str, pass: &str) -> Response<Body> {
    use base64::Engine as _;
    let given = req
        .header("authorization")
        .and_then(|a| {
            let (scheme, rest) = a.split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("basic")
                .then(|| rest.trim().to_string())
        })
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok());
    let want = format!("{user}:{pass}");
    if given.as_deref() == Some(want.as_bytes()) {
        json_resp(
            StatusCode::OK,
            &json!({"authenticated": true, "user": user}),
        )
    } else {
        with_header(
            json_resp(StatusCode::UNAUTHORIZED, &json!({"authenticated": false})),
            "www-authenticate",
            "Basic realm=\"Fake Realm\"",
        )
    }
}

async fn compressed(req: &Req, coding: Coding, data: Vec<u8>, ctype: &str) -> Response<Body> {
    let out = match tokio::task::spawn_blocking(move || compress(coding, &data)).await {
        Ok(Ok(out)) => out,
        _ => return error(StatusCode::INTERNAL_SERVER_ERROR, "compression failed"),
    };
    let body = match req.q("chunk_size").and_then(|s| s.parse::<usize>().ok()) {
        Some(size) => {
            let (tx, body) = channel(4);
            spawn_pieces(tx, split_chunks(out, size), Duration::ZERO);
            body
        }
        None => full(out),
    };
    let r = with_header(resp(StatusCode::OK, body), "content-type", ctype);
    with_header(r, "content-encoding", coding.token())
}

fn range(req: &Req, n: usize) -> Response<Body> {
    if n > MAX_GENERATED {
        return error(StatusCode::BAD_REQUEST, "n too large");
    }
    let data = alphabet_bytes(n);
    let base = |r: Response<Body>| {
        let r = with_header(r, "accept-ranges", "bytes");
        let r = with_header(r, "etag", &format!("\"range{n}\""));
        with_header(r, "content-type", "application/octet-stream")
    };
    let Some(spec) = req.header("range") else {
        return base(resp(StatusCode::OK, full(data)));
    };
    let unsatisfiable = || {
        with_header(
            base(resp(StatusCode::RANGE_NOT_SATISFIABLE, empty())),
            "content-range",
            &format!("bytes */{n}"),
        )
    };
    let Some(spec) = spec.trim().strip_prefix("bytes=") else {
        return unsatisfiable();
    };
    let first = spec.split(',').next().unwrap_or("").trim();
    let Some((a, b)) = first.split_once('-') else {
        return unsatisfiable();
    };
    let (start, end) = match (a.trim().parse::<usize>(), b.trim().parse::<usize>()) {
        (Ok(s), Ok(e)) => (s, e.min(n.saturating_sub(1))),
        (Ok(s), Err(_)) if b.trim().is_empty() => (s, n.saturating_sub(1)),
        (Err(_), Ok(suffix)) if a.trim().is_empty() && suffix > 0 => {
            (n.saturating_sub(suffix), n.saturating_sub(1))
        }
        _ => return unsatisfiable(),
    };
    if start >= n || start > end {
        return unsatisfiable();
    }
    let r = base(resp(
        StatusCode::PARTIAL_CONTENT,
        full(data[start..=end].to_vec()),
    ));
    with_header(r, "content-range", &format!("bytes {start}-{end}/{n}"))
}

fn sse(req: &Req) -> Response<Body> {
    let n = req.num("n", 3usize).min(100_000);
    let delay = Duration::from_millis(req.num("delay_ms", 0u64).min(60_000));
    let event = req.q("event").map(str::to_string);
    let mut pieces = Vec::new();
    if let Some(retry) = req.q("retry") {
        pieces.push(Bytes::from(format!("retry: {retry}\n\n")));
    }
    for i in 0..n {
        let mut ev = String::new();
        if req.q("comment").is_some() {
            ev.push_str(": comment\n");
        }
        if req.q("no_id").is_none() {
            ev.push_str(&format!("id: {i}\n"));
        }
        if let Some(e) = &event {
            ev.push_str(&format!("event: {e}\n"));
        }
        if req.q("multiline").is_some() {
            ev.push_str(&format!("data: message {i}\ndata: line 2\n\n"));
        } else {
            ev.push_str(&format!("data: message {i}\n\n"));
        }
        pieces.push(Bytes::from(ev));
    }
    let (mut tx, body) = channel(1);
    tokio::spawn(async move {
        for (i, p) in pieces.into_iter().enumerate() {
            if i > 0 && !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            if tx.send_data(p).await.is_err() {
                return;
            }
        }
    });
    let r = with_header(
        resp(StatusCode::OK, body),
        "content-type",
        "text/event-stream",
    );
    with_header(r, "cache-control", "no-cache")
}

fn response_headers(req: &Req) -> Response<Body> {
    let doc = multi_map(
        req.query
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.as_str()))),
    );
    let mut text = serde_json::to_vec(&doc).unwrap_or_default();
    text.push(b'\n');
    let mut r = resp(StatusCode::OK, full(text));
    let has_ct = req
        .query
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
    if !has_ct {
        r = with_header(r, "content-type", "application/json");
    }
    for (k, v) in &req.query {
        match (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            (Ok(n), Ok(v)) => {
                r.headers_mut().append(n, v);
            }
            _ => return error(StatusCode::BAD_REQUEST, "invalid header in query"),
        }
    }
    r
}

/// Reads the body counting bytes and frames, optionally throttled to
/// `rate` bytes per second; the body is not kept.
async fn upload_count(req: &Req, mut body: Incoming, rate: Option<u64>) -> Response<Body> {
    let start = Instant::now();
    let mut bytes = 0u64;
    let mut chunks = 0u64;
    while let Some(frame) = body.frame().await {
        let frame = match frame {
            Ok(f) => f,
            Err(e) => return error(StatusCode::BAD_REQUEST, &format!("reading body: {e}")),
        };
        if let Some(data) = frame.data_ref() {
            bytes += data.len() as u64;
            chunks += 1;
            if let Some(rate) = rate {
                let due = Duration::from_secs_f64(bytes as f64 / rate as f64);
                let elapsed = start.elapsed();
                if due > elapsed {
                    tokio::time::sleep(due - elapsed).await;
                }
            }
        }
    }
    json_resp(
        StatusCode::OK,
        &json!({
            "bytes": bytes,
            "chunks": chunks,
            "elapsed_ms": start.elapsed().as_millis() as u64,
            "content_length": req.header("content-length").and_then(|v| v.trim().parse::<u64>().ok()),
            "transfer_encoding": req.header("transfer-encoding"),
        }),
    )
}
