//! Request headers as they go on the wire: ordered, names in the case the
//! caller gave (aiohttp keeps `CIMultiDict` case; curl sends what `-H`
//! says), looked up case-insensitively.

use http::{HeaderMap, HeaderName, HeaderValue};
use std::borrow::Cow;

/// An ordered, case-preserving header list.
#[derive(Debug, Clone, Default)]
pub(crate) struct WireHeaders {
    /// Names are usually static ("Host", "Accept"): no allocation for them.
    list: Vec<(Cow<'static, str>, HeaderValue)>,
}

impl WireHeaders {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &HeaderValue)> {
        self.list.iter().map(|(n, v)| (n.as_ref(), v))
    }

    /// The fields themselves, for copying without reallocating names.
    pub fn entries(&self) -> &[(Cow<'static, str>, HeaderValue)] {
        &self.list
    }

    pub fn contains(&self, name: &str) -> bool {
        self.list.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    pub fn get(&self, name: &str) -> Option<&HeaderValue> {
        self.list
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Sets `name` to `value`: the first field of that name keeps its place
    /// and takes the new value, later ones go.
    pub fn set(&mut self, name: impl Into<Cow<'static, str>>, value: HeaderValue) {
        let name = name.into();
        match self
            .list
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(&name))
        {
            Some(first) => {
                let mut i = first + 1;
                while i < self.list.len() {
                    if self.list[i].0.eq_ignore_ascii_case(&name) {
                        self.list.remove(i);
                    } else {
                        i += 1;
                    }
                }
                self.list[first] = (name, value);
            }
            None => self.list.push((name, value)),
        }
    }

    /// Adds a field, keeping any of the same name.
    pub fn append(&mut self, name: impl Into<Cow<'static, str>>, value: HeaderValue) {
        self.list.push((name.into(), value));
    }

    /// Sets `name` unless it is already there.
    pub fn set_default(&mut self, name: &'static str, value: HeaderValue) {
        if !self.contains(name) {
            self.list.push((Cow::Borrowed(name), value));
        }
    }

    pub fn remove(&mut self, name: &str) {
        self.list.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// The fields as a `HeaderMap` (for `RequestInfo::headers`).
    pub fn to_map(&self) -> HeaderMap {
        let mut map = HeaderMap::with_capacity(self.list.len());
        for (n, v) in &self.list {
            if let Ok(name) = HeaderName::from_bytes(n.as_bytes()) {
                map.append(name, v.clone());
            }
        }
        map
    }

    /// Fields for the encoder: (name, value) byte pairs.
    pub fn fields(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.list.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes()))
    }
}

/// True when `name` is a valid header name (a token).
pub(crate) fn valid_name(name: &str) -> bool {
    HeaderName::from_bytes(name.as_bytes()).is_ok()
}
