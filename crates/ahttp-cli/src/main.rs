//! The `ahttp` command: a curl-compatible HTTP/1.1 client on ahttp.
//!
//! `shared/cli-contract.md` is the specification: curl's flags with
//! curl's meaning, curl's output and exit codes. The code is split by
//! concern:
//!
//! | module | what |
//! | --- | --- |
//! | [`args`] | the flags (clap) |
//! | [`transfer`] | the session and one request per URL |
//! | [`body`] | `-d`, `--json`, `-F`, `-T` |
//! | [`output`] | body sink, progress bar, head text for `-i`/`-v` |
//! | [`writeout`] | `-w` |
//! | [`cookies`] | `-b`, `-c` |
//! | [`proxy`] | `-x`, `--noproxy` and curl's proxy variables |
//! | [`tls`] | `-k`, `--cacert`, `--cert`, `--key`, `--pinnedpubkey` |
//! | [`exit`] | curl's exit codes and messages |
//! | [`ws`] | `ahttp ws URL` |

mod args;
mod body;
mod cookies;
mod exit;
mod output;
mod proxy;
mod tls;
mod transfer;
mod writeout;
mod ws;

use args::{Cli, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse_env();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ahttp: (2) cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let code = match &cli.command {
        Some(Command::Ws(ws_args)) => match runtime.block_on(ws::run(ws_args)) {
            Ok(()) => 0,
            Err(e) => {
                if !ws_args.silent {
                    eprintln!("ahttp: {e}");
                }
                e.code
            }
        },
        None => {
            let args = &cli.transfer;
            match transfer::Runner::new(args) {
                Ok(runner) => runtime.block_on(runner.run()),
                Err(e) => {
                    if !args.silent || args.show_error {
                        eprintln!("ahttp: {e}");
                    }
                    e.code
                }
            }
        }
    };
    // Leave behind the stdin thread of `ahttp ws` and any blocking task.
    runtime.shutdown_background();
    ExitCode::from(code)
}
