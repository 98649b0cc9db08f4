//! aiohttp's client quickstart, in ahttp, against a server started here on
//! 127.0.0.1 (no internet needed):
//!
//! ```sh
//! cargo run -p ahttp-tokio --example quickstart
//! ```
//!
//! The same code runs on async-std or smol by changing the `use` line to
//! `ahttp_async_std::...` or `ahttp_smol::...` (and the executor in `main`).

use ahttp_tokio::{ClientSession, ClientTimeout, CookieJar, FormData};
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), ahttp_tokio::Error> {
    let server = ahttp_testserver::TestServer::start();
    println!("test server on http://{}\n", server.addr());

    // A session holds the connection pool and the cookie jar. The test
    // server is an IP address, so let the jar accept its cookies (aiohttp's
    // CookieJar(unsafe=True)).
    let jar = Arc::new(CookieJar::builder().unsafe_hosts(true).build());
    let session = ClientSession::builder().cookie_jar(jar).build();

    // Make a request.
    let mut resp = session.get(server.url("/get")).send().await?;
    println!("GET /get -> {} {}", resp.status().as_u16(), resp.reason());
    println!("  content-type: {}", resp.content_type());
    let doc: serde_json::Value = resp.json().await?;
    println!("  the server saw these headers: {}", doc["headers"]);

    // Passing parameters in URLs.
    let resp = session
        .get(server.url("/get"))
        .params([("key1", "value1"), ("key2", "value 2")])
        .send()
        .await?;
    println!("\nparams -> {}", resp.url());

    // POST a form, JSON, and a multipart form with a file.
    let mut resp = session
        .post(server.url("/post"))
        .form([("name", "Ada"), ("lang", "Rust")])
        .send()
        .await?;
    let doc: serde_json::Value = resp.json().await?;
    println!("\nPOST form -> form fields {}", doc["form"]);
    let mut resp = session
        .post(server.url("/post"))
        .json(&serde_json::json!({"some": "data"}))
        .send()
        .await?;
    let doc: serde_json::Value = resp.json().await?;
    println!("POST json -> parsed by the server as {}", doc["json"]);
    let mut form = FormData::new();
    form.add_field("title", "report")?;
    form.add_file(
        "file",
        b"col1,col2\n1,2\n".to_vec(),
        "report.csv",
        Some("text/csv"),
    )?;
    let mut resp = session.post(server.url("/post")).data(form).send().await?;
    let doc: serde_json::Value = resp.json().await?;
    println!("POST multipart -> files {}", doc["files"]);

    // Streaming a download: pieces as they arrive, with progress.
    let mut resp = session
        .get(server.url("/stream-bytes/200000?chunk_size=16384"))
        .send()
        .await?;
    let mut pieces = 0;
    while let Some(piece) = resp.next().await {
        piece?;
        pieces += 1;
    }
    println!(
        "\nstreamed {} bytes in {pieces} pieces",
        resp.bytes_received()
    );

    // Cookies set across a redirect are kept in the jar.
    let mut resp = session
        .get(server.url("/cookies/set?flavour=oatmeal"))
        .send()
        .await?;
    let doc: serde_json::Value = resp.json().await?;
    println!(
        "\ncookies after a redirect ({} hop): {}",
        resp.history().len(),
        doc["cookies"]
    );

    // Timeouts: a slow endpoint against a short total timeout.
    let err = session
        .get(server.url("/delay/2"))
        .timeout(ClientTimeout::total(Duration::from_millis(300)))
        .send()
        .await
        .unwrap_err();
    println!("\ntimeout -> {err} (is_timeout: {})", err.is_timeout());

    // raise_for_status: the error keeps the status and the start of the body.
    let err = session
        .get(server.url("/status-body/404"))
        .raise_for_status(true)
        .send()
        .await
        .unwrap_err();
    let parts = err.response().expect("a status error has the response");
    println!(
        "raise_for_status -> {} with {} body bytes kept",
        parts.status,
        parts.body.len()
    );

    println!(
        "\n{} connection(s) served every request above",
        server.connections_accepted()
    );
    session.close().await;
    Ok(())
}
