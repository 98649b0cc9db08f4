//! Request bodies (aiohttp's payloads), Basic auth, and upload progress.

use crate::error::{Error, ErrorKind, Result};
use base64::Engine as _;
use bytes::Bytes;
use futures_io::AsyncRead;
use futures_util::stream::{BoxStream, Stream, StreamExt};
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

/// A request body: what aiohttp's `data=` and `json=` accept.
///
/// Bytes, text, forms and JSON are kept in memory and can be sent again
/// after a 307/308 redirect or a retry; a stream or reader is sent once,
/// chunked, and a redirect that needs it again fails with
/// [`ErrorKind::Payload`], as in aiohttp 3.14.
pub enum Body {
    /// No body.
    Empty,
    /// Bytes, sent as `application/octet-stream` unless a Content-Type is
    /// given.
    Bytes(Bytes),
    /// Text, sent as `text/plain; charset=utf-8` unless a Content-Type is
    /// given.
    Text(String),
    /// A form: url-encoded, or multipart/form-data when it holds files
    /// (aiohttp's `FormData` rule).
    Form(FormData),
    /// JSON, already serialised.
    Json(Vec<u8>),
    /// A stream of byte pieces, sent chunked (aiohttp's async generator).
    Stream(BoxStream<'static, std::io::Result<Bytes>>),
    /// Any reader, sent chunked (aiohttp's file objects).
    Reader(Box<dyn AsyncRead + Send + Unpin>),
    /// A reader of known length, sent with that Content-Length (aiohttp's
    /// file objects whose size it can stat). A reader that ends early or
    /// has more is an error: the request is not completed.
    SizedReader(Box<dyn AsyncRead + Send + Unpin>, u64),
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Body::Empty => f.write_str("Empty"),
            Body::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            Body::Text(t) => write!(f, "Text({} bytes)", t.len()),
            Body::Form(form) => write!(f, "Form({} fields)", form.fields.len()),
            Body::Json(j) => write!(f, "Json({} bytes)", j.len()),
            Body::Stream(_) => f.write_str("Stream"),
            Body::Reader(_) => f.write_str("Reader"),
            Body::SizedReader(_, length) => write!(f, "SizedReader({length} bytes)"),
        }
    }
}

impl Body {
    /// A body from a stream of byte pieces.
    pub fn from_stream<S>(stream: S) -> Body
    where
        S: Stream<Item = std::io::Result<Bytes>> + Send + 'static,
    {
        Body::Stream(stream.boxed())
    }

    /// A body read from `reader`.
    pub fn from_reader<T: AsyncRead + Send + Unpin + 'static>(reader: T) -> Body {
        Body::Reader(Box::new(reader))
    }

    /// A body of `length` bytes read from `reader` (a file whose size is
    /// known): sent with Content-Length rather than chunked, so HTTP/1.0
    /// servers take it too.
    pub fn from_reader_with_length<T: AsyncRead + Send + Unpin + 'static>(
        reader: T,
        length: u64,
    ) -> Body {
        Body::SizedReader(Box::new(reader), length)
    }

    /// True when the body can be sent again (after a redirect or retry).
    pub fn is_replayable(&self) -> bool {
        match self {
            Body::Stream(_) | Body::Reader(_) | Body::SizedReader(..) => false,
            Body::Form(form) => form.readers.is_empty(),
            _ => true,
        }
    }
}

impl From<Bytes> for Body {
    fn from(b: Bytes) -> Self {
        Body::Bytes(b)
    }
}

impl From<Vec<u8>> for Body {
    fn from(b: Vec<u8>) -> Self {
        Body::Bytes(b.into())
    }
}

impl From<&'static [u8]> for Body {
    fn from(b: &'static [u8]) -> Self {
        Body::Bytes(Bytes::from_static(b))
    }
}

impl From<String> for Body {
    fn from(s: String) -> Self {
        Body::Text(s)
    }
}

impl From<&str> for Body {
    fn from(s: &str) -> Self {
        Body::Text(s.to_owned())
    }
}

impl From<FormData> for Body {
    fn from(f: FormData) -> Self {
        Body::Form(f)
    }
}

/// aiohttp's `FormData`: fields and files, sent url-encoded or as
/// multipart/form-data by aiohttp's rule (multipart as soon as a field is a
/// file, has a filename or a content type).
///
/// ```
/// use ahttp::FormData;
///
/// let mut form = FormData::new();
/// form.add_field("name", "Ada").unwrap();
/// form.add_file("cv", b"...".to_vec(), "cv.pdf", Some("application/pdf")).unwrap();
/// ```
#[derive(Default)]
pub struct FormData {
    pub(crate) fields: ahttp_proto::multipart::FormData,
    /// Readers for `FieldValue::Stream` fields, by field index.
    pub(crate) readers: Vec<(usize, Box<dyn AsyncRead + Send + Unpin>)>,
}

impl fmt::Debug for FormData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FormData")
            .field("fields", &self.fields.len())
            .field("streamed", &self.readers.len())
            .finish()
    }
}

fn form_error(e: ahttp_proto::Error) -> Error {
    Error::new(ErrorKind::Builder, "invalid form field").with_source(e)
}

impl FormData {
    /// An empty form.
    pub fn new() -> Self {
        Self::default()
    }

    /// A text field.
    pub fn add_field(
        &mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<&mut Self> {
        self.fields
            .add_field(name, value.into())
            .map_err(form_error)?;
        Ok(self)
    }

    /// A file held in memory, with its filename and content type
    /// (`application/octet-stream` when `None`).
    pub fn add_file(
        &mut self,
        name: impl Into<String>,
        content: impl Into<Bytes>,
        filename: impl Into<String>,
        content_type: Option<&str>,
    ) -> Result<&mut Self> {
        let mut options = ahttp_proto::multipart::FieldOptions::new().filename(filename);
        if let Some(ct) = content_type {
            options = options.content_type(ct);
        }
        self.fields
            .add_field_with(name, content.into(), options)
            .map_err(form_error)?;
        Ok(self)
    }

    /// A file streamed from `reader` (of `size` bytes when known, which
    /// lets the form be sent with a Content-Length).
    pub fn add_reader(
        &mut self,
        name: impl Into<String>,
        reader: impl AsyncRead + Send + Unpin + 'static,
        size: Option<u64>,
        filename: impl Into<String>,
        content_type: Option<&str>,
    ) -> Result<&mut Self> {
        let mut options = ahttp_proto::multipart::FieldOptions::new().filename(filename);
        if let Some(ct) = content_type {
            options = options.content_type(ct);
        }
        let index = self.fields.len();
        self.fields
            .add_field_with(
                name,
                ahttp_proto::multipart::FieldValue::Stream { size },
                options,
            )
            .map_err(form_error)?;
        self.readers.push((index, Box::new(reader)));
        Ok(self)
    }

    /// A field with every aiohttp option: `content_type`, `filename`,
    /// `content_transfer_encoding`.
    pub fn add_field_with(
        &mut self,
        name: impl Into<String>,
        value: impl Into<ahttp_proto::multipart::FieldValue>,
        options: ahttp_proto::multipart::FieldOptions,
    ) -> Result<&mut Self> {
        self.fields
            .add_field_with(name, value, options)
            .map_err(form_error)?;
        Ok(self)
    }

    /// Send as multipart even without files (aiohttp's
    /// `default_to_multipart=True`).
    pub fn default_to_multipart(mut self, multipart: bool) -> Self {
        self.fields = std::mem::take(&mut self.fields).default_to_multipart(multipart);
        self
    }

    /// Whether the form goes out as multipart/form-data.
    pub fn is_multipart(&self) -> bool {
        self.fields.is_multipart()
    }
}

/// HTTP Basic credentials, as aiohttp's `BasicAuth(login, password)`.
///
/// ```
/// use ahttp::BasicAuth;
///
/// let auth = BasicAuth::new("Aladdin", "open sesame").unwrap();
/// assert_eq!(auth.encode(), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
/// assert!(BasicAuth::new("a:b", "c").is_err(), "a colon in the login is refused");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct BasicAuth {
    login: String,
    password: String,
}

impl fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BasicAuth")
            .field("login", &self.login)
            .field("password", &"<hidden>")
            .finish()
    }
}

impl BasicAuth {
    /// Credentials; a `:` in the login is refused, as aiohttp does.
    pub fn new(login: impl Into<String>, password: impl Into<String>) -> Result<Self> {
        let login = login.into();
        if login.contains(':') {
            return Err(Error::new(
                ErrorKind::Builder,
                "a \":\" is not allowed in the login",
            ));
        }
        Ok(BasicAuth {
            login,
            password: password.into(),
        })
    }

    /// The login.
    pub fn login(&self) -> &str {
        &self.login
    }

    /// The password.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The `Authorization` header value (UTF-8, as aiohttp's
    /// `encode_basic_auth`).
    pub fn encode(&self) -> String {
        let raw = format!("{}:{}", self.login, self.password);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }

    /// Credentials from a URL's `user:pass@`, percent-decoded.
    pub fn from_url(url: &url::Url) -> Option<Self> {
        if url.username().is_empty() && url.password().is_none() {
            return None;
        }
        Some(BasicAuth {
            login: percent_decode(url.username()),
            password: percent_decode(url.password().unwrap_or("")),
        })
    }
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Upload progress, as aiohttp's `UploadTracker`: bytes written, attempts
/// (a redirect or retry that sends the body again counts), and completion.
/// Clone it, hand one clone to the request, and watch the other.
///
/// ```
/// let tracker = ahttp::UploadTracker::new();
/// assert_eq!(tracker.bytes_written(), 0);
/// assert!(!tracker.is_complete());
/// ```
#[derive(Debug, Clone, Default)]
pub struct UploadTracker {
    inner: Arc<TrackerInner>,
}

#[derive(Debug, Default)]
struct TrackerInner {
    bytes: AtomicU64,
    attempts: AtomicU32,
    complete: AtomicBool,
}

impl UploadTracker {
    /// A fresh tracker.
    pub fn new() -> Self {
        Self::default()
    }

    /// Body bytes written in the current attempt.
    pub fn bytes_written(&self) -> u64 {
        self.inner.bytes.load(Ordering::Relaxed)
    }

    /// How many times the body started to be sent.
    pub fn attempts(&self) -> u32 {
        self.inner.attempts.load(Ordering::Relaxed)
    }

    /// True once the whole body was sent.
    pub fn is_complete(&self) -> bool {
        self.inner.complete.load(Ordering::Acquire)
    }

    pub(crate) fn start_attempt(&self) {
        self.inner.attempts.fetch_add(1, Ordering::Relaxed);
        self.inner.bytes.store(0, Ordering::Relaxed);
        self.inner.complete.store(false, Ordering::Release);
    }

    pub(crate) fn wrote(&self, n: usize) {
        self.inner.bytes.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub(crate) fn finish(&self) {
        self.inner.complete.store(true, Ordering::Release);
    }
}

/// Reads the next piece of a streamed body.
pub(crate) async fn next_piece(source: &mut PieceSource) -> Result<Option<Bytes>> {
    match source {
        PieceSource::Stream(s) => match s.next().await {
            None => Ok(None),
            Some(Ok(b)) => Ok(Some(b)),
            Some(Err(e)) => {
                Err(Error::new(ErrorKind::Body, "reading the request body failed").with_source(e))
            }
        },
        PieceSource::Reader(r) => {
            use futures_util::AsyncReadExt;
            let mut buf = vec![0u8; 64 * 1024];
            let n = r.read(&mut buf).await.map_err(|e| {
                Error::new(ErrorKind::Body, "reading the request body failed").with_source(e)
            })?;
            if n == 0 {
                return Ok(None);
            }
            buf.truncate(n);
            Ok(Some(Bytes::from(buf)))
        }
    }
}

/// A body that is read piece by piece while it is sent.
pub(crate) enum PieceSource {
    Stream(BoxStream<'static, std::io::Result<Bytes>>),
    Reader(Box<dyn AsyncRead + Send + Unpin>),
}
