//! Form-urlencoding and query encoding, checked against what CPython's
//! `urllib.parse` and yarl 1.25.1 (used by aiohttp 3.14.5) produce.
//!
//! Every expected string in the tables below was printed by Python 3.11
//! (`quote_plus`, `quote(s, safe="")`, `urlencode(pairs, doseq=True)`,
//! yarl's `QUERY_PART_QUOTER` / `QUERY_QUOTER` / `get_str_query` /
//! `URL.extend_query`, and `aiohttp.FormData`).

use ahttp_proto::form::{
    append_encoded_query, encode_query, extend_query, quote, quote_plus, quote_query,
    quote_query_part, urlencode_form, FORM_URLENCODED,
};
use ahttp_proto::multipart::FormData;
use proptest::prelude::*;

const QUOTING: &[(&str, &str, &str, &str, &str)] = &[
    // (input, quote_plus, quote(safe=''), yarl QUERY_PART_QUOTER, yarl QUERY_QUOTER)
    ("", "", "", "", ""),
    ("abc", "abc", "abc", "abc", "abc"),
    ("AZaz09", "AZaz09", "AZaz09", "AZaz09", "AZaz09"),
    ("a b", "a+b", "a%20b", "a+b", "a+b"),
    ("a+b", "a%2Bb", "a%2Bb", "a%2Bb", "a+b"),
    ("a&b=c", "a%26b%3Dc", "a%26b%3Dc", "a%26b%3Dc", "a&b=c"),
    ("a;b", "a%3Bb", "a%3Bb", "a%3Bb", "a;b"),
    ("a/b?c:d@e", "a%2Fb%3Fc%3Ad%40e", "a%2Fb%3Fc%3Ad%40e", "a/b?c:d@e", "a/b?c:d@e"),
    ("~-._", "~-._", "~-._", "~-._", "~-._"),
    ("!$'()*,", "%21%24%27%28%29%2A%2C", "%21%24%27%28%29%2A%2C", "!$'()*,", "!$'()*,"),
    ("%", "%25", "%25", "%25", "%25"),
    ("%41", "%2541", "%2541", "%2541", "%2541"),
    ("%zz", "%25zz", "%25zz", "%25zz", "%25zz"),
    ("é", "%C3%A9", "%C3%A9", "%C3%A9", "%C3%A9"),
    ("日本", "%E6%97%A5%E6%9C%AC", "%E6%97%A5%E6%9C%AC", "%E6%97%A5%E6%9C%AC", "%E6%97%A5%E6%9C%AC"),
    ("😀", "%F0%9F%98%80", "%F0%9F%98%80", "%F0%9F%98%80", "%F0%9F%98%80"),
    ("\n\r\t", "%0A%0D%09", "%0A%0D%09", "%0A%0D%09", "%0A%0D%09"),
    ("#[]", "%23%5B%5D", "%23%5B%5D", "%23%5B%5D", "%23%5B%5D"),
    ("\"<>\\^`{|}", "%22%3C%3E%5C%5E%60%7B%7C%7D", "%22%3C%3E%5C%5E%60%7B%7C%7D", "%22%3C%3E%5C%5E%60%7B%7C%7D", "%22%3C%3E%5C%5E%60%7B%7C%7D"),
    ("\u{0}", "%00", "%00", "%00", "%00"),
    ("\u{7f}", "%7F", "%7F", "%7F", "%7F"),
    ("  ", "++", "%20%20", "++", "++"),
    ("a%20b", "a%2520b", "a%2520b", "a%2520b", "a%2520b"),
    ("ü=1&x", "%C3%BC%3D1%26x", "%C3%BC%3D1%26x", "%C3%BC%3D1%26x", "%C3%BC=1&x"),
    ("\u{80}ÿĀ", "%C2%80%C3%BF%C4%80", "%C2%80%C3%BF%C4%80", "%C2%80%C3%BF%C4%80", "%C2%80%C3%BF%C4%80"),
    ("\u{feff}", "%EF%BB%BF", "%EF%BB%BF", "%EF%BB%BF", "%EF%BB%BF"),
    ("\u{0}\u{1}\u{2}\u{3}\u{4}\u{5}\u{6}\u{7}\u{8}\t\n\u{b}\u{c}\r\u{e}\u{f}\u{10}\u{11}\u{12}\u{13}\u{14}\u{15}\u{16}\u{17}\u{18}\u{19}\u{1a}\u{1b}\u{1c}\u{1d}\u{1e}\u{1f} !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\u{7f}", "%00%01%02%03%04%05%06%07%08%09%0A%0B%0C%0D%0E%0F%10%11%12%13%14%15%16%17%18%19%1A%1B%1C%1D%1E%1F+%21%22%23%24%25%26%27%28%29%2A%2B%2C-.%2F0123456789%3A%3B%3C%3D%3E%3F%40ABCDEFGHIJKLMNOPQRSTUVWXYZ%5B%5C%5D%5E_%60abcdefghijklmnopqrstuvwxyz%7B%7C%7D~%7F", "%00%01%02%03%04%05%06%07%08%09%0A%0B%0C%0D%0E%0F%10%11%12%13%14%15%16%17%18%19%1A%1B%1C%1D%1E%1F%20%21%22%23%24%25%26%27%28%29%2A%2B%2C-.%2F0123456789%3A%3B%3C%3D%3E%3F%40ABCDEFGHIJKLMNOPQRSTUVWXYZ%5B%5C%5D%5E_%60abcdefghijklmnopqrstuvwxyz%7B%7C%7D~%7F", "%00%01%02%03%04%05%06%07%08%09%0A%0B%0C%0D%0E%0F%10%11%12%13%14%15%16%17%18%19%1A%1B%1C%1D%1E%1F+!%22%23$%25%26'()*%2B,-./0123456789:%3B%3C%3D%3E?@ABCDEFGHIJKLMNOPQRSTUVWXYZ%5B%5C%5D%5E_%60abcdefghijklmnopqrstuvwxyz%7B%7C%7D~%7F", "%00%01%02%03%04%05%06%07%08%09%0A%0B%0C%0D%0E%0F%10%11%12%13%14%15%16%17%18%19%1A%1B%1C%1D%1E%1F+!%22%23$%25&'()*+,-./0123456789:;%3C=%3E?@ABCDEFGHIJKLMNOPQRSTUVWXYZ%5B%5C%5D%5E_%60abcdefghijklmnopqrstuvwxyz%7B%7C%7D~%7F"),
];
type Pairs = &'static [(&'static str, &'static str)];

const PAIRS: &[(Pairs, &str, &str)] = &[
    // (pairs, urlencode(doseq=True), yarl get_str_query)
    (&[], "", ""),
    (&[("a", "1")], "a=1", "a=1"),
    (
        &[("a b", "c&d"), ("x", ""), ("é", "ü=1")],
        "a+b=c%26d&x=&%C3%A9=%C3%BC%3D1",
        "a+b=c%26d&x=&%C3%A9=%C3%BC%3D1",
    ),
    (
        &[("k", "v1"), ("k", "v2"), ("", "")],
        "k=v1&k=v2&=",
        "k=v1&k=v2&=",
    ),
    (
        &[
            ("path", "/a/b?c"),
            ("email", "me@x.org"),
            ("t", "10:30"),
            ("plus", "1+1"),
            ("semi", "a;b"),
        ],
        "path=%2Fa%2Fb%3Fc&email=me%40x.org&t=10%3A30&plus=1%2B1&semi=a%3Bb",
        "path=/a/b?c&email=me@x.org&t=10:30&plus=1%2B1&semi=a%3Bb",
    ),
];
const EXTEND: &[(&str, Pairs, &str)] = &[
    // (existing raw query, params, query of URL(...).extend_query(params))
    (
        "x=1",
        &[("a b", "c+d"), ("q", "1/2")],
        "x=1&a+b=c%2Bd&q=1/2",
    ),
    ("x=1&", &[("a", "b")], "x=1&a=b"),
    ("", &[("a", "b")], "a=b"),
    ("", &[("a", "b")], "a=b"),
    ("x=1", &[], "x=1"),
    ("x=%20y", &[("é", "&")], "x=%20y&%C3%A9=%26"),
    ("a=1&a=2", &[("a", "3")], "a=1&a=2&a=3"),
];
const FORMDATA_URLENCODED: &str = "user=j%C3%B6hn+doe&note=a%26b%3Dc%2Bd%2Fe&note=~%21%2A%27%28%29"; // content type application/x-www-form-urlencoded

#[test]
fn quoting_matches_python_and_yarl() {
    for &(input, plus, quoted, part, query) in QUOTING {
        assert_eq!(quote_plus(input), plus, "quote_plus({input:?})");
        assert_eq!(quote(input), quoted, "quote({input:?}, safe='')");
        assert_eq!(
            quote_query_part(input),
            part,
            "QUERY_PART_QUOTER({input:?})"
        );
        assert_eq!(quote_query(input), query, "QUERY_QUOTER({input:?})");
    }
}

#[test]
fn quote_plus_takes_raw_bytes_like_urlencode() {
    // urlencode([("b", b"\xff\x00 a")]) == "b=%FF%00+a"
    assert_eq!(quote_plus(b"\xff\x00 a"), "%FF%00+a");
}

#[test]
fn pairs_match_urlencode_and_yarl() {
    for &(pairs, form, query) in PAIRS {
        assert_eq!(
            urlencode_form(pairs.iter().copied()),
            form,
            "urlencode({pairs:?})"
        );
        assert_eq!(
            encode_query(pairs.iter().copied()),
            query,
            "get_str_query({pairs:?})"
        );
    }
}

#[test]
fn extend_query_matches_yarl() {
    for &(existing, pairs, expected) in EXTEND {
        assert_eq!(
            extend_query(existing, pairs.iter().copied()),
            expected,
            "{existing:?} + {pairs:?}"
        );
        assert_eq!(
            append_encoded_query(existing, &encode_query(pairs.iter().copied())),
            expected
        );
    }
}

#[test]
fn pairs_accept_owned_and_borrowed_strings() {
    let owned: Vec<(String, String)> = vec![("a".into(), "b c".into())];
    assert_eq!(urlencode_form(owned.iter().map(|(k, v)| (k, v))), "a=b+c");
    assert_eq!(encode_query(owned), "a=b+c");
    let map = std::collections::BTreeMap::from([("x", "1"), ("y", "2")]);
    assert_eq!(encode_query(map), "x=1&y=2");
}

#[test]
fn formdata_urlencoded_matches_aiohttp() {
    let mut form = FormData::new();
    form.add_field("user", "jöhn doe")
        .unwrap()
        .add_field("note", "a&b=c+d/e")
        .unwrap()
        .add_field("note", "~!*'()")
        .unwrap();
    assert!(!form.is_multipart());
    assert_eq!(
        &form.urlencoded_body().unwrap()[..],
        FORMDATA_URLENCODED.as_bytes()
    );
    assert_eq!(FORM_URLENCODED, "application/x-www-form-urlencoded");
}

/// A tiny percent-decoder: `%XX` to the byte, `+` to a space.
fn decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
                assert!(
                    hex.bytes()
                        .all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(&c)),
                    "lower-case or bad escape in {s:?}"
                );
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

fn decode_pairs(s: &str) -> Vec<(String, String)> {
    if s.is_empty() {
        return Vec::new();
    }
    s.split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap();
            (
                String::from_utf8(decode(k)).unwrap(),
                String::from_utf8(decode(v)).unwrap(),
            )
        })
        .collect()
}

proptest! {
    #[test]
    fn quoters_round_trip(s in any::<String>()) {
        prop_assert_eq!(decode(&quote_plus(&s)), s.as_bytes());
        prop_assert_eq!(decode(&quote(&s)), s.as_bytes());
        prop_assert_eq!(decode(&quote_query_part(&s)), s.as_bytes());
        let q = quote(&s);
        prop_assert!(q.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-~%".contains(&b)));
        let p = quote_plus(&s);
        prop_assert!(p.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-~%+".contains(&b)));
        let part = quote_query_part(&s);
        // Never a raw delimiter of the query itself.
        prop_assert!(!part.bytes().any(|b| b"&=;#".contains(&b)));
    }

    #[test]
    fn pairs_round_trip(pairs in proptest::collection::vec((any::<String>(), any::<String>()), 0..6)) {
        prop_assert_eq!(decode_pairs(&urlencode_form(pairs.iter().map(|(k, v)| (k, v)))), pairs.clone());
        prop_assert_eq!(decode_pairs(&encode_query(pairs.iter().map(|(k, v)| (k, v)))), pairs.clone());
        let extended = extend_query("x=1", pairs.iter().map(|(k, v)| (k, v)));
        let mut expected = vec![("x".to_owned(), "1".to_owned())];
        expected.extend(pairs.iter().cloned());
        prop_assert_eq!(decode_pairs(&extended), expected);
    }
}
