//! The loopback benchmark's client: `loopback_client CLIENT MODE N ADDR`
//! makes N keep-alive GETs of a 13-byte body, sequentially (`seq`) or with
//! 64 in flight (`c64`), after a warm-up, and prints requests/s and the
//! process's CPU time (user + sys) per 10,000 requests. Run it and the
//! server pinned to one core (`taskset -c 0`); benches/loopback.sh does.
//!
//! CLIENT is one of: ahttp-tokio, ahttp-async-std, ahttp-smol, hyper,
//! reqwest, ureq.

use ahttp_benches::cpu_time;
use std::time::Instant;

const IN_FLIGHT: usize = 64;

fn check(body: &[u8]) {
    assert_eq!(body, b"Hello, world!", "unexpected body");
}

macro_rules! ahttp_bench {
    ($session:ty, $url:expr, $n:expr, $concurrent:expr, $spawn:expr) => {{
        let session = <$session>::new();
        let one = |session: $session, url: String| async move {
            let mut resp = session.get(&url).send().await.expect("request");
            check(&resp.read().await.expect("body"));
        };
        for _ in 0..100 {
            one(session.clone(), $url.clone()).await;
        }
        let (wall, cpu) = (Instant::now(), cpu_time());
        if $concurrent {
            let per_task = $n / IN_FLIGHT;
            let mut handles = Vec::new();
            for _ in 0..IN_FLIGHT {
                let (s, u) = (session.clone(), $url.clone());
                handles.push($spawn(async move {
                    for _ in 0..per_task {
                        one(s.clone(), u.clone()).await;
                    }
                }));
            }
            for h in handles {
                h.await;
            }
        } else {
            for _ in 0..$n {
                one(session.clone(), $url.clone()).await;
            }
        }
        (wall.elapsed(), cpu_time() - cpu)
    }};
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
                ahttp_bench!(
                    ahttp_tokio::ClientSession,
                    url,
                    n,
                    concurrent,
                    // Spawned now, joined later: an `async move { spawn }`
                    // would only spawn when joined, one task at a time.
                    |f| {
                        let task = tokio::spawn(f);
                        async move { task.await.expect("task") }
                    }
                )
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
                use http_body_util::{BodyExt, Empty};
                let client = hyper_util::client::legacy::Client::builder(
                    hyper_util::rt::TokioExecutor::new(),
                )
                .build_http::<Empty<bytes::Bytes>>();
                let uri: hyper::Uri = url.parse().expect("uri");
                let one = |client: hyper_util::client::legacy::Client<_, Empty<bytes::Bytes>>,
                           uri: hyper::Uri| async move {
                    let resp = client.get(uri).await.expect("request");
                    check(&resp.into_body().collect().await.expect("body").to_bytes());
                };
                for _ in 0..100 {
                    one(client.clone(), uri.clone()).await;
                }
                let (wall, cpu) = (Instant::now(), cpu_time());
                if concurrent {
                    let mut handles = Vec::new();
                    for _ in 0..IN_FLIGHT {
                        let (c, u) = (client.clone(), uri.clone());
                        handles.push(tokio::spawn(async move {
                            for _ in 0..n / IN_FLIGHT {
                                one(c.clone(), u.clone()).await;
                            }
                        }));
                    }
                    for h in handles {
                        h.await.expect("task");
                    }
                } else {
                    for _ in 0..n {
                        one(client.clone(), uri.clone()).await;
                    }
                }
                (wall.elapsed(), cpu_time() - cpu)
            }),
        "reqwest" => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("rt")
            .block_on(async {
                let client = reqwest::Client::new();
                let one = |client: reqwest::Client, url: String| async move {
                    let resp = client.get(&url).send().await.expect("request");
                    check(&resp.bytes().await.expect("body"));
                };
                for _ in 0..100 {
                    one(client.clone(), url.clone()).await;
                }
                let (wall, cpu) = (Instant::now(), cpu_time());
                if concurrent {
                    let mut handles = Vec::new();
                    for _ in 0..IN_FLIGHT {
                        let (c, u) = (client.clone(), url.clone());
                        handles.push(tokio::spawn(async move {
                            for _ in 0..n / IN_FLIGHT {
                                one(c.clone(), u.clone()).await;
                            }
                        }));
                    }
                    for h in handles {
                        h.await.expect("task");
                    }
                } else {
                    for _ in 0..n {
                        one(client.clone(), url.clone()).await;
                    }
                }
                (wall.elapsed(), cpu_time() - cpu)
            }),
        "ureq" => {
            let agent = ureq::Agent::new_with_defaults();
            let one = |agent: &ureq::Agent| {
                let mut resp = agent.get(&url).call().expect("request");
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
