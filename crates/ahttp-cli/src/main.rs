//! The `ahttp` command: a curl-compatible HTTP client (being built; see
//! ../shared/cli-contract.md for what it will accept).

use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!("ahttp: the command-line client is not built yet");
    // curl's exit code for "a feature or option that was not enabled".
    ExitCode::from(4)
}
