//! The loopback benchmark's client: `loopback_client CLIENT MODE N ADDR`
//! makes N keep-alive GETs of a 13-byte body, sequentially (`seq`) or with
//! 64 in flight (`c64`), after a warm-up, and prints requests/s and the
//! process's CPU time (user + sys) per 10,000 requests. Run it and the
//! server pinned to one core (`taskset -c 0`); benches/loopback.sh does.
//!
//! CLIENT is one of: ahttp-tokio, ahttp-async-std, ahttp-smol, hyper,
//! hyper-smol, hyper-async-std, reqwest, ureq. (hyper-smol and
//! hyper-async-std are hyper's same pooled client on those runtimes, through
//! smol-hyper's futures-io adapter: what the runtime's IO costs any client.)
//!
//! Every client gets the URL parsed once and reuses it, as hyper's client,
//! which takes only a parsed `Uri`, must: ahttp and reqwest a `url::Url`,
//! ureq an `http::Uri`. (Until session 4 ahttp and reqwest were handed the
//! text and parsed it on every request; for ahttp that was about 7,700 of
//! 29,500 user-space instructions per request.)

use ahttp_benches::cpu_time;
use std::time::Instant;

const IN_FLIGHT: usize = 64;

fn check(body: &[u8]) {
    assert_eq!(body, b"Hello, world!", "unexpected body");
}

/// The measurement every async client shares: 100 warm-up requests, then
/// `$n` timed ones through `$one(client, url)`, one after another or from
/// IN_FLIGHT tasks started with `$spawn` (which returns something to await
/// for the task's end). Gives (wall, CPU).
macro_rules! run_requests {
    ($client:expr, $url:expr, $one:expr, $n:expr, $concurrent:expr, $spawn:expr) => {{
        let (client, url, one) = ($client, $url, $one);
        for _ in 0..100 {
            one(client.clone(), url.clone()).await;
        }
        let (wall, cpu) = (Instant::now(), cpu_time());
        if $concurrent {
            let mut handles = Vec::new();
            for _ in 0..IN_FLIGHT {
                let (c, u) = (client.clone(), url.clone());
                handles.push($spawn(async move {
                    for _ in 0..$n / IN_FLIGHT {
                        one(c.clone(), u.clone()).await;
                    }
                }));
            }
            for h in handles {
                h.await;
            }
        } else {
            for _ in 0..$n {
                one(client.clone(), url.clone()).await;
            }
        }
        (wall.elapsed(), cpu_time() - cpu)
    }};
}

macro_rules! ahttp_bench {
    ($session:ty, $url:expr, $n:expr, $concurrent:expr, $spawn:expr) => {{
        // The URL parsed once, as every client here that takes a parsed
        // URL gets it (hyper needs one).
        let url = ahttp::Url::parse(&$url).expect("url");
        let one = |session: $session, url: ahttp::Url| async move {
            let mut resp = session.get(url).send().await.expect("request");
            check(&resp.read().await.expect("body"));
        };
        run_requests!(<$session>::new(), url, one, $n, $concurrent, $spawn)
    }};
}

/// ahttp_bench! for hyper's pooled client.
macro_rules! hyper_bench {
    ($client:expr, $url:expr, $n:expr, $concurrent:expr, $spawn:expr) => {{
        use http_body_util::{BodyExt, Empty};
        let client: hyper_util::client::legacy::Client<_, Empty<bytes::Bytes>> = $client;
        let uri: hyper::Uri = $url.parse().expect("uri");
        let one = |client: hyper_util::client::legacy::Client<_, Empty<bytes::Bytes>>,
                   uri: hyper::Uri| async move {
            let resp = client.get(uri).await.expect("request");
            check(&resp.into_body().collect().await.expect("body").to_bytes());
        };
        run_requests!(client, uri, one, $n, $concurrent, $spawn)
    }};
}

/// A task on tokio, awaited for its end.
fn tokio_task<F: std::future::Future<Output = ()> + Send + 'static>(
    f: F,
) -> impl std::future::Future<Output = ()> {
    // Spawned now, joined later: an `async move { spawn }` would only
    // spawn when joined, one task at a time.
    let task = tokio::spawn(f);
    async move { task.await.expect("task") }
}

/// What hyper's pooled client needs on an async-io runtime: a connector
/// giving hyper's IO traits over the runtime's TCP stream (smol-hyper's
/// adapter), and for async-std an executor.
mod async_io_hyper {
    use hyper_util::client::legacy::connect::{Connected, Connection};
    use smol_hyper::rt::FuturesIo;
    use std::future::Future;
    use std::io;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    type Connecting<S> = Pin<Box<dyn Future<Output = io::Result<S>> + Send>>;

    /// Connects with the runtime's TCP stream, as hyper's HttpConnector
    /// does by default (no TCP_NODELAY).
    pub struct Connector<S>(fn(String) -> Connecting<S>);

    impl<S> Connector<S> {
        pub fn new(connect: fn(String) -> Connecting<S>) -> Self {
            Connector(connect)
        }
    }

    impl<S> Clone for Connector<S> {
        fn clone(&self) -> Self {
            Connector(self.0)
        }
    }

    impl<S> tower_service::Service<hyper::Uri> for Connector<S>
    where
        S: futures_io::AsyncRead + futures_io::AsyncWrite + Unpin + Send + 'static,
    {
        type Response = Io<S>;
        type Error = io::Error;
        type Future = Connecting<Io<S>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, uri: hyper::Uri) -> Self::Future {
            let addr = format!(
                "{}:{}",
                uri.host().unwrap_or_default(),
                uri.port_u16().unwrap_or(80)
            );
            let connecting = (self.0)(addr);
            Box::pin(async move { Ok(Io(FuturesIo::new(connecting.await?))) })
        }
    }

    /// The runtime's stream with hyper's IO traits.
    pub struct Io<S>(FuturesIo<S>);

    impl<S: futures_io::AsyncRead + Unpin> hyper::rt::Read for Io<S> {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: hyper::rt::ReadBufCursor<'_>,
        ) -> Poll<io::Result<()>> {
            Pin::new(&mut self.0).poll_read(cx, buf)
        }
    }

    impl<S: futures_io::AsyncWrite + Unpin> hyper::rt::Write for Io<S> {
        fn poll_write(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut self.0).poll_write(cx, buf)
        }

        fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.0).poll_flush(cx)
        }

        fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.0).poll_shutdown(cx)
        }

        // The async-io streams write vectors with writev, as tokio's
        // TcpStream does for the tokio peer.
        fn is_write_vectored(&self) -> bool {
            true
        }

        fn poll_write_vectored(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &[io::IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
        }
    }

    impl<S> Connection for Io<S> {
        fn connected(&self) -> Connected {
            Connected::new()
        }
    }

    /// hyper's executor on async-std's.
    #[derive(Clone, Copy)]
    pub struct AsyncStdExecutor;

    impl<F> hyper::rt::Executor<F> for AsyncStdExecutor
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        fn execute(&self, future: F) {
            async_std::task::spawn(future);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (client, mode, n, addr) = (
        &args[1],
        &args[2],
        args[3].parse::<usize>().expect("N"),
        &args[4],
    );
    let url = format!("http://{addr}/");
    let concurrent = mode == "c64";
    let (wall, cpu) = match client.as_str() {
        "ahttp-tokio" => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("rt")
            .block_on(async {
                ahttp_bench!(ahttp_tokio::ClientSession, url, n, concurrent, tokio_task)
            }),
        "ahttp-smol" => {
            let ex = smol::LocalExecutor::new();
            smol::block_on(ex.run(async {
                ahttp_bench!(ahttp_smol::ClientSession, url, n, concurrent, |f| ex
                    .spawn(f))
            }))
        }
        "ahttp-async-std" => async_std::task::block_on(async {
            ahttp_bench!(
                ahttp_async_std::ClientSession,
                url,
                n,
                concurrent,
                async_std::task::spawn
            )
        }),
        "hyper" => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("rt")
            .block_on(async {
                let client = hyper_util::client::legacy::Client::builder(
                    hyper_util::rt::TokioExecutor::new(),
                )
                .build_http();
                hyper_bench!(client, url, n, concurrent, tokio_task)
            }),
        "hyper-smol" => {
            let ex = std::sync::Arc::new(smol::Executor::new());
            smol::block_on(ex.run(async {
                let client = hyper_util::client::legacy::Client::builder(
                    smol_hyper::rt::SmolExecutor::new(ex.clone()),
                )
                .build(async_io_hyper::Connector::<smol::net::TcpStream>::new(
                    |addr| Box::pin(smol::net::TcpStream::connect(addr)),
                ));
                hyper_bench!(client, url, n, concurrent, |f| ex.spawn(f))
            }))
        }
        "hyper-async-std" => async_std::task::block_on(async {
            let client =
                hyper_util::client::legacy::Client::builder(async_io_hyper::AsyncStdExecutor)
                    .build(async_io_hyper::Connector::<async_std::net::TcpStream>::new(
                        |addr| Box::pin(async_std::net::TcpStream::connect(addr)),
                    ));
            hyper_bench!(client, url, n, concurrent, async_std::task::spawn)
        }),
        "reqwest" => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("rt")
            .block_on(async {
                let url = reqwest::Url::parse(&url).expect("url");
                let one = |client: reqwest::Client, url: reqwest::Url| async move {
                    let resp = client.get(url).send().await.expect("request");
                    check(&resp.bytes().await.expect("body"));
                };
                run_requests!(reqwest::Client::new(), url, one, n, concurrent, tokio_task)
            }),
        "ureq" => {
            let agent = ureq::Agent::new_with_defaults();
            let uri: ureq::http::Uri = url.parse().expect("uri");
            let one = |agent: &ureq::Agent| {
                let mut resp = agent.get(uri.clone()).call().expect("request");
                check(&resp.body_mut().read_to_vec().expect("body"));
            };
            for _ in 0..100 {
                one(&agent);
            }
            let (wall, cpu) = (Instant::now(), cpu_time());
            if concurrent {
                std::thread::scope(|scope| {
                    for _ in 0..IN_FLIGHT {
                        scope.spawn(|| {
                            for _ in 0..n / IN_FLIGHT {
                                one(&agent);
                            }
                        });
                    }
                });
            } else {
                for _ in 0..n {
                    one(&agent);
                }
            }
            (wall.elapsed(), cpu_time() - cpu)
        }
        other => panic!("unknown client {other}"),
    };
    let done = if concurrent {
        n / IN_FLIGHT * IN_FLIGHT
    } else {
        n
    };
    let rps = done as f64 / wall.as_secs_f64();
    let cpu_us_per_request = cpu.as_secs_f64() * 1e6 / done as f64;
    // client, mode, requests/s, CPU µs per request, CPU ms per 10,000 requests
    println!(
        "{client}\t{mode}\t{rps:.0}\t{cpu_us_per_request:.2}\t{:.1}",
        cpu_us_per_request * 10.0
    );
}
