//! The demo account's seeded ids and names (`skillgate emulator` seeds them on every start).

pub use skillgate::emulator::alibaba::seed::*;

/// The seeded resource group names.
pub const RG_TRAIN_A10_NAME: &str = "train-a10";
/// `train-a10-extra`.
pub const RG_TRAIN_A10_EXTRA_NAME: &str = "train-a10-extra";
/// `a10-isolated-vpc`.
pub const RG_ISOLATED_VPC_NAME: &str = "a10-isolated-vpc";
/// `lingjun-gu108`.
pub const RG_LINGJUN_NAME: &str = "lingjun-gu108";
