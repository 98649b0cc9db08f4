//! Form-urlencoding and query-string encoding with aiohttp's quoting rules.
//!
//! aiohttp uses two different percent-encoders, and this module reproduces
//! both byte for byte:
//!
//! - **Form bodies** (`data={...}`, a url-encoded `FormData`) go through
//!   CPython's `urllib.parse.urlencode(..., doseq=True)`, whose quoter is
//!   `quote_plus`: a space becomes `+`, only the unreserved characters
//!   `A-Z a-z 0-9 _ . - ~` stay as they are and every other byte of the
//!   UTF-8 encoding becomes `%XX` (upper-case hex). See [`urlencode_form`]
//!   and [`quote_plus`].
//! - **Query parameters** (`params=`) go through yarl's
//!   `QUERY_PART_QUOTER` (`_Quoter(safe="?/:@", qs=True, requote=False)`):
//!   besides the unreserved characters it keeps the sub-delimiters
//!   `! $ ' ( ) * ,` and `? / : @`, turns a space into `+`, and encodes the
//!   query delimiters `+ & = ;` and everything else (including `%`, which is
//!   never treated as an existing escape). See [`encode_query`] and
//!   [`quote_query_part`]. aiohttp *extends* a query that is already in the
//!   URL with yarl's `URL.extend_query`, which [`extend_query`] and
//!   [`append_encoded_query`] reproduce.
//!
//! When `params` is a string rather than pairs, yarl quotes it whole with
//! `QUERY_QUOTER`, which additionally keeps the delimiters `= + & ;`:
//! [`quote_query`].
//!
//! ```
//! use ahttp_proto::form::{encode_query, extend_query, urlencode_form};
//!
//! // data={"q": "a b", "x": "1/2"}
//! assert_eq!(urlencode_form([("q", "a b"), ("x", "1/2")]), "q=a+b&x=1%2F2");
//! // params={"q": "a b", "x": "1/2"}
//! assert_eq!(encode_query([("q", "a b"), ("x", "1/2")]), "q=a+b&x=1/2");
//! // URL("http://h/?page=2").extend_query({"q": "c&d"})
//! assert_eq!(extend_query("page=2", [("q", "c&d")]), "page=2&q=c%26d");
//! ```

/// The Content-Type aiohttp sends with a url-encoded form body (its
/// `FormData` with the default UTF-8 charset).
pub const FORM_URLENCODED: &str = "application/x-www-form-urlencoded";

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// The characters no quoter here ever encodes: RFC 3986 unreserved, which is
/// CPython's `urllib.parse._ALWAYS_SAFE` and yarl's `UNRESERVED`.
const fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'~')
}

/// The safe set of yarl's `QUERY_PART_QUOTER`: `UNRESERVED`, the
/// sub-delimiters without the query-string ones (`!$'()*,`) and the extra
/// `safe="?/:@"`.
const fn is_query_part_safe(b: u8) -> bool {
    is_unreserved(b)
        || matches!(
            b,
            b'!' | b'$' | b'\'' | b'(' | b')' | b'*' | b',' | b'?' | b'/' | b':' | b'@'
        )
}

/// The safe set of yarl's `QUERY_QUOTER`: the `QUERY_PART_QUOTER` set plus
/// the protected query delimiters `=+&;`.
const fn is_query_safe(b: u8) -> bool {
    is_query_part_safe(b) || matches!(b, b'=' | b'+' | b'&' | b';')
}

/// Percent-encodes `input` into `out`: bytes for which `safe` is true are
/// copied, a space becomes `+` when `space_as_plus`, every other byte
/// becomes `%XX` with upper-case hex digits.
fn encode_into(out: &mut String, input: &[u8], safe: fn(u8) -> bool, space_as_plus: bool) {
    out.reserve(input.len());
    for &b in input {
        if safe(b) {
            out.push(char::from(b));
        } else if space_as_plus && b == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(char::from(HEX_UPPER[usize::from(b >> 4)]));
            out.push(char::from(HEX_UPPER[usize::from(b & 0x0f)]));
        }
    }
}

/// CPython's `urllib.parse.quote(s, safe="")`: every byte of the UTF-8
/// encoding except `A-Z a-z 0-9 _ . - ~` becomes `%XX`; a space becomes
/// `%20`.
///
/// aiohttp's `content_disposition_header` uses exactly this for the
/// `filename` parameter and for the RFC 5987 `name*=utf-8''...` form when
/// `quote_fields` is on.
///
/// ```
/// assert_eq!(ahttp_proto::form::quote("my file é.txt"), "my%20file%20%C3%A9.txt");
/// ```
pub fn quote(s: impl AsRef<[u8]>) -> String {
    let mut out = String::new();
    encode_into(&mut out, s.as_ref(), is_unreserved, false);
    out
}

/// CPython's `urllib.parse.quote_plus(s, safe="")`, the quoter of
/// `urlencode`: like [`quote`] but a space becomes `+`.
///
/// Takes bytes as well as strings because `urlencode` quotes a `bytes`
/// value as it is, without re-encoding.
///
/// ```
/// assert_eq!(ahttp_proto::form::quote_plus("a b+c&d"), "a+b%2Bc%26d");
/// ```
pub fn quote_plus(s: impl AsRef<[u8]>) -> String {
    let mut out = String::new();
    encode_into(&mut out, s.as_ref(), is_unreserved, true);
    out
}

/// yarl's `QUERY_PART_QUOTER`, which encodes each key and each value of
/// aiohttp's `params`: keeps `A-Z a-z 0-9 - . _ ~ ! $ ' ( ) * , ? / : @`,
/// turns a space into `+`, and encodes everything else, notably
/// `+ & = ; % #`.
///
/// ```
/// assert_eq!(ahttp_proto::form::quote_query_part("a b+c=d/e?"), "a+b%2Bc%3Dd/e?");
/// ```
pub fn quote_query_part(s: &str) -> String {
    let mut out = String::new();
    encode_into(&mut out, s.as_bytes(), is_query_part_safe, true);
    out
}

/// yarl's `QUERY_QUOTER` (`requote=False`), applied when aiohttp's
/// `params` is a whole query string: like [`quote_query_part`] but the
/// delimiters `= + & ;` are kept, so the string's own structure survives.
/// A `%` is always encoded as `%25`, never taken as an existing escape.
///
/// ```
/// assert_eq!(ahttp_proto::form::quote_query("a=b c&d=é"), "a=b+c&d=%C3%A9");
/// ```
pub fn quote_query(s: &str) -> String {
    let mut out = String::new();
    encode_into(&mut out, s.as_bytes(), is_query_safe, true);
    out
}

/// Encodes name/value pairs as an `application/x-www-form-urlencoded`
/// body, as aiohttp does for `data={...}` and for a `FormData` without
/// files: `urllib.parse.urlencode(pairs, doseq=True)` with UTF-8, i.e.
/// [`quote_plus`] on each key and value, `=` between them and `&` between
/// pairs. Pairs keep their order; repeated keys are repeated.
///
/// ```
/// use ahttp_proto::form::urlencode_form;
///
/// let body = urlencode_form([("name", "Jöhn Doe"), ("tag", "a&b"), ("tag", "")]);
/// assert_eq!(body, "name=J%C3%B6hn+Doe&tag=a%26b&tag=");
/// ```
pub fn urlencode_form<I, K, V>(pairs: I) -> String
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut out = String::new();
    for (i, (k, v)) in pairs.into_iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_into(&mut out, k.as_ref().as_bytes(), is_unreserved, true);
        out.push('=');
        encode_into(&mut out, v.as_ref().as_bytes(), is_unreserved, true);
    }
    out
}

/// Encodes name/value pairs as a query string the way aiohttp encodes
/// `params` (yarl's `get_str_query_from_iterable`): each key and value
/// through [`quote_query_part`], joined as `k=v&k=v`. An empty iterator
/// gives an empty string.
///
/// ```
/// use ahttp_proto::form::encode_query;
///
/// assert_eq!(encode_query([("q", "rust lang"), ("path", "/a/b"), ("eq", "1+1=2")]),
///            "q=rust+lang&path=/a/b&eq=1%2B1%3D2");
/// ```
pub fn encode_query<I, K, V>(pairs: I) -> String
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut out = String::new();
    for (i, (k, v)) in pairs.into_iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_into(&mut out, k.as_ref().as_bytes(), is_query_part_safe, true);
        out.push('=');
        encode_into(&mut out, v.as_ref().as_bytes(), is_query_part_safe, true);
    }
    out
}

/// Joins an already encoded query to the (already encoded) query of a URL
/// the way yarl's `URL.extend_query` does, which is what aiohttp does with
/// `params`: an empty addition leaves `existing` alone, an empty `existing`
/// is replaced, otherwise the two are joined with `&` unless `existing`
/// already ends in `&`.
///
/// `existing` is the query without its `?` (a URL ending in a bare `?` has
/// an empty query).
///
/// ```
/// use ahttp_proto::form::append_encoded_query;
///
/// assert_eq!(append_encoded_query("a=1", "b=2"), "a=1&b=2");
/// assert_eq!(append_encoded_query("a=1&", "b=2"), "a=1&b=2");
/// assert_eq!(append_encoded_query("", "b=2"), "b=2");
/// assert_eq!(append_encoded_query("a=1", ""), "a=1");
/// ```
pub fn append_encoded_query(existing: &str, encoded: &str) -> String {
    if encoded.is_empty() {
        return existing.to_owned();
    }
    if existing.is_empty() {
        return encoded.to_owned();
    }
    let mut out = String::with_capacity(existing.len() + 1 + encoded.len());
    out.push_str(existing);
    if !existing.ends_with('&') {
        out.push('&');
    }
    out.push_str(encoded);
    out
}

/// Encodes `pairs` with [`encode_query`] and appends them to `existing`
/// with [`append_encoded_query`]: aiohttp's `url.extend_query(params)`.
///
/// ```
/// use ahttp_proto::form::extend_query;
///
/// // session.get("http://h/search?lang=en", params=[("q", "a b"), ("q", "é")])
/// assert_eq!(extend_query("lang=en", [("q", "a b"), ("q", "é")]),
///            "lang=en&q=a+b&q=%C3%A9");
/// ```
pub fn extend_query<I, K, V>(existing: &str, pairs: I) -> String
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    append_encoded_query(existing, &encode_query(pairs))
}
