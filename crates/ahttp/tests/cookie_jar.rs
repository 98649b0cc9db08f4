//! Integration tests for `ahttp::cookie`, all on a fixed clock.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ahttp::cookie::{
    AbstractCookieJar, CookieJar, DummyCookieJar, SameSite, COOKIES_PER_DOMAIN_AFTER_EVICTION,
    COOKIES_TOTAL_AFTER_EVICTION, MAX_COOKIES_PER_DOMAIN, MAX_COOKIES_PER_REQUEST,
    MAX_COOKIES_TOTAL, MAX_COOKIE_HEADER_LEN,
};
use url::Url;

/// 2023-11-14T22:13:20Z
const NOW: u64 = 1_700_000_000;

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn now() -> SystemTime {
    at(NOW)
}

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

fn set(jar: &CookieJar, from: &str, headers: &[&str]) {
    jar.update_cookies_from_headers_at(headers.iter().copied(), &url(from), now());
}

fn header(jar: &CookieJar, to: &str) -> Option<String> {
    jar.cookie_header_at(&url(to), now())
}

fn names(jar: &CookieJar, to: &str) -> Vec<String> {
    jar.filter_cookies_at(&url(to), now())
        .into_iter()
        .map(|(n, _)| n)
        .collect()
}

// --- domains -------------------------------------------------------------

#[test]
fn host_only_cookie_goes_only_to_its_host() {
    let jar = CookieJar::new();
    set(&jar, "http://example.com/", &["a=1"]);
    assert_eq!(header(&jar, "http://example.com/"), Some("a=1".into()));
    assert_eq!(header(&jar, "http://www.example.com/"), None);
    assert_eq!(header(&jar, "http://other.com/"), None);
    let c = &jar.cookies_at(now())[0];
    assert!(c.host_only());
    assert_eq!(c.domain(), "example.com");
}

#[test]
fn domain_cookie_goes_to_subdomains() {
    let jar = CookieJar::new();
    set(
        &jar,
        "http://www.example.com/",
        &["a=1; Domain=.Example.COM"],
    );
    let c = &jar.cookies_at(now())[0];
    assert!(!c.host_only());
    assert_eq!(c.domain(), "example.com");
    for to in [
        "http://example.com/",
        "http://www.example.com/",
        "http://a.b.example.com/",
    ] {
        assert_eq!(header(&jar, to), Some("a=1".into()), "{to}");
    }
    assert_eq!(header(&jar, "http://badexample.com/"), None);
    assert_eq!(header(&jar, "http://example.org/"), None);
}

#[test]
fn foreign_or_sub_domain_attribute_refused() {
    let jar = CookieJar::new();
    set(
        &jar,
        "http://www.example.com/",
        &[
            "a=1; Domain=other.com",
            "b=1; Domain=sub.www.example.com",
            "c=1; Domain=ample.com",
        ],
    );
    assert!(jar.is_empty());
}

#[test]
fn trailing_dot_or_empty_domain_makes_cookie_host_only() {
    let jar = CookieJar::new();
    set(
        &jar,
        "http://www.example.com/",
        &["a=1; Domain=example.com.", "b=2; Domain="],
    );
    let cookies = jar.cookies_at(now());
    assert_eq!(cookies.len(), 2);
    assert!(cookies
        .iter()
        .all(|c| c.host_only() && c.domain() == "www.example.com"));
}

/// aiohttp has no Public Suffix List: a response may set a cookie for a
/// TLD, and it is then sent to every host under that TLD.
#[test]
fn tld_domain_accepted_like_aiohttp() {
    let jar = CookieJar::new();
    set(&jar, "http://www.example.com/", &["tld=1; Domain=com"]);
    assert_eq!(jar.len(), 1);
    assert_eq!(header(&jar, "http://unrelated.com/"), Some("tld=1".into()));
    assert_eq!(header(&jar, "http://example.org/"), None);
    // Still refused when the response host is not under it.
    set(&jar, "http://www.example.com/", &["uk=1; Domain=co.uk"]);
    assert_eq!(jar.len(), 1);
}

#[test]
fn idna_domain_attribute() {
    let jar = CookieJar::new();
    set(
        &jar,
        "http://www.bücher.example/",
        &["a=1; Domain=Bücher.example"],
    );
    assert_eq!(jar.cookies_at(now())[0].domain(), "xn--bcher-kva.example");
    assert_eq!(
        header(&jar, "http://xn--bcher-kva.example/"),
        Some("a=1".into())
    );
}

// --- IP hosts ------------------------------------------------------------

#[test]
fn ip_hosts_refused_by_default() {
    let jar = CookieJar::new();
    for from in [
        "http://127.0.0.1:8080/",
        "http://[::1]/",
        "http://10.1.2.3/",
    ] {
        set(&jar, from, &["a=1"]);
        jar.update_cookies_at([("b", "2")], &url(from), now());
    }
    assert!(jar.is_empty());
    // Shared cookies still go to IP hosts, as in aiohttp.
    jar.update_shared_cookies_at([("s", "1")], now());
    assert_eq!(header(&jar, "http://127.0.0.1/"), Some("s=1".into()));
}

#[test]
fn ip_hosts_accepted_with_unsafe() {
    let jar = CookieJar::builder().unsafe_hosts(true).build();
    assert!(jar.unsafe_hosts());
    set(&jar, "http://127.0.0.1:8080/", &["a=1"]);
    set(&jar, "http://[::1]/", &["b=2"]);
    set(&jar, "http://127.0.0.1/", &["c=3; Domain=127.0.0.1"]);
    // A Domain attribute only matches an IP exactly.
    set(&jar, "http://127.0.0.1/", &["d=4; Domain=0.0.1"]);
    assert_eq!(jar.len(), 3);
    assert_eq!(
        header(&jar, "http://127.0.0.1:9999/"),
        Some("a=1; c=3".into())
    );
    assert_eq!(header(&jar, "http://[::1]:81/"), Some("b=2".into()));
    assert_eq!(jar.cookies_at(now())[1].domain(), "::1");
    assert_eq!(header(&jar, "http://127.0.0.2/"), None);
}

#[test]
fn domain_cookies_never_reach_ip_hosts() {
    let jar = CookieJar::builder().unsafe_hosts(true).build();
    set(&jar, "http://www.example.com/", &["a=1; Domain=com"]);
    assert_eq!(header(&jar, "http://1.2.3.4/"), None);
}

// --- paths ---------------------------------------------------------------

#[test]
fn default_path_is_response_directory() {
    let jar = CookieJar::new();
    set(
        &jar,
        "http://example.com/docs/guide/page.html",
        &["a=1", "b=2; Path=relative", "c=3; Path="],
    );
    for c in jar.cookies_at(now()) {
        assert_eq!(c.path(), "/docs/guide", "{}", c.name());
    }
    assert_eq!(
        names(&jar, "http://example.com/docs/guide"),
        ["a", "b", "c"]
    );
    assert!(names(&jar, "http://example.com/docs/guide/x").len() == 3);
    assert!(names(&jar, "http://example.com/docs/").is_empty());
    assert!(names(&jar, "http://example.com/docs/guidebook").is_empty());
}

#[test]
fn path_matching() {
    let jar = CookieJar::new();
    set(
        &jar,
        "http://example.com/",
        &["root=1; Path=/", "foo=1; Path=/foo", "slash=1; Path=/foo/"],
    );
    assert_eq!(names(&jar, "http://example.com/"), ["root"]);
    assert_eq!(names(&jar, "http://example.com/foo"), ["foo", "root"]);
    assert_eq!(
        names(&jar, "http://example.com/foo/bar"),
        ["slash", "foo", "root"]
    );
    assert_eq!(names(&jar, "http://example.com/foobar"), ["root"]);
}

// --- Secure / HttpOnly / SameSite --------------------------------------------

#[test]
fn secure_only_over_https_and_wss() {
    let jar = CookieJar::builder().unsafe_hosts(true).build();
    set(&jar, "https://example.com/", &["s=1; Secure", "p=2"]);
    set(&jar, "http://localhost/", &["s=1; Secure"]);
    set(&jar, "http://127.0.0.1/", &["s=1; Secure"]);
    assert_eq!(
        header(&jar, "https://example.com/"),
        Some("s=1; p=2".into())
    );
    assert_eq!(header(&jar, "wss://example.com/"), Some("s=1; p=2".into()));
    assert_eq!(header(&jar, "http://example.com/"), Some("p=2".into()));
    assert_eq!(header(&jar, "ws://example.com/"), Some("p=2".into()));
    // localhost and loopback are not secure origins by themselves.
    assert_eq!(header(&jar, "http://localhost/"), None);
    assert_eq!(header(&jar, "http://127.0.0.1/"), None);
    assert_eq!(header(&jar, "https://localhost/"), Some("s=1".into()));
}

#[test]
fn treat_as_secure_origin() {
    let jar = CookieJar::builder()
        .unsafe_hosts(true)
        .treat_as_secure_origin(&url("http://127.0.0.1:8080/some/path"))
        .treat_as_secure_origin(&url("http://localhost"))
        .build();
    assert_eq!(jar.treat_as_secure_origins().len(), 2);
    set(&jar, "http://127.0.0.1:8080/", &["s=1; Secure"]);
    set(&jar, "http://localhost/", &["t=1; Secure"]);
    assert_eq!(header(&jar, "http://127.0.0.1:8080/x"), Some("s=1".into()));
    // Origin means scheme, host and port.
    assert_eq!(header(&jar, "http://127.0.0.1:8081/"), None);
    assert_eq!(header(&jar, "http://localhost:80/"), Some("t=1".into()));
    assert_eq!(header(&jar, "http://localhost:81/"), None);
}

#[test]
fn http_only_same_site_partitioned_stored_and_sent() {
    let jar = CookieJar::new();
    set(
        &jar,
        "https://example.com/",
        &[
            "h=1; HttpOnly",
            "l=1; SameSite=Lax",
            "s=1; SameSite=strict",
            "n=1; SameSite=None; Secure; Partitioned",
            "x=1; SameSite=bogus",
        ],
    );
    let cookies = jar.cookies_at(now());
    let get = |n: &str| cookies.iter().find(|c| c.name() == n).unwrap();
    assert!(get("h").http_only());
    assert!(!get("l").http_only());
    assert_eq!(get("l").same_site(), Some(SameSite::Lax));
    assert_eq!(get("s").same_site(), Some(SameSite::Strict));
    assert_eq!(get("n").same_site(), Some(SameSite::None));
    assert!(get("n").partitioned() && get("n").secure());
    assert_eq!(get("x").same_site(), None);
    // SameSite is not enforced; HttpOnly cookies go on HTTP requests.
    assert_eq!(names(&jar, "https://example.com/").len(), 5);
}

// --- expiry --------------------------------------------------------------

#[test]
fn max_age_expires() {
    let jar = CookieJar::new();
    set(&jar, "http://example.com/", &["a=1; Max-Age=60"]);
    let c = &jar.cookies_at(now())[0];
    assert_eq!(c.expires(), Some(at(NOW + 60)));
    assert!(c.is_persistent());
    let to = url("http://example.com/");
    assert_eq!(jar.cookie_header_at(&to, at(NOW + 59)), Some("a=1".into()));
    assert_eq!(jar.cookie_header_at(&to, at(NOW + 60)), None);
    assert!(jar.cookies_at(at(NOW + 60)).is_empty());
    assert_eq!(jar.len(), 0);
}

#[test]
fn max_age_beats_expires() {
    let jar = CookieJar::new();
    set(
        &jar,
        "http://example.com/",
        &[
            // Expires in the past, Max-Age in the future: kept.
            "a=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=100",
            // Expires in the future, Max-Age=0: deleted.
            "b=1; Max-Age=0; Expires=Fri, 01 Jan 2100 00:00:00 GMT",
        ],
    );
    let cookies = jar.cookies_at(now());
    assert_eq!(cookies.len(), 1);
    assert_eq!(cookies[0].expires(), Some(at(NOW + 100)));
}

#[test]
fn max_age_zero_or_negative_deletes() {
    let jar = CookieJar::new();
    set(&jar, "http://example.com/", &["a=1", "b=2", "c=3"]);
    set(
        &jar,
        "http://example.com/",
        &["a=; Max-Age=0", "b=; Max-Age=-1"],
    );
    assert_eq!(names(&jar, "http://example.com/"), ["c"]);
    assert_eq!(jar.len(), 1);
}

#[test]
fn expires_past_deletes_and_future_expires() {
    let jar = CookieJar::new();
    set(&jar, "http://example.com/", &["old=1", "new=1"]);
    set(
        &jar,
        "http://example.com/",
        &[
            "old=; Expires=Thu, 01-Jan-1970 00:00:10 GMT",
            // 2023-11-15T00:00:00Z, RFC 6265 date syntax variants.
            "new=2; expires=Wednesday, 15-Nov-23 00:00:00 GMT",
            "asc=3; Expires=Wed Nov 15 00:00:00 2023",
        ],
    );
    assert_eq!(names(&jar, "http://example.com/"), ["new", "asc"]);
    let exp = at(1_700_006_400);
    assert!(jar
        .cookies_at(now())
        .iter()
        .all(|c| c.expires() == Some(exp)));
    assert!(jar.cookies_at(exp).is_empty());
}

#[test]
fn invalid_expires_or_max_age_ignored() {
    let jar = CookieJar::new();
    set(
        &jar,
        "http://example.com/",
        &[
            "a=1; Expires=not a date",
            "b=1; Max-Age=soon",
            "c=1; Max-Age=abc; Expires=Fri, 01 Jan 2100 00:00:00 GMT",
        ],
    );
    let cookies = jar.cookies_at(now());
    assert_eq!(cookies.len(), 3);
    assert!(!cookies[0].is_persistent() && !cookies[1].is_persistent());
    assert_eq!(cookies[2].expires(), Some(at(4_102_444_800)));
}

#[test]
fn replacement_keeps_creation_not_expiry() {
    let jar = CookieJar::new();
    let to = url("http://example.com/");
    jar.update_cookies_from_headers_at(["a=1; Max-Age=100; Secure"], &to, at(NOW));
    jar.update_cookies_from_headers_at(["b=1"], &to, at(NOW + 5));
    jar.update_cookies_from_headers_at(["a=2"], &to, at(NOW + 10));
    let cookies = jar.cookies_at(at(NOW + 10));
    assert_eq!(cookies.len(), 2);
    let a = &cookies[0];
    assert_eq!((a.name(), a.value()), ("a", "2"));
    assert_eq!(a.creation_time(), at(NOW));
    assert_eq!(a.last_access_time(), at(NOW + 10));
    assert_eq!(a.expires(), None);
    assert!(!a.secure());
    // Still ordered by the original creation time.
    assert_eq!(
        jar.cookie_header_at(&to, at(NOW + 500)),
        Some("a=2; b=1".into())
    );
}

#[test]
fn same_name_different_path_or_domain_coexist() {
    let jar = CookieJar::new();
    set(
        &jar,
        "http://www.example.com/a/b",
        &[
            "x=host",
            "x=dom; Domain=example.com",
            "x=root; Path=/",
            "x=deep; Path=/a/b",
        ],
    );
    assert_eq!(jar.len(), 4);
    // All matching cookies are sent, longest path first, then oldest first.
    assert_eq!(
        header(&jar, "http://www.example.com/a/b"),
        Some("x=deep; x=host; x=dom; x=root".into())
    );
    set(
        &jar,
        "http://www.example.com/",
        &["x=new; Domain=example.com; Path=/a"],
    );
    assert_eq!(jar.len(), 4);
    assert_eq!(header(&jar, "http://example.com/a"), Some("x=new".into()));
}

// --- ordering ------------------------------------------------------------

#[test]
fn header_order_longer_paths_then_creation() {
    let jar = CookieJar::new();
    let from = url("http://example.com/");
    let steps = [
        "z=1; Path=/",
        "y=1; Path=/a/b",
        "x=1; Path=/a",
        "w=1; Path=/",
        "v=1; Path=/a/b",
    ];
    for (i, h) in steps.iter().enumerate() {
        jar.update_cookies_from_headers_at([*h], &from, at(NOW + i as u64));
    }
    assert_eq!(
        jar.cookie_header_at(&url("http://example.com/a/b/c"), at(NOW + 10)),
        Some("y=1; v=1; x=1; z=1; w=1".into())
    );
    // Same timestamps fall back to insertion order.
    let jar = CookieJar::new();
    set(&jar, "http://example.com/", &["b=1", "a=1", "c=1"]);
    assert_eq!(
        header(&jar, "http://example.com/"),
        Some("b=1; a=1; c=1".into())
    );
}

// --- quoting -------------------------------------------------------------

#[test]
fn quote_cookie_on_by_default() {
    let jar = CookieJar::new();
    assert!(jar.quote_cookie());
    set(
        &jar,
        "http://example.com/",
        &["tok=YWJj==", "q=\"quoted value\"", "e=", "plain=abc:def"],
    );
    jar.update_cookies_at([("sp", "a b;c")], &url("http://example.com/"), now());
    assert_eq!(
        header(&jar, "http://example.com/"),
        Some(r#"tok="YWJj=="; q="quoted value"; e=""; plain=abc:def; sp="a b\073c""#.into())
    );
}

#[test]
fn quote_cookie_off_sends_values_as_stored() {
    let jar = CookieJar::builder().quote_cookie(false).build();
    set(
        &jar,
        "http://example.com/",
        &["tok=YWJj==", "q=\"v\"", "e="],
    );
    // `;` cannot be sent unquoted: refused.
    jar.update_cookies_at(
        [("sp", "a b"), ("bad", "a;b")],
        &url("http://example.com/"),
        now(),
    );
    assert_eq!(
        header(&jar, "http://example.com/"),
        Some("tok=YWJj==; q=\"v\"; e=; sp=a b".into())
    );
}

#[test]
fn control_characters_refused() {
    let jar = CookieJar::new();
    jar.update_cookies_at(
        [
            ("a", "x\r\nInjected: 1"),
            ("b\n", "1"),
            ("", "1"),
            ("c", "\u{7f}"),
        ],
        &url("http://example.com/"),
        now(),
    );
    set(
        &jar,
        "http://example.com/",
        &["d=\u{1}", "e=1; Path=/a\u{1}"],
    );
    assert!(jar.is_empty());
}

// --- shared cookies, mapping updates -------------------------------------

#[test]
fn update_cookies_mapping_uses_response_url() {
    let jar = CookieJar::new();
    jar.update_cookies_at(
        [("a", "1"), ("b", "2")],
        &url("http://example.com/dir/page"),
        now(),
    );
    let cookies = jar.cookies_at(now());
    assert!(cookies
        .iter()
        .all(|c| c.host_only() && c.domain() == "example.com" && c.path() == "/dir"));
    assert_eq!(
        header(&jar, "http://example.com/dir/x"),
        Some("a=1; b=2".into())
    );
    assert_eq!(header(&jar, "http://example.com/"), None);
}

#[test]
fn shared_cookies_go_everywhere() {
    let jar = CookieJar::new();
    jar.update_shared_cookies_at([("s", "1")], now());
    let c = &jar.cookies_at(now())[0];
    assert!(c.is_shared() && c.path() == "/");
    for to in [
        "http://a.com/",
        "https://b.org/deep/path",
        "http://[::1]/",
        "ws://x/",
    ] {
        assert_eq!(header(&jar, to), Some("s=1".into()), "{to}");
    }
}

// --- limits --------------------------------------------------------------

#[test]
fn per_domain_limit_evicts_to_150() {
    let jar = CookieJar::new();
    let from = url("https://example.com/");
    for i in 0..MAX_COOKIES_PER_DOMAIN {
        let h = format!("c{i}=v");
        jar.update_cookies_from_headers_at([h.as_str()], &from, at(NOW + i as u64));
    }
    assert_eq!(jar.len(), MAX_COOKIES_PER_DOMAIN);
    // Other domains are unaffected by this domain's limit.
    jar.update_cookies_from_headers_at(["o=1"], &url("https://other.com/"), at(NOW));
    jar.update_cookies_from_headers_at(["new=1"], &from, at(NOW + 1000));
    let cookies = jar.cookies_at(at(NOW + 1000));
    let here: Vec<_> = cookies
        .iter()
        .filter(|c| c.domain() == "example.com")
        .collect();
    assert_eq!(here.len(), COOKIES_PER_DOMAIN_AFTER_EVICTION);
    assert_eq!(jar.len(), COOKIES_PER_DOMAIN_AFTER_EVICTION + 1);
    // The 31 least recently used went first; the new one stayed.
    assert!(here.iter().any(|c| c.name() == "new"));
    assert!(!here.iter().any(|c| c.name() == "c30"));
    assert!(here.iter().any(|c| c.name() == "c31"));
}

#[test]
fn eviction_prefers_expired_then_non_secure_then_lru() {
    let from = url("https://example.com/");
    // Expired cookies alone can make room: nothing live is evicted.
    let jar = CookieJar::new();
    for i in 0..MAX_COOKIES_PER_DOMAIN {
        let h = if i < 10 {
            format!("c{i}=v; Max-Age=10")
        } else {
            format!("c{i}=v")
        };
        jar.update_cookies_from_headers_at([h.as_str()], &from, at(NOW));
    }
    jar.update_cookies_from_headers_at(["new=1"], &from, at(NOW + 100));
    assert_eq!(jar.len(), MAX_COOKIES_PER_DOMAIN - 10 + 1);

    // Secure cookies outlive non-secure ones, even older ones.
    let jar = CookieJar::new();
    for i in 0..MAX_COOKIES_PER_DOMAIN {
        let h = if i < 20 {
            format!("c{i}=v; Secure")
        } else {
            format!("c{i}=v")
        };
        jar.update_cookies_from_headers_at([h.as_str()], &from, at(NOW + i as u64));
    }
    jar.update_cookies_from_headers_at(["new=1"], &from, at(NOW + 1000));
    let left = jar.cookies_at(at(NOW + 1000));
    assert_eq!(left.len(), COOKIES_PER_DOMAIN_AFTER_EVICTION);
    for i in 0..20 {
        assert!(left.iter().any(|c| c.name() == format!("c{i}")), "c{i}");
    }
    assert!(!left.iter().any(|c| c.name() == "c50"));
    assert!(left.iter().any(|c| c.name() == "c51"));
}

#[test]
fn recently_sent_cookies_survive_eviction() {
    let jar = CookieJar::new();
    let from = url("http://example.com/");
    for i in 0..MAX_COOKIES_PER_DOMAIN {
        let h = format!("c{i}=v; Path=/p{i}");
        jar.update_cookies_from_headers_at([h.as_str()], &from, at(NOW + i as u64));
    }
    // Send c0..c4 late: they become the most recently used.
    for i in 0..5 {
        let sent = jar.filter_cookies_at(&url(&format!("http://example.com/p{i}")), at(NOW + 500));
        assert_eq!(sent, [(format!("c{i}"), "v".to_string())]);
    }
    jar.update_cookies_from_headers_at(["new=1"], &from, at(NOW + 1000));
    let left = jar.cookies_at(at(NOW + 1000));
    assert_eq!(left.len(), COOKIES_PER_DOMAIN_AFTER_EVICTION);
    for i in 0..5 {
        assert!(left.iter().any(|c| c.name() == format!("c{i}")), "c{i}");
    }
    // 31 evicted: c5..c35.
    assert!(!left.iter().any(|c| c.name() == "c35"));
    assert!(left.iter().any(|c| c.name() == "c36"));
}

#[test]
fn deleting_cookie_never_evicts() {
    let jar = CookieJar::new();
    let from = url("http://example.com/");
    for i in 0..MAX_COOKIES_PER_DOMAIN {
        let h = format!("c{i}=v");
        jar.update_cookies_from_headers_at([h.as_str()], &from, at(NOW));
    }
    jar.update_cookies_from_headers_at(["missing=; Max-Age=0"], &from, at(NOW));
    assert_eq!(jar.len(), MAX_COOKIES_PER_DOMAIN);
    // Replacing an existing cookie does not grow the domain either.
    jar.update_cookies_from_headers_at(["c0=new"], &from, at(NOW));
    assert_eq!(jar.len(), MAX_COOKIES_PER_DOMAIN);
}

#[test]
fn total_limit_evicts_to_3000() {
    let jar = CookieJar::new();
    let per_domain = 150;
    let mut n = 0u64;
    'outer: for d in 0.. {
        let from = url(&format!("http://d{d}.example/"));
        for i in 0..per_domain {
            let h = format!("c{i}=v");
            jar.update_cookies_from_headers_at([h.as_str()], &from, at(NOW + n));
            n += 1;
            if n as usize == MAX_COOKIES_TOTAL {
                break 'outer;
            }
        }
    }
    assert_eq!(jar.len(), MAX_COOKIES_TOTAL);
    jar.update_cookies_from_headers_at(["last=1"], &url("http://z.example/"), at(NOW + n));
    assert_eq!(jar.len(), COOKIES_TOTAL_AFTER_EVICTION);
    let left = jar.cookies_at(at(NOW + n));
    // The 301 least recently used went (all of d0 and d1, then c0 of d2);
    // the new one stayed.
    assert!(left.iter().any(|c| c.name() == "last"));
    assert!(!left
        .iter()
        .any(|c| c.domain() == "d0.example" || c.domain() == "d1.example"));
    assert!(!left
        .iter()
        .any(|c| c.domain() == "d2.example" && c.name() == "c0"));
    assert!(left
        .iter()
        .any(|c| c.domain() == "d2.example" && c.name() == "c1"));
}

#[test]
fn send_limits_150_cookies_and_8190_bytes() {
    let jar = CookieJar::new();
    let from = url("http://example.com/");
    // Two domains of 100 each, so the per-domain limit is not reached.
    for (d, domain) in ["example.com", "com"].iter().enumerate() {
        let from = url(&format!("http://h{d}.example.com/"));
        for i in 0..100 {
            let h = format!("c{d}_{i}=v; Domain={domain}");
            jar.update_cookies_from_headers_at([h.as_str()], &from, at(NOW));
        }
    }
    let sent = jar.filter_cookies_at(&from, at(NOW));
    assert_eq!(sent.len(), MAX_COOKIES_PER_REQUEST);
    assert_eq!(sent[0].0, "c0_0");

    let jar = CookieJar::new();
    let big = "x".repeat(3000);
    for i in 0..4 {
        let h = format!("b{i}={big}");
        jar.update_cookies_from_headers_at([h.as_str()], &from, at(NOW));
    }
    jar.update_cookies_from_headers_at(["small=1"], &from, at(NOW));
    let header = jar.cookie_header_at(&from, at(NOW)).unwrap();
    assert!(header.len() <= MAX_COOKIE_HEADER_LEN);
    // Two big ones fit, the others are skipped, the small one still fits.
    assert!(header.starts_with("b0=") && header.contains("; b1="));
    assert!(!header.contains("b2=") && header.ends_with("; small=1"));
}

// --- clearing, iteration ---------------------------------------------------

#[test]
fn clear_clear_with_clear_domain() {
    let jar = CookieJar::new();
    set(
        &jar,
        "http://example.com/",
        &["a=1", "b=2; Domain=example.com"],
    );
    set(&jar, "http://www.example.com/", &["c=3"]);
    set(&jar, "http://example.org/", &["d=4"]);
    jar.update_shared_cookies_at([("s", "5")], now());
    assert_eq!(jar.len(), 5);

    let mut seen = Vec::new();
    for c in &jar {
        seen.push(c.name().to_owned());
    }
    assert_eq!(seen, ["a", "b", "c", "d", "s"]);

    jar.clear_domain(".Example.com");
    assert_eq!(
        jar.cookies_at(now())
            .iter()
            .map(|c| c.name().to_owned())
            .collect::<Vec<_>>(),
        ["d", "s"]
    );
    jar.clear_with(|c| c.name() == "d");
    assert_eq!(jar.len(), 1);
    jar.clear();
    assert!(jar.is_empty());
    assert_eq!(header(&jar, "http://example.org/"), None);
}

// --- persistence -----------------------------------------------------------

fn sample_jar() -> CookieJar {
    let jar = CookieJar::builder().unsafe_hosts(true).build();
    set(
        &jar,
        "https://www.example.com/app/x",
        &[
            "host=1",
            "dom=\"q v\"; Domain=example.com; Path=/; Secure; HttpOnly; SameSite=Strict",
            "exp=3; Max-Age=3600; Partitioned; Secure",
        ],
    );
    set(&jar, "http://10.0.0.1/", &["ip=4"]);
    jar.update_shared_cookies_at([("shared", "5")], now());
    jar
}

#[test]
fn json_round_trip() {
    let jar = sample_jar();
    let json = jar.to_json();
    let copy = CookieJar::builder().unsafe_hosts(true).build();
    copy.load_json_at(&json, now()).unwrap();
    assert_eq!(copy.cookies_at(now()), jar.cookies_at(now()));
    for to in [
        "https://www.example.com/app/y",
        "https://example.com/",
        "http://10.0.0.1/",
    ] {
        assert_eq!(header(&copy, to), header(&jar, to), "{to}");
    }
    // Host-only survives the round trip.
    assert_eq!(
        header(&copy, "https://sub.www.example.com/app/"),
        Some("dom=\"q v\"; shared=5".into())
    );
    // Expiry is absolute: an hour later the cookie is gone.
    let later = CookieJar::builder().unsafe_hosts(true).build();
    later.load_json_at(&json, at(NOW + 3600)).unwrap();
    assert_eq!(later.len(), 4);
}

#[test]
fn json_load_applies_jar_rules_and_replaces() {
    let json = sample_jar().to_json();
    let strict = CookieJar::new();
    set(&strict, "http://old.example/", &["old=1"]);
    strict.load_json_at(&json, now()).unwrap();
    // The IP cookie is refused without unsafe; the old contents are replaced.
    let names: Vec<_> = strict
        .cookies_at(now())
        .iter()
        .map(|c| c.name().to_owned())
        .collect();
    assert_eq!(names, ["host", "dom", "exp", "shared"]);

    // Bad input leaves the jar unchanged.
    for bad in ["", "[]", "{\"a|\": 1}", "{\"a|\": {\"n\": {}}}", "not json"] {
        assert!(strict.load_json_at(bad, now()).is_err(), "{bad}");
        assert_eq!(strict.len(), 4);
    }
}

#[test]
fn loads_aiohttp_json() {
    // What aiohttp 3.14's CookieJar.save writes.
    let json = r#"{
  "example.com|": {
    "sid": {
      "key": "sid",
      "value": "a b",
      "coded_value": "\"a b\"",
      "path": "/",
      "domain": "example.com",
      "secure": true,
      "httponly": true,
      "samesite": "Lax",
      "host_only": true,
      "expires_timestamp": 1800000000.0
    }
  },
  "example.org|/docs": {
    "lang": {"key": "lang", "value": "en", "coded_value": "en", "path": "/docs/", "domain": "example.org"}
  },
  "|": {
    "shared": {"key": "shared", "value": "1", "coded_value": "1"}
  },
  "127.0.0.1|": {
    "ip": {"key": "ip", "value": "1", "coded_value": "1", "path": "/", "domain": "127.0.0.1", "host_only": true}
  }
}"#;
    let jar = CookieJar::new();
    jar.load_json_at(json, now()).unwrap();
    assert_eq!(jar.len(), 3);
    let cookies = jar.cookies_at(now());
    let sid = cookies.iter().find(|c| c.name() == "sid").unwrap();
    assert!(sid.host_only() && sid.secure() && sid.http_only());
    assert_eq!(sid.same_site(), Some(SameSite::Lax));
    assert_eq!(sid.expires(), Some(at(1_800_000_000)));
    assert_eq!(
        header(&jar, "https://example.com/"),
        Some("sid=\"a b\"; shared=1".into())
    );
    assert_eq!(
        header(&jar, "https://www.example.com/"),
        Some("shared=1".into())
    );
    assert_eq!(
        header(&jar, "http://a.example.org/docs/x"),
        Some("lang=en; shared=1".into())
    );
}

#[test]
fn save_load_file_round_trip() {
    let jar = sample_jar();
    let path = std::env::temp_dir().join(format!("ahttp-cookie-test-{}.json", std::process::id()));
    jar.save(&path).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let copy = CookieJar::builder().unsafe_hosts(true).build();
    copy.load_at(&path, now()).unwrap();
    assert_eq!(copy.cookies_at(now()), jar.cookies_at(now()));
    std::fs::remove_file(&path).unwrap();
    assert!(copy.load(&path).is_err());
    assert_eq!(copy.len(), 5);
}

// --- Netscape format -------------------------------------------------------

/// A file as curl -c writes it, edited by hand.
const CURL_FILE: &str = "# Netscape HTTP Cookie File\n\
# https://curl.se/docs/http-cookies.html\n\
# This file was generated by libcurl! Edit at your own risk.\n\
\n\
.example.com\tTRUE\t/\tFALSE\t0\tlang\ten\n\
#HttpOnly_www.example.com\tFALSE\t/app\tTRUE\t1800000000\tsid\tabc123\n\
www.example.com\tFALSE\t/\tFALSE\t1800000000\tempty\n\
example.org\tFALSE\t/\tFALSE\t1000\texpired\tgone\n\
# a comment line\n\
   \n\
too\tfew\tfields\n\
bad.example\tFALSE\t/\tFALSE\tsoon\tx\ty\n\
127.0.0.1\tFALSE\t/\tFALSE\t0\tip\t1\r\n\
#HttpOnly_.api.example.net\tTRUE\t/v1\tTRUE\t0\ttoken\tt=1\n";

#[test]
fn parses_curl_file() {
    let jar = CookieJar::new();
    assert_eq!(jar.load_netscape_at(CURL_FILE, now()), 4);
    let cookies = jar.cookies_at(now());
    let get = |n: &str| cookies.iter().find(|c| c.name() == n).unwrap();

    let lang = get("lang");
    assert!(!lang.host_only() && lang.domain() == "example.com" && !lang.is_persistent());
    let sid = get("sid");
    assert!(sid.host_only() && sid.http_only() && sid.secure());
    assert_eq!(sid.path(), "/app");
    assert_eq!(sid.expires(), Some(at(1_800_000_000)));
    assert_eq!(get("empty").value(), "");
    let token = get("token");
    assert!(!token.host_only() && token.http_only() && token.domain() == "api.example.net");
    assert_eq!(token.value(), "t=1");

    assert_eq!(
        header(&jar, "https://www.example.com/app/x"),
        Some("sid=abc123; lang=en; empty=\"\"".into())
    );
    assert_eq!(
        header(&jar, "http://www.example.com/app/x"),
        Some("lang=en; empty=\"\"".into())
    );

    // curl keeps cookies for IP hosts; so does a jar with unsafe_hosts.
    let curl_like = CookieJar::builder().unsafe_hosts(true).build();
    assert_eq!(curl_like.load_netscape_at(CURL_FILE, now()), 5);
    assert_eq!(header(&curl_like, "http://127.0.0.1/"), Some("ip=1".into()));
}

#[test]
fn netscape_round_trip() {
    let jar = sample_jar();
    let text = jar.to_netscape_at(now());
    assert!(text.starts_with("# Netscape HTTP Cookie File\n"));
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("# "))
        .collect();
    let exp = NOW + 3600;
    assert_eq!(
        lines,
        [
            "www.example.com\tFALSE\t/app\tFALSE\t0\thost\t1".to_string(),
            "#HttpOnly_.example.com\tTRUE\t/\tTRUE\t0\tdom\t\"q v\"".to_string(),
            format!("www.example.com\tFALSE\t/app\tTRUE\t{exp}\texp\t3"),
            "10.0.0.1\tFALSE\t/\tFALSE\t0\tip\t4".to_string(),
        ]
    );
    let copy = CookieJar::builder().unsafe_hosts(true).build();
    assert_eq!(copy.load_netscape_at(&text, now()), 4);
    for (a, b) in copy
        .cookies_at(now())
        .iter()
        .zip(jar.cookies_at(now()).iter())
    {
        assert_eq!(
            (a.name(), a.value(), a.domain(), a.path(), a.host_only()),
            (b.name(), b.value(), b.domain(), b.path(), b.host_only())
        );
        assert_eq!(
            (a.secure(), a.http_only(), a.expires()),
            (b.secure(), b.http_only(), b.expires())
        );
    }
    // And the curl file survives a write and re-read.
    let jar = CookieJar::builder().unsafe_hosts(true).build();
    jar.load_netscape_at(CURL_FILE, now());
    let again = CookieJar::builder().unsafe_hosts(true).build();
    assert_eq!(again.load_netscape_at(&jar.to_netscape_at(now()), now()), 5);
    assert_eq!(again.to_netscape_at(now()), jar.to_netscape_at(now()));
}

// --- trait objects -----------------------------------------------------------

#[test]
fn trait_objects() {
    let to = url("https://example.com/");
    let jars: [Arc<dyn AbstractCookieJar + Send + Sync>; 2] =
        [Arc::new(CookieJar::new()), Arc::new(DummyCookieJar::new())];
    for jar in &jars {
        jar.update_cookies_from_headers_at(
            &[b"a=1; Secure".as_slice(), b"b=\xff".as_slice()],
            &to,
            now(),
        );
        jar.update_cookies_at(&[("c", "3")], &to, now());
        jar.update_shared_cookies_at(&[("d", "4")], now());
    }
    let real = &jars[0];
    assert_eq!(real.len(), 4);
    assert_eq!(
        real.cookie_header_at(&to, now()),
        Some("a=1; b=\"\u{fffd}\"; c=3; d=4".into())
    );
    assert!(real.quote_cookie() && !real.unsafe_hosts());
    real.clear_with(&mut |c: &ahttp::cookie::Cookie| c.name() == "a");
    real.clear_domain("example.com");
    assert_eq!(real.cookies_at(now()).len(), 1);
    real.clear();
    assert!(real.is_empty());

    let dummy = &jars[1];
    assert!(dummy.is_empty());
    assert!(dummy.filter_cookies_at(&to, now()).is_empty());
    assert_eq!(dummy.cookie_header(&to), None);
    assert!(dummy.cookies_at(now()).is_empty());
    // Debug is required by the trait (the session prints its jar).
    assert!(format!("{real:?}").contains("CookieJar"));
}
