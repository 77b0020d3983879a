//! Who is asking, when sigap runs behind a reverse proxy.
//!
//! Behind nginx every connection comes from the proxy, so the public rate limit, the
//! login throttle and the audit log would see one address for the whole city. The
//! proxy says who its client was in `X-Forwarded-For`, but any client can send that
//! header too: it is believed only when the connection comes from an address listed
//! in `[server] trusted_proxies`, and then only as far as the chain of trusted
//! proxies reaches. [`client_address`] is that rule; the HTTP layer only feeds it the
//! socket peer and the header values.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

/// An address block, `10.0.0.0/8` or `fd00::/8`; a bare address is a block of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

/// Why an entry of `trusted_proxies` is not an address block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CidrError {
    /// Not an IP address: write `127.0.0.1`, `10.0.0.0/8` or `fd00::/8`.
    #[error("{0:?} is not an IP address or block (write 127.0.0.1, 10.0.0.0/8 or fd00::/8)")]
    Address(String),
    /// The prefix is longer than the address (32 for IPv4, 128 for IPv6).
    #[error("{0:?}: the prefix after / must be at most 32 (IPv4) or 128 (IPv6)")]
    Prefix(String),
}

impl Cidr {
    /// Whether `ip` lies in the block (IPv4-mapped IPv6 addresses count as IPv4).
    #[must_use]
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(s: &str) -> Result<Self, CidrError> {
        let (addr, prefix) = s
            .trim()
            .split_once('/')
            .map_or((s.trim(), None), |(a, p)| (a, Some(p)));
        let network = addr
            .parse::<IpAddr>()
            .map_err(|_| CidrError::Address(s.to_owned()))?
            .to_canonical();
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| CidrError::Prefix(s.to_owned()))?,
        };
        Ok(Self { network, prefix })
    }
}

impl TryFrom<String> for Cidr {
    type Error = CidrError;

    fn try_from(s: String) -> Result<Self, CidrError> {
        s.parse()
    }
}

impl From<Cidr> for String {
    fn from(c: Cidr) -> Self {
        c.to_string()
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// Whether `ip` is one of the trusted proxies.
#[must_use]
pub fn is_trusted(trusted: &[Cidr], ip: IpAddr) -> bool {
    trusted.iter().any(|c| c.contains(ip))
}

/// The client's address: the socket `peer` itself, unless the peer is a trusted
/// proxy; then the right-most address of `X-Forwarded-For` that is not a trusted
/// proxy (each proxy appends the address it was connected from, so everything left
/// of the first untrusted hop was written by the client and is ignored).
///
/// `forwarded_for` holds the header's values in the order they arrived (several
/// header lines read as one list). A malformed entry ends the walk at the last
/// address known to be genuine; a chain of trusted proxies only yields the
/// left-most of them.
#[must_use]
pub fn client_address<'a>(
    peer: IpAddr,
    forwarded_for: impl IntoIterator<Item = &'a str>,
    trusted: &[Cidr],
) -> IpAddr {
    let mut client = peer.to_canonical();
    if !is_trusted(trusted, client) {
        return client;
    }
    let hops: Vec<&str> = forwarded_for
        .into_iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for hop in hops.into_iter().rev() {
        let Some(ip) = parse_hop(hop) else {
            return client;
        };
        client = ip;
        if !is_trusted(trusted, ip) {
            return ip;
        }
    }
    client
}

/// The `for=` nodes of `Forwarded` header values (RFC 7239), in order, as
/// `X-Forwarded-For` would list them: `for=192.0.2.60` gives `192.0.2.60`,
/// `for="[2001:db8::1]:4711"` gives `[2001:db8::1]:4711`. An element without `for=`
/// gives an empty entry and `for=unknown` or an obfuscated `for=_hidden` their text:
/// neither is an address, so [`client_address`] stops there.
#[must_use]
pub fn forwarded_nodes<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    values
        .into_iter()
        .flat_map(|v| v.split(','))
        .map(|element| {
            element
                .split(';')
                .filter_map(|pair| pair.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                .map(|(_, v)| v.trim().trim_matches('"').to_owned())
                .unwrap_or_default()
        })
        .collect()
}

/// One `X-Forwarded-For` entry: an address, perhaps with a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// Whether the request reached the proxy over HTTPS: `X-Forwarded-Proto: https`
/// from a trusted peer (the right-most value, the one the nearest proxy set).
#[must_use]
pub fn forwarded_https(peer: IpAddr, forwarded_proto: Option<&str>, trusted: &[Cidr]) -> bool {
    is_trusted(trusted, peer)
        && forwarded_proto
            .and_then(|p| p.rsplit(',').next())
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<Cidr> {
        list.iter().map(|s| s.parse().expect("cidr")).collect()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn blocks_parse_and_match() {
        let ten = nets(&["10.0.0.0/8"])[0];
        assert!(ten.contains(ip("10.255.1.2")));
        assert!(!ten.contains(ip("11.0.0.1")));
        assert!(ten.contains(ip("::ffff:10.1.2.3")), "IPv4-mapped IPv6");
        let one = nets(&["127.0.0.1"])[0];
        assert!(one.contains(ip("127.0.0.1")) && !one.contains(ip("127.0.0.2")));
        assert!(nets(&["0.0.0.0/0"])[0].contains(ip("8.8.8.8")));
        assert!(nets(&["fd00::/8"])[0].contains(ip("fd12::1")));
        assert!(!nets(&["fd00::/8"])[0].contains(ip("10.0.0.1")));
        assert_eq!(one.to_string(), "127.0.0.1/32");
        assert!(matches!(
            "10.0.0.0/33".parse::<Cidr>(),
            Err(CidrError::Prefix(_))
        ));
        assert!(matches!(
            "proxy.local".parse::<Cidr>(),
            Err(CidrError::Address(_))
        ));
    }

    #[test]
    fn spoofed_headers_from_an_untrusted_peer_are_ignored() {
        let trusted = nets(&["127.0.0.1"]);
        let peer = ip("203.0.113.7");
        assert_eq!(client_address(peer, ["1.1.1.1"], &trusted), peer);
        // Nobody is trusted by default: even the loopback proxy's header is ignored.
        assert_eq!(
            client_address(ip("127.0.0.1"), ["1.1.1.1"], &[]),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn a_trusted_proxy_names_its_client() {
        let trusted = nets(&["127.0.0.1"]);
        let proxy = ip("127.0.0.1");
        assert_eq!(
            client_address(proxy, ["198.51.100.4"], &trusted),
            ip("198.51.100.4")
        );
        // The client sent its own X-Forwarded-For; nginx appended the real address.
        assert_eq!(
            client_address(proxy, ["6.6.6.6, 198.51.100.4"], &trusted),
            ip("198.51.100.4")
        );
        // No header: the proxy is the client (a health check on the proxy host).
        assert_eq!(client_address(proxy, [], &trusted), proxy);
    }

    #[test]
    fn a_chain_of_proxies_is_walked_from_the_right() {
        // Client -> CDN (203.0.113.9, not ours) -> load balancer 10.0.0.2 -> nginx 127.0.0.1.
        let trusted = nets(&["127.0.0.1", "10.0.0.0/8"]);
        let proxy = ip("127.0.0.1");
        let xff = ["6.6.6.6, 198.51.100.4", "203.0.113.9, 10.0.0.2"];
        assert_eq!(client_address(proxy, xff, &trusted), ip("203.0.113.9"));
        // Only trusted hops: the left-most of them.
        assert_eq!(
            client_address(proxy, ["10.0.0.3, 10.0.0.2"], &trusted),
            ip("10.0.0.3")
        );
        // Garbage stops the walk at the last genuine hop.
        assert_eq!(
            client_address(proxy, ["198.51.100.4, bogus, 10.0.0.2"], &trusted),
            ip("10.0.0.2")
        );
        // Ports and IPv6 in brackets.
        assert_eq!(
            client_address(proxy, ["[2001:db8::1]:4711, 10.0.0.2:80"], &trusted),
            ip("2001:db8::1")
        );
    }

    #[test]
    fn forwarded_nodes_read_like_x_forwarded_for() {
        let nodes = forwarded_nodes([
            "for=6.6.6.6;proto=https, For=\"[2001:db8::1]:4711\"",
            "by=10.0.0.2;for=198.51.100.4",
        ]);
        assert_eq!(nodes, ["6.6.6.6", "[2001:db8::1]:4711", "198.51.100.4"]);
        let trusted = nets(&["127.0.0.1"]);
        let hops = nodes.iter().map(String::as_str);
        assert_eq!(
            client_address(ip("127.0.0.1"), hops, &trusted),
            ip("198.51.100.4")
        );
        // An unknown or hidden node is not an address: the walk stops before it.
        let nodes = forwarded_nodes(["for=6.6.6.6, for=_hidden, for=127.0.0.1"]);
        let hops = nodes.iter().map(String::as_str);
        assert_eq!(
            client_address(ip("127.0.0.1"), hops, &trusted),
            ip("127.0.0.1")
        );
        assert_eq!(forwarded_nodes(["proto=https"]), [""]);
    }

    #[test]
    fn the_scheme_is_believed_only_from_a_trusted_peer() {
        let trusted = nets(&["127.0.0.1"]);
        assert!(forwarded_https(ip("127.0.0.1"), Some("https"), &trusted));
        assert!(!forwarded_https(ip("127.0.0.1"), Some("http"), &trusted));
        assert!(!forwarded_https(ip("192.0.2.1"), Some("https"), &trusted));
        assert!(forwarded_https(
            ip("127.0.0.1"),
            Some("http, https"),
            &trusted
        ));
    }
}
