//! Shared by the client suites: run one async test on every runtime.

/// Instantiates each listed async test (generic over the runtime) as one
/// `#[test]` per runtime: tokio (multi-threaded), async-std and smol.
macro_rules! on_every_runtime {
    ($($name:ident),* $(,)?) => {
        mod tokio_rt {
            $(#[test] fn $name() {
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("tokio runtime")
                    .block_on(super::$name::<ahttp_tokio::TokioRuntime>())
            })*
        }
        mod async_std_rt {
            $(#[test] fn $name() {
                async_std::task::block_on(super::$name::<ahttp_async_std::AsyncStdRuntime>())
            })*
        }
        mod smol_rt {
            $(#[test] fn $name() {
                smol::block_on(super::$name::<ahttp_smol::SmolRuntime>())
            })*
        }
    };
}
