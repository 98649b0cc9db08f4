//! Which proxy a URL goes through, by curl's rules (not aiohttp's).
//!
//! - `-x URL` is used for every URL; `-x ""` turns proxies off, the
//!   environment included.
//! - Otherwise the environment: `http_proxy` (lower case only: curl
//!   ignores `HTTP_PROXY`, a CGI hazard) for http URLs; `https_proxy` or
//!   `HTTPS_PROXY` for https; `all_proxy` or `ALL_PROXY` for both when the
//!   scheme's own variable is unset.
//! - `--noproxy LIST`, else `no_proxy` or `NO_PROXY`, exempts hosts: `*`
//!   exempts all; a name exempts itself and its subdomains (a leading dot
//!   is ignored); an IP address or CIDR network exempts those addresses.
//! - A proxy given without a scheme is `http://`.

use std::net::IpAddr;
use url::Url;

/// The proxy settings of one run.
#[derive(Debug, Clone, Default)]
pub struct ProxyConfig {
    /// `-x`: `Some("")` means no proxy at all.
    pub explicit: Option<String>,
    /// `http_proxy`.
    pub http: Option<String>,
    /// `https_proxy` / `HTTPS_PROXY`.
    pub https: Option<String>,
    /// `all_proxy` / `ALL_PROXY`.
    pub all: Option<String>,
    /// `--noproxy` or `no_proxy` / `NO_PROXY`.
    pub no_proxy: Option<String>,
}

impl ProxyConfig {
    /// From `-x`, `--noproxy` and the variables that `lookup` returns.
    pub fn new(
        explicit: Option<&str>,
        noproxy: Option<&str>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Self {
        let get = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| lookup(n))
                .filter(|v| !v.trim().is_empty())
        };
        ProxyConfig {
            explicit: explicit.map(str::to_owned),
            http: get(&["http_proxy"]),
            https: get(&["https_proxy", "HTTPS_PROXY"]),
            all: get(&["all_proxy", "ALL_PROXY"]),
            no_proxy: noproxy
                .map(str::to_owned)
                .or_else(|| lookup("no_proxy").or_else(|| lookup("NO_PROXY"))),
        }
    }

    /// The proxy URL for `url` (with `http://` added when it has no
    /// scheme), or `None` to connect directly.
    pub fn proxy_for(&self, url: &Url) -> Option<String> {
        let chosen = match &self.explicit {
            Some(p) if p.is_empty() => return None,
            Some(p) => p.clone(),
            None => match url.scheme() {
                "http" | "ws" => self.http.clone().or_else(|| self.all.clone())?,
                "https" | "wss" => self.https.clone().or_else(|| self.all.clone())?,
                _ => return None,
            },
        };
        let host = url.host_str()?;
        if let Some(list) = &self.no_proxy {
            if no_proxy_matches(list, host) {
                return None;
            }
        }
        Some(with_scheme(&chosen))
    }
}

/// `host:port` becomes `http://host:port`.
pub fn with_scheme(proxy: &str) -> String {
    if proxy.contains("://") {
        proxy.to_owned()
    } else {
        format!("http://{proxy}")
    }
}

/// Whether a curl no-proxy list exempts `host`.
pub fn no_proxy_matches(list: &str, host: &str) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let host = host.trim_end_matches('.');
    let host_ip: Option<IpAddr> = host.parse().ok();
    list.split([',', ' '])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            let entry = entry.trim_start_matches('[').trim_end_matches(']');
            if let Some(ip) = host_ip {
                let (net, bits) = match entry.split_once('/') {
                    Some((n, b)) => (n, b.parse::<u8>().ok()),
                    None => (entry, None),
                };
                return match net.parse::<IpAddr>() {
                    Ok(net) => in_network(ip, net, bits),
                    Err(_) => false,
                };
            }
            let entry = entry.trim_start_matches('.').to_ascii_lowercase();
            let entry = entry.trim_end_matches('.');
            !entry.is_empty()
                && (host == entry
                    || (host.len() > entry.len()
                        && host.ends_with(entry)
                        && host.as_bytes()[host.len() - entry.len() - 1] == b'.'))
        })
}

fn in_network(addr: IpAddr, net: IpAddr, bits: Option<u8>) -> bool {
    match (addr, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let bits = u32::from(bits.unwrap_or(32).min(32));
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let bits = u32::from(bits.unwrap_or(128).min(128));
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn upper_case_http_proxy_is_ignored_as_curl_does() {
        let c = ProxyConfig::new(None, None, env(&[("HTTP_PROXY", "p:1")]));
        assert_eq!(c.proxy_for(&url("http://a/")), None);
        let c = ProxyConfig::new(None, None, env(&[("http_proxy", "p:1")]));
        assert_eq!(
            c.proxy_for(&url("http://a/")).as_deref(),
            Some("http://p:1")
        );
    }

    #[test]
    fn https_proxy_in_either_case_and_all_proxy() {
        let c = ProxyConfig::new(None, None, env(&[("HTTPS_PROXY", "http://p:2")]));
        assert_eq!(
            c.proxy_for(&url("https://a/")).as_deref(),
            Some("http://p:2")
        );
        assert_eq!(c.proxy_for(&url("http://a/")), None);
        let c = ProxyConfig::new(None, None, env(&[("ALL_PROXY", "http://q:3")]));
        assert_eq!(
            c.proxy_for(&url("http://a/")).as_deref(),
            Some("http://q:3")
        );
    }

    #[test]
    fn no_proxy_rules() {
        assert!(no_proxy_matches("*", "x"));
        assert!(no_proxy_matches("example.com", "www.example.com"));
        assert!(no_proxy_matches(".example.com", "example.com"));
        assert!(!no_proxy_matches("example.com", "badexample.com"));
        assert!(no_proxy_matches("10.0.0.0/8", "10.1.2.3"));
        assert!(no_proxy_matches("127.0.0.1", "127.0.0.1"));
        assert!(!no_proxy_matches("127.0.0.2", "127.0.0.1"));
        assert!(no_proxy_matches("::1", "[::1]"));
        let c = ProxyConfig::new(Some("p:1"), Some("a.test"), env(&[("no_proxy", "b.test")]));
        assert_eq!(c.proxy_for(&url("http://a.test/")), None);
        assert!(c.proxy_for(&url("http://b.test/")).is_some());
        let c = ProxyConfig::new(Some(""), None, env(&[("http_proxy", "p:1")]));
        assert_eq!(c.proxy_for(&url("http://a/")), None);
    }
}
