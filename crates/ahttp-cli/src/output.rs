//! Where bytes go: the body sink (stdout or `-o FILE`), the progress bar,
//! and the text of request and response heads for `-i`, `-I` and `-v`.

use ahttp_tokio::{ClientResponse, RequestInfo, Version};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};

/// The write buffer of the body sinks: pieces this large or larger go
/// straight to the file descriptor, smaller ones are gathered.
pub const WRITE_BUFFER: usize = 64 * 1024;

/// Standard output as a plain file (a duplicate of descriptor 1): std's
/// `Stdout` is line-buffered and scans every binary body for newlines.
pub fn raw_stdout() -> Result<File, crate::exit::CliError> {
    use std::os::fd::AsFd;
    io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .map(File::from)
        .map_err(|e| {
            crate::exit::CliError::new(crate::exit::WRITE_ERROR, format!("cannot use stdout: {e}"))
        })
}

/// The output of one transfer: stdout, or a file created when the
/// response arrives.
pub enum Sink {
    /// Standard output (shared by the whole run).
    Stdout,
    /// `-o FILE`, opened on first use.
    File {
        /// The path.
        path: String,
        /// The open file.
        file: Option<BufWriter<File>>,
    },
}

impl Sink {
    /// `-o PATH` (`-` is stdout), or stdout.
    pub fn new(path: Option<&String>) -> Sink {
        match path {
            Some(p) if p != "-" => Sink::File {
                path: p.clone(),
                file: None,
            },
            _ => Sink::Stdout,
        }
    }

    /// Whether this sink is a file (a progress bar may then be shown).
    pub fn is_file(&self) -> bool {
        matches!(self, Sink::File { .. })
    }

    /// Writes `data`, creating the file first if needed.
    pub fn write_all(&mut self, stdout: &mut impl Write, data: &[u8]) -> io::Result<()> {
        match self {
            Sink::Stdout => stdout.write_all(data),
            Sink::File { path, file } => {
                if file.is_none() {
                    *file = Some(BufWriter::with_capacity(
                        WRITE_BUFFER,
                        File::create(&*path)?,
                    ));
                }
                file.as_mut().expect("opened above").write_all(data)
            }
        }
    }

    /// Creates the file even when nothing is written (an empty body).
    pub fn touch(&mut self, stdout: &mut impl Write) -> io::Result<()> {
        self.write_all(stdout, &[])
    }

    /// Flushes what was written.
    pub fn flush(&mut self, stdout: &mut impl Write) -> io::Result<()> {
        match self {
            Sink::Stdout => stdout.flush(),
            Sink::File { file: Some(f), .. } => f.flush(),
            Sink::File { file: None, .. } => Ok(()),
        }
    }
}

/// A progress bar on stderr, only when stderr is a terminal.
pub fn progress_bar(length: Option<u64>) -> Option<ProgressBar> {
    if !io::stderr().is_terminal() {
        return None;
    }
    let bar = match length {
        Some(n) => {
            let bar = ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(
                "{bytes:>10}/{total_bytes:<10} {wide_bar} {binary_bytes_per_sec:>12} {eta:>4}",
            ) {
                bar.set_style(style);
            }
            bar
        }
        None => {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("{spinner} {bytes:>10} {binary_bytes_per_sec:>12}")
            {
                bar.set_style(style);
            }
            bar
        }
    };
    Some(bar)
}

/// `HTTP/1.0` or `HTTP/1.1`.
pub fn version_str(v: Version) -> &'static str {
    if v == Version::HTTP_10 {
        "HTTP/1.0"
    } else {
        "HTTP/1.1"
    }
}

/// A response head as received: status line, fields and the blank line,
/// each ending in CRLF (what `-i` writes and `-v` prefixes with `< `).
pub fn response_head(resp: &ClientResponse) -> Vec<String> {
    head_lines(
        resp.version(),
        resp.status().as_u16(),
        resp.reason(),
        resp.raw_headers(),
    )
}

/// The heads of the interim (1xx) responses that came before `resp`, in
/// order: curl writes them with `-i` as they arrive.
pub fn interim_heads(resp: &ClientResponse) -> Vec<Vec<String>> {
    resp.informational()
        .iter()
        .map(|i| {
            head_lines(
                i.version(),
                i.status().as_u16(),
                i.reason(),
                i.raw_headers(),
            )
        })
        .collect()
}

fn head_lines<'a>(
    version: Version,
    status: u16,
    reason: &str,
    fields: impl Iterator<Item = (&'a [u8], &'a [u8])>,
) -> Vec<String> {
    let mut lines = Vec::new();
    lines.push(if reason.is_empty() {
        format!("{} {status}", version_str(version))
    } else {
        format!("{} {status} {reason}", version_str(version))
    });
    for (name, value) in fields {
        lines.push(format!(
            "{}: {}",
            String::from_utf8_lossy(name),
            String::from_utf8_lossy(value)
        ));
    }
    lines
}

/// The request head as sent: request line and fields. `absolute`: the
/// target is the whole URL (a plain-http request through a proxy).
pub fn request_head(info: &RequestInfo, version: Version, absolute: bool) -> Vec<String> {
    let url = &info.url;
    let target = if absolute {
        url[..url::Position::AfterQuery].to_owned()
    } else {
        match &url[url::Position::BeforePath..url::Position::AfterQuery] {
            "" => "/".to_owned(),
            t => t.to_owned(),
        }
    };
    let mut lines = vec![format!("{} {target} {}", info.method, version_str(version))];
    for (name, value) in info.raw_headers() {
        lines.push(format!("{name}: {}", String::from_utf8_lossy(value)));
    }
    lines
}

/// Lines as one CRLF-terminated block with a final empty line.
pub fn head_block(lines: &[String]) -> String {
    let mut s = String::new();
    for l in lines {
        s.push_str(l);
        s.push_str("\r\n");
    }
    s.push_str("\r\n");
    s
}

/// Lines for `-v`: each prefixed, CRLF-terminated, then the prefix alone.
pub fn verbose_block(prefix: &str, lines: &[String]) -> String {
    let mut s = String::new();
    for l in lines {
        s.push_str(prefix);
        s.push(' ');
        s.push_str(l);
        s.push_str("\r\n");
    }
    s.push_str(prefix);
    s.push_str(" \r\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks() {
        let lines = vec!["GET / HTTP/1.1".to_owned(), "Host: h".to_owned()];
        assert_eq!(head_block(&lines), "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
        assert_eq!(
            verbose_block(">", &lines),
            "> GET / HTTP/1.1\r\n> Host: h\r\n> \r\n"
        );
    }
}
