//! One smoke test per route family, with a raw-bytes client over tokio.

mod common;

use std::io::Read;
use std::time::{Duration, Instant};

use ahttp_testserver::{alphabet_bytes, pseudo_random_bytes, TestServer};
use common::{build, get, Client};
use serde_json::json;
use tokio::io::AsyncReadExt;

#[tokio::test]
async fn echo_routes() {
    let server = TestServer::start();
    let mut c = Client::connect(server.addr()).await;

    // Header case and order survive, args group repeats.
    c.send(b"GET /get?a=1&b=x+y&a=2&flag HTTP/1.1\r\nhost: h.test\r\nX-Zed: 1\r\nx-ALPHA: 2\r\nX-Zed: 3\r\n\r\n")
        .await;
    let r = c.read_response(false).await.unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let v = r.json();
    assert_eq!(v["method"], "GET");
    assert_eq!(v["url"], "http://h.test/get?a=1&b=x+y&a=2&flag");
    assert_eq!(v["path"], "/get");
    assert_eq!(v["args"], json!({"a": ["1", "2"], "b": "x y", "flag": ""}));
    assert_eq!(
        v["headers"],
        json!([
            ["host", "h.test"],
            ["X-Zed", "1"],
            ["x-ALPHA", "2"],
            ["X-Zed", "3"]
        ])
    );
    assert_eq!(v["data"], "");
    assert_eq!(v["json"], serde_json::Value::Null);
    assert_eq!(v["content_length"], serde_json::Value::Null);
    assert_eq!(v["origin"], "127.0.0.1");

    // JSON body.
    let r = c
        .request(
            "POST",
            "/post",
            &[("Content-Type", "application/json")],
            br#"{"k":[1,2]}"#,
        )
        .await;
    let v = r.json();
    assert_eq!(v["json"], json!({"k": [1, 2]}));
    assert_eq!(v["data"], r#"{"k":[1,2]}"#);
    assert_eq!(v["content_length"], 11);

    // Form body.
    let r = c
        .request(
            "PUT",
            "/put",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            b"a=1&b=%C3%A9&a=3",
        )
        .await;
    assert_eq!(r.json()["form"], json!({"a": ["1", "3"], "b": "é"}));

    // Multipart body.
    let body = b"--BND\r\nContent-Disposition: form-data; name=\"field\"\r\n\r\nvalue\r\n--BND\r\nContent-Disposition: form-data; name=\"up\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nfile\r\ncontent\r\n--BND--\r\n";
    let r = c
        .request(
            "PATCH",
            "/patch",
            &[("Content-Type", "multipart/form-data; boundary=BND")],
            body,
        )
        .await;
    let v = r.json();
    assert_eq!(v["form"], json!({"field": "value"}));
    assert_eq!(
        v["files"],
        json!({"up": {"filename": "a.txt", "content_type": "text/plain", "content": "file\r\ncontent"}})
    );

    // Chunked body with trailers; binary data as a data URL.
    c.send(b"DELETE /delete HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n\xff\xfe\r\n0\r\nX-T: 1\r\n\r\n")
        .await;
    let v = c.read_response(false).await.unwrap().json();
    assert_eq!(v["transfer_encoding"], "chunked");
    assert_eq!(v["data"], "data:application/octet-stream;base64,//4=");
    assert_eq!(v["trailers"], json!([["x-t", "1"]]));

    // Any method on /anything; wrong method elsewhere.
    let r = c.request("PURGE", "/anything/x/y", &[], b"").await;
    assert_eq!(r.json()["method"], "PURGE");
    assert_eq!(r.json()["path"], "/anything/x/y");
    let r = c.request("POST", "/get", &[], b"").await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET, HEAD"));
    let r = c.request("HEAD", "/get", &[], b"").await;
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
    let r = c.request("GET", "/nope", &[], b"").await;
    assert_eq!(r.status, 404);

    // All of it on one connection, and recorded.
    assert_eq!(server.connections_accepted(), 1);
    let log = server.requests();
    assert_eq!(log.len(), 9);
    assert!(log.iter().all(|r| r.connection == 1));
    assert_eq!(log[0].header_names(), ["host", "X-Zed", "x-ALPHA", "X-Zed"]);
    assert_eq!(log[0].header_all("x-zed"), [&b"1"[..], b"3"]);
    assert_eq!(log[0].target, "/get?a=1&b=x+y&a=2&flag");
    assert_eq!(log[0].query.as_deref(), Some("a=1&b=x+y&a=2&flag"));
    assert_eq!(&log[1].body[..], br#"{"k":[1,2]}"#);
    assert_eq!(&log[4].body[..], b"\xff\xfe");
    assert_eq!(log[5].method, "PURGE");
    server.clear_requests();
    assert!(server.requests().is_empty());
    c.request("GET", "/get", &[], b"").await;
    assert_eq!(server.last_request().unwrap().path, "/get");
}

#[tokio::test]
async fn keep_alive_and_connection_count() {
    let server = TestServer::start();
    let mut a = Client::connect(server.addr()).await;
    for _ in 0..3 {
        assert_eq!(a.request("GET", "/get", &[], b"").await.status, 200);
    }
    let mut b = Client::connect(server.addr()).await;
    b.request("GET", "/headers", &[], b"").await;
    assert_eq!(server.connections_accepted(), 2);
    let conns: Vec<usize> = server.requests().iter().map(|r| r.connection).collect();
    assert_eq!(conns, [1, 1, 1, 2]);

    // Pipelined requests are logged with their own heads.
    let mut p = Client::connect(server.addr()).await;
    let mut both = build("GET", "/anything/1", &[("X-One", "1")], b"");
    both.extend(build("GET", "/anything/2", &[("X-Two", "2")], b""));
    p.send(&both).await;
    let r1 = p.read_response(false).await.unwrap().json();
    let r2 = p.read_response(false).await.unwrap().json();
    assert_eq!(r1["headers"][1], json!(["X-One", "1"]));
    assert_eq!(r2["headers"][1], json!(["X-Two", "2"]));
}

#[tokio::test]
async fn status_routes() {
    let server = TestServer::start();
    let r = get(server.addr(), "/status/418").await;
    assert_eq!(r.status, 418);
    assert!(r.body.is_empty());
    let r = get(server.addr(), "/status/302").await;
    assert_eq!(r.header("location"), Some("/redirect/1"));
    let r = get(server.addr(), "/status/401").await;
    assert_eq!(
        r.header("www-authenticate"),
        Some("Basic realm=\"Fake Realm\"")
    );
    let r = get(server.addr(), "/status/204").await;
    assert_eq!(r.status, 204);
    assert_eq!(get(server.addr(), "/status/abc").await.status, 400);
    let r = get(server.addr(), "/status-body/503").await;
    assert_eq!(r.status, 503);
    assert_eq!(r.body, alphabet_bytes(100 * 1024));
}

#[tokio::test]
async fn redirect_routes() {
    let server = TestServer::start();
    let a = server.addr();
    let r = get(a, "/redirect/3").await;
    assert_eq!((r.status, r.header("location")), (302, Some("/redirect/2")));
    let r = get(a, "/redirect/1").await;
    assert_eq!(r.header("location"), Some("/get"));
    let r = get(a, "/relative-redirect/2").await;
    assert_eq!(r.header("location"), Some("/relative-redirect/1"));
    let r = get(a, "/absolute-redirect/2").await;
    assert_eq!(
        r.header("location"),
        Some("http://test.local/absolute-redirect/1")
    );
    let r = get(a, "/absolute-redirect/1").await;
    assert_eq!(r.header("location"), Some("http://test.local/get"));
    let r = Client::connect(a)
        .await
        .request(
            "POST",
            "/redirect-to?url=http%3A%2F%2Fexample.test%2Fx%3Fa%3D1&status_code=307",
            &[],
            b"body",
        )
        .await;
    assert_eq!(r.status, 307);
    assert_eq!(r.header("location"), Some("http://example.test/x?a=1"));
    assert_eq!(
        get(a, "/redirect-to?url=/get&status_code=200").await.status,
        302
    );
    assert_eq!(get(a, "/redirect-to").await.status, 400);
    let r = get(a, "/redirect-loop").await;
    assert_eq!(r.header("location"), Some("/redirect-loop"));
    let r = get(a, "/redirect-with-cookie").await;
    assert_eq!(r.header("set-cookie"), Some("redirected=yes; Path=/"));
    assert_eq!(r.header("location"), Some("/cookies"));
}

#[tokio::test]
async fn cookie_routes() {
    let server = TestServer::start();
    let a = server.addr();
    let r = get(a, "/cookies/set?a=1&b=two").await;
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("/cookies"));
    assert_eq!(r.header_all("set-cookie"), ["a=1; Path=/", "b=two; Path=/"]);

    let r = Client::connect(a)
        .await
        .request("GET", "/cookies", &[("Cookie", "a=1; b=two; a=3")], b"")
        .await;
    assert_eq!(
        r.json(),
        json!({"cookies": {"a": "1", "b": "two"}, "cookie_headers": ["a=1; b=two; a=3"]})
    );

    let r = get(a, "/cookies/delete?a").await;
    assert_eq!(
        r.header("set-cookie"),
        Some("a=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/")
    );

    let r = get(
        a,
        "/cookies/set-attrs?name=s&value=v&path=/p&domain=test.local&max-age=10&samesite=Lax&secure&httponly",
    )
    .await;
    let want = "s=v; Path=/p; Domain=test.local; Max-Age=10; SameSite=Lax; Secure; HttpOnly";
    assert_eq!(r.header("set-cookie"), Some(want));
    assert_eq!(r.json(), json!({ "set-cookie": want }));
    let r = get(a, "/cookies/set-attrs?redirect=/cookies").await;
    assert_eq!(r.status, 302);
    assert_eq!(r.header("set-cookie"), Some("attr=value"));
}

#[tokio::test]
async fn auth_and_introspection_routes() {
    let server = TestServer::start();
    let a = server.addr();
    let mut c = Client::connect(a).await;
    // "user:pa ss" percent-encoded in the path.
    let r = c
        .request(
            "GET",
            "/basic-auth/user/pa%20ss",
            &[("Authorization", "Basic dXNlcjpwYSBzcw==")],
            b"",
        )
        .await;
    assert_eq!(r.json(), json!({"authenticated": true, "user": "user"}));
    let r = c
        .request(
            "GET",
            "/basic-auth/user/other",
            &[("Authorization", "Basic dXNlcjpwYSBzcw==")],
            b"",
        )
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("www-authenticate"),
        Some("Basic realm=\"Fake Realm\"")
    );
    let r = c
        .request("GET", "/bearer", &[("Authorization", "Bearer tok")], b"")
        .await;
    assert_eq!(r.json(), json!({"authenticated": true, "token": "tok"}));
    let r = c.request("GET", "/bearer", &[], b"").await;
    assert_eq!(
        (r.status, r.header("www-authenticate")),
        (401, Some("Bearer"))
    );

    let r = c
        .request("GET", "/headers", &[("User-Agent", "ua/1")], b"")
        .await;
    assert_eq!(
        r.json(),
        json!({"headers": [["Host", "test.local"], ["User-Agent", "ua/1"]]})
    );
    let r = c
        .request("GET", "/user-agent", &[("User-Agent", "ua/1")], b"")
        .await;
    assert_eq!(r.json(), json!({"user-agent": "ua/1"}));
    let r = c.request("GET", "/ip", &[], b"").await;
    assert_eq!(r.json(), json!({"origin": "127.0.0.1"}));
}

fn decode(encoding: &str, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match encoding {
        "gzip" => {
            flate2::read::GzDecoder::new(data)
                .read_to_end(&mut out)
                .unwrap();
        }
        "deflate" => {
            if flate2::read::ZlibDecoder::new(data)
                .read_to_end(&mut out)
                .is_err()
            {
                out.clear();
                flate2::read::DeflateDecoder::new(data)
                    .read_to_end(&mut out)
                    .unwrap();
            }
        }
        "br" => {
            brotli::Decompressor::new(data, 4096)
                .read_to_end(&mut out)
                .unwrap();
        }
        "zstd" => out = zstd::decode_all(data).unwrap(),
        other => panic!("unknown {other}"),
    }
    out
}

#[tokio::test]
async fn compression_routes() {
    let server = TestServer::start();
    let a = server.addr();
    for (path, enc, flag) in [
        ("/gzip", "gzip", "gzipped"),
        ("/deflate", "deflate", "deflated"),
        ("/deflate-raw", "deflate", "deflated"),
        ("/brotli", "br", "brotli"),
        ("/zstd", "zstd", "zstd"),
    ] {
        let r = get(a, path).await;
        assert_eq!(r.header("content-encoding"), Some(enc), "{path}");
        assert!(r.header("content-length").is_some());
        let v: serde_json::Value = serde_json::from_slice(&decode(enc, &r.body)).unwrap();
        assert_eq!(v[flag], true, "{path}");
        assert_eq!(v["method"], "GET");
    }
    // zlib-wrapped vs raw deflate really differ.
    let zlib = get(a, "/deflate").await.body;
    assert_eq!(zlib[0] & 0x0f, 8, "zlib header");
    let raw = get(a, "/deflate-raw").await.body;
    let mut out = Vec::new();
    assert!(flate2::read::ZlibDecoder::new(&raw[..])
        .read_to_end(&mut out)
        .is_err());

    let r = get(a, "/gzip?chunk_size=7").await;
    assert!(r.chunked);
    assert_eq!(decode("gzip", &r.body)[0], b'{');

    let r = get(a, "/bomb/zstd?size=1000000").await;
    assert!(r.body.len() < 10_000);
    assert_eq!(decode("zstd", &r.body), vec![0u8; 1_000_000]);
    assert_eq!(get(a, "/bomb/lzma").await.status, 404);
}

#[tokio::test]
async fn generated_body_routes() {
    let server = TestServer::start();
    let a = server.addr();
    let r = get(a, "/bytes/1000").await;
    assert_eq!(r.header("content-length"), Some("1000"));
    assert_eq!(r.body, pseudo_random_bytes(1000, 0));
    let r = get(a, "/bytes/16?seed=7").await;
    assert_eq!(r.body, pseudo_random_bytes(16, 7));

    let r = get(a, "/stream-bytes/25000?chunk_size=1000").await;
    assert!(r.chunked);
    assert_eq!(r.body, pseudo_random_bytes(25000, 0));

    let r = get(a, "/stream/3").await;
    assert!(r.chunked);
    let lines: Vec<serde_json::Value> = r
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[2]["id"], 2);
    assert_eq!(lines[0]["url"], "http://test.local/stream/3");

    let r = get(a, "/range/100").await;
    assert_eq!(r.body, alphabet_bytes(100));
    assert_eq!(r.header("accept-ranges"), Some("bytes"));
    let mut c = Client::connect(a).await;
    let r = c
        .request("GET", "/range/100", &[("Range", "bytes=10-19")], b"")
        .await;
    assert_eq!(r.status, 206);
    assert_eq!(r.header("content-range"), Some("bytes 10-19/100"));
    assert_eq!(r.body, b"klmnopqrst");
    let r = c
        .request("GET", "/range/100", &[("Range", "bytes=-3")], b"")
        .await;
    assert_eq!(r.header("content-range"), Some("bytes 97-99/100"));
    let r = c
        .request("GET", "/range/100", &[("Range", "bytes=200-")], b"")
        .await;
    assert_eq!(r.status, 416);
    assert_eq!(r.header("content-range"), Some("bytes */100"));
}

#[tokio::test]
async fn timing_routes() {
    let server = TestServer::start();
    let a = server.addr();

    let r = get(a, "/drip?numbytes=5&duration=0.1&delay=0.05").await;
    assert_eq!(r.header("content-length"), Some("5"));
    assert_eq!(r.body, b"*****");

    let start = Instant::now();
    let r = get(a, "/delay/0.2").await;
    assert!(start.elapsed() >= Duration::from_millis(200));
    assert_eq!(r.json()["path"], "/delay/0.2");

    // The head comes before the body.
    let mut c = Client::connect(a).await;
    c.send(&build("GET", "/slow-body?delay_ms=500&size=6", &[], b""))
        .await;
    let head = c.read_head().await.unwrap();
    assert_eq!(head.header("content-length"), Some("6"));
    let mut buf = [0u8; 6];
    let early = tokio::time::timeout(Duration::from_millis(100), c.stream.read(&mut buf)).await;
    assert!(early.is_err(), "body came with the head");
    c.stream.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"abcdef");

    let r = get(a, "/slow-body?delay_ms=1&chunked").await;
    assert!(r.chunked);
    assert_eq!(r.body, b"abcdefghij");

    let r = get(a, "/sse?n=2&event=tick&retry=500&multiline").await;
    assert_eq!(r.header("content-type"), Some("text/event-stream"));
    assert_eq!(
        r.text(),
        "retry: 500\n\nid: 0\nevent: tick\ndata: message 0\ndata: line 2\n\nid: 1\nevent: tick\ndata: message 1\ndata: line 2\n\n"
    );
    let r = get(a, "/sse?n=1&no_id&comment").await;
    assert_eq!(r.text(), ": comment\ndata: message 0\n\n");
}

#[tokio::test]
async fn content_routes() {
    let server = TestServer::start();
    let a = server.addr();
    let r = get(a, "/html").await;
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(r.text(), ahttp_testserver::HTML_PAGE);
    let r = get(a, "/encoding/latin1").await;
    assert_eq!(
        r.header("content-type"),
        Some("text/plain; charset=iso-8859-1")
    );
    assert_eq!(r.body, b"caf\xe9 cr\xe8me br\xfbl\xe9e \xa3 \xa9\n");
    let r = get(a, "/encoding/utf8").await;
    assert_eq!(r.text(), ahttp_testserver::UTF8_SAMPLE);
    let r = get(a, "/encoding/nocharset").await;
    assert_eq!(r.header("content-type"), Some("text/plain"));
    let r = get(a, "/json").await;
    assert_eq!(r.json()["slideshow"]["author"], "Yours Truly");
    let r = get(a, "/json-empty").await;
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("content-length"), Some("0"));
    assert!(r.body.is_empty());
    let r = get(a, "/links").await;
    let links = r.header_all("link");
    assert_eq!(links.len(), 2);
    assert!(links[0].contains("rel=\"next\""));
    assert!(links[1].contains("<http://test.local/links/page/1>; rel=\"first\""));
    let r = get(a, "/response-headers?X-A=1&X-A=2&Content-Type=text/x-test").await;
    assert_eq!(r.header_all("x-a"), ["1", "2"]);
    assert_eq!(r.header("content-type"), Some("text/x-test"));
    assert_eq!(
        r.json(),
        json!({"X-A": ["1", "2"], "Content-Type": "text/x-test"})
    );
    assert_eq!(get(a, "/response-headers?X-A=%0D%0Ax").await.status, 400);
}

#[tokio::test]
async fn connection_routes() {
    let server = TestServer::start();
    let a = server.addr();

    // Content-Length 100, 10 bytes, then the connection closes.
    let mut c = Client::connect(a).await;
    c.send(&build("GET", "/close-mid-body", &[], b"")).await;
    let head = c.read_head().await.unwrap();
    assert_eq!(head.header("content-length"), Some("100"));
    assert_eq!(c.read_to_end().await.unwrap(), b"0123456789");
    let mut c = Client::connect(a).await;
    c.send(&build("GET", "/close-mid-body?chunked", &[], b""))
        .await;
    let head = c.read_head().await.unwrap();
    assert_eq!(head.header("transfer-encoding"), Some("chunked"));
    let rest = c.read_to_end().await.unwrap().to_ascii_lowercase();
    assert_eq!(rest, b"a\r\n0123456789\r\n");

    let mut c = Client::connect(a).await;
    let r = c.request("GET", "/no-keep-alive", &[], b"").await;
    assert_eq!(r.header("connection"), Some("close"));
    assert!(c.read_to_end().await.unwrap().is_empty());

    // The server closes the idle connection after the advertised timeout.
    let mut c = Client::connect(a).await;
    let r = c
        .request("GET", "/keep-alive-timeout?secs=0.3", &[], b"")
        .await;
    assert_eq!(r.header("keep-alive"), Some("timeout=0.3"));
    let start = Instant::now();
    assert!(c.read_to_end().await.unwrap().is_empty());
    assert!(start.elapsed() >= Duration::from_millis(200));

    // 100-continue: the server asks for the body, then echoes.
    let mut c = Client::connect(a).await;
    c.send(
        b"POST /expect HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n",
    )
    .await;
    let interim = c.read_head().await.unwrap();
    assert_eq!(interim.status, 100);
    c.send(b"body").await;
    let r = c.read_response(false).await.unwrap();
    assert_eq!(r.json()["expect"], "100-continue");
    assert_eq!(r.json()["data"], "body");

    let mut c = Client::connect(a).await;
    c.send(b"POST /expect-reject HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
        .await;
    let r = c.read_response(false).await.unwrap();
    assert_eq!(r.status, 417);
    assert!(r.interim.is_empty());

    let mut c = Client::connect(a).await;
    let r = c
        .request("GET", "/trailers", &[("TE", "trailers")], b"")
        .await;
    assert_eq!(r.body, b"hello, trailers\n");
    assert_eq!(
        r.trailers,
        [
            ("x-checksum".to_string(), "abc123".to_string()),
            ("x-trailer-two".to_string(), "two".to_string())
        ]
    );
    let r = c.request("GET", "/trailers", &[], b"").await;
    assert!(r.chunked && r.trailers.is_empty());

    let big = vec![b'x'; 300_000];
    let r = c.request("POST", "/upload-count", &[], &big).await;
    assert_eq!(r.json()["bytes"], 300_000);
    assert_eq!(r.json()["content_length"], 300_000);
    let r = c
        .request("POST", "/slow-read?bytes_per_sec=200000", &[], &big)
        .await;
    assert_eq!(r.json()["bytes"], 300_000);
    assert!(r.json()["elapsed_ms"].as_u64().unwrap() >= 500);
}

#[tokio::test]
async fn small_receive_buffer() {
    let server = TestServer::builder().recv_buffer_size(4096).start();
    let mut c = Client::connect(server.addr()).await;
    let r = c
        .request(
            "POST",
            "/slow-read?bytes_per_sec=1000000",
            &[],
            &[7u8; 100_000],
        )
        .await;
    assert_eq!(r.json()["bytes"], 100_000);
}

#[tokio::test]
async fn keep_alive_off() {
    let server = TestServer::builder().keep_alive(false).start();
    let mut c = Client::connect(server.addr()).await;
    c.request("GET", "/get", &[], b"").await;
    assert!(c.read_to_end().await.unwrap().is_empty());
}

#[cfg(unix)]
#[tokio::test]
async fn unix_socket() {
    let path = std::env::temp_dir().join(format!(
        "ahttp-testserver-{}-{:?}.sock",
        std::process::id(),
        std::thread::current().id()
    ));
    let server = TestServer::start_unix(&path);
    assert_eq!(server.unix_path(), Some(path.as_path()));
    assert_eq!(server.url("/get"), "http://localhost/get");
    let stream = tokio::net::UnixStream::connect(&path).await.unwrap();
    let mut c = Client::new(stream);
    let r = c.request("GET", "/get?x=1", &[], b"").await;
    assert_eq!(r.json()["args"], json!({"x": "1"}));
    assert_eq!(r.json()["origin"], "");
    assert_eq!(server.connections_accepted(), 1);
    drop(server);
    assert!(!path.exists());
}

#[test]
fn drop_shuts_down() {
    let server = TestServer::start();
    let addr = server.addr();
    assert!(server.url("get").ends_with(&format!("{}/get", addr)));
    drop(server);
    assert!(std::net::TcpStream::connect(addr).is_err());
}

#[test]
fn usable_from_other_runtimes_and_threads() {
    // The server needs no runtime from its caller, and dropping it inside
    // another tokio runtime is fine.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let server = TestServer::start();
        let r = get(server.addr(), "/get").await;
        assert_eq!(r.status, 200);
        drop(server);
    });
}
