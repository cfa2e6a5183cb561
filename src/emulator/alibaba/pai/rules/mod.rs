//! PAI Studio's business rules, testable without HTTP: quota creation, scaling, update and
//! deletion ([`quota_rules`], [`quota_checks`], [`quota_config`]), machine capacity across
//! the quota tree ([`capacity`]), resource-group homogeneity ([`homogeneity`]) and usage
//! ([`usage`]).

pub mod capacity;
pub mod homogeneity;
pub mod quota_checks;
pub mod quota_config;
pub mod quota_rules;
pub mod usage;

#[cfg(test)]
mod quota_rules_tests;
