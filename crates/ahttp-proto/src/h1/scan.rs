//! Incremental search for the end of a header block, with limits.
//!
//! A response head (status line, fields, blank line) or a trailer section
//! may arrive in any number of pieces. Re-parsing from the start on every
//! piece is quadratic (httparse#217); instead [`BlockScanner`] remembers how
//! far it has looked and looks at each new byte once. It also enforces the
//! line and field-count limits as lines complete (and on the partial last
//! line), so an endless head is refused after at most one limit's worth of
//! bytes instead of being buffered.

use crate::ErrorKind;
use memchr::memchr;

/// Limits for one header block.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BlockLimits {
    /// Longest start line (the status line); `None` for a trailer section,
    /// which has no start line.
    pub start_line: Option<usize>,
    /// Longest field line, without its line ending.
    pub field: usize,
    /// Most field lines (continuation lines of an obs-fold do not count).
    pub max_fields: usize,
    /// What to report when `max_fields` is exceeded (the overall limit, which
    /// for trailers is larger than the budget left after the head).
    pub max_fields_reported: usize,
}

/// Where a block ends, once it is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BlockEnd {
    /// Length of the block including its blank line.
    pub len: usize,
    /// Number of field lines seen.
    pub fields: usize,
}

/// A scan failure: the kind and the offset of the offending line in the buffer.
pub(crate) type ScanError = (ErrorKind, usize);

/// Remembers how far a header block has been scanned. The default scanner
/// expects a start line first (a response head); see [`BlockScanner::trailers`].
#[derive(Debug, Clone, Default)]
pub(crate) struct BlockScanner {
    /// Bytes of the buffer already looked at.
    pos: usize,
    /// Start of the line being scanned.
    line_start: usize,
    /// Field lines seen so far.
    fields: usize,
    /// True once the start line (if any) is complete.
    past_start_line: bool,
}

impl BlockScanner {
    /// A scanner for a block without a start line (a trailer section).
    pub fn trailers() -> Self {
        BlockScanner {
            past_start_line: true,
            ..Self::default()
        }
    }

    /// Looks at the bytes of `buf` not seen before. Returns the block's end
    /// once its blank line has arrived, `None` while more bytes are needed.
    /// `examined` is increased by the number of bytes looked at.
    pub fn scan(
        &mut self,
        buf: &[u8],
        limits: &BlockLimits,
        examined: &mut u64,
    ) -> Result<Option<BlockEnd>, ScanError> {
        loop {
            let Some(found) = memchr(b'\n', &buf[self.pos..]) else {
                *examined += (buf.len() - self.pos) as u64;
                self.pos = buf.len();
                // The unfinished line may already be over its limit; a CR at
                // its end may still be the first half of its line ending.
                let partial = &buf[self.line_start..];
                let partial = partial.strip_suffix(b"\r").unwrap_or(partial);
                self.check_line(partial, limits)?;
                return Ok(None);
            };
            let newline = self.pos + found;
            *examined += found as u64 + 1;
            self.pos = newline + 1;
            let line = &buf[self.line_start..newline];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            self.check_line(line, limits)?;
            if !self.past_start_line {
                // Blank lines before the status line are skipped, as
                // httparse does; they still count against the line limit so
                // that an endless run of them is refused.
                if line.is_empty() {
                    if self.pos > limits.start_line.unwrap_or(usize::MAX) {
                        return Err((
                            ErrorKind::StatusLineTooLong {
                                limit: limits.start_line.unwrap_or(0),
                            },
                            self.line_start,
                        ));
                    }
                } else {
                    self.past_start_line = true;
                }
            } else if line.is_empty() {
                return Ok(Some(BlockEnd {
                    len: self.pos,
                    fields: self.fields,
                }));
            } else if line[0] != b' ' && line[0] != b'\t' {
                self.fields += 1;
                if self.fields > limits.max_fields {
                    return Err((
                        ErrorKind::TooManyHeaders {
                            limit: limits.max_fields_reported,
                        },
                        self.line_start,
                    ));
                }
            }
            self.line_start = self.pos;
        }
    }

    /// A status line starts with `HTTP/`: anything else (a TLS record from
    /// a server that expected TLS, an HTTP/0.9 body) is refused as soon as
    /// its first bytes arrive instead of waiting for a line end that may
    /// never come.
    ///
    /// It is checked before the length, and only within the length limit,
    /// so that a line that is both wrong and too long gets the same error
    /// however it is split.
    fn check_start_prefix(&self, line: &[u8], limit: usize) -> Result<(), ScanError> {
        let n = line.len().min(5).min(limit);
        if line[..n] == b"HTTP/"[..n] {
            Ok(())
        } else {
            Err((ErrorKind::InvalidStatusLine, self.line_start))
        }
    }

    /// Checks a line, complete or not (without its line ending). The start
    /// line is measured whole; a field line as aiohttp measures a field,
    /// name plus value without the colon and surrounding whitespace. Both
    /// measures only grow as a partial line grows, so a limit trips at the
    /// same place however the input is split; a raw length of twice the
    /// field limit is refused too, so runs of whitespace cannot grow a line
    /// without bound.
    fn check_line(&self, line: &[u8], limits: &BlockLimits) -> Result<(), ScanError> {
        if !self.past_start_line {
            if !line.is_empty() {
                self.check_start_prefix(line, limits.start_line.unwrap_or(usize::MAX))?;
            }
            return match limits.start_line {
                Some(limit) if line.len() > limit => {
                    Err((ErrorKind::StatusLineTooLong { limit }, self.line_start))
                }
                _ => Ok(()),
            };
        }
        let too_long =
            line.len() > limits.field.saturating_mul(2) || field_size(line) > limits.field;
        if too_long {
            return Err((
                ErrorKind::HeaderFieldTooLong {
                    limit: limits.field,
                },
                self.line_start,
            ));
        }
        Ok(())
    }
}

/// Name plus value of a field line, as aiohttp's max_field_size counts it
/// (a continuation line counts its text).
fn field_size(line: &[u8]) -> usize {
    match memchr(b':', line) {
        Some(colon) => colon + line[colon + 1..].trim_ascii().len(),
        None => line.trim_ascii().len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: BlockLimits = BlockLimits {
        start_line: Some(20),
        field: 10,
        max_fields: 2,
        max_fields_reported: 2,
    };

    fn scan_all(input: &[u8]) -> Result<Option<BlockEnd>, ScanError> {
        let mut s = BlockScanner::default();
        let mut examined = 0;
        s.scan(input, &LIMITS, &mut examined)
    }

    #[test]
    fn finds_the_blank_line() {
        let end = scan_all(b"HTTP/1.1 200 OK\r\nA: b\r\n\r\nbody").unwrap();
        assert_eq!(end, Some(BlockEnd { len: 25, fields: 1 }));
        let end = scan_all(b"\r\n\nHTTP/1.1 200 OK\nA: b\n\nbody").unwrap();
        assert_eq!(end, Some(BlockEnd { len: 25, fields: 1 }));
    }

    #[test]
    fn refuses_long_lines_before_they_end() {
        let err = scan_all(b"HTTP/1.1 200 OK and a very long reason").unwrap_err();
        assert_eq!(err, (ErrorKind::StatusLineTooLong { limit: 20 }, 0));
        let err = scan_all(b"HTTP/1.1 200 OK\r\nLong: abcdefg").unwrap_err();
        assert_eq!(err, (ErrorKind::HeaderFieldTooLong { limit: 10 }, 17));
    }

    #[test]
    fn counts_fields_but_not_continuations() {
        let ok = scan_all(b"HTTP/1.1 200 OK\r\nA: b\r\n  c\r\nB: d\r\n\r\n").unwrap();
        assert_eq!(ok.map(|e| e.fields), Some(2));
        let err = scan_all(b"HTTP/1.1 200 OK\r\nA: b\r\nB: c\r\nC: d\r\n").unwrap_err();
        assert_eq!(err.0, ErrorKind::TooManyHeaders { limit: 2 });
    }

    #[test]
    fn resumes_where_it_stopped() {
        let input = b"HTTP/1.1 200 OK\r\nA: b\r\n\r\n";
        let mut s = BlockScanner::default();
        let mut examined = 0;
        for end in 1..input.len() {
            assert_eq!(s.scan(&input[..end], &LIMITS, &mut examined), Ok(None));
        }
        let done = s.scan(input, &LIMITS, &mut examined).unwrap();
        assert_eq!(done.map(|e| e.len), Some(input.len()));
        assert_eq!(examined, input.len() as u64);
    }
}
