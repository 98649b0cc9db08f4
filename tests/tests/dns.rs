//! The connector's DNS layer on the three runtimes: a pluggable resolver,
//! one lookup per host for concurrent requests, the cache with its TTL and
//! clearing, use_dns_cache(false), and static overrides.

#[macro_use]
mod common;

use ahttp::{ClientSession, ErrorKind, Resolve, Runtime, TcpConnector};
use ahttp_testserver::TestServer;
use futures_util::future::BoxFuture;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

on_every_runtime!(
    concurrent_requests_resolve_once_and_the_cache_expires,
    without_the_cache_every_connection_resolves,
    overrides_pin_a_name_to_an_address,
    resolver_errors_are_dns_errors,
);

/// Resolves every name to 127.0.0.1 after a short delay, counting calls.
struct Counting {
    calls: AtomicUsize,
}

impl Resolve for Counting {
    fn resolve(
        &self,
        host: &str,
        port: u16,
    ) -> BoxFuture<'static, std::io::Result<Vec<SocketAddr>>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let fail = host.ends_with(".fail");
        Box::pin(async move {
            // Long enough for concurrent requests to find the lookup in flight.
            std::thread::sleep(Duration::from_millis(30));
            if fail {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no such host",
                ));
            }
            Ok(vec![SocketAddr::from(([127, 0, 0, 1], port))])
        })
    }
}

fn counting() -> Arc<Counting> {
    Arc::new(Counting {
        calls: AtomicUsize::new(0),
    })
}

async fn sleep<R: Runtime + Default>(d: Duration) {
    let rt = R::default();
    rt.sleep_until(rt.now() + d).await;
}

async fn concurrent_requests_resolve_once_and_the_cache_expires<R: Runtime + Default>() {
    let server = TestServer::start();
    let resolver = counting();
    let connector = TcpConnector::builder(R::default())
        .resolver(resolver.clone())
        .ttl_dns_cache(Some(Duration::from_millis(300)))
        .build();
    let s = ClientSession::<R>::builder()
        .connector(connector.clone())
        .build();
    let url = format!("http://svc.test:{}/get", server.addr().port());
    let requests = (0..8).map(|_| {
        let (s, url) = (s.clone(), url.clone());
        async move { s.get(&url).send().await.unwrap().read().await.unwrap() }
    });
    futures_util::future::join_all(requests).await;
    assert_eq!(
        resolver.calls.load(Ordering::SeqCst),
        1,
        "eight new connections, one lookup"
    );
    // A kept-alive connection needs no lookup, cache cleared or not.
    connector.clear_dns_cache(None);
    s.get(&url).send().await.unwrap().read().await.unwrap();
    assert_eq!(resolver.calls.load(Ordering::SeqCst), 1);
    // After the TTL the name is looked up again for a new connection.
    let force_new = TcpConnector::builder(R::default())
        .resolver(resolver.clone())
        .ttl_dns_cache(Some(Duration::from_millis(100)))
        .force_close(true)
        .build();
    let s = ClientSession::<R>::builder()
        .connector(force_new.clone())
        .build();
    let base = resolver.calls.load(Ordering::SeqCst);
    s.get(&url).send().await.unwrap().read().await.unwrap();
    s.get(&url).send().await.unwrap().read().await.unwrap();
    assert_eq!(
        resolver.calls.load(Ordering::SeqCst),
        base + 1,
        "cached within the TTL"
    );
    sleep::<R>(Duration::from_millis(150)).await;
    s.get(&url).send().await.unwrap().read().await.unwrap();
    assert_eq!(
        resolver.calls.load(Ordering::SeqCst),
        base + 2,
        "looked up again after the TTL"
    );
    force_new.clear_dns_cache(Some(("svc.test", server.addr().port())));
    s.get(&url).send().await.unwrap().read().await.unwrap();
    assert_eq!(
        resolver.calls.load(Ordering::SeqCst),
        base + 3,
        "looked up again after clearing"
    );
    // The Host header names the host, not the address.
    assert_eq!(
        server.last_request().unwrap().header("host"),
        Some(format!("svc.test:{}", server.addr().port()).as_str())
    );
}

async fn without_the_cache_every_connection_resolves<R: Runtime + Default>() {
    let server = TestServer::start();
    let resolver = counting();
    let connector = TcpConnector::builder(R::default())
        .resolver(resolver.clone())
        .use_dns_cache(false)
        .force_close(true)
        .build();
    let s = ClientSession::<R>::builder().connector(connector).build();
    let url = format!("http://nocache.test:{}/get", server.addr().port());
    for _ in 0..3 {
        s.get(&url).send().await.unwrap().read().await.unwrap();
    }
    assert_eq!(resolver.calls.load(Ordering::SeqCst), 3);
}

async fn overrides_pin_a_name_to_an_address<R: Runtime + Default>() {
    let server = TestServer::start();
    let port = server.addr().port();
    let resolver = counting();
    let connector = TcpConnector::builder(R::default())
        .resolver(resolver.clone())
        .resolve_override("pinned.example", port, "127.0.0.1".parse().unwrap())
        .build();
    let s = ClientSession::<R>::builder().connector(connector).build();
    let mut resp = s
        .get(format!("http://pinned.example:{port}/get"))
        .send()
        .await
        .unwrap();
    let doc: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(doc["url"], format!("http://pinned.example:{port}/get"));
    assert_eq!(
        resolver.calls.load(Ordering::SeqCst),
        0,
        "the override needs no lookup"
    );
}

async fn resolver_errors_are_dns_errors<R: Runtime + Default>() {
    let connector = TcpConnector::builder(R::default())
        .resolver(counting())
        .build();
    let s = ClientSession::<R>::builder().connector(connector).build();
    let err = s.get("http://nowhere.fail/").send().await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::ConnectorDns { host, .. } if host == "nowhere.fail"),
        "{err:?}"
    );
}
