//! `multipart/form-data` bodies and aiohttp's `FormData`.
//!
//! - [`FormData`] collects fields the way `aiohttp.FormData` does and
//!   decides, with aiohttp's rule, whether the form is sent url-encoded
//!   ([`FormData::urlencoded_body`]) or as `multipart/form-data`
//!   ([`FormData::is_multipart`]).
//! - [`MultipartWriter`] writes a `multipart/form-data` body part by part
//!   into a caller's [`BytesMut`], over a boundary the caller chooses (the
//!   client draws a random one, as aiohttp uses `uuid4().hex`). A part's
//!   body may arrive in any number of pieces, so a file can be streamed;
//!   each piece goes through a [`BodyEncoder`] that applies the part's
//!   Content-Transfer-Encoding incrementally.
//! - [`MultipartWriter::total_size`] gives the exact length of the body
//!   when every part's size is known, so the client can send a
//!   Content-Length (aiohttp does the same); otherwise it sends the body
//!   chunked.
//!
//! The bytes written match aiohttp 3.14: each part is `--boundary\r\n`,
//! then `Content-Type`, then `Content-Disposition: form-data; name=...`
//! (built by aiohttp's `helpers.content_disposition_header`), an empty
//! line, the body and `\r\n`; the body ends with `--boundary--\r\n`. Parts
//! carry no Content-Length (aiohttp's `FormData` removes it).
//!
//! One deliberate difference: aiohttp 3.14 accepts `content_transfer_encoding`
//! in `FormData.add_field` but, since RFC 7578 deprecates it for
//! `multipart/form-data`, only warns and sends the body unencoded without
//! the header. Here the encoding is applied, and the part gets a
//! `Content-Transfer-Encoding` header between Content-Type and
//! Content-Disposition, which is what aiohttp up to 3.8 sent and what
//! aiohttp's `MultipartWriter` still does for other multipart subtypes
//! (`base64` unwrapped and carried over piece boundaries,
//! `quoted-printable` per piece with `binascii.b2a_qp`).
//!
//! ```
//! use ahttp_proto::multipart::{FieldOptions, FormData};
//!
//! # fn main() -> ahttp_proto::Result<()> {
//! let mut form = FormData::new();
//! form.add_field("title", "Holiday")?;
//! form.add_field_with(
//!     "photo",
//!     b"\x89PNG".to_vec(),
//!     FieldOptions::new().filename("beach.png").content_type("image/png"),
//! )?;
//! assert!(form.is_multipart());
//!
//! let boundary = "0123456789abcdef0123456789abcdef";
//! let body = form.to_multipart_bytes(boundary)?;
//! assert_eq!(form.multipart_size(boundary)?, Some(body.len() as u64));
//! assert!(body.starts_with(
//!     b"--0123456789abcdef0123456789abcdef\r\n\
//!       Content-Type: text/plain; charset=utf-8\r\n\
//!       Content-Disposition: form-data; name=\"title\"\r\n\r\nHoliday\r\n"));
//! assert!(body.ends_with(b"\r\n--0123456789abcdef0123456789abcdef--\r\n"));
//! # Ok(())
//! # }
//! ```

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use bytes::{Bytes, BytesMut};

use crate::form;
use crate::token::is_tchar;
use crate::{Error, ErrorKind, Result};

/// The media type of the bodies [`MultipartWriter`] writes.
pub const MULTIPART_FORM_DATA: &str = "multipart/form-data";

/// The Content-Type aiohttp gives a text field (a `StringPayload` with the
/// default charset).
pub const TEXT_CONTENT_TYPE: &str = "text/plain; charset=utf-8";

/// The Content-Type aiohttp gives a bytes or file field without an explicit
/// content type (`BytesPayload` / `IOBasePayload` default).
pub const OCTET_STREAM: &str = "application/octet-stream";

/// The longest boundary RFC 2046 allows.
pub const MAX_BOUNDARY_LEN: usize = 70;

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

// ----- field values and options -----

/// The value of a form field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    /// A text value (aiohttp: a `str`), sent as UTF-8.
    Text(String),
    /// An in-memory binary value (aiohttp: `bytes`); it makes the form
    /// multipart and, without a filename, gets the field name as filename,
    /// as aiohttp (deprecatedly) does.
    Bytes(Bytes),
    /// A body the async client streams later (aiohttp: a file object). Its
    /// bytes are passed to [`MultipartWriter::write_body`] as they arrive.
    Stream {
        /// The number of bytes the stream will yield, when known. A known
        /// size lets [`MultipartWriter::total_size`] compute the body
        /// length, and the writer then refuses a stream of another length.
        size: Option<u64>,
    },
}

impl FieldValue {
    /// The length of the raw (not transfer-encoded) value, when known.
    pub fn size(&self) -> Option<u64> {
        match self {
            FieldValue::Text(s) => Some(s.len() as u64),
            FieldValue::Bytes(b) => Some(b.len() as u64),
            FieldValue::Stream { size } => *size,
        }
    }

    /// True for values aiohttp treats as files: [`FieldValue::Bytes`] and
    /// [`FieldValue::Stream`].
    pub fn is_file(&self) -> bool {
        !matches!(self, FieldValue::Text(_))
    }

    /// The bytes of an in-memory value; `None` for a stream.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            FieldValue::Text(s) => Some(s.as_bytes()),
            FieldValue::Bytes(b) => Some(b),
            FieldValue::Stream { .. } => None,
        }
    }
}

impl From<String> for FieldValue {
    fn from(s: String) -> Self {
        FieldValue::Text(s)
    }
}

impl From<&str> for FieldValue {
    fn from(s: &str) -> Self {
        FieldValue::Text(s.to_owned())
    }
}

impl From<Bytes> for FieldValue {
    fn from(b: Bytes) -> Self {
        FieldValue::Bytes(b)
    }
}

impl From<Vec<u8>> for FieldValue {
    fn from(b: Vec<u8>) -> Self {
        FieldValue::Bytes(Bytes::from(b))
    }
}

impl From<&[u8]> for FieldValue {
    fn from(b: &[u8]) -> Self {
        FieldValue::Bytes(Bytes::copy_from_slice(b))
    }
}

/// A Content-Transfer-Encoding a part can be written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransferEncoding {
    /// `base64`: standard alphabet with padding, on one line, as Python's
    /// `base64.b64encode`.
    Base64,
    /// `quoted-printable`: Python's `binascii.b2a_qp` applied to each piece
    /// of the body separately, as aiohttp's `MultipartPayloadWriter` does.
    QuotedPrintable,
    /// `binary`: the header is sent, the body is not changed.
    Binary,
}

impl TransferEncoding {
    /// Parses an encoding name, ignoring ASCII case as aiohttp does
    /// (`.lower()`): `base64`, `quoted-printable` or `binary`. Anything else
    /// is [`ErrorKind::UnsupportedTransferEncoding`] (aiohttp raises
    /// `RuntimeError("unknown content transfer encoding")`).
    ///
    /// ```
    /// use ahttp_proto::multipart::TransferEncoding;
    ///
    /// assert_eq!(TransferEncoding::parse("BASE64").unwrap(), TransferEncoding::Base64);
    /// assert!(TransferEncoding::parse("gzip").is_err());
    /// ```
    pub fn parse(name: &str) -> Result<Self> {
        if name.eq_ignore_ascii_case("base64") {
            Ok(TransferEncoding::Base64)
        } else if name.eq_ignore_ascii_case("quoted-printable") {
            Ok(TransferEncoding::QuotedPrintable)
        } else if name.eq_ignore_ascii_case("binary") {
            Ok(TransferEncoding::Binary)
        } else {
            Err(Error::new(ErrorKind::UnsupportedTransferEncoding(
                name.to_owned(),
            )))
        }
    }

    /// The canonical lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            TransferEncoding::Base64 => "base64",
            TransferEncoding::QuotedPrintable => "quoted-printable",
            TransferEncoding::Binary => "binary",
        }
    }
}

/// The optional arguments of aiohttp's `FormData.add_field`:
/// `filename`, `content_type` and `content_transfer_encoding`.
///
/// ```
/// use ahttp_proto::multipart::FieldOptions;
///
/// let opts = FieldOptions::new().filename("report.csv").content_type("text/csv");
/// # let _ = opts;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldOptions {
    filename: Option<String>,
    content_type: Option<String>,
    content_transfer_encoding: Option<String>,
}

impl FieldOptions {
    /// No options: what `add_field(name, value)` does.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the filename of the part; it makes the form multipart.
    pub fn filename(mut self, filename: impl Into<String>) -> Self {
        self.filename = Some(filename.into());
        self
    }

    /// Sets the Content-Type of the part; it makes the form multipart.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Sets the Content-Transfer-Encoding of the part (`base64`,
    /// `quoted-printable` or `binary`, any ASCII case); it makes the form
    /// multipart.
    pub fn content_transfer_encoding(mut self, encoding: impl Into<String>) -> Self {
        self.content_transfer_encoding = Some(encoding.into());
        self
    }
}

// ----- one field -----

/// One validated field of a [`FormData`]: its name, value and part headers,
/// with aiohttp's defaults already applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormField {
    name: String,
    value: FieldValue,
    filename: Option<String>,
    explicit_content_type: Option<String>,
    transfer_encoding: Option<(TransferEncoding, String)>,
}

/// aiohttp's `http_writer._safe_header`: every C0 control except TAB, and
/// DEL, is refused in a header value ("Potential header injection attack").
fn check_header_text(text: &str, what: &'static str) -> Result<()> {
    match text
        .bytes()
        .position(|b| b <= 0x08 || (0x0a..=0x1f).contains(&b) || b == 0x7f)
    {
        Some(at) => Err(Error::at(ErrorKind::InvalidFormField(what), at as u64)),
        None => Ok(()),
    }
}

impl FormField {
    /// Builds a field as aiohttp's `FormData.add_field` does:
    ///
    /// - `name`, `filename` and `content_type` may not contain control
    ///   characters other than TAB (aiohttp's `_safe_header`), so nothing
    ///   can be injected into a part header:
    ///   [`ErrorKind::InvalidFormField`], with the offset of the byte;
    /// - an unknown transfer encoding is
    ///   [`ErrorKind::UnsupportedTransferEncoding`];
    /// - a [`FieldValue::Bytes`] value without filename and without
    ///   transfer encoding gets the field name as filename, and a
    ///   [`FieldValue::Stream`] without filename too (aiohttp's
    ///   `guess_filename(value, name)` for a file object with no name).
    pub fn new(
        name: impl Into<String>,
        value: impl Into<FieldValue>,
        options: FieldOptions,
    ) -> Result<Self> {
        let name = name.into();
        let value = value.into();
        let FieldOptions {
            mut filename,
            content_type,
            content_transfer_encoding,
        } = options;
        check_header_text(&name, "control character in field name")?;
        if let Some(f) = &filename {
            check_header_text(f, "control character in filename")?;
        }
        if let Some(ct) = &content_type {
            check_header_text(ct, "control character in content type")?;
        }
        let transfer_encoding = match content_transfer_encoding {
            Some(te) => Some((TransferEncoding::parse(&te)?, te)),
            None => None,
        };
        if filename.is_none() {
            let defaults_to_name = match value {
                FieldValue::Bytes(_) => transfer_encoding.is_none(),
                FieldValue::Stream { .. } => true,
                FieldValue::Text(_) => false,
            };
            if defaults_to_name {
                filename = Some(name.clone());
            }
        }
        Ok(FormField {
            name,
            value,
            filename,
            explicit_content_type: content_type,
            transfer_encoding,
        })
    }

    /// The field name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value.
    pub fn value(&self) -> &FieldValue {
        &self.value
    }

    /// The filename, given or defaulted (see [`FormField::new`]).
    pub fn filename(&self) -> Option<&str> {
        self.filename.as_deref()
    }

    /// The Content-Type the part is written with: the given one, else
    /// [`TEXT_CONTENT_TYPE`] for text and [`OCTET_STREAM`] for bytes and
    /// streams, as aiohttp's payload classes choose. (aiohttp guesses a
    /// real file's type from its name with `mimetypes`; the client passes
    /// such a guess as an explicit content type.)
    pub fn content_type(&self) -> &str {
        match (&self.explicit_content_type, &self.value) {
            (Some(ct), _) => ct,
            (None, FieldValue::Text(_)) => TEXT_CONTENT_TYPE,
            (None, _) => OCTET_STREAM,
        }
    }

    /// The transfer encoding, when one was given.
    pub fn transfer_encoding(&self) -> Option<TransferEncoding> {
        self.transfer_encoding.as_ref().map(|(te, _)| *te)
    }

    /// True when this field alone makes aiohttp send the form as
    /// multipart: a file value, or a filename, content type or transfer
    /// encoding given.
    pub fn requires_multipart(&self) -> bool {
        matches!(self.value, FieldValue::Stream { .. })
            || self.filename.is_some()
            || self.explicit_content_type.is_some()
            || self.transfer_encoding.is_some()
    }

    /// The value of the part's Content-Disposition header, built as
    /// aiohttp's `content_disposition_header("form-data", quote_fields,
    /// name=..., filename=...)`:
    ///
    /// - with `quote_fields` (aiohttp's default), the filename is
    ///   percent-encoded with `urllib.parse.quote(filename, safe="")`
    ///   ([`form::quote`]) inside double quotes; the name, when it is
    ///   printable ASCII or TAB, is a quoted-string in which space, TAB,
    ///   `"` and `\` get a backslash (aiohttp's `quoted_string`), and
    ///   otherwise becomes `name*=utf-8''` followed by its percent-encoding;
    /// - without `quote_fields`, both are put in double quotes as they are
    ///   (UTF-8), only `\` and `"` being backslash-escaped.
    ///
    /// ```
    /// use ahttp_proto::multipart::{FieldOptions, FormField};
    ///
    /// let f = FormField::new("my file", "x", FieldOptions::new().filename("a b.txt")).unwrap();
    /// assert_eq!(f.content_disposition(true),
    ///            r#"form-data; name="my\ file"; filename="a%20b.txt""#);
    /// assert_eq!(f.content_disposition(false),
    ///            r#"form-data; name="my file"; filename="a b.txt""#);
    /// ```
    pub fn content_disposition(&self, quote_fields: bool) -> String {
        let mut out = String::with_capacity(24 + self.name.len());
        out.push_str("form-data; ");
        if quote_fields {
            push_quoted_name(&mut out, &self.name);
        } else {
            push_unquoted_param(&mut out, "name", &self.name);
        }
        if let Some(filename) = &self.filename {
            out.push_str("; ");
            if quote_fields {
                out.push_str("filename=\"");
                out.push_str(&form::quote(filename));
                out.push('"');
            } else {
                push_unquoted_param(&mut out, "filename", filename);
            }
        }
        out
    }

    /// The header block of the part (without the boundary line), ending
    /// with the empty line.
    fn head(&self, quote_fields: bool) -> String {
        let disposition = self.content_disposition(quote_fields);
        let content_type = self.content_type();
        let mut head = String::with_capacity(64 + disposition.len() + content_type.len());
        head.push_str("Content-Type: ");
        head.push_str(content_type);
        head.push_str("\r\n");
        if let Some((_, te)) = &self.transfer_encoding {
            head.push_str("Content-Transfer-Encoding: ");
            head.push_str(te);
            head.push_str("\r\n");
        }
        head.push_str("Content-Disposition: ");
        head.push_str(&disposition);
        head.push_str("\r\n\r\n");
        head
    }

    /// The length of the body after transfer encoding, when it can be known
    /// in advance: always for in-memory values (written in one piece),
    /// for streams of known size unless quoted-printable (whose output
    /// depends on how the stream is split).
    pub fn encoded_body_size(&self) -> Option<u64> {
        let te = self.transfer_encoding();
        match (&self.value, te) {
            (FieldValue::Stream { .. }, Some(TransferEncoding::QuotedPrintable)) => None,
            (FieldValue::Stream { size }, te) => size.map(|n| encoded_len(te, n)),
            (value, Some(TransferEncoding::QuotedPrintable)) => {
                let mut counter = Counter(0);
                qp_encode(value.as_bytes().unwrap_or_default(), &mut counter);
                Some(counter.0)
            }
            (value, te) => value.size().map(|n| encoded_len(te, n)),
        }
    }
}

/// aiohttp's `quoted_string` / RFC 5987 fallback for the `name` parameter
/// when `quote_fields` is on.
fn push_quoted_name(out: &mut String, name: &str) {
    // QCONTENT: printable ASCII and TAB.
    let is_qcontent = name
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) || b == b'\t');
    if is_qcontent {
        out.push_str("name=\"");
        for c in name.chars() {
            // Not qtext (%x21 / %x23-5B / %x5D-7E): backslash-escaped.
            if matches!(c, ' ' | '\t' | '"' | '\\') {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
    } else {
        out.push_str("name*=utf-8''");
        out.push_str(&form::quote(name));
    }
}

/// aiohttp's `quote_fields=False` branch: `\` and `"` escaped, the rest
/// kept as is.
fn push_unquoted_param(out: &mut String, key: &str, value: &str) {
    out.push_str(key);
    out.push_str("=\"");
    for c in value.chars() {
        if c == '\\' || c == '"' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

// ----- FormData -----

/// aiohttp's `FormData`: an ordered list of fields, sent url-encoded or as
/// `multipart/form-data`.
///
/// The form is multipart ([`FormData::is_multipart`]) when
/// `default_to_multipart` is set or any field has a file value
/// ([`FieldValue::Bytes`] or [`FieldValue::Stream`]), a filename, a content
/// type or a transfer encoding. Otherwise it is sent with
/// [`form::FORM_URLENCODED`] and [`FormData::urlencoded_body`].
///
/// Only UTF-8 is supported: aiohttp's `charset` argument, and a charset
/// given in a text field's content type, are not.
///
/// ```
/// use ahttp_proto::multipart::FormData;
///
/// # fn main() -> ahttp_proto::Result<()> {
/// let mut form = FormData::new();
/// form.add_field("user", "jöhn")?.add_field("note", "a&b c")?;
/// assert!(!form.is_multipart());
/// assert_eq!(&form.urlencoded_body()?[..], b"user=j%C3%B6hn&note=a%26b+c");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormData {
    fields: Vec<FormField>,
    quote_fields: bool,
    default_to_multipart: bool,
}

impl Default for FormData {
    fn default() -> Self {
        Self::new()
    }
}

impl FormData {
    /// An empty form with aiohttp's defaults: `quote_fields=True`,
    /// `default_to_multipart=False`.
    pub fn new() -> Self {
        FormData {
            fields: Vec::new(),
            quote_fields: true,
            default_to_multipart: false,
        }
    }

    /// Sets aiohttp's `quote_fields` (default true); see
    /// [`FormField::content_disposition`].
    pub fn quote_fields(mut self, quote_fields: bool) -> Self {
        self.quote_fields = quote_fields;
        self
    }

    /// Whether names and filenames are quoted (aiohttp's `quote_fields`).
    pub fn quotes_fields(&self) -> bool {
        self.quote_fields
    }

    /// Sets aiohttp's `default_to_multipart` (default false): send the form
    /// as multipart even when it has only text fields.
    pub fn default_to_multipart(mut self, multipart: bool) -> Self {
        self.default_to_multipart = multipart;
        self
    }

    /// `add_field(name, value)`: adds a field without options. A text
    /// value keeps the form url-encodable; a bytes or stream value makes it
    /// multipart. Fails, adding nothing, as [`FormField::new`] does.
    pub fn add_field(
        &mut self,
        name: impl Into<String>,
        value: impl Into<FieldValue>,
    ) -> Result<&mut Self> {
        self.add_field_with(name, value, FieldOptions::new())
    }

    /// `add_field(name, value, filename=..., content_type=...,
    /// content_transfer_encoding=...)`. Fails, adding nothing, as
    /// [`FormField::new`] does.
    ///
    /// ```
    /// use ahttp_proto::multipart::{FieldOptions, FormData};
    ///
    /// let mut form = FormData::new();
    /// form.add_field_with("doc", "text", FieldOptions::new().content_type("text/markdown"))
    ///     .unwrap();
    /// assert!(form.is_multipart());
    /// assert!(form.add_field("bad\r\nname", "x").is_err());
    /// ```
    pub fn add_field_with(
        &mut self,
        name: impl Into<String>,
        value: impl Into<FieldValue>,
        options: FieldOptions,
    ) -> Result<&mut Self> {
        self.fields.push(FormField::new(name, value, options)?);
        Ok(self)
    }

    /// `add_fields(*pairs)`: adds each `(name, value)` pair with
    /// [`FormData::add_field`]. When one is refused, none is added.
    pub fn add_fields<I, K, V>(&mut self, pairs: I) -> Result<&mut Self>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<FieldValue>,
    {
        let new = pairs
            .into_iter()
            .map(|(k, v)| FormField::new(k, v, FieldOptions::new()))
            .collect::<Result<Vec<_>>>()?;
        self.fields.extend(new);
        Ok(self)
    }

    /// The fields, in the order they were added.
    pub fn fields(&self) -> &[FormField] {
        &self.fields
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when the form has no field.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// aiohttp's `FormData.is_multipart`: true when `default_to_multipart`
    /// is set or any field [requires multipart](FormField::requires_multipart).
    pub fn is_multipart(&self) -> bool {
        self.default_to_multipart || self.fields.iter().any(FormField::requires_multipart)
    }

    /// The url-encoded body (aiohttp's `_gen_form_urlencoded`:
    /// `urlencode([(name, value), ...], doseq=True)`), to be sent with
    /// Content-Type [`form::FORM_URLENCODED`]. Bytes values are
    /// percent-encoded as they are, like `urlencode` does with `bytes`.
    ///
    /// aiohttp sends this only when [`FormData::is_multipart`] is false; it
    /// is computed regardless, except that a [`FieldValue::Stream`] cannot
    /// be url-encoded ([`ErrorKind::InvalidFormField`]).
    pub fn urlencoded_body(&self) -> Result<Bytes> {
        let mut out = String::new();
        for (i, field) in self.fields.iter().enumerate() {
            let value = field.value.as_bytes().ok_or_else(|| {
                Error::new(ErrorKind::InvalidFormField(
                    "a streamed value cannot be url-encoded",
                ))
            })?;
            if i > 0 {
                out.push('&');
            }
            out.push_str(&form::quote_plus(&field.name));
            out.push('=');
            out.push_str(&form::quote_plus(value));
        }
        Ok(Bytes::from(out))
    }

    /// A [`MultipartWriter`] over `boundary` that uses this form's
    /// `quote_fields` setting. Fails with [`ErrorKind::InvalidBoundary`].
    pub fn multipart_writer(&self, boundary: impl Into<String>) -> Result<MultipartWriter> {
        Ok(MultipartWriter::new(boundary)?.quote_fields(self.quote_fields))
    }

    /// The exact length of the multipart body over `boundary`, or `None`
    /// when a part's length cannot be known in advance (a stream of unknown
    /// size, or a quoted-printable stream). aiohttp sends a Content-Length
    /// when it knows the size, and chunked otherwise.
    pub fn multipart_size(&self, boundary: impl Into<String>) -> Result<Option<u64>> {
        Ok(self.multipart_writer(boundary)?.total_size(&self.fields))
    }

    /// Writes the whole form as a multipart body over `boundary` (the
    /// bytes aiohttp's `MultipartWriter.write` produces for this form).
    /// Fails with [`ErrorKind::InvalidState`] when a field is a
    /// [`FieldValue::Stream`]; such forms are written with
    /// [`FormData::multipart_writer`] and the part-by-part methods.
    pub fn to_multipart_bytes(&self, boundary: impl Into<String>) -> Result<Bytes> {
        let mut writer = self.multipart_writer(boundary)?;
        let mut dst = BytesMut::with_capacity(
            writer
                .total_size(&self.fields)
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(0),
        );
        for field in &self.fields {
            writer.write_field(field, &mut dst)?;
        }
        writer.finish(&mut dst)?;
        Ok(dst.freeze())
    }
}

// ----- the writer -----

/// RFC 2046 `bcharsnospace`, plus the space of `bchars`.
fn is_bchar(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'\''
                | b'('
                | b')'
                | b'+'
                | b'_'
                | b','
                | b'-'
                | b'.'
                | b'/'
                | b':'
                | b'='
                | b'?'
                | b' '
        )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WriterState {
    BetweenParts,
    InPart,
    Finished,
}

/// A streaming `multipart/form-data` writer, the sans-IO counterpart of
/// aiohttp's `MultipartWriter("form-data")`.
///
/// Per part: [`begin_field`](Self::begin_field) writes the boundary line
/// and the headers, [`write_body`](Self::write_body) the (transfer-encoded)
/// body in as many pieces as needed, [`end_field`](Self::end_field) flushes
/// the encoder and writes the closing CRLF. [`write_field`](Self::write_field)
/// does all three for an in-memory value. [`finish`](Self::finish) writes
/// the closing boundary. Methods called out of order fail with
/// [`ErrorKind::InvalidState`] and write nothing.
///
/// The boundary is the caller's (aiohttp uses `uuid.uuid4().hex`). The
/// writer does not check that a body does not contain it: a random
/// boundary makes that practically impossible.
///
/// ```
/// use ahttp_proto::multipart::{FieldOptions, FieldValue, FormField, MultipartWriter};
/// use bytes::BytesMut;
///
/// # fn main() -> ahttp_proto::Result<()> {
/// let mut w = MultipartWriter::new("b0undary")?;
/// assert_eq!(w.content_type(), "multipart/form-data; boundary=b0undary");
///
/// let file = FormField::new(
///     "upload",
///     FieldValue::Stream { size: Some(11) },
///     FieldOptions::new().filename("hello.txt").content_type("text/plain"),
/// )?;
/// assert_eq!(w.total_size([&file]), Some(136));
///
/// let mut out = BytesMut::new();
/// w.begin_field(&file, &mut out)?;
/// w.write_body(b"hello ", &mut out)?; // as the file is read
/// w.write_body(b"world", &mut out)?;
/// w.end_field(&mut out)?;
/// w.finish(&mut out)?;
/// assert_eq!(&out[..], &b"--b0undary\r\n\
///     Content-Type: text/plain\r\n\
///     Content-Disposition: form-data; name=\"upload\"; filename=\"hello.txt\"\r\n\
///     \r\n\
///     hello world\r\n\
///     --b0undary--\r\n"[..]);
/// assert_eq!(out.len(), 136);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct MultipartWriter {
    boundary: String,
    quote_fields: bool,
    state: WriterState,
    encoder: BodyEncoder,
    declared: Option<u64>,
    written: u64,
}

impl MultipartWriter {
    /// A writer over `boundary`, which must be what RFC 2046 allows: 1 to
    /// 70 characters from `A-Z a-z 0-9 ' ( ) + _ , - . / : = ?` and space,
    /// not ending in a space. Otherwise [`ErrorKind::InvalidBoundary`]
    /// (with the offset of the offending byte when there is one). Names
    /// are quoted as with aiohttp's default `quote_fields=True`.
    pub fn new(boundary: impl Into<String>) -> Result<Self> {
        let boundary = boundary.into();
        let bytes = boundary.as_bytes();
        if bytes.is_empty() || bytes.len() > MAX_BOUNDARY_LEN {
            return Err(Error::new(ErrorKind::InvalidBoundary));
        }
        if let Some(at) = bytes.iter().position(|&b| !is_bchar(b)) {
            return Err(Error::at(ErrorKind::InvalidBoundary, at as u64));
        }
        if bytes.ends_with(b" ") {
            return Err(Error::at(
                ErrorKind::InvalidBoundary,
                bytes.len() as u64 - 1,
            ));
        }
        Ok(MultipartWriter {
            boundary,
            quote_fields: true,
            state: WriterState::BetweenParts,
            encoder: BodyEncoder::new(None),
            declared: None,
            written: 0,
        })
    }

    /// Sets aiohttp's `quote_fields` for the parts this writer writes.
    pub fn quote_fields(mut self, quote_fields: bool) -> Self {
        self.quote_fields = quote_fields;
        self
    }

    /// The boundary.
    pub fn boundary(&self) -> &str {
        &self.boundary
    }

    /// The Content-Type of the body, as aiohttp writes it:
    /// `multipart/form-data; boundary=...`, the boundary bare when it is a
    /// token and in double quotes otherwise (aiohttp's `_boundary_value`).
    ///
    /// ```
    /// use ahttp_proto::multipart::MultipartWriter;
    ///
    /// assert_eq!(MultipartWriter::new("a'b+c")?.content_type(),
    ///            "multipart/form-data; boundary=a'b+c");
    /// assert_eq!(MultipartWriter::new("a b:c")?.content_type(),
    ///            "multipart/form-data; boundary=\"a b:c\"");
    /// # Ok::<(), ahttp_proto::Error>(())
    /// ```
    pub fn content_type(&self) -> String {
        let token = self.boundary.bytes().all(is_tchar);
        // A valid boundary never holds `"` or `\`, so no escaping is needed.
        if token {
            format!("{MULTIPART_FORM_DATA}; boundary={}", self.boundary)
        } else {
            format!("{MULTIPART_FORM_DATA}; boundary=\"{}\"", self.boundary)
        }
    }

    /// True once [`finish`](Self::finish) has written the closing boundary.
    pub fn is_finished(&self) -> bool {
        self.state == WriterState::Finished
    }

    /// Writes the start of `field`'s part: `--boundary\r\n`, its headers
    /// and the empty line. Its body follows with
    /// [`write_body`](Self::write_body).
    ///
    /// When the field's raw size is known, the writer then refuses a body
    /// of any other length ([`ErrorKind::BodyTooLong`],
    /// [`ErrorKind::BodyTooShort`]), which keeps a Content-Length computed
    /// with [`total_size`](Self::total_size) true.
    pub fn begin_field(&mut self, field: &FormField, dst: &mut BytesMut) -> Result<()> {
        if self.state != WriterState::BetweenParts {
            return Err(Error::new(ErrorKind::InvalidState(
                "begin_field inside a part or after finish",
            )));
        }
        dst.extend_from_slice(b"--");
        dst.extend_from_slice(self.boundary.as_bytes());
        dst.extend_from_slice(b"\r\n");
        dst.extend_from_slice(field.head(self.quote_fields).as_bytes());
        self.encoder = BodyEncoder::new(field.transfer_encoding());
        self.declared = field.value.size();
        self.written = 0;
        self.state = WriterState::InPart;
        Ok(())
    }

    /// Writes the next piece of the current part's body, transfer-encoded.
    pub fn write_body(&mut self, chunk: &[u8], dst: &mut BytesMut) -> Result<()> {
        if self.state != WriterState::InPart {
            return Err(Error::new(ErrorKind::InvalidState(
                "write_body outside a part",
            )));
        }
        let attempted = self.written.saturating_add(chunk.len() as u64);
        if let Some(declared) = self.declared {
            if attempted > declared {
                return Err(Error::new(ErrorKind::BodyTooLong {
                    declared,
                    attempted,
                }));
            }
        }
        self.written = attempted;
        self.encoder.encode(chunk, dst);
        Ok(())
    }

    /// Ends the current part: flushes the encoder (the last base64 group)
    /// and writes `\r\n`.
    pub fn end_field(&mut self, dst: &mut BytesMut) -> Result<()> {
        if self.state != WriterState::InPart {
            return Err(Error::new(ErrorKind::InvalidState(
                "end_field outside a part",
            )));
        }
        if let Some(declared) = self.declared {
            if self.written < declared {
                return Err(Error::new(ErrorKind::BodyTooShort {
                    declared,
                    sent: self.written,
                }));
            }
        }
        self.encoder.finish(dst);
        dst.extend_from_slice(b"\r\n");
        self.state = WriterState::BetweenParts;
        Ok(())
    }

    /// Writes a whole part whose value is in memory (text or bytes), its
    /// body in one piece. A [`FieldValue::Stream`] is refused with
    /// [`ErrorKind::InvalidState`].
    pub fn write_field(&mut self, field: &FormField, dst: &mut BytesMut) -> Result<()> {
        let body = field.value.as_bytes().ok_or_else(|| {
            Error::new(ErrorKind::InvalidState(
                "a stream value is written with begin_field, write_body and end_field",
            ))
        })?;
        self.begin_field(field, dst)?;
        self.write_body(body, dst)?;
        self.end_field(dst)
    }

    /// Writes the closing `--boundary--\r\n`. An empty form is just that.
    pub fn finish(&mut self, dst: &mut BytesMut) -> Result<()> {
        if self.state != WriterState::BetweenParts {
            return Err(Error::new(ErrorKind::InvalidState(
                "finish inside a part or twice",
            )));
        }
        dst.extend_from_slice(b"--");
        dst.extend_from_slice(self.boundary.as_bytes());
        dst.extend_from_slice(b"--\r\n");
        self.state = WriterState::Finished;
        Ok(())
    }

    /// The number of bytes [`write_field`](Self::write_field) (or
    /// begin/body/end) writes for `field`, when known: the boundary line,
    /// the headers, the encoded body (see [`FormField::encoded_body_size`])
    /// and the closing CRLF.
    pub fn part_size(&self, field: &FormField) -> Option<u64> {
        let body = field.encoded_body_size()?;
        let head = field.head(self.quote_fields).len() as u64;
        Some(2 + self.boundary.len() as u64 + 2 + head + body + 2)
    }

    /// The length of the whole body made of `fields` and the closing
    /// boundary, when every part's size is known (aiohttp's
    /// `MultipartWriter.size`, extended to transfer-encoded parts).
    pub fn total_size<'a, I>(&self, fields: I) -> Option<u64>
    where
        I: IntoIterator<Item = &'a FormField>,
    {
        let mut total = 2 + self.boundary.len() as u64 + 4;
        for field in fields {
            total = total.checked_add(self.part_size(field)?)?;
        }
        Some(total)
    }
}

// ----- transfer encodings -----

/// The length of `n` raw bytes after `encoding`, for encodings whose
/// length depends only on the input length.
fn encoded_len(encoding: Option<TransferEncoding>, n: u64) -> u64 {
    match encoding {
        Some(TransferEncoding::Base64) => n.div_ceil(3) * 4,
        _ => n,
    }
}

/// A streaming Content-Transfer-Encoding encoder, aiohttp's
/// `MultipartPayloadWriter`:
///
/// - `base64` keeps the 0 to 2 bytes that do not fill a 3-byte group for
///   the next piece and pads only in [`finish`](Self::finish), so the
///   output is the base64 of the whole body however it was split;
/// - `quoted-printable` encodes each piece on its own with the rules of
///   Python's `binascii.b2a_qp(piece)` (76-character lines with `=` soft
///   breaks, `=XX` upper-case escapes, whitespace before a line end or at
///   the end of the piece escaped, line ends kept and made all CRLF or all
///   LF after the piece's first one), so the output depends on the split,
///   exactly as in aiohttp;
/// - `binary` and no encoding copy the bytes.
///
/// ```
/// use ahttp_proto::multipart::{BodyEncoder, TransferEncoding};
/// use bytes::BytesMut;
///
/// let mut enc = BodyEncoder::new(Some(TransferEncoding::Base64));
/// let mut out = BytesMut::new();
/// enc.encode(b"he", &mut out);
/// enc.encode(b"llo", &mut out);
/// enc.finish(&mut out);
/// assert_eq!(&out[..], b"aGVsbG8=");
/// ```
#[derive(Debug, Clone)]
pub struct BodyEncoder {
    encoding: Option<TransferEncoding>,
    carry: [u8; 3],
    carry_len: usize,
}

impl BodyEncoder {
    /// An encoder for `encoding` (`None`: bytes are copied).
    pub fn new(encoding: Option<TransferEncoding>) -> Self {
        BodyEncoder {
            encoding,
            carry: [0; 3],
            carry_len: 0,
        }
    }

    /// Encodes the next piece of the body into `dst`.
    pub fn encode(&mut self, chunk: &[u8], dst: &mut BytesMut) {
        match self.encoding {
            Some(TransferEncoding::Base64) => self.encode_base64(chunk, dst),
            Some(TransferEncoding::QuotedPrintable) => qp_encode(chunk, dst),
            Some(TransferEncoding::Binary) | None => dst.extend_from_slice(chunk),
        }
    }

    /// Ends the body: writes the last, padded base64 group if bytes are
    /// left over. Nothing for the other encodings.
    pub fn finish(&mut self, dst: &mut BytesMut) {
        if self.carry_len > 0 {
            base64_into(&self.carry[..self.carry_len], dst);
            self.carry_len = 0;
        }
    }

    fn encode_base64(&mut self, mut chunk: &[u8], dst: &mut BytesMut) {
        if self.carry_len > 0 {
            let take = (3 - self.carry_len).min(chunk.len());
            self.carry[self.carry_len..self.carry_len + take].copy_from_slice(&chunk[..take]);
            self.carry_len += take;
            chunk = &chunk[take..];
            if self.carry_len < 3 {
                return;
            }
            base64_into(&self.carry, dst);
            self.carry_len = 0;
        }
        let whole = chunk.len() / 3 * 3;
        base64_into(&chunk[..whole], dst);
        let rest = &chunk[whole..];
        self.carry[..rest.len()].copy_from_slice(rest);
        self.carry_len = rest.len();
    }
}

/// Appends the padded standard base64 of `input` to `dst`.
fn base64_into(input: &[u8], dst: &mut BytesMut) {
    if input.is_empty() {
        return;
    }
    let start = dst.len();
    dst.resize(start + input.len().div_ceil(3) * 4, 0);
    match BASE64.encode_slice(input, &mut dst[start..]) {
        Ok(written) => dst.truncate(start + written),
        Err(_) => {
            // Unreachable (the slice is sized for the padded output); fall
            // back to the allocating encoder rather than panic.
            dst.truncate(start);
            dst.extend_from_slice(BASE64.encode(input).as_bytes());
        }
    }
}

/// Where [`qp_encode`] writes: a buffer, or a byte counter for sizes.
trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for BytesMut {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

struct Counter(u64);

impl Sink for Counter {
    fn put(&mut self, bytes: &[u8]) {
        self.0 += bytes.len() as u64;
    }
}

/// CPython's `binascii.b2a_qp` line length limit (`MAXLINESIZE`).
const QP_MAX_LINE: usize = 76;

fn qp_escape(b: u8) -> [u8; 3] {
    [
        b'=',
        HEX_UPPER[usize::from(b >> 4)],
        HEX_UPPER[usize::from(b & 0x0f)],
    ]
}

/// `binascii.b2a_qp(data)` with its defaults (`quotetabs=False`,
/// `istext=True`, `header=False`), reproduced rule for rule from CPython's
/// `Modules/binascii.c`.
fn qp_encode<S: Sink>(data: &[u8], out: &mut S) {
    // The line-end style is taken from the first LF: CRLF if a CR precedes
    // it, and every line end of this call is written in that style.
    let crlf = matches!(memchr::memchr(b'\n', data), Some(p) if p > 0 && data[p - 1] == b'\r');
    let (eol, soft): (&[u8], &[u8]) = if crlf {
        (b"\r\n", b"=\r\n")
    } else {
        (b"\n", b"=\n")
    };
    let n = data.len();
    let mut linelen = 0usize;
    // A literal space or tab just written: escaped instead if a line end
    // follows (CPython rewrites the last output byte).
    let mut pending_ws: Option<u8> = None;
    let mut i = 0;
    while i < n {
        let c = data[i];
        let last = i + 1 == n;
        let escape = c > 126
            || c == b'='
            || (c == b'.' && linelen == 0 && (last || matches!(data[i + 1], b'\n' | b'\r' | 0)))
            || ((c == b'\t' || c == b' ') && last)
            || (c < 33 && !matches!(c, b'\r' | b'\n' | b'\t' | b' '));
        if escape {
            if let Some(ws) = pending_ws.take() {
                out.put(&[ws]);
            }
            if linelen + 3 >= QP_MAX_LINE {
                out.put(soft);
                linelen = 0;
            }
            out.put(&qp_escape(c));
            linelen += 3;
            i += 1;
        } else if c == b'\n' || (c == b'\r' && !last && data[i + 1] == b'\n') {
            linelen = 0;
            if let Some(ws) = pending_ws.take() {
                out.put(&qp_escape(ws));
            }
            out.put(eol);
            i += if c == b'\r' { 2 } else { 1 };
        } else {
            if let Some(ws) = pending_ws.take() {
                out.put(&[ws]);
            }
            if !last && data[i + 1] != b'\n' && linelen + 1 >= QP_MAX_LINE {
                out.put(soft);
                linelen = 0;
            }
            linelen += 1;
            if c == b' ' || c == b'\t' {
                pending_ws = Some(c);
            } else {
                out.put(&[c]);
            }
            i += 1;
        }
    }
    if let Some(ws) = pending_ws {
        out.put(&[ws]);
    }
}
