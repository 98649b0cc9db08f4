//! `trust_env`: proxies from the environment, `NO_PROXY`, and `.netrc`
//! credentials, as aiohttp reads them (and https:// proxies too, which
//! aiohttp ignores with a warning).

use std::net::IpAddr;
use url::Url;

/// The proxy settings of an environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct EnvProxies {
    http: Option<String>,
    https: Option<String>,
    ws: Option<String>,
    wss: Option<String>,
    no_proxy: Vec<NoProxyRule>,
}

/// One `NO_PROXY` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
enum NoProxyRule {
    /// `*`: no proxy for anything.
    All,
    /// A host name: itself and its subdomains (a leading dot is optional).
    Domain(String),
    /// An IP address.
    Ip(IpAddr),
    /// An IP network, `10.0.0.0/8`.
    Cidr(IpAddr, u8),
}

impl EnvProxies {
    /// Reads the process environment. Lower-case names win over upper-case
    /// ones, as in Python's `urllib.request.getproxies`.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| {
            lookup(&name.to_ascii_lowercase())
                .or_else(|| lookup(&name.to_ascii_uppercase()))
                .filter(|v| !v.trim().is_empty())
        };
        EnvProxies {
            http: get("http_proxy"),
            https: get("https_proxy"),
            ws: get("ws_proxy"),
            wss: get("wss_proxy"),
            no_proxy: get("no_proxy")
                .map(|v| parse_no_proxy(&v))
                .unwrap_or_default(),
        }
    }

    /// The proxy URL for `url`, unless `NO_PROXY` exempts its host.
    pub fn proxy_for(&self, url: &Url) -> Option<&str> {
        let proxy = match url.scheme() {
            "http" => self.http.as_deref(),
            "https" => self.https.as_deref(),
            "ws" => self.ws.as_deref().or(self.http.as_deref()),
            "wss" => self.wss.as_deref().or(self.https.as_deref()),
            _ => None,
        }?;
        let host = url
            .host_str()?
            .trim_start_matches('[')
            .trim_end_matches(']');
        if self.no_proxy.iter().any(|rule| rule.matches(host)) {
            return None;
        }
        Some(proxy)
    }
}

fn parse_no_proxy(value: &str) -> Vec<NoProxyRule> {
    value
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|entry| {
            if entry == "*" {
                return NoProxyRule::All;
            }
            if let Some((net, bits)) = entry.split_once('/') {
                if let (Ok(ip), Ok(bits)) = (net.parse::<IpAddr>(), bits.parse::<u8>()) {
                    return NoProxyRule::Cidr(ip, bits);
                }
            }
            let bare = entry.trim_start_matches('[').trim_end_matches(']');
            match bare.parse::<IpAddr>() {
                Ok(ip) => NoProxyRule::Ip(ip),
                // "example.com:8080" names a host; the port is not checked.
                Err(_) => NoProxyRule::Domain(
                    entry
                        .trim_start_matches('.')
                        .split(':')
                        .next()
                        .unwrap_or("")
                        .to_ascii_lowercase(),
                ),
            }
        })
        .collect()
}

impl NoProxyRule {
    fn matches(&self, host: &str) -> bool {
        match self {
            NoProxyRule::All => true,
            NoProxyRule::Domain(domain) => {
                let host = host.to_ascii_lowercase();
                host == *domain || host.ends_with(&format!(".{domain}"))
            }
            NoProxyRule::Ip(ip) => host.parse::<IpAddr>().is_ok_and(|h| h == *ip),
            NoProxyRule::Cidr(net, bits) => host
                .parse::<IpAddr>()
                .is_ok_and(|h| in_network(h, *net, *bits)),
        }
    }
}

fn in_network(addr: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (addr, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let bits = u32::from(bits.min(32));
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let bits = u32::from(bits.min(128));
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// Credentials from a `.netrc` file: (login, password) for `host`, or the
/// `default` entry. The file is `$NETRC`, else `~/.netrc`.
pub(crate) fn netrc_credentials(host: &str) -> Option<(String, String)> {
    let path = std::env::var_os("NETRC")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".netrc")))?;
    let text = std::fs::read_to_string(path).ok()?;
    parse_netrc(&text, host)
}

/// Looks `host` up in netrc text (`machine`, `login`, `password`,
/// `default`; `macdef` blocks are skipped).
pub(crate) fn parse_netrc(text: &str, host: &str) -> Option<(String, String)> {
    let mut tokens = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .flat_map(str::split_whitespace);
    let mut found: Option<(String, String)> = None;
    let mut default: Option<(String, String)> = None;
    let (mut current, mut login, mut password): (Option<String>, Option<String>, Option<String>) =
        (None, None, None);
    let mut flush = |current: &mut Option<String>,
                     login: &mut Option<String>,
                     password: &mut Option<String>| {
        if let Some(machine) = current.take() {
            let creds = (
                login.take().unwrap_or_default(),
                password.take().unwrap_or_default(),
            );
            if machine == "\u{0}default" {
                default.get_or_insert(creds);
            } else if machine.eq_ignore_ascii_case(host) && found.is_none() {
                found = Some(creds);
            }
        }
        *login = None;
        *password = None;
    };
    while let Some(token) = tokens.next() {
        match token {
            "machine" => {
                flush(&mut current, &mut login, &mut password);
                current = tokens.next().map(str::to_owned);
            }
            "default" => {
                flush(&mut current, &mut login, &mut password);
                current = Some("\u{0}default".to_owned());
            }
            "login" => login = tokens.next().map(str::to_owned),
            "password" => password = tokens.next().map(str::to_owned),
            "account" | "macdef" => {
                tokens.next();
            }
            _ => {}
        }
    }
    flush(&mut current, &mut login, &mut password);
    found.or(default)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> EnvProxies {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        EnvProxies::from_lookup(|name| map.get(name).cloned())
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn proxies_by_scheme_any_case_lower_wins() {
        let e = env(&[
            ("HTTP_PROXY", "http://upper:1"),
            ("http_proxy", "http://lower:2"),
            ("HTTPS_PROXY", "https://tls-proxy:3"),
        ]);
        assert_eq!(
            e.proxy_for(&url("http://a.example/")),
            Some("http://lower:2")
        );
        assert_eq!(
            e.proxy_for(&url("https://a.example/")),
            Some("https://tls-proxy:3"),
            "https:// proxies are kept"
        );
        assert_eq!(e.proxy_for(&url("ws://a.example/")), Some("http://lower:2"));
        assert_eq!(
            e.proxy_for(&url("wss://a.example/")),
            Some("https://tls-proxy:3")
        );
        let e = env(&[("WS_PROXY", "http://w:1"), ("WSS_PROXY", "http://ws:2")]);
        assert_eq!(e.proxy_for(&url("ws://a/")), Some("http://w:1"));
        assert_eq!(e.proxy_for(&url("wss://a/")), Some("http://ws:2"));
        assert_eq!(e.proxy_for(&url("http://a/")), None);
    }

    #[test]
    fn no_proxy_domains_ips_and_networks() {
        let e = env(&[
            ("http_proxy", "http://p:1"),
            (
                "NO_PROXY",
                ".internal.example, localhost,10.0.0.0/8, 192.168.1.5 ,[::1],fd00::/8",
            ),
        ]);
        for exempt in [
            "http://internal.example/",
            "http://a.b.internal.example/",
            "http://LOCALHOST:8080/",
            "http://10.2.3.4/",
            "http://192.168.1.5/",
            "http://[::1]/",
            "http://[fd00::7]/",
        ] {
            assert_eq!(e.proxy_for(&url(exempt)), None, "{exempt}");
        }
        for proxied in [
            "http://notinternal.example/",
            "http://11.0.0.1/",
            "http://192.168.1.6/",
            "http://example.com/",
            "http://[fe80::1]/",
        ] {
            assert_eq!(e.proxy_for(&url(proxied)), Some("http://p:1"), "{proxied}");
        }
        let all = env(&[("http_proxy", "http://p:1"), ("no_proxy", "*")]);
        assert_eq!(all.proxy_for(&url("http://x/")), None);
    }

    #[test]
    fn netrc_machine_default_and_comments() {
        let text = "# comment\nmachine proxy.example login pu password pp\nmachine api.example\n  login au\n  password ap\ndefault login du password dp\n";
        assert_eq!(
            parse_netrc(text, "proxy.example"),
            Some(("pu".into(), "pp".into()))
        );
        assert_eq!(
            parse_netrc(text, "API.example"),
            Some(("au".into(), "ap".into()))
        );
        assert_eq!(parse_netrc(text, "other"), Some(("du".into(), "dp".into())));
        assert_eq!(parse_netrc("machine a login x password y", "b"), None);
    }
}
