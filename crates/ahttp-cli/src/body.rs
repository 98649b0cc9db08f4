//! Request bodies: `-d`, `--data-binary`, `--data-raw`, `--json`, `-F` and
//! `-T`, read once from the command line and applied to every request.

use crate::args::{DataArg, TransferArgs};
use crate::exit::{CliError, READ_ERROR, USAGE};
use ahttp_tokio::{Body, FormData, Method, RequestBuilder};
use bytes::Bytes;
use std::io::Read;
use tokio_util::compat::TokioAsyncReadCompatExt;

/// What the requests of a run send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodySpec {
    /// Nothing.
    None,
    /// `-d` and friends, or `--json`: bytes with a default Content-Type.
    Data {
        /// The bytes, pieces joined as curl joins them.
        bytes: Bytes,
        /// `--json` was given (sets Accept too).
        json: bool,
    },
    /// `-F`: the form's parts.
    Form(Vec<FormPart>),
    /// `-T`: a file (or `-` for stdin) streamed as the body.
    Upload(String),
}

/// One `-F` part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormPart {
    /// The field name.
    pub name: String,
    /// Its content.
    pub value: FormValue,
}

/// The content of a `-F` part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormValue {
    /// `name=value`.
    Text(String),
    /// `name=<file`: a text field whose value is the file's content.
    FileContent(String),
    /// `name=@file;type=T;filename=N`: a file part.
    File {
        /// The file to send.
        path: String,
        /// `type=`, else guessed from the extension.
        content_type: Option<String>,
        /// `filename=`, else the file's name.
        filename: Option<String>,
    },
}

impl BodySpec {
    /// From the arguments; refuses mixing `-d`, `-F` and `-T` as curl does.
    pub fn from_args(args: &TransferArgs) -> Result<BodySpec, CliError> {
        let kinds = [
            !args.data_in_order.is_empty(),
            !args.form.is_empty(),
            args.upload_file.is_some(),
        ];
        if kinds.iter().filter(|k| **k).count() > 1 {
            return Err(CliError::new(
                USAGE,
                "You can only select one HTTP request method! You asked for both POST (-d/-F) and PUT (-T).",
            ));
        }
        if let Some(path) = &args.upload_file {
            return Ok(BodySpec::Upload(path.clone()));
        }
        if !args.form.is_empty() {
            return args
                .form
                .iter()
                .map(|f| parse_form_part(f))
                .collect::<Result<_, _>>()
                .map(BodySpec::Form);
        }
        if args.data_in_order.is_empty() {
            return Ok(BodySpec::None);
        }
        let json = args
            .data_in_order
            .iter()
            .any(|d| matches!(d, DataArg::Json(_)));
        let mut out: Vec<u8> = Vec::new();
        for (i, piece) in args.data_in_order.iter().enumerate() {
            // curl joins -d pieces with '&'; --json pieces are glued.
            if i > 0 && !matches!(piece, DataArg::Json(_)) {
                out.push(b'&');
            }
            match piece {
                DataArg::Raw(s) => out.extend_from_slice(s.as_bytes()),
                DataArg::Ascii(s) => match s.strip_prefix('@') {
                    Some(path) => {
                        let data = read_source(path)?;
                        out.extend(data.into_iter().filter(|b| *b != b'\r' && *b != b'\n'));
                    }
                    None => out.extend_from_slice(s.as_bytes()),
                },
                DataArg::Binary(s) | DataArg::Json(s) => match s.strip_prefix('@') {
                    Some(path) => out.extend(read_source(path)?),
                    None => out.extend_from_slice(s.as_bytes()),
                },
            }
        }
        Ok(BodySpec::Data {
            bytes: out.into(),
            json,
        })
    }

    /// The method when `-X` is not given.
    pub fn default_method(&self) -> Method {
        match self {
            BodySpec::None => Method::GET,
            BodySpec::Data { .. } | BodySpec::Form(_) => Method::POST,
            BodySpec::Upload(_) => Method::PUT,
        }
    }

    /// The body, and its default Content-Type (none for multipart, whose
    /// boundary the client adds), set on `req` unless the user gave one.
    pub async fn apply(
        &self,
        req: RequestBuilder,
        user_set: impl Fn(&str) -> bool,
    ) -> Result<RequestBuilder, CliError> {
        Ok(match self {
            // The client would label an empty POST/PUT/PATCH
            // application/octet-stream; curl sends no Content-Type.
            BodySpec::None => req.skip_auto_headers(["Content-Type"]),
            BodySpec::Data { bytes, json } => {
                let mut req = req.data(Body::Bytes(bytes.clone()));
                if *json {
                    if !user_set("content-type") {
                        req = req.header("Content-Type", "application/json");
                    }
                    if !user_set("accept") {
                        req = req.header("Accept", "application/json");
                    }
                } else if !user_set("content-type") {
                    req = req.header("Content-Type", "application/x-www-form-urlencoded");
                }
                req
            }
            BodySpec::Form(parts) => req.data(build_form(parts).await?),
            BodySpec::Upload(path) => {
                let body = if path == "-" {
                    Body::from_reader(tokio::io::stdin().compat())
                } else {
                    let file = tokio::fs::File::open(path).await.map_err(|e| {
                        CliError::new(
                            READ_ERROR,
                            format!(
                                "Failed to open/read local data from file/application: {path}: {e}"
                            ),
                        )
                    })?;
                    // Sent with its length, as curl does (stdin is chunked).
                    match file.metadata().await {
                        Ok(meta) if meta.is_file() => {
                            Body::from_reader_with_length(file.compat(), meta.len())
                        }
                        _ => Body::from_reader(file.compat()),
                    }
                };
                req.data(body)
            }
        })
    }
}

/// The URL for `-T FILE`: a URL ending in `/` gets the file's name.
pub fn upload_url(url: &str, path: &str) -> String {
    if path == "-" || !url.ends_with('/') {
        return url.to_owned();
    }
    let name = std::path::Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("{url}{name}")
}

/// `@-` is stdin, anything else a file.
fn read_source(path: &str) -> Result<Vec<u8>, CliError> {
    let mut data = Vec::new();
    let result = if path == "-" {
        std::io::stdin().read_to_end(&mut data).map(drop)
    } else {
        std::fs::read(path).map(|d| data = d)
    };
    result.map_err(|e| {
        CliError::new(
            READ_ERROR,
            format!("Failed to open/read local data from file/application: {path}: {e}"),
        )
    })?;
    Ok(data)
}

/// Parses `name=value`, `name=<file`, `name=@file;type=T;filename=N`.
pub fn parse_form_part(arg: &str) -> Result<FormPart, CliError> {
    let Some((name, value)) = arg.split_once('=') else {
        return Err(CliError::new(
            USAGE,
            format!("Illegally formatted input field: {arg:?}"),
        ));
    };
    let value = if let Some(rest) = value.strip_prefix('@') {
        let mut pieces = rest.split(';');
        let path = pieces.next().unwrap_or_default().to_owned();
        let mut content_type = None;
        let mut filename = None;
        for p in pieces {
            if let Some(t) = p.trim().strip_prefix("type=") {
                content_type = Some(t.to_owned());
            } else if let Some(f) = p.trim().strip_prefix("filename=") {
                filename = Some(f.trim_matches('"').to_owned());
            }
        }
        FormValue::File {
            path,
            content_type,
            filename,
        }
    } else if let Some(path) = value.strip_prefix('<') {
        FormValue::FileContent(path.to_owned())
    } else {
        FormValue::Text(value.to_owned())
    };
    Ok(FormPart {
        name: name.to_owned(),
        value,
    })
}

/// curl's content type for a file part, by extension.
pub fn guess_content_type(path: &str) -> &'static str {
    let ext = std::path::Path::new(path)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "gif" => "image/gif",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        "txt" => "text/plain",
        "htm" | "html" => "text/html",
        "pdf" => "application/pdf",
        "xml" => "application/xml",
        _ => "application/octet-stream",
    }
}

/// The multipart form, file parts streamed from their files.
async fn build_form(parts: &[FormPart]) -> Result<FormData, CliError> {
    let mut form = FormData::new().default_to_multipart(true);
    let bad = |e: ahttp_tokio::Error| CliError::new(USAGE, format!("-F: {e}"));
    for part in parts {
        match &part.value {
            FormValue::Text(v) => {
                form.add_field(part.name.clone(), v.clone()).map_err(bad)?;
            }
            FormValue::FileContent(path) => {
                let data = read_source(path)?;
                form.add_field(
                    part.name.clone(),
                    String::from_utf8_lossy(&data).into_owned(),
                )
                .map_err(bad)?;
            }
            FormValue::File {
                path,
                content_type,
                filename,
            } => {
                let open_error = |e: std::io::Error| {
                    CliError::new(
                        READ_ERROR,
                        format!(
                            "Failed to open/read local data from file/application: {path}: {e}"
                        ),
                    )
                };
                let file = tokio::fs::File::open(path).await.map_err(open_error)?;
                let size = file.metadata().await.map_err(open_error)?.len();
                let filename = filename.clone().unwrap_or_else(|| {
                    std::path::Path::new(path)
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                });
                let ct = content_type
                    .clone()
                    .unwrap_or_else(|| guess_content_type(path).to_owned());
                form.add_reader(
                    part.name.clone(),
                    file.compat(),
                    Some(size),
                    filename,
                    Some(&ct),
                )
                .map_err(bad)?;
            }
        }
    }
    Ok(form)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_parts() {
        assert_eq!(
            parse_form_part("a=1").unwrap().value,
            FormValue::Text("1".into())
        );
        assert_eq!(
            parse_form_part("f=@x.txt;type=text/x;filename=y.bin")
                .unwrap()
                .value,
            FormValue::File {
                path: "x.txt".into(),
                content_type: Some("text/x".into()),
                filename: Some("y.bin".into())
            }
        );
        assert_eq!(
            parse_form_part("f=<x").unwrap().value,
            FormValue::FileContent("x".into())
        );
        assert_eq!(parse_form_part("nonsense").unwrap_err().code, USAGE);
        assert_eq!(guess_content_type("a.PNG"), "image/png");
    }

    #[test]
    fn upload_urls() {
        assert_eq!(upload_url("http://h/d/", "/tmp/f.txt"), "http://h/d/f.txt");
        assert_eq!(upload_url("http://h/x", "/tmp/f.txt"), "http://h/x");
    }
}
