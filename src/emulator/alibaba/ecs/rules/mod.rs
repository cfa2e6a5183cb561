//! ECS's rules: [`command_output`] (what a Cloud Assistant command reports on an
//! instance, synthesised: nothing is ever run), [`region`] (the region a call names),
//! [`stock`] (what is left per zone and type), [`pricing`] (what a resource costs) and
//! [`token`] (ClientToken).

pub mod command_output;
pub mod pricing;
pub mod region;
pub mod stock;
pub mod token;
