//! Command-line arguments: curl's flags, parsed with clap.
//!
//! Every flag keeps curl's spelling and meaning (see
//! `shared/cli-contract.md`). Flags that may repeat are vectors; the order
//! in which the `-d`/`--data-binary`/`--data-raw` and `--json` values were
//! given matters (curl joins them in that order), so [`Cli::parse_env`]
//! also records that order from clap's argument indices.

use clap::{ArgMatches, Args as ClapArgs, CommandFactory, FromArgMatches, Parser, Subcommand};
use std::path::PathBuf;

/// `ahttp`: transfer URLs the way curl does, on the ahttp client.
#[derive(Debug, Parser)]
#[command(
    name = "ahttp",
    version,
    about = "A curl-compatible HTTP/1.1 client built on ahttp",
    long_about = "A curl-compatible HTTP/1.1 client built on ahttp.\n\n\
        Several URLs are fetched in order through one session, reusing kept-alive \
        connections. Flags, output and exit codes follow curl's.",
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = "Use `ahttp ws URL` for a WebSocket session (see `ahttp ws --help`)."
)]
pub struct Cli {
    /// `ahttp ws URL`, or nothing for a transfer.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The transfer options.
    #[command(flatten)]
    pub transfer: TransferArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open a WebSocket: stdin lines are sent as text messages, every
    /// message received is printed on its own line.
    Ws(WsArgs),
}

/// `ahttp ws` options.
#[derive(Debug, ClapArgs)]
pub struct WsArgs {
    /// The ws:// or wss:// URL (http:// and https:// are accepted too).
    pub url: String,
    /// A subprotocol to offer (repeatable).
    #[arg(long = "protocol", value_name = "P")]
    pub protocols: Vec<String>,
    /// The Origin header.
    #[arg(long, value_name = "O")]
    pub origin: Option<String>,
    /// Extra header `Name: value` (repeatable).
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,
    /// Offer permessage-deflate.
    #[arg(long)]
    pub compress: bool,
    /// Send a ping every S seconds and close when no pong comes back.
    #[arg(long, value_name = "S")]
    pub heartbeat: Option<f64>,
    /// Do not verify the server's certificate.
    #[arg(short = 'k', long)]
    pub insecure: bool,
    /// Trust the CA certificates in this PEM file.
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// Say nothing on stderr but errors.
    #[arg(short = 's', long)]
    pub silent: bool,
}

/// The options of a transfer: `ahttp [OPTIONS] URL...`.
#[derive(Debug, ClapArgs)]
pub struct TransferArgs {
    /// The URLs, fetched in order.
    #[arg(value_name = "URL", required = true)]
    pub urls: Vec<String>,

    /// Request method.
    #[arg(short = 'X', long = "request", value_name = "METHOD")]
    pub request: Option<String>,
    /// Extra header `Name: value`; `Name:` removes an automatic header,
    /// `Name;` sends it empty (repeatable).
    #[arg(
        short = 'H',
        long = "header",
        value_name = "HEADER",
        allow_hyphen_values = true
    )]
    pub headers: Vec<String>,
    /// POST data (`@file` reads a file without its newlines, `@-` stdin);
    /// repeats are joined with `&`.
    #[arg(
        short = 'd',
        long = "data",
        value_name = "DATA",
        allow_hyphen_values = true
    )]
    pub data: Vec<String>,
    /// POST data as is (`@file` reads a file byte for byte).
    #[arg(long = "data-binary", value_name = "DATA", allow_hyphen_values = true)]
    pub data_binary: Vec<String>,
    /// POST data with no `@` interpretation.
    #[arg(long = "data-raw", value_name = "DATA", allow_hyphen_values = true)]
    pub data_raw: Vec<String>,
    /// JSON body (`@file` reads a file); sets Content-Type and Accept.
    #[arg(long = "json", value_name = "DATA", allow_hyphen_values = true)]
    pub json: Vec<String>,
    /// Multipart field: `name=value`, `name=@file[;type=T][;filename=N]`,
    /// `name=<file` (repeatable).
    #[arg(short = 'F', long = "form", value_name = "NAME=CONTENT")]
    pub form: Vec<String>,
    /// Upload a file (streamed) with PUT; `-` is stdin.
    #[arg(short = 'T', long = "upload-file", value_name = "FILE")]
    pub upload_file: Option<String>,

    /// Write the response status line and headers before the body.
    #[arg(short = 'i', long = "include")]
    pub include: bool,
    /// HEAD request; print the head only.
    #[arg(short = 'I', long = "head")]
    pub head: bool,
    /// Write the body to FILE instead of stdout (one per URL, in order).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Vec<String>,
    /// No progress bar, no error messages.
    #[arg(short = 's', long = "silent")]
    pub silent: bool,
    /// With -s, still print error messages.
    #[arg(short = 'S', long = "show-error")]
    pub show_error: bool,
    /// Show the request and response heads (and what happens) on stderr.
    #[arg(short = 'v', long = "verbose")]
    pub verbose: bool,
    /// Write out this format after each transfer (`@file` reads it).
    #[arg(short = 'w', long = "write-out", value_name = "FORMAT")]
    pub write_out: Option<String>,

    /// Follow redirects.
    #[arg(short = 'L', long = "location")]
    pub location: bool,
    /// Most redirects to follow with -L (default 50; -1 for no limit).
    #[arg(long = "max-redirs", value_name = "N", allow_hyphen_values = true)]
    pub max_redirs: Option<i64>,
    /// Exit 22 on an HTTP status of 400 or more, writing no body.
    #[arg(short = 'f', long = "fail")]
    pub fail: bool,
    /// Basic auth `user:password`.
    #[arg(short = 'u', long = "user", value_name = "USER:PASSWORD")]
    pub user: Option<String>,
    /// Cookies: `n=v; m=w` to send, or a cookie file to read (`''` just
    /// enables the cookie engine).
    #[arg(short = 'b', long = "cookie", value_name = "DATA|FILE")]
    pub cookie: Vec<String>,
    /// Write every cookie to FILE (Netscape format) at the end.
    #[arg(short = 'c', long = "cookie-jar", value_name = "FILE")]
    pub cookie_jar: Option<String>,
    /// Ask for a compressed response (deflate, gzip, br, zstd) and decode
    /// it.
    #[arg(long = "compressed")]
    pub compressed: bool,
    /// User-Agent to send.
    #[arg(short = 'A', long = "user-agent", value_name = "NAME")]
    pub user_agent: Option<String>,

    /// Use this proxy (`[scheme://]host[:port]`; http:// if no scheme).
    #[arg(short = 'x', long = "proxy", value_name = "URL")]
    pub proxy: Option<String>,
    /// Proxy Basic auth `user:password`.
    #[arg(short = 'U', long = "proxy-user", value_name = "USER:PASSWORD")]
    pub proxy_user: Option<String>,
    /// Hosts that bypass the proxy (comma-separated; `*` for all).
    #[arg(long = "noproxy", value_name = "LIST")]
    pub noproxy: Option<String>,
    /// Connect through this Unix domain socket.
    #[arg(long = "unix-socket", value_name = "PATH")]
    pub unix_socket: Option<PathBuf>,
    /// Resolve HOST:PORT to ADDR (repeatable; ADDR may be a comma list).
    #[arg(long = "resolve", value_name = "HOST:PORT:ADDR")]
    pub resolve: Vec<String>,
    /// Most seconds to spend connecting.
    #[arg(long = "connect-timeout", value_name = "SECONDS")]
    pub connect_timeout: Option<f64>,
    /// Most seconds for the whole transfer.
    #[arg(short = 'm', long = "max-time", value_name = "SECONDS")]
    pub max_time: Option<f64>,

    /// Do not verify the server's certificate.
    #[arg(short = 'k', long = "insecure")]
    pub insecure: bool,
    /// Trust the CA certificates in this PEM file.
    #[arg(long = "cacert", value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// Client certificate (PEM; may hold the key too).
    #[arg(short = 'E', long = "cert", value_name = "FILE")]
    pub cert: Option<PathBuf>,
    /// Private key of the client certificate (PEM).
    #[arg(long = "key", value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Pin the server's public key: `sha256//BASE64[;sha256//...]`.
    #[arg(long = "pinnedpubkey", value_name = "HASHES")]
    pub pinnedpubkey: Option<String>,
    /// Speak HTTP/1.0.
    #[arg(short = '0', long = "http1.0")]
    pub http1_0: bool,
    /// Speak HTTP/1.1 (the default).
    #[arg(long = "http1.1")]
    pub http1_1: bool,

    /// Body pieces in command-line order (filled in by [`Cli::parse_env`]).
    #[arg(skip)]
    pub data_in_order: Vec<DataArg>,
}

/// One `-d`, `--data-binary`, `--data-raw` or `--json` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataArg {
    /// `-d`: `@file` read with CR and LF removed.
    Ascii(String),
    /// `--data-binary`: `@file` read as is.
    Binary(String),
    /// `--data-raw`: the text itself.
    Raw(String),
    /// `--json`: `@file` read as is.
    Json(String),
}

impl Cli {
    /// Parses the process arguments (exits with clap's message and curl's
    /// code 2 on a usage error) and records the order of the body pieces.
    pub fn parse_env() -> Cli {
        let matches = match Cli::command().try_get_matches() {
            Ok(m) => m,
            Err(e) => {
                let code = if e.use_stderr() { 2 } else { 0 };
                let _ = e.print();
                std::process::exit(code);
            }
        };
        let mut cli = match Cli::from_arg_matches(&matches) {
            Ok(c) => c,
            Err(e) => {
                let _ = e.print();
                std::process::exit(2);
            }
        };
        cli.transfer.data_in_order = data_in_order(&matches);
        cli
    }
}

/// The body pieces sorted by where they stood on the command line.
fn data_in_order(m: &ArgMatches) -> Vec<DataArg> {
    let mut pieces: Vec<(usize, DataArg)> = Vec::new();
    let mut take = |id: &str, make: fn(String) -> DataArg| {
        if let (Some(values), Some(indices)) = (m.get_many::<String>(id), m.indices_of(id)) {
            for (v, i) in values.zip(indices) {
                pieces.push((i, make(v.clone())));
            }
        }
    };
    take("data", DataArg::Ascii);
    take("data_binary", DataArg::Binary);
    take("data_raw", DataArg::Raw);
    take("json", DataArg::Json);
    pieces.sort_by_key(|(i, _)| *i);
    pieces.into_iter().map(|(_, d)| d).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Cli {
        let m = Cli::command().try_get_matches_from(args).unwrap();
        let mut cli = Cli::from_arg_matches(&m).unwrap();
        cli.transfer.data_in_order = data_in_order(&m);
        cli
    }

    #[test]
    fn data_keeps_command_line_order() {
        let cli = parse(&[
            "ahttp",
            "--data-binary",
            "b",
            "-d",
            "a",
            "--json",
            "{}",
            "u",
        ]);
        assert_eq!(
            cli.transfer.data_in_order,
            vec![
                DataArg::Binary("b".into()),
                DataArg::Ascii("a".into()),
                DataArg::Json("{}".into())
            ]
        );
    }

    #[test]
    fn ws_subcommand() {
        let cli = parse(&[
            "ahttp",
            "ws",
            "ws://h/",
            "--protocol",
            "a",
            "--protocol",
            "b",
        ]);
        match cli.command {
            Some(Command::Ws(ws)) => assert_eq!(ws.protocols, ["a", "b"]),
            None => panic!("no subcommand"),
        }
    }

    #[test]
    fn clap_definition_is_valid() {
        Cli::command().debug_assert();
    }
}
