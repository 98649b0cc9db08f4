//! Serialising a request head, refusing anything that could smuggle bytes.

use super::{Field, RequestHead};
use crate::{Error, ErrorKind, RequestField, Result};
use bytes::{BufMut, BytesMut};
use http::Version;

/// How the request body is framed, as its headers declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyFraming {
    /// Neither Content-Length nor Transfer-Encoding: no body.
    None,
    /// `Content-Length: n`.
    Length(u64),
    /// `Transfer-Encoding: ..., chunked`.
    Chunked,
}

/// What the request head says about the exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RequestInfo {
    pub framing: BodyFraming,
    pub expect_continue: bool,
    /// `Connection: close` was sent, or HTTP/1.0 without keep-alive.
    pub close: bool,
    /// `Connection: upgrade` with an `Upgrade` header: a 101 may follow.
    pub upgrade: bool,
    pub head: bool,
    pub connect: bool,
}

/// tchar from RFC 9110 section 5.6.2.
const fn token_table() -> [bool; 256] {
    let mut table = [false; 256];
    let extra = b"!#$%&'*+-.^_`|~";
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        table[i] = b.is_ascii_alphanumeric();
        i += 1;
    }
    let mut j = 0;
    while j < extra.len() {
        table[extra[j] as usize] = true;
        j += 1;
    }
    table
}

static TOKEN: [bool; 256] = token_table();

fn check_token(bytes: &[u8], field: RequestField) -> Result<()> {
    if bytes.is_empty() {
        return Err(Error::new(ErrorKind::InvalidRequestFraming(match field {
            RequestField::Method => "empty method",
            _ => "empty header name",
        })));
    }
    match bytes.iter().position(|&b| !TOKEN[b as usize]) {
        None => Ok(()),
        Some(at) => Err(Error::at(
            ErrorKind::InvalidRequestByte {
                field,
                byte: bytes[at],
            },
            at as u64,
        )),
    }
}

fn check_no_crlf_nul(bytes: &[u8], field: RequestField) -> Result<()> {
    match memchr::memchr3(b'\r', b'\n', 0, bytes) {
        None => Ok(()),
        Some(at) => Err(Error::at(
            ErrorKind::InvalidRequestByte {
                field,
                byte: bytes[at],
            },
            at as u64,
        )),
    }
}

/// The target may not hold whitespace or control bytes either: any of them
/// would end the request line early.
fn check_target(target: &[u8]) -> Result<()> {
    if target.is_empty() {
        return Err(Error::new(ErrorKind::InvalidRequestFraming(
            "empty request target",
        )));
    }
    match target.iter().position(|&b| b <= b' ' || b == 0x7f) {
        None => Ok(()),
        Some(at) => Err(Error::at(
            ErrorKind::InvalidRequestByte {
                field: RequestField::Target,
                byte: target[at],
            },
            at as u64,
        )),
    }
}

/// Writes `name: value\r\n` after checking both.
pub(crate) fn write_field(name: &[u8], value: &[u8], out: &mut BytesMut) -> Result<()> {
    check_token(name, RequestField::HeaderName)?;
    check_no_crlf_nul(value, RequestField::HeaderValue)?;
    out.reserve(name.len() + value.len() + 4);
    out.put_slice(name);
    out.put_slice(b": ");
    out.put_slice(value);
    out.put_slice(b"\r\n");
    Ok(())
}

fn trim(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}

/// True when the comma-separated list `value` holds `token`.
pub(crate) fn list_contains(value: &[u8], token: &[u8]) -> bool {
    value
        .split(|&b| b == b',')
        .any(|item| trim(item).eq_ignore_ascii_case(token))
}

/// The last element of a comma-separated list, if any.
pub(crate) fn list_last(value: &[u8]) -> Option<&[u8]> {
    value
        .split(|&b| b == b',')
        .map(trim)
        .rfind(|item| !item.is_empty())
}

fn parse_content_length(value: &[u8]) -> Option<u64> {
    let value = trim(value);
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    value.iter().try_fold(0u64, |n, &d| {
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// Writes the request head into `out` and returns what it declares. On
/// error `out` is left as it was.
pub(crate) fn encode_head<H>(head: RequestHead<'_, H>, out: &mut BytesMut) -> Result<RequestInfo>
where
    H: IntoIterator,
    H::Item: Field,
{
    let start = out.len();
    let result = write_head(head, out);
    if result.is_err() {
        out.truncate(start);
    }
    result
}

fn write_head<H>(head: RequestHead<'_, H>, out: &mut BytesMut) -> Result<RequestInfo>
where
    H: IntoIterator,
    H::Item: Field,
{
    let method = head.method.as_str().as_bytes();
    check_token(method, RequestField::Method)?;
    let target = head.target.as_bytes();
    check_target(target)?;
    let version: &[u8] = match head.version {
        Version::HTTP_11 => b"HTTP/1.1",
        Version::HTTP_10 => b"HTTP/1.0",
        _ => {
            return Err(Error::new(ErrorKind::InvalidRequestFraming(
                "only HTTP/1.0 and HTTP/1.1 can be sent",
            )))
        }
    };
    out.reserve(method.len() + target.len() + 256);
    out.put_slice(method);
    out.put_u8(b' ');
    out.put_slice(target);
    out.put_u8(b' ');
    out.put_slice(version);
    out.put_slice(b"\r\n");

    let mut content_length: Option<u64> = None;
    let mut chunked = None;
    let mut expect_continue = false;
    let mut conn_close = false;
    let mut conn_keep_alive = false;
    let mut conn_upgrade = false;
    let mut upgrade_header = false;
    for field in head.headers {
        let (name, value) = (field.name(), field.value());
        write_field(name, value, out)?;
        if name.eq_ignore_ascii_case(b"content-length") {
            let n = parse_content_length(value).ok_or(Error::new(
                ErrorKind::InvalidRequestFraming("Content-Length is not a number"),
            ))?;
            if content_length.is_some_and(|old| old != n) {
                return Err(Error::new(ErrorKind::InvalidRequestFraming(
                    "conflicting Content-Length values",
                )));
            }
            content_length = Some(n);
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            // The last coding of the last field decides.
            if let Some(last) = list_last(value) {
                chunked = Some(last.eq_ignore_ascii_case(b"chunked"));
            }
        } else if name.eq_ignore_ascii_case(b"expect") {
            expect_continue |= trim(value).eq_ignore_ascii_case(b"100-continue");
        } else if name.eq_ignore_ascii_case(b"connection") {
            conn_close |= list_contains(value, b"close");
            conn_keep_alive |= list_contains(value, b"keep-alive");
            conn_upgrade |= list_contains(value, b"upgrade");
        } else if name.eq_ignore_ascii_case(b"upgrade") {
            upgrade_header = true;
        }
    }
    out.put_slice(b"\r\n");

    let framing = match (chunked, content_length) {
        (Some(_), Some(_)) => {
            return Err(Error::new(ErrorKind::InvalidRequestFraming(
                "both Content-Length and Transfer-Encoding",
            )))
        }
        (Some(false), None) => {
            return Err(Error::new(ErrorKind::InvalidRequestFraming(
                "Transfer-Encoding must end in chunked",
            )))
        }
        (Some(true), None) if head.version == Version::HTTP_10 => {
            return Err(Error::new(ErrorKind::InvalidRequestFraming(
                "HTTP/1.0 has no chunked coding",
            )))
        }
        (Some(true), None) => BodyFraming::Chunked,
        (None, Some(n)) => BodyFraming::Length(n),
        (None, None) => BodyFraming::None,
    };
    let close = conn_close || (head.version == Version::HTTP_10 && !conn_keep_alive);
    Ok(RequestInfo {
        framing,
        expect_continue,
        close,
        upgrade: conn_upgrade && upgrade_header,
        head: head.method == http::Method::HEAD,
        connect: head.method == http::Method::CONNECT,
    })
}
