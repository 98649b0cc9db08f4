//! The TLS loopback benchmark's client: `tls_client CLIENT MODE N ADDR CERT`
//! makes N GETs of a 13-byte body over TLS to `https://localhost:PORT/`,
//! trusting the server's certificate in CERT. MODE `keepalive` reuses one
//! connection; `new` opens a new TLS connection per request (session
//! resumption on, as both clients have it by default). Prints requests/s
//! and client CPU µs per request, like loopback_client.
//!
//! CLIENT: ahttp-tokio or reqwest.

use ahttp_benches::cpu_time;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (client, mode, n, addr, cert) = (
        &args[1],
        &args[2],
        args[3].parse::<usize>().expect("N"),
        &args[4],
        &args[5],
    );
    let port = addr.rsplit(':').next().expect("port");
    let url = format!("https://localhost:{port}/");
    let pem = std::fs::read(cert).expect("certificate");
    let fresh = mode == "new";
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    let (wall, cpu) = rt.block_on(async {
        match client.as_str() {
            "ahttp-tokio" => {
                let connector = ahttp_tokio::TcpConnector::builder(ahttp_tokio::TokioRuntime)
                    .add_ca_pem(&pem)
                    .force_close(fresh)
                    .build();
                let session = ahttp_tokio::ClientSession::builder()
                    .connector(connector)
                    .build();
                let one = || async {
                    let mut resp = session.get(&url).send().await.expect("request");
                    assert_eq!(&resp.read().await.expect("body")[..], b"Hello, world!");
                };
                for _ in 0..50 {
                    one().await;
                }
                let (wall, cpu) = (Instant::now(), cpu_time());
                for _ in 0..n {
                    one().await;
                }
                (wall.elapsed(), cpu_time() - cpu)
            }
            "reqwest" => {
                let mut builder = reqwest::Client::builder()
                    .use_rustls_tls()
                    .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("cert"));
                if fresh {
                    builder = builder.pool_max_idle_per_host(0);
                }
                let client = builder.build().expect("client");
                let one = || async {
                    let resp = client.get(&url).send().await.expect("request");
                    assert_eq!(&resp.bytes().await.expect("body")[..], b"Hello, world!");
                };
                for _ in 0..50 {
                    one().await;
                }
                let (wall, cpu) = (Instant::now(), cpu_time());
                for _ in 0..n {
                    one().await;
                }
                (wall.elapsed(), cpu_time() - cpu)
            }
            other => panic!("unknown client {other}"),
        }
    });
    let rps = n as f64 / wall.as_secs_f64();
    let us = cpu.as_secs_f64() * 1e6 / n as f64;
    println!("{client}\t{mode}\t{rps:.0}\t{us:.2}\t{:.1}", us * 10.0);
}
