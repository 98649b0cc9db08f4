//! The `ahttp` command against the test server, raw TCP servers that
//! misbehave, TLS servers and a real proxy. Where curl is installed, it
//! runs with the same arguments and its exit code and stdout must match.

mod common;

use ahttp_testserver::tls::{Leaf, TlsFixtures, TlsServerOptions};
use ahttp_testserver::{RawBehaviour, RawServer, TestServer};
use common::*;
use std::time::Duration;

const UA: [&str; 2] = ["-A", "ahttp-test"];

fn with_ua<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut v: Vec<&str> = UA.to_vec();
    v.extend_from_slice(args);
    v
}

// ---------------------------------------------------------------------
// Basics: output, methods, headers, several URLs
// ---------------------------------------------------------------------

#[test]
fn get_writes_the_body_like_curl() {
    let server = TestServer::start();
    let run = compare(&[&server.url("/bytes/5000?seed=3")]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout, ahttp_testserver::pseudo_random_bytes(5000, 3));
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn url_without_scheme_is_http() {
    let server = TestServer::start();
    let url = server.url("/");
    let bare = url.trim_start_matches("http://");
    let run = compare(&[bare]);
    assert_eq!(run.text(), "ahttp-testserver\n");
}

#[test]
fn several_urls_share_one_connection() {
    let server = TestServer::start();
    let a = server.url("/bytes/10?seed=1");
    let b = server.url("/bytes/20?seed=2");
    let run = compare(&[&a, &b, &a]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout.len(), 40);
    // ahttp and curl each used one connection for their three requests.
    let expected = if curl_path().is_some() { 2 } else { 1 };
    assert_eq!(server.connections_accepted(), expected);
}

#[test]
fn request_method_flag() {
    let server = TestServer::start();
    // The client sends `Content-Length: 0` with a body-less DELETE (as
    // aiohttp does); curl sends none: the header list is left out.
    let run = compare_json(
        &with_ua(&["-X", "DELETE", &server.url("/delete")]),
        &Env::default(),
        &["headers", "content_length"],
    );
    assert_eq!(run.json()["method"], "DELETE");
    let run = compare_json(
        &with_ua(&["-X", "PATCH", &server.url("/anything")]),
        &Env::default(),
        &["headers", "content_length"],
    );
    assert!(!run.json()["headers"].to_string().contains("Content-Type"));
    assert_eq!(run.json()["method"], "PATCH");
}

#[test]
fn header_flag_adds_replaces_and_removes() {
    let server = TestServer::start();
    let url = server.url("/headers");
    let run = compare_json(
        &with_ua(&[
            "-H",
            "X-Test: one",
            "-H",
            "Accept: text/plain",
            "-H",
            "X-Empty;",
            &url,
        ]),
        &Env::default(),
        &[],
    );
    let headers = run.json()["headers"].to_string();
    assert!(headers.contains(r#"["X-Test","one"]"#), "{headers}");
    assert!(headers.contains(r#"["Accept","text/plain"]"#), "{headers}");
    assert!(headers.contains(r#"["X-Empty",""]"#), "{headers}");
    let run = compare_json(&with_ua(&["-H", "Accept:", &url]), &Env::default(), &[]);
    assert!(!run.json()["headers"].to_string().contains("Accept"));
}

#[test]
fn user_agent_flag() {
    let server = TestServer::start();
    let run = compare(&["-A", "agent/7", &server.url("/user-agent")]);
    assert_eq!(run.json()["user-agent"], "agent/7");
    // Without -A, ahttp names itself.
    let run = ahttp(&[&server.url("/user-agent")]);
    assert!(run.json()["user-agent"]
        .as_str()
        .unwrap()
        .starts_with("ahttp/"));
}

#[test]
fn help_and_version() {
    let run = ahttp(&["--help"]);
    assert_eq!(run.code, 0);
    let help = run.text();
    for flag in [
        "--location",
        "--write-out",
        "--cookie-jar",
        "--pinnedpubkey",
        "--unix-socket",
        "ws",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
    let run = ahttp(&["--version"]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.text().trim(),
        format!("ahttp {}", env!("CARGO_PKG_VERSION"))
    );
    let run = ahttp(&["--no-such-flag", "http://x/"]);
    assert_eq!(run.code, 2);
}

// ---------------------------------------------------------------------
// Bodies
// ---------------------------------------------------------------------

#[test]
fn data_flags_join_and_read_files() {
    let server = TestServer::start();
    let dir = temp_dir("data");
    let file = write_file(&dir, "d.txt", b"x=1\r\ny=2\n");
    let at = format!("@{file}");
    let url = server.url("/post");
    let run = compare_json(
        &with_ua(&["-d", "a=1", "-d", "b=2", "-d", &at, &url]),
        &Env::default(),
        &[],
    );
    let doc = run.json();
    assert_eq!(doc["data"], "a=1&b=2&x=1y=2");
    assert_eq!(doc["method"], "POST");
    let run = compare_json(
        &with_ua(&["--data-binary", &at, &url]),
        &Env::default(),
        &[],
    );
    assert_eq!(run.json()["data"], "x=1\r\ny=2\n");
    let run = compare_json(
        &with_ua(&["--data-raw", "@notafile", &url]),
        &Env::default(),
        &[],
    );
    assert_eq!(run.json()["data"], "@notafile");
    let run = compare_json(
        &with_ua(&["-d", "@-", &url]),
        &Env::default().stdin(b"from\nstdin"),
        &[],
    );
    assert_eq!(run.json()["data"], "fromstdin");
}

#[test]
fn json_flag() {
    let server = TestServer::start();
    let run = compare_json(
        &with_ua(&["--json", r#"{"a":"#, "--json", "1}", &server.url("/post")]),
        &Env::default(),
        &[],
    );
    let doc = run.json();
    assert_eq!(doc["json"]["a"], 1);
    let headers = doc["headers"].to_string();
    assert!(
        headers.contains(r#"["Content-Type","application/json"]"#),
        "{headers}"
    );
    assert!(
        headers.contains(r#"["Accept","application/json"]"#),
        "{headers}"
    );
}

#[test]
fn form_flag_sends_multipart() {
    let server = TestServer::start();
    let dir = temp_dir("form");
    let file = write_file(&dir, "notes.txt", b"hello file");
    let bin = write_file(&dir, "blob.bin", b"\x00\x01");
    let text = write_file(&dir, "field.txt", b"from a file");
    let f1 = format!("up=@{file}");
    let f2 = format!("raw=@{bin};type=application/x-thing;filename=renamed.dat");
    let f3 = format!("t=<{text}");
    let run = compare_json(
        &with_ua(&[
            "-F",
            "name=Ada",
            "-F",
            &f1,
            "-F",
            &f2,
            "-F",
            &f3,
            &server.url("/post"),
        ]),
        &Env::default(),
        &["data", "headers", "content_length"],
    );
    let doc = run.json();
    assert_eq!(doc["form"]["name"], "Ada");
    assert_eq!(doc["form"]["t"], "from a file");
    assert_eq!(doc["files"]["up"]["filename"], "notes.txt");
    assert_eq!(doc["files"]["up"]["content_type"], "text/plain");
    assert_eq!(doc["files"]["up"]["content"], "hello file");
    assert_eq!(doc["files"]["raw"]["filename"], "renamed.dat");
    assert_eq!(doc["files"]["raw"]["content_type"], "application/x-thing");
}

#[test]
fn upload_file_streams_a_put() {
    let server = TestServer::start();
    let dir = temp_dir("upload");
    let content = vec![b'u'; 300_000];
    let file = write_file(&dir, "big.txt", &content);
    // Streamed with its Content-Length, as curl sends it.
    let run = compare_json(
        &with_ua(&["-T", &file, &server.url("/put")]),
        &Env::default(),
        &["headers"],
    );
    let doc = run.json();
    assert_eq!(doc["method"], "PUT");
    assert_eq!(doc["data"].as_str().unwrap().len(), 300_000);
    assert_eq!(doc["content_length"], 300_000, "{doc}");
    assert!(doc["transfer_encoding"].is_null(), "{doc}");
    // So HTTP/1.0 takes it too.
    let run = compare_json(
        &with_ua(&["--http1.0", "-T", &file, &server.url("/put")]),
        &Env::default(),
        &["headers"],
    );
    assert_eq!(run.json()["data"].as_str().unwrap().len(), 300_000);
    // A URL ending in / gets the file's name.
    let run = compare_json(
        &with_ua(&["-T", &file, &server.url("/anything/")]),
        &Env::default(),
        &["headers"],
    );
    assert_eq!(run.json()["path"], "/anything/big.txt");
    // stdin.
    let run = ahttp_env(
        &["-T", "-", &server.url("/put")],
        &Env::default().stdin(b"piped"),
    );
    assert_eq!(run.json()["data"], "piped");
}

// ---------------------------------------------------------------------
// Output: -i, -I, -o, -s, -S, -v, -w
// ---------------------------------------------------------------------

#[test]
fn include_writes_the_head_first() {
    let server = TestServer::start();
    let run = compare_with(
        &["-i", &server.url("/response-headers?X-Custom=1")],
        &Env::default(),
        without_date,
    );
    let text = run.text();
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.contains("x-custom: 1\r\n"), "{text}");
    assert!(text.contains("\r\n\r\n{"), "{text}");
}

#[test]
fn include_writes_interim_heads_as_they_came() {
    let raw = RawServer::start(RawBehaviour::SendThenClose(
        b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
            .to_vec(),
    ));
    let run = compare(&["-i", &raw.url("/")]);
    assert_eq!(
        run.text(),
        "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    );
    // -v shows it too, marked as received.
    let run = ahttp(&["-s", "-v", "-o", "/dev/null", &raw.url("/")]);
    assert!(
        run.stderr.contains("< HTTP/1.1 103 Early Hints"),
        "{}",
        run.stderr
    );
}

#[test]
fn include_with_location_writes_every_head() {
    let server = TestServer::start();
    let run = compare_with(
        &["-i", "-L", &server.url("/redirect/2")],
        &Env::default(),
        |b| {
            // Keep the status lines only: the echo body holds the User-Agent.
            String::from_utf8_lossy(b)
                .lines()
                .filter(|l| l.starts_with("HTTP/"))
                .collect::<Vec<_>>()
                .join("\n")
        },
    );
    let statuses: Vec<String> = run
        .text()
        .lines()
        .filter(|l| l.starts_with("HTTP/"))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        statuses,
        [
            "HTTP/1.1 302 Found",
            "HTTP/1.1 302 Found",
            "HTTP/1.1 200 OK"
        ]
    );
}

#[test]
fn head_flag() {
    let server = TestServer::start();
    let run = compare_with(&["-I", &server.url("/get")], &Env::default(), without_date);
    let text = run.text();
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"));
    assert!(
        text.ends_with("\r\n\r\n"),
        "no body after the head: {text:?}"
    );
    assert_eq!(server.last_request().unwrap().method, "HEAD");
}

#[test]
fn output_flag_writes_files_without_progress_when_not_a_terminal() {
    let server = TestServer::start();
    let dir = temp_dir("output");
    let ours = dir.join("ours.bin").to_string_lossy().into_owned();
    let theirs = dir.join("theirs.bin").to_string_lossy().into_owned();
    let second = dir.join("second.bin").to_string_lossy().into_owned();
    let url = server.url("/bytes/70000?seed=9");
    let run = ahttp(&["-o", &ours, &url, "-o", &second, &server.url("/bytes/5")]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.is_empty(),
        "no progress bar off a terminal: {:?}",
        run.stderr
    );
    assert_eq!(
        std::fs::read(&ours).unwrap(),
        ahttp_testserver::pseudo_random_bytes(70000, 9)
    );
    assert_eq!(std::fs::read(&second).unwrap().len(), 5);
    if let Some(c) = curl_env(&["-s", "-o", &theirs, &url], &Env::default()) {
        assert_eq!(c.code, 0);
        assert_eq!(
            std::fs::read(&ours).unwrap(),
            std::fs::read(&theirs).unwrap()
        );
    }
    // An empty body still creates the file.
    let empty = dir.join("empty").to_string_lossy().into_owned();
    assert_eq!(ahttp(&["-o", &empty, &server.url("/status/204")]).code, 0);
    assert!(std::path::Path::new(&empty).exists());
}

#[test]
fn silent_and_show_error() {
    let port = closed_port();
    let url = format!("http://127.0.0.1:{port}/");
    let run = compare(&["-s", &url]);
    assert_eq!(run.code, 7);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let run = compare(&["-sS", &url]);
    assert!(run.stderr.starts_with("ahttp: (7) "), "{}", run.stderr);
    let run = compare(&[&url]);
    assert!(
        run.stderr
            .contains("ahttp: (7) Failed to connect to 127.0.0.1 port"),
        "{}",
        run.stderr
    );
}

#[test]
fn verbose_shows_both_heads() {
    let server = TestServer::start();
    let run = ahttp(&["-v", "-H", "X-V: 1", &server.url("/get?q=1")]);
    assert_eq!(run.code, 0);
    let err = &run.stderr;
    assert!(err.contains("> GET /get?q=1 HTTP/1.1\r\n"), "{err}");
    assert!(err.contains("> X-V: 1\r\n"), "{err}");
    assert!(err.contains("< HTTP/1.1 200 OK\r\n"), "{err}");
    assert!(
        err.contains("< content-type: application/json\r\n"),
        "{err}"
    );
    // The body still goes to stdout alone.
    assert_eq!(run.json()["args"]["q"], "1");
}

#[test]
fn write_out_variables() {
    let server = TestServer::start();
    let url = server.url("/redirect/2");
    let fmt =
        "%{http_code} %{num_redirects} %{url_effective} %{size_download} %{response_code} %%\\n";
    let run = compare(&["-s", "-o", "/dev/null", "-L", "-w", fmt, &url]);
    let final_url = server.url("/get");
    let text = run.text();
    assert!(text.starts_with(&format!("200 2 {final_url} ")), "{text}");
    assert!(text.ends_with(" 200 %\n"), "{text}");
    // time_total is seconds with a fraction.
    let run = ahttp(&[
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{time_total}",
        &server.url("/get"),
    ]);
    let t: f64 = run.text().parse().unwrap();
    assert!(t > 0.0 && t < 10.0, "{t}");
    // A failed transfer still writes out, with code 000.
    let run = compare(&[
        "-s",
        "-w",
        "[%{http_code}]",
        &format!("http://127.0.0.1:{}/", closed_port()),
    ]);
    assert_eq!(run.text(), "[000]");
    // Without -L the redirect is not followed.
    let run = compare(&[
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code} %{redirect_url}",
        &url,
    ]);
    assert_eq!(run.text(), format!("302 {}", server.url("/redirect/1")));
}

// ---------------------------------------------------------------------
// Redirects, --fail, auth
// ---------------------------------------------------------------------

#[test]
fn location_and_max_redirs() {
    let server = TestServer::start();
    assert_eq!(compare_status(&[&server.url("/redirect/1")]), "302");
    let run = compare_json(
        &with_ua(&["-L", &server.url("/redirect/3")]),
        &Env::default(),
        &[],
    );
    assert_eq!(run.json()["path"], "/get");
    let run = compare(&["-L", "--max-redirs", "2", &server.url("/redirect/3")]);
    assert_eq!(run.code, 47);
    assert!(
        run.stderr.contains("(47) Maximum (2) redirects followed"),
        "{}",
        run.stderr
    );
    let run = compare(&["-sL", "--max-redirs", "0", &server.url("/redirect/1")]);
    assert_eq!(run.code, 47);
    let run = compare(&["-sL", &server.url("/redirect-loop")]);
    assert_eq!(run.code, 47);
}

#[test]
fn fail_flag_is_22_without_body() {
    let server = TestServer::start();
    let run = compare(&["-f", &server.url("/status-body/404")]);
    assert_eq!(run.code, 22);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr
            .contains("(22) The requested URL returned error: 404"),
        "{}",
        run.stderr
    );
    // Without -f the body is written and the exit code is 0.
    let run = compare(&[&server.url("/status-body/404")]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout.len(), 102400);
}

#[test]
fn user_flag_is_basic_auth() {
    let server = TestServer::start();
    let run = compare(&["-u", "ada:secret", &server.url("/basic-auth/ada/secret")]);
    assert_eq!(run.json()["authenticated"], true);
    let run = compare(&["-u", "ada:wrong", &server.url("/basic-auth/ada/secret")]);
    assert_eq!(run.json()["authenticated"], false);
}

// ---------------------------------------------------------------------
// Cookies
// ---------------------------------------------------------------------

#[test]
fn cookie_string_is_sent() {
    let server = TestServer::start();
    let run = compare(&["-b", "a=1; b=2", &server.url("/cookies")]);
    assert_eq!(
        run.json()["cookies"],
        serde_json::json!({"a": "1", "b": "2"})
    );
}

#[test]
fn cookie_engine_only_when_asked() {
    let server = TestServer::start();
    let url = server.url("/cookies/set?k=v");
    // Off: the cookie set before the redirect is not sent after it.
    let run = compare(&["-L", &url]);
    assert_eq!(run.json()["cookies"], serde_json::json!({}));
    // -b '' turns the engine on (for an IP-address host too).
    let run = compare(&["-L", "-b", "", &url]);
    assert_eq!(run.json()["cookies"], serde_json::json!({"k": "v"}));
}

#[test]
fn cookie_jar_file_round_trips_through_curl() {
    let server = TestServer::start();
    let dir = temp_dir("jar");
    let jar = dir.join("jar.txt").to_string_lossy().into_owned();
    let run = ahttp(&[
        "-s",
        "-L",
        "-c",
        &jar,
        &server.url("/cookies/set?n1=v1&n2=v2"),
    ]);
    assert_eq!(run.code, 0);
    let text = std::fs::read_to_string(&jar).unwrap();
    assert!(text.starts_with("# Netscape HTTP Cookie File"), "{text}");
    assert!(
        text.contains("127.0.0.1\tFALSE\t/\tFALSE\t0\tn1\tv1"),
        "{text}"
    );
    // ahttp reads it back, and so does curl.
    let cookies_url = server.url("/cookies");
    // (curl puts cookies of equal path newest first; ahttp follows RFC
    // 6265, oldest first: the raw Cookie header is left out.)
    let run = compare_json(
        &["-b", &jar, &cookies_url],
        &Env::default(),
        &["cookie_headers"],
    );
    assert_eq!(
        run.json()["cookies"],
        serde_json::json!({"n1": "v1", "n2": "v2"})
    );
    assert_eq!(
        run.json()["cookie_headers"],
        serde_json::json!(["n1=v1; n2=v2"])
    );
    // A file curl wrote is read by ahttp.
    let curl_jar = dir.join("curl-jar.txt").to_string_lossy().into_owned();
    if let Some(c) = curl_env(
        &[
            "-s",
            "-L",
            "-c",
            &curl_jar,
            &server.url("/cookies/set?from=curl"),
        ],
        &Env::default(),
    ) {
        assert_eq!(c.code, 0);
        let run = ahttp(&["-b", &curl_jar, &cookies_url]);
        assert_eq!(run.json()["cookies"], serde_json::json!({"from": "curl"}));
    }
}

#[test]
fn cookies_are_ordered_by_path_length() {
    let server = TestServer::start();
    let dir = temp_dir("order");
    let jar = write_file(
        &dir,
        "jar.txt",
        b"# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t0\tshort\t1\n127.0.0.1\tFALSE\t/cookies\tFALSE\t0\tlong\t2\n127.0.0.1\tFALSE\t/other\tFALSE\t0\tnot\t3\n",
    );
    let run = compare(&["-b", &jar, &server.url("/cookies")]);
    assert_eq!(
        run.json()["cookie_headers"],
        serde_json::json!(["long=2; short=1"])
    );
}

// ---------------------------------------------------------------------
// Compression
// ---------------------------------------------------------------------

#[test]
fn compressed_decodes_every_coding() {
    let server = TestServer::start();
    for (path, key) in [
        ("/gzip", "gzipped"),
        ("/deflate", "deflated"),
        ("/brotli", "brotli"),
        ("/zstd", "zstd"),
    ] {
        let run = compare_json(
            &with_ua(&["--compressed", &server.url(path)]),
            &Env::default(),
            &[],
        );
        assert_eq!(run.json()[key], true, "{path}");
    }
    // Without --compressed nothing is asked for or decoded (the bytes
    // differ from curl's: the compressed echo holds the headers).
    let run = ahttp(&[&server.url("/gzip")]);
    assert_eq!(run.code, 0);
    assert_eq!(&run.stdout[..2], b"\x1f\x8b");
    assert!(!server
        .last_request()
        .unwrap()
        .header_names()
        .iter()
        .any(|n| n.eq_ignore_ascii_case("accept-encoding")));
}

#[test]
fn unknown_content_encoding_is_61() {
    let raw = RawServer::start(RawBehaviour::SendThenClose(
        b"HTTP/1.1 200 OK\r\nContent-Encoding: bogus\r\nContent-Length: 3\r\n\r\nabc".to_vec(),
    ));
    let run = compare(&["--compressed", &raw.url("/")]);
    assert_eq!(run.code, 61);
    let raw = RawServer::start(RawBehaviour::SendThenClose(
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 8\r\n\r\nnotgzip!".to_vec(),
    ));
    let run = compare(&["--compressed", &raw.url("/")]);
    assert_eq!(run.code, 61);
}

// ---------------------------------------------------------------------
// Connection options: --unix-socket, --resolve, timeouts, --http1.0
// ---------------------------------------------------------------------

#[test]
fn unix_socket_flag() {
    let dir = temp_dir("unix");
    let path = dir.join("s.sock");
    let server = TestServer::start_unix(&path);
    let p = path.to_string_lossy().into_owned();
    let run = compare_json(
        &with_ua(&["--unix-socket", &p, "http://localhost/get"]),
        &Env::default(),
        &[],
    );
    assert_eq!(run.json()["path"], "/get");
    drop(server);
}

#[test]
fn resolve_flag() {
    let server = TestServer::start();
    let port = server.addr().port();
    let pin = format!("pinned.test:{port}:127.0.0.1");
    let url = format!("http://pinned.test:{port}/get");
    let run = compare_json(&with_ua(&["--resolve", &pin, &url]), &Env::default(), &[]);
    assert_eq!(run.json()["url"], url);
}

#[test]
fn max_time_is_28() {
    let raw = RawServer::start(RawBehaviour::Silent);
    let run = compare(&["-m", "0.3", &raw.url("/")]);
    assert_eq!(run.code, 28);
    // A body that trickles past the deadline too.
    let server = TestServer::start();
    let run = compare(&[
        "-s",
        "-m",
        "0.5",
        &server.url("/drip?numbytes=5&duration=3"),
    ]);
    assert_eq!(run.code, 28);
}

#[test]
fn connect_timeout_is_28() {
    // The TLS handshake counts as connecting: a server that never answers
    // the ClientHello times out the connect phase.
    let raw = RawServer::start(RawBehaviour::Silent);
    let url = format!("https://127.0.0.1:{}/", raw.addr().port());
    let started = std::time::Instant::now();
    let run = compare(&["--connect-timeout", "0.3", &url]);
    assert_eq!(run.code, 28);
    assert!(started.elapsed() < Duration::from_secs(5));
    // A fast server is unaffected.
    let server = TestServer::start();
    assert_eq!(
        compare(&["--connect-timeout", "2", &server.url("/")]).code,
        0
    );
}

#[test]
fn http1_0_flag() {
    let raw = RawServer::start(RawBehaviour::SendThenClose(
        b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec(),
    ));
    let run = compare(&["--http1.0", &raw.url("/x")]);
    assert_eq!(run.text(), "ok");
    for seen in raw.received() {
        assert!(
            seen.starts_with(b"GET /x HTTP/1.0\r\n"),
            "{}",
            String::from_utf8_lossy(&seen)
        );
    }
}

// ---------------------------------------------------------------------
// Exit codes of malformed and broken responses
// ---------------------------------------------------------------------

/// The status code alone (`-s -o /dev/null -w %{http_code}`), compared
/// with curl's.
fn compare_status(args: &[&str]) -> String {
    let mut all = vec!["-s", "-o", "/dev/null", "-w", "%{http_code}"];
    all.extend_from_slice(args);
    compare(&all).text()
}

fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn raw_code(reply: &[u8]) -> Run {
    let raw = RawServer::start(RawBehaviour::SendThenClose(reply.to_vec()));
    compare(&["-s", &raw.url("/")])
}

#[test]
fn malformed_url_is_3_and_unknown_scheme_is_1() {
    assert_eq!(compare(&["-s", "http://[::1"]).code, 3);
    assert_eq!(compare(&["-s", "gopherx://host/"]).code, 1);
}

#[test]
fn unresolvable_host_is_6() {
    let run = compare(&["-s", "http://no-such-host.invalid/"]);
    assert_eq!(run.code, 6);
}

#[test]
fn refused_connection_is_7() {
    assert_eq!(
        compare(&["-s", &format!("http://127.0.0.1:{}/", closed_port())]).code,
        7
    );
}

#[test]
fn bad_status_line_is_8() {
    assert_eq!(raw_code(b"HTTP/1.1 200 OK\r\nbad line\r\n\r\n").code, 8);
    assert_eq!(
        raw_code(b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n").code,
        8
    );
    // A status code that is not three digits: 8 here (curl 7.88 says 1,
    // "unsupported protocol").
    let raw = RawServer::start(RawBehaviour::SendThenClose(
        b"HTTP/1.1 abc OK\r\n\r\n".to_vec(),
    ));
    assert_eq!(ahttp(&["-s", &raw.url("/")]).code, 8);
}

#[test]
fn short_content_length_is_18() {
    let run = raw_code(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this");
    assert_eq!(run.code, 18);
    assert_eq!(run.text(), "only this");
    // A chunked body cut short too.
    let run = raw_code(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    assert_eq!(run.code, 18);
}

#[test]
fn empty_reply_is_52() {
    assert_eq!(raw_code(b"").code, 52);
}

#[test]
fn bad_chunk_size_is_56() {
    let run =
        raw_code(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
    assert_eq!(run.code, 56);
}

#[test]
fn reset_is_56() {
    let raw = RawServer::start(RawBehaviour::SendThenReset(
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\npartial".to_vec(),
    ));
    assert_eq!(compare(&["-s", "-o", "/dev/null", &raw.url("/")]).code, 56);
}

#[test]
fn oversized_head_is_100() {
    let mut reply = b"HTTP/1.1 200 OK\r\nX-Big: ".to_vec();
    reply.extend(std::iter::repeat_n(b'a', 200 * 1024));
    reply.extend_from_slice(b"\r\nContent-Length: 0\r\n\r\n");
    let raw = RawServer::start(RawBehaviour::SendThenClose(reply));
    let run = ahttp(&[&raw.url("/")]);
    assert_eq!(run.code, 100, "{}", run.stderr);
    assert!(
        run.stderr.contains("(100) Too large response headers"),
        "{}",
        run.stderr
    );
    // curl has code 100 from 8.6 on (older releases fail otherwise).
    if let Some(c) = curl_env(&["-s", &raw.url("/")], &Env::default()) {
        assert_ne!(c.code, 0, "curl refuses the head too");
    }
    // Heads within curl's limits (a 20 KiB field) are fine, as in curl.
    let mut reply = b"HTTP/1.1 200 OK\r\nX-Big: ".to_vec();
    reply.extend(std::iter::repeat_n(b'a', 20 * 1024));
    reply.extend_from_slice(b"\r\nContent-Length: 2\r\n\r\nok");
    assert_eq!(raw_code(&reply).code, 0);
}

// ---------------------------------------------------------------------
// TLS
// ---------------------------------------------------------------------

fn ca_file(dir: &std::path::Path) -> String {
    write_file(
        dir,
        "ca.pem",
        TlsFixtures::shared().ca_cert_pem().as_bytes(),
    )
}

#[test]
fn cacert_trusts_the_test_ca() {
    let server = TestServer::start_tls(Leaf::Good);
    let dir = temp_dir("cacert");
    let ca = ca_file(&dir);
    let run = compare(&["--cacert", &ca, &server.url("/")]);
    assert_eq!(run.text(), "ahttp-testserver\n");
    // Without it the certificate is not trusted.
    let run = compare(&["-s", &server.url("/")]);
    assert_eq!(run.code, 60);
    // An unreadable CA file is 77.
    assert_eq!(
        compare(&["-s", "--cacert", "/nonexistent/ca.pem", &server.url("/")]).code,
        77
    );
}

#[test]
fn untrusted_certificates_are_60_and_insecure_accepts_them() {
    let server = TestServer::start_tls(Leaf::SelfSigned);
    let run = compare(&["-s", &server.url("/")]);
    assert_eq!(run.code, 60);
    let run = compare(&["-k", &server.url("/")]);
    assert_eq!(run.text(), "ahttp-testserver\n");
    let dir = temp_dir("wrongname");
    let ca = ca_file(&dir);
    let server = TestServer::start_tls(Leaf::WrongName);
    assert_eq!(compare(&["-s", "--cacert", &ca, &server.url("/")]).code, 60);
}

#[test]
fn handshake_failure_is_35() {
    // A server that answers the ClientHello with plain HTTP.
    let raw = RawServer::start(RawBehaviour::SendImmediatelyThenClose(
        b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".to_vec(),
    ));
    let url = format!("https://127.0.0.1:{}/", raw.addr().port());
    assert_eq!(compare(&["-s", &url]).code, 35);
}

#[test]
fn pinned_public_key() {
    let server = TestServer::start_tls(Leaf::Good);
    let dir = temp_dir("pin");
    let ca = ca_file(&dir);
    let good = TlsFixtures::shared().pin_sha256(Leaf::Good);
    let run = compare(&["--cacert", &ca, "--pinnedpubkey", &good, &server.url("/")]);
    assert_eq!(run.code, 0);
    let bad = TlsFixtures::shared().pin_sha256(Leaf::SelfSigned);
    let run = compare(&[
        "-s",
        "--cacert",
        &ca,
        "--pinnedpubkey",
        &bad,
        &server.url("/"),
    ]);
    assert_eq!(run.code, 90);
    let both = format!("{bad};{good}");
    assert_eq!(
        compare(&["--cacert", &ca, "--pinnedpubkey", &both, &server.url("/")]).code,
        0
    );
}

#[test]
fn client_certificate() {
    let server = TestServer::builder()
        .tls(TlsServerOptions::leaf(Leaf::Good).require_client_cert(true))
        .start();
    let dir = temp_dir("clientcert");
    let ca = ca_file(&dir);
    let client = TlsFixtures::shared().client();
    let cert = write_file(&dir, "client.pem", client.cert_pem().as_bytes());
    let key = write_file(&dir, "client.key", client.key_pem().as_bytes());
    let run = compare(&[
        "--cacert",
        &ca,
        "--cert",
        &cert,
        "--key",
        &key,
        &server.url("/"),
    ]);
    assert_eq!(run.text(), "ahttp-testserver\n");
    let seen = server.last_request().unwrap();
    assert!(seen.tls.unwrap().client_cert.is_some());
    // Certificate and key in one file.
    let both = write_file(
        &dir,
        "both.pem",
        format!("{}{}", client.cert_pem(), client.key_pem()).as_bytes(),
    );
    assert_eq!(
        compare(&["--cacert", &ca, "--cert", &both, &server.url("/")]).code,
        0
    );
    // Without a certificate the server refuses (TLS 1.3: on the first read).
    let run = compare(&["-s", "--cacert", &ca, &server.url("/")]);
    assert_ne!(run.code, 0);
    // A client certificate with a pinned key, and with -k.
    let pin = TlsFixtures::shared().pin_sha256(Leaf::Good);
    let run = compare(&[
        "--cacert",
        &ca,
        "--cert",
        &both,
        "--pinnedpubkey",
        &pin,
        &server.url("/"),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = compare(&["-k", "--cert", &both, &server.url("/")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // ... and a pin that does not match is still 90.
    let wrong = TlsFixtures::shared().pin_sha256(Leaf::SelfSigned);
    let run = compare(&[
        "-s",
        "--cacert",
        &ca,
        "--cert",
        &both,
        "--pinnedpubkey",
        &wrong,
        &server.url("/"),
    ]);
    assert_eq!(run.code, 90, "{}", run.stderr);
    // An unreadable certificate is 58.
    assert_eq!(
        ahttp(&["-s", "--cert", "/nonexistent.pem", &server.url("/")]).code,
        58
    );
}

// ---------------------------------------------------------------------
// Proxies
// ---------------------------------------------------------------------

/// A fake proxy: answers every request with "via proxy" and records it.
fn fake_proxy() -> RawServer {
    RawServer::start(RawBehaviour::SendEach(
        b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nvia proxy".to_vec(),
    ))
}

#[test]
fn env_proxies_follow_curls_rules() {
    let server = TestServer::start();
    let proxy = fake_proxy();
    let proxy_url = format!("http://127.0.0.1:{}", proxy.addr().port());
    let target = server.url("/");
    let direct = "ahttp-testserver\n";
    // http_proxy (lower case) is used...
    let run = compare_with(
        &[&target],
        &Env::default().var("http_proxy", &proxy_url),
        |b| String::from_utf8_lossy(b).into_owned(),
    );
    assert_eq!(run.text(), "via proxy");
    let first = String::from_utf8_lossy(&proxy.received()[0]).into_owned();
    assert!(
        first.starts_with(&format!("GET {target} HTTP/1.1\r\n")),
        "{first}"
    );
    // ...HTTP_PROXY (upper case) is not, as in curl.
    let run = compare_with(
        &[&target],
        &Env::default().var("HTTP_PROXY", &proxy_url),
        |b| String::from_utf8_lossy(b).into_owned(),
    );
    assert_eq!(run.text(), direct);
    // no_proxy / NO_PROXY and --noproxy exempt hosts.
    for env in [
        Env::default()
            .var("http_proxy", &proxy_url)
            .var("no_proxy", "127.0.0.1"),
        Env::default()
            .var("http_proxy", &proxy_url)
            .var("NO_PROXY", "localhost,127.0.0.0/8"),
    ] {
        let run = compare_with(&[&target], &env, |b| {
            String::from_utf8_lossy(b).into_owned()
        });
        assert_eq!(run.text(), direct);
    }
    let run = compare_with(
        &["--noproxy", "127.0.0.1", &target],
        &Env::default().var("http_proxy", &proxy_url),
        |b| String::from_utf8_lossy(b).into_owned(),
    );
    assert_eq!(run.text(), direct);
    // -x beats the environment, and -x "" turns proxies off.
    let run = compare_with(&["-x", &proxy_url, &target], &Env::default(), |b| {
        String::from_utf8_lossy(b).into_owned()
    });
    assert_eq!(run.text(), "via proxy");
    let run = compare_with(
        &["-x", "", &target],
        &Env::default().var("http_proxy", &proxy_url),
        |b| String::from_utf8_lossy(b).into_owned(),
    );
    assert_eq!(run.text(), direct);
}

#[test]
fn https_proxy_variable_tunnels_with_connect() {
    let server = TestServer::start_tls(Leaf::Good);
    let dir = temp_dir("httpsproxy");
    let ca = ca_file(&dir);
    // The fake proxy refuses the CONNECT: that is 56 in curl.
    let refuse = RawServer::start(RawBehaviour::SendThenClose(
        b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n".to_vec(),
    ));
    let proxy_url = format!("http://127.0.0.1:{}", refuse.addr().port());
    for var in ["https_proxy", "HTTPS_PROXY"] {
        let run = compare_with(
            &["-s", "--cacert", &ca, &server.url("/")],
            &Env::default().var(var, &proxy_url),
            |b| String::from_utf8_lossy(b).into_owned(),
        );
        assert_eq!(run.code, 56, "{var}");
    }
    let seen = String::from_utf8_lossy(&refuse.received()[0]).into_owned();
    assert!(seen.starts_with("CONNECT localhost:"), "{seen}");
}

/// tinyproxy, as the client suite starts it (tests/tests/proxy.rs).
struct Tinyproxy {
    child: std::process::Child,
    port: u16,
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tinyproxy(auth: Option<(&str, &str)>) -> Option<Tinyproxy> {
    let Some(binary) = [
        "/usr/bin/tinyproxy",
        "/usr/sbin/tinyproxy",
        "/usr/local/bin/tinyproxy",
    ]
    .into_iter()
    .find(|p| std::path::Path::new(p).exists()) else {
        assert!(
            std::env::var_os("AHTTP_REQUIRE_TINYPROXY").is_none(),
            "tinyproxy is required here but not installed"
        );
        eprintln!("skipping: tinyproxy is not installed");
        return None;
    };
    let port = closed_port();
    let dir = temp_dir(&format!("tinyproxy-{port}"));
    let mut conf = format!(
        "Port {port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 16\nAllow 127.0.0.1\nLogLevel Critical\nDisableViaHeader Yes\n"
    );
    if let Some((u, p)) = auth {
        conf.push_str(&format!("BasicAuth {u} {p}\n"));
    }
    let conf_path = write_file(&dir, "tinyproxy.conf", conf.as_bytes());
    let child = std::process::Command::new(binary)
        .args(["-d", "-c", &conf_path])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start tinyproxy");
    let proxy = Tinyproxy { child, port };
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(proxy);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("tinyproxy did not start");
}

#[test]
fn real_proxy_with_proxy_user() {
    let Some(proxy) = tinyproxy(Some(("pu", "pp"))) else {
        return;
    };
    let server = TestServer::start();
    let url = format!("http://127.0.0.1:{}", proxy.port);
    let target = server.url("/get?via=tinyproxy");
    let run = compare_json(
        &with_ua(&["-x", &url, "-U", "pu:pp", &target]),
        &Env::default(),
        &[],
    );
    assert_eq!(run.json()["args"]["via"], "tinyproxy");
    // Without credentials tinyproxy answers 407.
    assert_eq!(compare_status(&["-x", &url, &target]), "407");
    // https through the tunnel.
    let tls = TestServer::start_tls(Leaf::Good);
    let dir = temp_dir("tinyproxy-tls");
    let ca = ca_file(&dir);
    let run = compare(&["--cacert", &ca, "-x", &url, "-U", "pu:pp", &tls.url("/")]);
    assert_eq!(run.text(), "ahttp-testserver\n");
}

#[test]
fn progress_bar_only_on_a_terminal_and_not_with_silent() {
    // `script` runs the command on a pseudo-terminal (util-linux).
    if !std::path::Path::new("/usr/bin/script").exists() {
        eprintln!("skipping: script(1) is not installed");
        return;
    }
    let server = TestServer::start();
    let dir = temp_dir("progress");
    let out = dir.join("body").to_string_lossy().into_owned();
    let url = server.url("/drip?numbytes=4&duration=0.6");
    let on_tty = |extra: &str| {
        let cmd = format!(
            "'{}' {extra} -o '{out}' '{url}'",
            env!("CARGO_BIN_EXE_ahttp")
        );
        let o = std::process::Command::new("/usr/bin/script")
            .args(["-qec", &cmd, "/dev/null"])
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let shown = on_tty("");
    assert!(shown.contains("4 B"), "no progress bar: {shown:?}");
    assert_eq!(std::fs::read(&out).unwrap(), b"****");
    let silent = on_tty("-s");
    assert!(
        !silent.contains(" B"),
        "a progress bar despite -s: {silent:?}"
    );
}
