//! The client suite: every test is one async fn generic over the runtime,
//! run on tokio, async-std and smol against a real hyper server on
//! 127.0.0.1 (`ahttp-testserver`).

use ahttp::{BasicAuth, ClientSession, ClientTimeout, ErrorKind, FormData, Runtime};
use ahttp_testserver::TestServer;
use futures_util::StreamExt;
use serde_json::Value;
use std::time::Duration;

#[macro_use]
mod common;

on_every_runtime!(
    get_echoes_method_url_and_default_headers,
    keep_alive_reuses_one_connection,
    params_are_encoded_as_aiohttp,
    a_parsed_url_is_requested_as_given,
    post_bodies_of_every_kind,
    headers_keep_case_and_request_replaces_session_default,
    skip_auto_headers,
    chunked_streaming_download,
    content_encodings_are_decoded,
    auto_decompress_off_keeps_bytes,
    redirects_follow_with_history,
    redirect_method_rules,
    too_many_redirects,
    redirects_to_other_origins_drop_credentials,
    cookies_across_redirects,
    basic_auth_from_builder_and_url,
    raise_for_status_keeps_the_body,
    timeouts,
    head_has_no_body,
    expect_100_continue,
    streaming_upload_and_tracker,
    content_reader_methods,
    text_and_json,
    server_disconnect_mid_body,
    invalid_urls,
    response_accessors,
    session_close_and_drop,
    read_until_eof_and_http10,
    release_drains_a_small_rest,
    readany_and_fallback_charset,
    every_method_and_deflate_compression,
    idempotent_requests_retry_once_on_a_dead_reused_connection,
);

fn session<R: Runtime + Default>() -> ClientSession<R> {
    ClientSession::<R>::new()
}

async fn json_of<R: Runtime>(resp: &mut ahttp::ClientResponse<R>) -> Value {
    resp.json_unchecked::<Value>().await.expect("JSON body")
}

fn header<'a>(doc: &'a Value, name: &str) -> Option<&'a str> {
    doc["headers"]
        .as_array()?
        .iter()
        .find(|pair| {
            pair[0]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
        .and_then(|pair| pair[1].as_str())
}

fn header_names(doc: &Value) -> Vec<String> {
    doc["headers"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| p[0].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn get_echoes_method_url_and_default_headers<R: Runtime + Default>() {
    let server = TestServer::start();
    let s = session::<R>();
    let mut resp = s.get(server.url("/get")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.ok());
    let doc = json_of(&mut resp).await;
    assert_eq!(doc["method"], "GET");
    // aiohttp's order for a plain GET: Host, Accept, Accept-Encoding, User-Agent.
    assert_eq!(
        header_names(&doc),
        ["Host", "Accept", "Accept-Encoding", "User-Agent"]
    );
    assert_eq!(header(&doc, "accept"), Some("*/*"));
    assert_eq!(
        header(&doc, "accept-encoding"),
        Some("gzip, deflate, br, zstd")
    );
    assert_eq!(header(&doc, "user-agent"), Some(ahttp::USER_AGENT));
    assert!(ahttp::USER_AGENT.starts_with("ahttp/"));
    assert_eq!(
        header(&doc, "host"),
        Some(server.addr().to_string().as_str())
    );
    s.close().await;
}

async fn keep_alive_reuses_one_connection<R: Runtime + Default>() {
    let server = TestServer::start();
    let s = session::<R>();
    for i in 0..5 {
        let mut resp = s
            .get(server.url(&format!("/get?i={i}")))
            .send()
            .await
            .unwrap();
        let doc = json_of(&mut resp).await;
        assert_eq!(doc["args"]["i"], i.to_string());
    }
    assert_eq!(
        server.connections_accepted(),
        1,
        "one kept-alive connection"
    );
    // A response dropped after its body arrived frees the connection too.
    for _ in 0..3 {
        let resp = s.get(server.url("/bytes/100")).send().await.unwrap();
        drop(resp);
    }
    assert_eq!(server.connections_accepted(), 1);
    // A server that closes after each response costs a connection each:
    // the first rides the kept-alive connection, which then closes.
    for _ in 0..2 {
        let mut resp = s.get(server.url("/no-keep-alive")).send().await.unwrap();
        resp.read().await.unwrap();
    }
    assert_eq!(server.connections_accepted(), 2);
    s.get(server.url("/get")).send().await.unwrap();
    assert_eq!(server.connections_accepted(), 3);
    s.close().await;
}

async fn params_are_encoded_as_aiohttp<R: Runtime + Default>() {
    let server = TestServer::start();
    let s = session::<R>();
    let mut resp = s
        .get(server.url("/get?x=1"))
        .params([("q", "a b&c"), ("path", "/x?y"), ("x", "2")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.url().query(), Some("x=1&q=a+b%26c&path=/x?y&x=2"));
    let doc = json_of(&mut resp).await;
    assert_eq!(doc["args"]["q"], "a b&c");
    assert_eq!(doc["args"]["x"], serde_json::json!(["1", "2"]));
    let mut resp = s
        .get(server.url("/get"))
        .params_raw("raw=%41&flag")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.url().query(), Some("raw=%41&flag"));
    let doc = json_of(&mut resp).await;
    assert_eq!(doc["args"]["raw"], "A");
    assert_eq!(doc["args"]["flag"], "");
}

async fn a_parsed_url_is_requested_as_given<R: Runtime + Default>() {
    // A url::Url (owned or borrowed) instead of text, as aiohttp takes a
    // yarl.URL: params are added to its query, the fragment stays in
    // real_url, and the connection is kept alive across both forms.
    let server = TestServer::start();
    let s = session::<R>();
    let url = ahttp::Url::parse(&server.url("/get?x=1#part")).unwrap();
    for _ in 0..2 {
        let mut resp = s.get(&url).params([("y", "a b")]).send().await.unwrap();
        assert_eq!(resp.url().query(), Some("x=1&y=a+b"));
        assert_eq!(resp.real_url().fragment(), Some("part"));
        let doc = json_of(&mut resp).await;
        assert_eq!(doc["args"]["y"], "a b");
    }
    let post = ahttp::Url::parse(&server.url("/post")).unwrap();
    let mut resp = s.post(post).data("z").send().await.unwrap();
    assert_eq!(json_of(&mut resp).await["method"], "POST");
    let mut resp = s.get(server.url("/get?x=1")).send().await.unwrap();
    assert_eq!(json_of(&mut resp).await["args"]["x"], "1");
    assert_eq!(server.connections_accepted(), 1);
    // The scheme is checked as for text.
    let ftp = ahttp::Url::parse("ftp://127.0.0.1/").unwrap();
    let err = s.get(ftp).send().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::NonHttpUrl);
}

async fn post_bodies_of_every_kind<R: Runtime + Default>() {
    let server = TestServer::start();
    let s = session::<R>();
    // bytes
    let mut resp = s
        .post(server.url("/post"))
        .data(b"\x00\x01raw".to_vec())
        .send()
        .await
        .unwrap();
    let doc = json_of(&mut resp).await;
    assert_eq!(
        header(&doc, "content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(doc["content_length"], 5);
    // text
    let mut resp = s
        .post(server.url("/post"))
        .data("héllo")
        .send()
        .await
        .unwrap();
    let doc = json_of(&mut resp).await;
    assert_eq!(doc["data"], "héllo");
    assert_eq!(
        header(&doc, "content-type"),
        Some("text/plain; charset=utf-8")
    );
    // form pairs
    let mut resp = s
        .post(server.url("/post"))
        .form([("a", "1 2"), ("b", "x&y")])
        .send()
        .await
        .unwrap();
    let doc = json_of(&mut resp).await;
    assert_eq!(doc["data"], "a=1+2&b=x%26y");
    assert_eq!(doc["form"]["b"], "x&y");
    assert_eq!(
        header(&doc, "content-type"),
        Some("application/x-www-form-urlencoded")
    );
    // json
    let mut resp = s
        .post(server.url("/post"))
        .json(&serde_json::json!({"k": [1, 2]}))
        .send()
        .await
        .unwrap();
    let doc = json_of(&mut resp).await;
    assert_eq!(doc["json"]["k"][1], 2);
    assert_eq!(header(&doc, "content-type"), Some("application/json"));
    // multipart
    let mut form = FormData::new();
    form.add_field("title", "report").unwrap();
    form.add_file("doc", b"col1,col2\n".to_vec(), "d.csv", Some("text/csv"))
        .unwrap();
    let mut resp = s.post(server.url("/post")).data(form).send().await.unwrap();
    let doc = json_of(&mut resp).await;
    assert_eq!(doc["form"]["title"], "report");
    assert_eq!(doc["files"]["doc"]["filename"], "d.csv");
    assert_eq!(doc["files"]["doc"]["content_type"], "text/csv");
    assert_eq!(doc["files"]["doc"]["content"], "col1,col2\n");
    assert!(header(&doc, "content-type")
        .unwrap()
        .starts_with("multipart/form-data; boundary="));
    assert!(
        doc["content_length"].is_number(),
        "an in-memory form has a length"
    );
    // POST without a body: Content-Length 0 and octet-stream, as aiohttp.
    let mut resp = s.post(server.url("/post")).send().await.unwrap();
    let doc = json_of(&mut resp).await;
    assert_eq!(header(&doc, "content-length"), Some("0"));
    assert_eq!(
        header(&doc, "content-type"),
        Some("application/octet-stream")
    );
    // compress
    let mut resp = s
        .post(server.url("/post"))
        .data("compress me ".repeat(100))
        .compress(ahttp::Compression::Gzip)
        .send()
        .await
        .unwrap();
    let doc = json_of(&mut resp).await;
    assert_eq!(header(&doc, "content-encoding"), Some("gzip"));
    assert_eq!(doc["transfer_encoding"], "chunked");
    // chunked on request
    let mut resp = s
        .put(server.url("/put"))
        .data("abc")
        .chunked(true)
        .send()
        .await
        .unwrap();
    let doc = json_of(&mut resp).await;
    assert_eq!(doc["transfer_encoding"], "chunked");
    assert_eq!(doc["data"], "abc");
    // json and data together are refused
    let err = s
        .post(server.url("/post"))
        .json(&1)
        .data("x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Builder);
}

async fn headers_keep_case_and_request_replaces_session_default<R: Runtime + Default>() {
    let server = TestServer::start();
    let s = ClientSession::<R>::builder()
        .header("X-Session", "s")
        .header("X-Both", "session")
        .build();
    let mut resp = s
        .get(server.url("/headers"))
        .header("X-Both", "request")
        .header("x-lower", "1")
        .send()
        .await
        .unwrap();
    let doc = json_of(&mut resp).await;
    assert_eq!(header(&doc, "x-session"), Some("s"));
    assert_eq!(header(&doc, "x-both"), Some("request"));
    let names = header_names(&doc);
    assert!(
        names.contains(&"X-Session".to_owned()) && names.contains(&"x-lower".to_owned()),
        "{names:?}"
    );
    assert_eq!(
        names
            .iter()
            .filter(|n| n.eq_ignore_ascii_case("x-both"))
            .count(),
        1
    );
    // Smuggling attempts are refused before anything is sent.
    let err = s
        .get(server.url("/headers"))
        .header("X-Bad", "a\r\nInjected: 1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Builder);
}

async fn skip_auto_headers<R: Runtime + Default>() {
    let server = TestServer::start();
    let s = ClientSession::<R>::builder()
        .skip_auto_headers(["User-Agent"])
        .build();
    let mut resp = s
        .get(server.url("/headers"))
        .skip_auto_headers(["Accept-Encoding"])
        .send()
        .await
        .unwrap();
    let doc = json_of(&mut resp).await;
    assert_eq!(header(&doc, "user-agent"), None);
    assert_eq!(header(&doc, "accept-encoding"), None);
    assert_eq!(header(&doc, "accept"), Some("*/*"));
}

async fn chunked_streaming_download<R: Runtime + Default>() {
    let server = TestServer::start();
    let s = session::<R>();
    let mut resp = s
        .get(server.url("/stream-bytes/100000?chunk_size=1000"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers().get("transfer-encoding").unwrap(), "chunked");
    let mut total = 0;
    let mut pieces = 0;
    while let Some(piece) = resp.next().await {
        total += piece.unwrap().len();
        pieces += 1;
    }
    assert_eq!(total, 100_000);
    assert!(pieces >= 2);
    assert_eq!(resp.bytes_received(), 100_000);
    // /stream/n: JSON lines read with readline.
    let mut resp = s.get(server.url("/stream/5")).send().await.unwrap();
    let mut content = resp.content();
    let mut lines = 0;
    loop {
        let line = content.readline().await.unwrap();
        if line.is_empty() {
            break;
        }
        let doc: Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(doc["id"], lines);
        lines += 1;
    }
    assert_eq!(lines, 5);
}

async fn content_encodings_are_decoded<R: Runtime + Default>() {
    let server = TestServer::start();
    let s = session::<R>();
    for (path, key) in [
        ("/gzip", "gzipped"),
        ("/deflate", "deflated"),
        ("/deflate-raw", "deflated"),
        ("/brotli", "brotli"),
        ("/zstd", "zstd"),
    ] {
        let mut resp = s.get(server.url(path)).send().await.unwrap();
        let doc = json_of(&mut resp).await;
        assert_eq!(doc[key], true, "{path}: {doc}");
    }
}

async fn auto_decompress_off_keeps_bytes<R: Runtime + Default>() {
    let server = TestServer::start();
    let s = ClientSession::<R>::builder().auto_decompress(false).build();
    let mut resp = s.get(server.url("/gzip")).send().await.unwrap();
    let raw = resp.read().await.unwrap();
    assert_eq!(&raw[..2], b"\x1f\x8b", "still gzip");
}

async fn redirects_follow_with_history<R: Runtime + Default>() {
    let server = TestServer::start();
    let s = session::<R>();
    let mut resp = s.get(server.url("/redirect/3")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.url().path(), "/get");
    let hops: Vec<_> = resp
        .history()
        .iter()
        .map(|r| (r.status().as_u16(), r.url().path().to_owned()))
        .collect();
    assert_eq!(
        hops,
        [
            (302, "/redirect/3".to_owned()),
            (302, "/redirect/2".to_owned()),
            (302, "/redirect/1".to_owned())
        ]
    );
    json_of(&mut resp).await;
    let resp = s
        .get(server.url("/absolute-redirect/2"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.history().len(), 2);
    let resp = s
        .get(server.url("/redirect/2"))
        .allow_redirects(false)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    // HEAD does not follow by default, as in aiohttp.
    let resp = s.head(server.url("/redirect/1")).send().await.unwrap();
    assert_eq!(resp.status(), 302);
    // Redirects reuse the kept-alive connection.
    assert_eq!(server.connections_accepted(), 1);
}

async fn redirect_method_rules<R: Runtime + Default>() {
    let server = TestServer::start();
    let s = session::<R>();
    let to = |status: u16| server.url(&format!("/redirect-to?url=/anything&status_code={status}"));
    for (method, status, want_method, keeps_body) in [
        (ahttp::Method::POST, 301, "GET", false),
        (ahttp::Method::POST, 302, "GET", false),
        (ahttp::Method::POST, 303, "GET", false),
        (ahttp::Method::PUT, 302, "PUT", true),
        (ahttp::Method::PUT, 303, "GET", false),
        (ahttp::Method::POST, 307, "POST", true),
        (ahttp::Method::POST, 308, "POST", true),
    ] {
        let mut resp = s
            .request(method.clone(), to(status))
            .data("payload")
            .send()
            .await
            .unwrap();
        let doc = json_of(&mut resp).await;
        assert_eq!(doc["method"], want_method, "{method} {status}");
        assert_eq!(
            doc["data"] == "payload",
            keeps_body,
            "{method} {status}: {doc}"
        );
    }
    // A stream cannot be sent again after a 307.
    let stream = futures_util::stream::iter(vec![Ok(bytes::Bytes::from_static(b"once"))]);
    let err = s
        .post(to(307))
        .data(ahttp::Body::from_stream(stream))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Payload);
    // Non-HTTP targets and malformed locations.
    let err = s
        .get(server.url("/redirect-to?url=ftp://x/y"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::NonHttpUrlRedirect);
    let err = s
        .get(server.url("/redirect-to?url=http://[::1"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidUrlRedirect);
}

async fn too_many_redirects<R: Runtime + Default>() {
    let server = TestServer::start();
    let s = session::<R>();
    // max_redirects = 3 follows three hops.
    let resp = s
        .get(server.url("/redirect/3"))
        .max_redirects(3)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let err = s
        .get(server.url("/redirect/4"))
        .max_redirects(3)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::TooManyRedirects);
    assert_eq!(err.response().unwrap().history.len(), 3);
    let err = s
        .get(server.url("/redirect-loop"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::TooManyRedirects);
    assert!(err.is_redirect());
}

async fn redirects_to_other_origins_drop_credentials<R: Runtime + Default>() {
    let a = TestServer::start();
    let b = TestServer::start();
    let s = session::<R>();
    let target = b.url("/headers");
    let mut resp = s
        .get(a.url(&format!("/redirect-to?url={target}")))
        .auth(BasicAuth::new("user", "pw").unwrap())
        .header("Cookie", "c=1")
        .cookies([("once", "1")])
        .send()
        .await
        .unwrap();
    let doc = json_of(&mut resp).await;
    assert_eq!(header(&doc, "authorization"), None);
    assert_eq!(header(&doc, "cookie"), None);
    let first = a.last_request().unwrap();
    assert!(
        first.header("authorization").is_some(),
        "sent to the first origin"
    );
}

async fn cookies_across_redirects<R: Runtime + Default>() {
    let server = TestServer::start();
    // Strict by default, as aiohttp: no cookies from an IP-address host.
    let strict = session::<R>();
    let mut resp = strict
        .get(server.url("/cookies/set?a=1"))
        .send()
        .await
        .unwrap();
    assert!(json_of(&mut resp).await["cookies"].get("a").is_none());
    assert_eq!(strict.cookie_jar().len(), 0);
    // aiohttp's CookieJar(unsafe=True) accepts them.
    let jar = std::sync::Arc::new(ahttp::CookieJar::builder().unsafe_hosts(true).build());
    let s = ClientSession::<R>::builder().cookie_jar(jar).build();
    let mut resp = s
        .get(server.url("/cookies/set?a=1&b=2"))
        .send()
        .await
        .unwrap();
    let doc = json_of(&mut resp).await;
    assert_eq!(doc["cookies"]["a"], "1");
    assert_eq!(doc["cookies"]["b"], "2");
    assert_eq!(resp.history()[0].cookies().len(), 2);
    let mut resp = s.get(server.url("/cookies/delete?a")).send().await.unwrap();
    let doc = json_of(&mut resp).await;
    assert!(doc["cookies"].get("a").is_none());
    // One-off cookies are sent but not kept.
    let mut resp = s
        .get(server.url("/cookies"))
        .cookies([("once", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(&mut resp).await["cookies"]["once"], "x");
    let mut resp = s.get(server.url("/cookies")).send().await.unwrap();
    assert!(json_of(&mut resp).await["cookies"].get("once").is_none());
    // Session-level cookies go everywhere.
    let s2 = ClientSession::<R>::builder()
        .cookies([("sess", "v")])
        .build();
    let mut resp = s2.get(server.url("/cookies")).send().await.unwrap();
    assert_eq!(json_of(&mut resp).await["cookies"]["sess"], "v");
    // DummyCookieJar keeps nothing.
    let s3 = ClientSession::<R>::builder()
        .cookie_jar(std::sync::Arc::new(ahttp::DummyCookieJar::new()))
        .build();
    let mut resp = s3.get(server.url("/cookies/set?z=1")).send().await.unwrap();
    assert!(json_of(&mut resp).await["cookies"].get("z").is_none());
}

async fn basic_auth_from_builder_and_url<R: Runtime + Default>() {
    let server = TestServer::start();
    let s = session::<R>();
    let mut resp = s
        .get(server.url("/basic-auth/u/p%20w"))
        .auth(BasicAuth::new("u", "p w").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(&mut resp).await["authenticated"], true);
    let with_creds = server
        .url("/basic-auth/u/p")
        .replace("http://", "http://u:p@");
    let mut resp = s.get(&with_creds).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        !resp.url().as_str().contains("u:p@"),
        "credentials are not kept in the URL"
    );
    json_of(&mut resp).await;
    let err = s
        .get(&with_creds)
        .auth(BasicAuth::new("x", "y").unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Builder);
    let resp = s.get(server.url("/basic-auth/u/p")).send().await.unwrap();
    assert_eq!(resp.status(), 401);
}

async fn raise_for_status_keeps_the_body<R: Runtime + Default>() {
    let server = TestServer::start();
    let s = session::<R>();
    let err = s
        .get(server.url("/status-body/503"))
        .raise_for_status(true)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_status());
    assert_eq!(err.status(), Some(ahttp::StatusCode::SERVICE_UNAVAILABLE));
    let parts = err.response().unwrap();
    assert_eq!(parts.body.len(), 64 * 1024, "the first 64 KiB");
    assert!(parts.body.starts_with(b"abcdefghij"));
    assert_eq!(err.request_info().unwrap().url.path(), "/status-body/503");
    // From the session default, and from the response.
    let strict = ClientSession::<R>::builder().raise_for_status(true).build();
    assert!(strict
        .get(server.url("/status/404"))
        .send()
        .await
        .unwrap_err()
        .is_status());
    let resp = s.get(server.url("/status/418")).send().await.unwrap();
    assert!(!resp.ok());
    assert!(resp.raise_for_status().await.unwrap_err().is_status());
    let resp = s.get(server.url("/status/204")).send().await.unwrap();
    assert!(resp.raise_for_status().await.is_ok());
}

async fn timeouts<R: Runtime + Default>() {
    let server = TestServer::start();
    let s = session::<R>();
    let err = s
        .get(server.url("/delay/2"))
        .timeout(ClientTimeout::total(Duration::from_millis(200)))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::TotalTimeout);
    assert!(err.is_timeout());
    let err = s
        .get(server.url("/delay/2"))
        .timeout(ClientTimeout::none().with_sock_read(Duration::from_millis(200)))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::SocketTimeout);
    // sock_read also bounds gaps while the body is read.
    let mut resp = s
        .get(server.url("/slow-body?delay_ms=1500"))
        .timeout(ClientTimeout::none().with_sock_read(Duration::from_millis(200)))
        .send()
        .await
        .unwrap();
    let err = resp.read().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::SocketTimeout);
    // The total timeout covers reading the body, as in aiohttp.
    let mut resp = s
        .get(server.url("/slow-body?delay_ms=1500"))
        .timeout(ClientTimeout::total(Duration::from_millis(300)))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.read().await.unwrap_err().kind(),
        &ErrorKind::TotalTimeout
    );
    // The total timeout starts when the request does (its future's first
    // poll), not when `send()` built the future.
    let pending = s
        .get(server.url("/get"))
        .timeout(ClientTimeout::total(Duration::from_millis(200)))
        .send();
    let rt = R::default();
    rt.sleep_until(rt.now() + Duration::from_millis(300)).await;
    assert_eq!(pending.await.unwrap().status(), 200);
    // Connecting to a port nobody listens on fails as a connector error.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let err = s.get(format!("http://{closed}/")).send().await.unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    // A fast request within a total timeout is fine.
    assert_eq!(
        s.get(server.url("/get"))
            .timeout(ClientTimeout::total(Duration::from_secs(5)))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

async fn head_has_no_body<R: Runtime + Default>() {
    let server = TestServer::start();
    let s = session::<R>();
    let mut resp = s.head(server.url("/get")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.read().await.unwrap().is_empty());
    let mut resp = s.get(server.url("/get")).send().await.unwrap();
    json_of(&mut resp).await;
    assert_eq!(server.connections_accepted(), 1);
}

async fn expect_100_continue<R: Runtime + Default>() {
    let server = TestServer::start();
    let s = session::<R>();
    let mut resp = s
        .post(server.url("/post"))
        .data("held body")
        .expect100(true)
        .send()
        .await
        .unwrap();
    // The 100 Continue is kept aside (curl's -i prints it).
    let interim: Vec<u16> = resp
        .informational()
        .iter()
        .map(|i| i.status().as_u16())
        .collect();
    assert_eq!(interim, [100]);
    let doc = json_of(&mut resp).await;
    assert_eq!(header(&doc, "expect"), Some("100-continue"));
    assert_eq!(doc["data"], "held body");
    // Interim answers nobody asked for (103 Early Hints) are kept too, in
    // order, headers and all.
    let raw = ahttp_testserver::RawServer::start(ahttp_testserver::RawBehaviour::SendThenClose(
        b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
            .to_vec(),
    ));
    let mut resp = s.get(raw.url("/")).send().await.unwrap();
    let interim = resp.informational();
    assert_eq!(interim.len(), 2);
    assert_eq!(
        (interim[0].status().as_u16(), interim[0].reason()),
        (103, "Early Hints")
    );
    assert_eq!(interim[0].headers()["link"], "</a.css>; rel=preload");
    assert_eq!(
        interim[0].raw_headers().collect::<Vec<_>>(),
        [(&b"Link"[..], &b"</a.css>; rel=preload"[..])]
    );
    assert_eq!(interim[1].status().as_u16(), 102);
    assert_eq!(resp.read().await.unwrap(), "ok");
    // A server that answers before 100: the body is not sent.
    let resp = s
        .post(server.url("/expect-reject"))
        .data("never sent")
        .expect100(true)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 417);
}

async fn streaming_upload_and_tracker<R: Runtime + Default>() {
    let server = TestServer::start();
    let s = session::<R>();
    let pieces: Vec<std::io::Result<bytes::Bytes>> = (0..10)
        .map(|i| Ok(bytes::Bytes::from(format!("piece{i};"))))
        .collect();
    let tracker = ahttp::UploadTracker::new();
    let mut resp = s
        .post(server.url("/post"))
        .data(ahttp::Body::from_stream(futures_util::stream::iter(pieces)))
        .upload_tracker(tracker.clone())
        .send()
        .await
        .unwrap();
    let doc = json_of(&mut resp).await;
    assert_eq!(doc["transfer_encoding"], "chunked");
    assert_eq!(
        doc["data"],
        (0..10).map(|i| format!("piece{i};")).collect::<String>()
    );
    assert!(tracker.is_complete());
    assert_eq!(tracker.attempts(), 1);
    assert_eq!(tracker.bytes_written(), 70);
    // Any AsyncRead.
    let reader = futures_util::io::Cursor::new(vec![b'r'; 200_000]);
    let mut resp = s
        .put(server.url("/put"))
        .data(ahttp::Body::from_reader(reader))
        .send()
        .await
        .unwrap();
    let doc = json_of(&mut resp).await;
    assert_eq!(doc["data"].as_str().unwrap().len(), 200_000);
    // A reader of known length goes with Content-Length, not chunked ...
    let reader = futures_util::io::Cursor::new(vec![b's'; 100_000]);
    let mut resp = s
        .put(server.url("/put"))
        .data(ahttp::Body::from_reader_with_length(reader, 100_000))
        .send()
        .await
        .unwrap();
    let doc = json_of(&mut resp).await;
    assert_eq!(header(&doc, "content-length"), Some("100000"));
    assert!(doc["transfer_encoding"].is_null(), "{doc}");
    assert_eq!(doc["data"].as_str().unwrap().len(), 100_000);
    // ... and one that ends before its length is an error, not a short body.
    let reader = futures_util::io::Cursor::new(vec![b's'; 10]);
    let err = s
        .put(server.url("/put"))
        .data(ahttp::Body::from_reader_with_length(reader, 20))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Body, "{err:?}");
    // A multipart form with a streamed file.
    let mut form = FormData::new();
    form.add_field("k", "v").unwrap();
    form.add_reader(
        "f",
        futures_util::io::Cursor::new(b"streamed".to_vec()),
        Some(8),
        "s.txt",
        Some("text/plain"),
    )
    .unwrap();
    let mut resp = s.post(server.url("/post")).data(form).send().await.unwrap();
    let doc = json_of(&mut resp).await;
    assert_eq!(doc["files"]["f"]["content"], "streamed");
    assert_eq!(doc["form"]["k"], "v");
}

async fn content_reader_methods<R: Runtime + Default>() {
    let server = TestServer::start();
    let s = session::<R>();
    let expected = ahttp_testserver::pseudo_random_bytes(5000, 0);
    let mut resp = s.get(server.url("/bytes/5000")).send().await.unwrap();
    let mut content = resp.content();
    let a = content.readexactly(100).await.unwrap();
    let b = content.read(Some(50)).await.unwrap();
    let rest = content.read(None).await.unwrap();
    assert_eq!([&a[..], &b[..], &rest[..]].concat(), expected);
    assert!(content.at_eof());
    let mut resp = s.get(server.url("/bytes/10")).send().await.unwrap();
    let err = resp.content().readexactly(11).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Payload);
    // readchunk keeps HTTP chunk boundaries.
    let mut resp = s
        .get(server.url("/stream-bytes/3000?chunk_size=1000"))
        .send()
        .await
        .unwrap();
    let mut content = resp.content();
    let mut chunks = Vec::new();
    loop {
        let (data, end) = content.readchunk().await.unwrap();
        if data.is_empty() && !end {
            break;
        }
        chunks.push((data.len(), end));
    }
    assert_eq!(chunks.iter().map(|c| c.0).sum::<usize>(), 3000);
    assert!(chunks.iter().all(|c| c.1), "{chunks:?}");
    // iter_chunked
    let mut resp = s.get(server.url("/bytes/2500")).send().await.unwrap();
    let mut it = resp.content().iter_chunked(1000);
    let mut sizes = Vec::new();
    while let Some(piece) = it.next().await {
        sizes.push(piece.unwrap().len());
    }
    assert_eq!(sizes.iter().sum::<usize>(), 2500);
    assert!(sizes.iter().all(|&n| n <= 1000));
    // AsyncRead
    let mut resp = s.get(server.url("/bytes/3000")).send().await.unwrap();
    let mut out = Vec::new();
    futures_util::AsyncReadExt::read_to_end(&mut resp, &mut out)
        .await
        .unwrap();
    assert_eq!(out, ahttp_testserver::pseudo_random_bytes(3000, 0));
    // SSE
    let mut resp = s.get(server.url("/sse?n=3")).send().await.unwrap();
    let mut events = resp.sse();
    let mut n = 0;
    while let Some(ev) = events.next_event().await {
        let ev = ev.unwrap();
        assert!(!ev.data.is_empty());
        n += 1;
    }
    assert_eq!(n, 3);
}

async fn text_and_json<R: Runtime + Default>() {
    let server = TestServer::start();
    let s = session::<R>();
    let mut resp = s.get(server.url("/encoding/latin1")).send().await.unwrap();
    assert_eq!(resp.charset().as_deref(), Some("iso-8859-1"));
    let text = resp.text().await.unwrap();
    assert!(text.contains('é'), "{text}");
    let mut resp = s.get(server.url("/encoding/latin1")).send().await.unwrap();
    let as_utf8 = resp.text_with("utf-8").await;
    assert!(as_utf8.is_err(), "latin-1 bytes are not UTF-8");
    let mut resp = s.get(server.url("/html")).send().await.unwrap();
    assert_eq!(resp.content_type(), "text/html");
    let err = resp.json::<Value>().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::ContentType);
    let mut resp = s.get(server.url("/json-empty")).send().await.unwrap();
    let err = resp.json::<Value>().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Json);
    let mut resp = s.get(server.url("/json")).send().await.unwrap();
    assert!(resp.json::<Value>().await.is_ok());
}

async fn server_disconnect_mid_body<R: Runtime + Default>() {
    let server = TestServer::start();
    let s = session::<R>();
    let mut resp = s.get(server.url("/close-mid-body")).send().await.unwrap();
    let err = resp.read().await.unwrap_err();
    assert!(err.is_payload(), "{err:?}");
    // The session still works afterwards.
    assert_eq!(
        s.get(server.url("/get")).send().await.unwrap().status(),
        200
    );
}

async fn invalid_urls<R: Runtime + Default>() {
    let s = session::<R>();
    assert_eq!(
        s.get("not a url").send().await.unwrap_err().kind(),
        &ErrorKind::InvalidUrl
    );
    assert_eq!(
        s.get("ftp://host/x").send().await.unwrap_err().kind(),
        &ErrorKind::NonHttpUrl
    );
    let bad_base = ClientSession::<R>::builder()
        .base_url("http://h.example/api")
        .build();
    assert_eq!(
        bad_base.get("x").send().await.unwrap_err().kind(),
        &ErrorKind::InvalidUrl
    );
    let err = s
        .get("http://no-such-host.invalid/")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::ConnectorDns { .. }),
        "{err:?}"
    );
}

async fn response_accessors<R: Runtime + Default>() {
    let server = TestServer::start();
    let s = ClientSession::<R>::builder()
        .base_url(server.url("/"))
        .build();
    let resp = s.get("links#frag").send().await.unwrap();
    assert_eq!(resp.version(), ahttp::Version::HTTP_11);
    assert_eq!(resp.method(), ahttp::Method::GET);
    assert_eq!(resp.url().fragment(), None);
    assert_eq!(resp.real_url().fragment(), Some("frag"));
    assert!(!resp.links().is_empty());
    assert!(resp.raw_headers().next().is_some());
    assert_eq!(
        resp.request_info().raw_headers().next().map(|h| h.0),
        Some("Host")
    );
    assert!(resp.request_info().headers().contains_key("user-agent"));
    let resp = s
        .get("response-headers")
        .params([("Content-Disposition", "attachment; filename=\"r.txt\"")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.content_disposition().unwrap().filename.as_deref(),
        Some("r.txt")
    );
    assert_eq!(resp.request_info().method, ahttp::Method::GET);
}

async fn session_close_and_drop<R: Runtime + Default>() {
    let server = TestServer::start();
    let s = session::<R>();
    let mut resp = s.get(server.url("/get")).send().await.unwrap();
    json_of(&mut resp).await;
    assert_eq!(s.connector().counts().0, 1, "one idle connection");
    // A request built before the close but started after it is refused.
    let built_before = s.get(server.url("/get")).send();
    s.close().await;
    assert!(s.closed());
    assert_eq!(
        built_before.await.unwrap_err().kind(),
        &ErrorKind::SessionClosed
    );
    assert_eq!(
        s.get(server.url("/get")).send().await.unwrap_err().kind(),
        &ErrorKind::SessionClosed
    );
    assert_eq!(s.connector().counts(), (0, 0, 0));
    // One-shot requests close their connection.
    let _ = BasicAuth::new("a", "b");
}

/// Requests and responses can move between threads: a request future can
/// be spawned on a multi-threaded executor, with any body.
#[allow(dead_code)]
fn futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let s = ahttp_tokio::ClientSession::new();
    let stream = futures_util::stream::iter(vec![Ok(bytes::Bytes::new())]);
    let fut = s
        .post("http://127.0.0.1/")
        .data(ahttp::Body::from_stream(stream))
        .send();
    assert_send(&fut);
    let mut form = FormData::new();
    let _ = form.add_reader(
        "f",
        futures_util::io::Cursor::new(vec![1u8]),
        None,
        "f",
        None,
    );
    let fut = s.post("http://127.0.0.1/").data(form).send();
    assert_send(&fut);
    fn response_is_send(r: ahttp_tokio::ClientResponse) {
        assert_send(&r);
    }
    let _ = response_is_send;
}

async fn read_until_eof_and_http10<R: Runtime + Default>() {
    // A body without length or chunking: read until close, or empty.
    let raw = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end".to_vec();
    let server =
        ahttp_testserver::RawServer::start(ahttp_testserver::RawBehaviour::SendThenClose(raw));
    let s = session::<R>();
    let mut resp = s.get(server.url("/")).send().await.unwrap();
    assert_eq!(&resp.read().await.unwrap()[..], b"until the end");
    let mut resp = s
        .get(server.url("/"))
        .read_until_eof(false)
        .send()
        .await
        .unwrap();
    assert!(resp.read().await.unwrap().is_empty());
    // HTTP/1.0 requests carry Connection: keep-alive, as aiohttp sends them.
    let server = TestServer::start();
    let mut resp = s
        .get(server.url("/get"))
        .version(ahttp::Version::HTTP_10)
        .send()
        .await
        .unwrap();
    let doc = json_of(&mut resp).await;
    assert_eq!(header(&doc, "connection"), Some("keep-alive"));
    assert_eq!(
        server.last_request().unwrap().version,
        ahttp::Version::HTTP_10
    );
}

async fn release_drains_a_small_rest<R: Runtime + Default>() {
    let server = TestServer::start();
    let s = session::<R>();
    // 20 KB unread (under the 64 KiB drain limit): drained, connection kept.
    let mut resp = s
        .get(server.url("/slow-body?delay_ms=50&size=20000"))
        .send()
        .await
        .unwrap();
    resp.release().await;
    s.get(server.url("/get"))
        .send()
        .await
        .unwrap()
        .read()
        .await
        .unwrap();
    assert_eq!(server.connections_accepted(), 1, "drained and reused");
    // 1 MB unread: closed rather than drained.
    let mut resp = s.get(server.url("/bytes/1000000")).send().await.unwrap();
    resp.release().await;
    s.get(server.url("/get"))
        .send()
        .await
        .unwrap()
        .read()
        .await
        .unwrap();
    assert_eq!(server.connections_accepted(), 2, "closed, a new connection");
    // A smaller drain limit closes the 20 KB case too.
    let strict = ClientSession::<R>::builder().drain_limit(1000).build();
    let before = server.connections_accepted();
    let mut resp = strict
        .get(server.url("/slow-body?delay_ms=50&size=20000"))
        .send()
        .await
        .unwrap();
    resp.release().await;
    strict
        .get(server.url("/get"))
        .send()
        .await
        .unwrap()
        .read()
        .await
        .unwrap();
    assert_eq!(server.connections_accepted(), before + 2);
}

async fn readany_and_fallback_charset<R: Runtime + Default>() {
    let server = TestServer::start();
    let s = session::<R>();
    let mut resp = s.get(server.url("/bytes/1000")).send().await.unwrap();
    let mut content = resp.content();
    let mut total = 0;
    loop {
        let piece = content.readany().await.unwrap();
        if piece.is_empty() {
            break;
        }
        total += piece.len();
    }
    assert_eq!(total, 1000);
    // No charset in the Content-Type: the session's resolver decides.
    let latin = ClientSession::<R>::builder()
        .fallback_charset_resolver(|_body: &[u8]| "iso-8859-1".to_owned())
        .build();
    let mut resp = latin
        .get(server.url("/encoding/nocharset"))
        .send()
        .await
        .unwrap();
    assert!(resp.charset().is_none());
    let text = resp.text().await.unwrap();
    assert!(!text.is_empty());
    let mut resp = s.get(server.url("/encoding/utf8")).send().await.unwrap();
    assert!(resp.text().await.is_ok());
    assert!(!resp.reason().is_empty());
}

async fn every_method_and_deflate_compression<R: Runtime + Default>() {
    let server = TestServer::start();
    let s = session::<R>();
    for (resp, method) in [
        (
            s.patch(server.url("/patch"))
                .data("p")
                .send()
                .await
                .unwrap(),
            "PATCH",
        ),
        (
            s.delete(server.url("/delete")).send().await.unwrap(),
            "DELETE",
        ),
        (
            s.options(server.url("/anything")).send().await.unwrap(),
            "OPTIONS",
        ),
        (
            s.put(server.url("/put")).data("u").send().await.unwrap(),
            "PUT",
        ),
    ] {
        let mut resp = resp;
        let doc = json_of(&mut resp).await;
        assert_eq!(doc["method"], method);
        if method == "DELETE" {
            // aiohttp sends Content-Length: 0 for body-less DELETE.
            assert_eq!(header(&doc, "content-length"), Some("0"));
        }
    }
    let mut resp = s
        .post(server.url("/post"))
        .data("zzz".repeat(50))
        .compress(ahttp::Compression::Deflate)
        .send()
        .await
        .unwrap();
    let doc = json_of(&mut resp).await;
    assert_eq!(header(&doc, "content-encoding"), Some("deflate"));
    // The server got zlib data that inflates to the body.
    let body = server.last_request().unwrap().body;
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::ZlibDecoder::new(&body[..]), &mut out).unwrap();
    assert_eq!(out, "zzz".repeat(50).as_bytes());
}

async fn idempotent_requests_retry_once_on_a_dead_reused_connection<R: Runtime + Default>() {
    // Connections 0 and 2 answer one request, then take the next one and
    // close without answering (a keep-alive race); the others answer
    // normally.
    let server = ahttp_testserver::RawServer::start_fn(|mut conn| async move {
        let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        if conn.index() == 0 || conn.index() == 2 {
            if conn.read_request().await.ok().flatten().is_some() {
                let _ = conn.write_all(ok).await;
            }
            let _ = conn.read_request().await;
            conn.close().await;
            return;
        }
        while let Ok(Some(_)) = conn.read_request().await {
            if conn.write_all(ok).await.is_err() {
                return;
            }
        }
    });
    let s = session::<R>();
    assert_eq!(
        &s.get(server.url("/"))
            .send()
            .await
            .unwrap()
            .read()
            .await
            .unwrap()[..],
        b"ok"
    );
    // GET on the reused (now dying) connection: retried on a new one.
    assert_eq!(
        &s.get(server.url("/"))
            .send()
            .await
            .unwrap()
            .read()
            .await
            .unwrap()[..],
        b"ok"
    );
    assert_eq!(server.connections_accepted(), 2);
    // POST is not idempotent: the same situation is an error, not a retry.
    let s = session::<R>();
    s.get(server.url("/"))
        .send()
        .await
        .unwrap()
        .read()
        .await
        .unwrap();
    let err = s.post(server.url("/")).data("x").send().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::ServerDisconnected, "{err:?}");
    assert_eq!(server.connections_accepted(), 3);
}
