//! OOS's rules: [`start_parameters`] (the installer's `Parameters`),
//! [`package_parameters`] (a package's installation parameters against its declared
//! `Content.Parameters`) and [`outcome`] (how each instance's task will end).

pub mod outcome;
pub mod package_parameters;
pub mod start_parameters;
