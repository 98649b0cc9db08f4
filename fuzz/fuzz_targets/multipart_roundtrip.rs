//! Writes arbitrary form fields with the multipart writer and parses the
//! output back. Invalid input must be refused with an error (never a
//! panic); accepted input must round-trip: same names, filenames, content
//! types, transfer encodings and (decoded) bodies, and a known size must
//! equal the written length.
#![no_main]

use ahttp_proto::multipart::{FieldOptions, FieldValue, FormData};
use ahttp_proto::ErrorKind;
use arbitrary::Arbitrary;
use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Value {
    Text(String),
    Bytes(Vec<u8>),
    Stream {
        body: Vec<u8>,
        known_size: bool,
        cuts: Vec<u16>,
    },
}

#[derive(Arbitrary, Debug)]
enum Encoding {
    Base64,
    QuotedPrintable,
    Binary,
    Other(String),
}

#[derive(Arbitrary, Debug)]
struct Field {
    name: String,
    value: Value,
    filename: Option<String>,
    content_type: Option<String>,
    encoding: Option<Encoding>,
}

#[derive(Arbitrary, Debug)]
struct Input {
    boundary: String,
    quote_fields: bool,
    default_to_multipart: bool,
    fields: Vec<Field>,
}

fuzz_target!(|input: Input| run(input));

fn run(input: Input) {
    let mut form = FormData::new()
        .quote_fields(input.quote_fields)
        .default_to_multipart(input.default_to_multipart);
    // The stream bodies and cut points, per accepted field.
    let mut sources: Vec<(Vec<u8>, Vec<u16>)> = Vec::new();
    for f in &input.fields {
        let (value, source) = match &f.value {
            Value::Text(t) => (
                FieldValue::Text(t.clone()),
                (t.as_bytes().to_vec(), Vec::new()),
            ),
            Value::Bytes(b) => (
                FieldValue::Bytes(Bytes::from(b.clone())),
                (b.clone(), Vec::new()),
            ),
            Value::Stream {
                body,
                known_size,
                cuts,
            } => (
                FieldValue::Stream {
                    size: known_size.then_some(body.len() as u64),
                },
                (body.clone(), cuts.clone()),
            ),
        };
        let mut opts = FieldOptions::new();
        if let Some(name) = &f.filename {
            opts = opts.filename(name.clone());
        }
        if let Some(ct) = &f.content_type {
            opts = opts.content_type(ct.clone());
        }
        if let Some(enc) = &f.encoding {
            opts = opts.content_transfer_encoding(match enc {
                Encoding::Base64 => "base64".to_owned(),
                Encoding::QuotedPrintable => "quoted-printable".to_owned(),
                Encoding::Binary => "binary".to_owned(),
                Encoding::Other(s) => s.clone(),
            });
        }
        match form.add_field_with(f.name.clone(), value, opts) {
            Ok(_) => sources.push(source),
            Err(e) => assert!(matches!(
                e.kind(),
                ErrorKind::InvalidFormField(_) | ErrorKind::UnsupportedTransferEncoding(_)
            )),
        }
    }
    let _ = form.is_multipart();
    let _ = form.urlencoded_body();

    let mut writer = match form.multipart_writer(input.boundary.clone()) {
        Ok(w) => w,
        Err(e) => {
            assert_eq!(e.kind(), &ErrorKind::InvalidBoundary);
            return;
        }
    };
    let _ = writer.content_type();
    let mut out = BytesMut::new();
    for (field, (body, cuts)) in form.fields().iter().zip(&sources) {
        match field.value() {
            FieldValue::Stream { .. } => {
                writer.begin_field(field, &mut out).expect("begin_field");
                for piece in split(body, cuts) {
                    writer.write_body(piece, &mut out).expect("write_body");
                }
                writer.end_field(&mut out).expect("end_field");
            }
            _ => writer.write_field(field, &mut out).expect("write_field"),
        }
    }
    writer.finish(&mut out).expect("finish");

    if let Some(size) = form
        .multipart_size(input.boundary.clone())
        .expect("valid boundary")
    {
        assert_eq!(size, out.len() as u64, "announced size differs");
    }

    // A body that contains the delimiter itself cannot be parsed back; a
    // random boundary prevents that in practice, here it is skipped.
    let delim = format!("\r\n--{}", input.boundary);
    if count(&out, delim.as_bytes()) != form.len() {
        return;
    }

    let parts = parse(&out, &input.boundary);
    assert_eq!(parts.len(), form.len());
    for ((part, field), (raw, _)) in parts.iter().zip(form.fields()).zip(&sources) {
        assert_eq!(header(part, "Content-Type"), Some(field.content_type()));
        let te = header(part, "Content-Transfer-Encoding").map(str::to_ascii_lowercase);
        assert_eq!(te.as_deref(), field.transfer_encoding().map(|t| t.as_str()));
        let (name, filename) = parse_disposition(
            header(part, "Content-Disposition").expect("no Content-Disposition"),
            form.quotes_fields(),
        );
        assert_eq!(name, field.name());
        assert_eq!(filename.as_deref(), field.filename());
        let decoded = match te.as_deref() {
            Some("base64") => base64_decode(&part.body),
            Some("quoted-printable") => {
                let d = qp_decode(&part.body);
                assert_eq!(without_cr(&d), without_cr(raw), "quoted-printable body");
                continue;
            }
            _ => part.body.clone(),
        };
        assert_eq!(&decoded, raw, "body of {name:?}");
    }
}

fn split<'a>(data: &'a [u8], cuts: &[u16]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts
        .iter()
        .map(|&c| usize::from(c) % (data.len() + 1))
        .collect();
    points.sort_unstable();
    let mut pieces = Vec::new();
    let mut start = 0;
    for p in points {
        pieces.push(&data[start..p]);
        start = p;
    }
    pieces.push(&data[start..]);
    pieces
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn count(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

struct Part {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn header<'a>(part: &'a Part, name: &str) -> Option<&'a str> {
    part.headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn parse(body: &[u8], boundary: &str) -> Vec<Part> {
    let dash = format!("--{boundary}");
    let delim = format!("\r\n--{boundary}");
    assert!(body.starts_with(dash.as_bytes()));
    let mut pos = dash.len();
    let mut parts = Vec::new();
    loop {
        if body[pos..] == *b"--\r\n" {
            return parts;
        }
        assert_eq!(&body[pos..pos + 2], b"\r\n");
        pos += 2;
        let head_end = find(body, b"\r\n\r\n", pos).expect("end of headers");
        let head = std::str::from_utf8(&body[pos..head_end]).expect("UTF-8 headers");
        let headers = head
            .split("\r\n")
            .map(|line| {
                let (n, v) = line.split_once(": ").expect("header line");
                (n.to_owned(), v.to_owned())
            })
            .collect();
        let start = head_end + 4;
        let end = find(body, delim.as_bytes(), start).expect("closing delimiter");
        parts.push(Part {
            headers,
            body: body[start..end].to_vec(),
        });
        pos = end + delim.len();
    }
}

fn hex(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'A'..=b'F' => b - b'A' + 10,
        _ => panic!("bad hex digit {b}"),
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(hex(b[i + 1]) << 4 | hex(b[i + 2]));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("UTF-8 after percent-decoding")
}

fn parse_disposition(value: &str, quote_fields: bool) -> (String, Option<String>) {
    let rest = value.strip_prefix("form-data; ").expect("form-data");
    let mut chars = rest.chars().peekable();
    let mut name = None;
    let mut filename = None;
    loop {
        let key: String = chars.by_ref().take_while(|&c| c != '=').collect();
        let mut val = String::new();
        let quoted = chars.peek() == Some(&'"');
        if quoted {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => val.push(chars.next().expect("escaped char")),
                    '"' => break,
                    c => val.push(c),
                }
            }
        } else {
            val = chars.by_ref().take_while(|&c| c != ';').collect();
        }
        match key.as_str() {
            "name" if quoted => name = Some(val),
            "name*" if !quoted => {
                name = Some(percent_decode(
                    val.strip_prefix("utf-8''").expect("utf-8''"),
                ))
            }
            "filename" if quoted && quote_fields => filename = Some(percent_decode(&val)),
            "filename" if quoted => filename = Some(val),
            other => panic!("unexpected parameter {other:?}"),
        }
        if !quoted {
            // `take_while` consumed the `;` already.
            match chars.next() {
                None => break,
                Some(' ') => continue,
                Some(c) => panic!("unexpected {c:?}"),
            }
        }
        match chars.next() {
            None => break,
            Some(';') => assert_eq!(chars.next(), Some(' ')),
            Some(c) => panic!("unexpected {c:?} after a parameter"),
        }
    }
    (name.expect("name"), filename)
}

fn qp_decode(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        if data[i] == b'=' {
            if data[i + 1..].starts_with(b"\r\n") {
                i += 3;
            } else if data[i + 1..].starts_with(b"\n") {
                i += 2;
            } else {
                out.push(hex(data[i + 1]) << 4 | hex(data[i + 2]));
                i += 3;
            }
        } else {
            out.push(data[i]);
            i += 1;
        }
    }
    out
}

fn without_cr(b: &[u8]) -> Vec<u8> {
    b.iter().copied().filter(|&c| c != b'\r').collect()
}

fn base64_decode(data: &[u8]) -> Vec<u8> {
    fn value(c: u8) -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("bad base64 byte {c}"),
        }
    }
    assert_eq!(data.len() % 4, 0, "base64 length");
    let mut out = Vec::new();
    for group in data.chunks(4) {
        let pad = group.iter().rev().take_while(|&&c| c == b'=').count();
        assert!(pad <= 2);
        let mut n = 0u32;
        for &c in &group[..4 - pad] {
            n = n << 6 | value(c);
        }
        n <<= 6 * pad as u32;
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..4 - pad]);
    }
    out
}
