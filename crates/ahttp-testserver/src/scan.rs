//! An incremental scanner over the bytes a client sends on one connection.
//!
//! hyper does not expose the original order and case of request headers, so
//! the server taps the connection's read side and runs this scanner over the
//! same bytes: it finds each request head (parsed with httparse, as hyper
//! does), keeps its headers exactly as sent, and skips the body according to
//! its framing (Content-Length or chunked) to find the next head. The raw
//! server uses it to tell where one request ends.

/// The most bytes a request head, chunk-size line or trailer section may take.
const MAX_LINE: usize = 1 << 20;
/// The most header fields one request head may have.
const MAX_HEADERS: usize = 512;

/// A request head exactly as the client sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawHead {
    pub(crate) method: String,
    pub(crate) target: String,
    /// Minor version: 1 for HTTP/1.1, 0 for HTTP/1.0.
    pub(crate) version: u8,
    pub(crate) headers: Vec<(String, Vec<u8>)>,
}

#[derive(Debug)]
pub(crate) enum ScanEvent {
    /// A complete request head.
    Head(RawHead),
    /// The end of the current request's body.
    End,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Head,
    /// A head without body was parsed: the next call reports `End`.
    Done,
    Length(u64),
    ChunkSize,
    ChunkData(u64),
    /// Skipping the line end after a chunk's data.
    ChunkDataEnd,
    Trailers,
    /// Input could not be followed; everything after is ignored.
    Broken,
}

/// Follows the sequence of requests on one connection.
#[derive(Debug)]
pub(crate) struct RequestScanner {
    state: State,
    buf: Vec<u8>,
    /// Where to resume looking for the end of the head in `buf`.
    searched: usize,
}

impl RequestScanner {
    pub(crate) fn new() -> Self {
        RequestScanner {
            state: State::Head,
            buf: Vec::new(),
            searched: 0,
        }
    }

    pub(crate) fn is_broken(&self) -> bool {
        self.state == State::Broken
    }

    /// Consumes bytes from `data` until an event happens or `data` runs out.
    /// Returns how many bytes were consumed and the event, if any: without
    /// an event, all of `data` was consumed. Call again with the rest (even
    /// if empty) while it returns an event.
    pub(crate) fn feed(&mut self, data: &[u8]) -> (usize, Option<ScanEvent>) {
        let mut total = 0;
        loop {
            let (n, ev) = self.step(&data[total..]);
            total += n;
            if ev.is_some() || total == data.len() || n == 0 {
                return (total, ev);
            }
        }
    }

    fn step(&mut self, data: &[u8]) -> (usize, Option<ScanEvent>) {
        match self.state {
            State::Broken => (data.len(), None),
            State::Done => {
                self.state = State::Head;
                (0, Some(ScanEvent::End))
            }
            State::Head => self.feed_head(data),
            State::Length(rem) => {
                let n = rem.min(data.len() as u64);
                let rem = rem - n;
                if rem == 0 {
                    self.state = State::Head;
                    (n as usize, Some(ScanEvent::End))
                } else {
                    self.state = State::Length(rem);
                    (n as usize, None)
                }
            }
            State::ChunkData(rem) => {
                let n = rem.min(data.len() as u64);
                let rem = rem - n;
                self.state = if rem == 0 {
                    State::ChunkDataEnd
                } else {
                    State::ChunkData(rem)
                };
                (n as usize, None)
            }
            State::ChunkDataEnd => match data.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    self.state = State::ChunkSize;
                    (i + 1, None)
                }
                None => (data.len(), None),
            },
            State::ChunkSize => {
                let Some((n, line)) = self.take_line(data) else {
                    return (data.len(), None);
                };
                let line = String::from_utf8_lossy(&line).into_owned();
                let digits = line.split(';').next().unwrap_or("").trim();
                match u64::from_str_radix(digits, 16) {
                    Ok(0) => self.state = State::Trailers,
                    Ok(size) => self.state = State::ChunkData(size),
                    Err(_) => self.state = State::Broken,
                }
                (n, None)
            }
            State::Trailers => {
                let Some((n, line)) = self.take_line(data) else {
                    return (data.len(), None);
                };
                if line.iter().all(|&b| b == b'\r') {
                    self.state = State::Head;
                    (n, Some(ScanEvent::End))
                } else {
                    (n, None)
                }
            }
        }
    }

    /// Gathers one line (up to LF) across calls. Returns the bytes of `data`
    /// consumed and the line without its LF once it is complete.
    fn take_line(&mut self, data: &[u8]) -> Option<(usize, Vec<u8>)> {
        match data.iter().position(|&b| b == b'\n') {
            Some(i) => {
                self.buf.extend_from_slice(&data[..i]);
                let line = std::mem::take(&mut self.buf);
                Some((i + 1, line))
            }
            None => {
                self.buf.extend_from_slice(data);
                if self.buf.len() > MAX_LINE {
                    self.state = State::Broken;
                    self.buf = Vec::new();
                }
                None
            }
        }
    }

    fn feed_head(&mut self, data: &[u8]) -> (usize, Option<ScanEvent>) {
        let prev = self.buf.len();
        self.buf.extend_from_slice(data);
        // Only ask httparse once a blank line may have arrived.
        let start = self.searched.saturating_sub(3);
        let has_end = self.buf[start..]
            .windows(2)
            .any(|w| w == b"\n\n" || w == b"\n\r");
        self.searched = self.buf.len();
        if !has_end {
            return self.partial_head(data.len());
        }
        let mut headers = vec![httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&self.buf) {
            Ok(httparse::Status::Complete(len)) => {
                let head = RawHead {
                    method: req.method.unwrap_or("").to_string(),
                    target: req.path.unwrap_or("").to_string(),
                    version: req.version.unwrap_or(1),
                    headers: req
                        .headers
                        .iter()
                        .map(|h| (h.name.to_string(), h.value.to_vec()))
                        .collect(),
                };
                let consumed = len - prev;
                self.buf.clear();
                self.searched = 0;
                self.state = body_state(&head);
                (consumed, Some(ScanEvent::Head(head)))
            }
            Ok(httparse::Status::Partial) => self.partial_head(data.len()),
            Err(_) => {
                self.state = State::Broken;
                self.buf = Vec::new();
                (data.len(), None)
            }
        }
    }

    fn partial_head(&mut self, n: usize) -> (usize, Option<ScanEvent>) {
        if self.buf.len() > MAX_LINE {
            self.state = State::Broken;
            self.buf = Vec::new();
        }
        (n, None)
    }
}

/// How the body after `head` is framed (RFC 9112 section 6.3, request side).
fn body_state(head: &RawHead) -> State {
    let mut chunked = false;
    let mut length = None;
    for (name, value) in &head.headers {
        if name.eq_ignore_ascii_case("transfer-encoding") {
            let value = String::from_utf8_lossy(value);
            chunked = value
                .rsplit(',')
                .next()
                .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"));
        } else if name.eq_ignore_ascii_case("content-length") {
            length = std::str::from_utf8(value)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok());
            if length.is_none() {
                return State::Broken;
            }
        }
    }
    if chunked {
        State::ChunkSize
    } else {
        match length {
            Some(0) | None => State::Done,
            Some(n) => State::Length(n),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(input: &[u8], split: usize) -> Vec<String> {
        let mut s = RequestScanner::new();
        let mut out = Vec::new();
        for piece in input.chunks(split.max(1)) {
            let mut rest = piece;
            loop {
                let (n, ev) = s.feed(rest);
                rest = &rest[n..];
                match ev {
                    Some(ScanEvent::Head(h)) => out.push(format!("{} {}", h.method, h.target)),
                    Some(ScanEvent::End) => out.push("end".into()),
                    None => break,
                }
            }
        }
        out
    }

    #[test]
    fn follows_bodies_at_any_split() {
        let input = b"POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\nHost: x\r\n\r\nPUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\nGET /d HTTP/1.1\r\n\r\n";
        let want = vec![
            "POST /a", "end", "GET /b", "end", "PUT /c", "end", "GET /d", "end",
        ];
        for split in [1, 2, 3, 7, 1000] {
            assert_eq!(run(input, split), want, "split {split}");
        }
    }

    #[test]
    fn keeps_header_case_and_order() {
        let mut s = RequestScanner::new();
        let (_, ev) = s.feed(b"GET / HTTP/1.1\r\nX-b: 1\r\nhost: h\r\nX-B: 2\r\n\r\n");
        let Some(ScanEvent::Head(h)) = ev else {
            panic!("no head")
        };
        let names: Vec<_> = h.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["X-b", "host", "X-B"]);
    }
}
