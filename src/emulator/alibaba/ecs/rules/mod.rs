//! ECS's rules: [`command_output`] (what a Cloud Assistant command reports on an
//! instance, synthesised: nothing is ever run) and [`region`] (the region a call names).

pub mod command_output;
pub mod region;
