//! Security groups and their rules, as ECS keeps them.

use serde::Serialize;
use time::OffsetDateTime;

use crate::emulator::core::clock::ser;

/// Which traffic a rule lets through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Inbound (`AuthorizeSecurityGroup`).
    Ingress,
    /// Outbound (`AuthorizeSecurityGroupEgress`).
    Egress,
}

impl Direction {
    /// `ingress` or `egress`, as `DescribeSecurityGroupAttribute` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ingress => "ingress",
            Self::Egress => "egress",
        }
    }
}

/// One rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SecurityGroupRule {
    /// `sgr-...`.
    pub id: String,
    /// Inbound or outbound.
    pub direction: Direction,
    /// `TCP`, `UDP`, `ICMP`, `GRE` or `ALL` (upper case, as ECS answers).
    pub ip_protocol: String,
    /// `22/22`, `-1/-1`.
    pub port_range: String,
    /// The source (ingress) or destination (egress) CIDR.
    pub cidr: String,
    /// `Accept` or `Drop`.
    pub policy: String,
    /// 1 (highest) to 100.
    pub priority: u32,
    /// Free text.
    pub description: String,
    /// When it was added.
    #[serde(serialize_with = "ser::time")]
    pub created: OffsetDateTime,
}

impl SecurityGroupRule {
    /// Whether two rules allow the same traffic (adding the same rule twice is a no-op).
    pub fn same_as(&self, other: &Self) -> bool {
        self.direction == other.direction
            && self.ip_protocol == other.ip_protocol
            && self.port_range == other.port_range
            && self.cidr == other.cidr
            && self.policy == other.policy
            && self.priority == other.priority
    }
}

/// A security group.
#[derive(Debug, Clone, Serialize)]
pub struct SecurityGroup {
    /// `sg-...`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// The VPC it belongs to.
    pub vpc_id: String,
    /// `normal` or `enterprise`.
    pub group_type: String,
    /// Creation time.
    #[serde(serialize_with = "ser::time")]
    pub created: OffsetDateTime,
    /// Tags `(key, value)`.
    pub tags: Vec<(String, String)>,
    /// Rules, in the order they were added.
    pub rules: Vec<SecurityGroupRule>,
    /// Whether the demo seed made it.
    pub seeded: bool,
}
