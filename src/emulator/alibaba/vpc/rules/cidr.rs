//! IPv4 CIDR blocks: parsing, containment and overlap, for the VPC and VSwitch checks.

use std::fmt;
use std::net::Ipv4Addr;

/// An IPv4 block `a.b.c.d/n` whose host bits are zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    /// The network address.
    pub network: u32,
    /// The prefix length, 0..=32.
    pub prefix: u8,
}

impl Cidr {
    /// Parses `a.b.c.d/n`; `None` when malformed or when host bits are set.
    pub fn parse(text: &str) -> Option<Self> {
        let (addr, prefix) = text.trim().split_once('/')?;
        let addr: Ipv4Addr = addr.parse().ok()?;
        let prefix: u8 = prefix.parse().ok().filter(|p| *p <= 32)?;
        let network = u32::from(addr);
        let cidr = Self { network, prefix };
        (network & cidr.mask() == network).then_some(cidr)
    }

    fn mask(self) -> u32 {
        match self.prefix {
            0 => 0,
            p => u32::MAX << (32 - u32::from(p)),
        }
    }

    fn last(self) -> u32 {
        self.network | !self.mask()
    }

    /// Whether `other` lies inside this block.
    pub fn contains(self, other: Cidr) -> bool {
        other.prefix >= self.prefix && other.network & self.mask() == self.network
    }

    /// Whether an address lies inside this block.
    pub fn contains_addr(self, addr: Ipv4Addr) -> bool {
        u32::from(addr) & self.mask() == self.network
    }

    /// Whether the two blocks share an address.
    pub fn overlaps(self, other: Cidr) -> bool {
        self.network <= other.last() && other.network <= self.last()
    }

    /// Addresses in the block.
    pub fn size(self) -> u64 {
        1u64 << (32 - u32::from(self.prefix))
    }

    /// The `n`-th address of the block (0 is the network address).
    pub fn nth(self, n: u32) -> Ipv4Addr {
        Ipv4Addr::from(self.network.wrapping_add(n))
    }

    /// Whether the block is inside one of the private ranges (10/8, 172.16/12, 192.168/16).
    pub fn is_private(self) -> bool {
        ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
            .iter()
            .filter_map(|r| Cidr::parse(r))
            .any(|r| r.contains(self))
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", Ipv4Addr::from(self.network), self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(text: &str) -> Cidr {
        Cidr::parse(text).unwrap_or_else(|| panic!("{text} parses"))
    }

    #[test]
    fn blocks_parse_contain_and_overlap() {
        assert!(Cidr::parse("192.168.1.0/24").is_some());
        assert!(Cidr::parse("192.168.1.1/24").is_none(), "host bits set");
        assert!(Cidr::parse("192.168.1.0/33").is_none());
        assert!(Cidr::parse("nope").is_none());
        assert!(c("192.168.0.0/16").contains(c("192.168.3.0/24")));
        assert!(!c("192.168.0.0/16").contains(c("172.16.0.0/24")));
        assert!(c("192.168.0.0/20").overlaps(c("192.168.15.0/24")));
        assert!(!c("192.168.0.0/20").overlaps(c("192.168.16.0/24")));
        assert_eq!(c("192.168.1.0/24").size(), 256);
        assert_eq!(c("192.168.1.0/24").nth(5).to_string(), "192.168.1.5");
        assert!(c("172.20.0.0/16").is_private() && !c("8.8.0.0/16").is_private());
        assert_eq!(c("10.0.0.0/8").to_string(), "10.0.0.0/8");
    }
}
