//! What ECS sells, as static data: [`instance_types`] (families, types, list rates),
//! [`zones`] (the zones of each region and the GPU types each offers) and [`images`]
//! (public images by family). What is left in stock and what a price comes to are rules
//! over this data and the account's state (`rules::stock`, `rules::pricing`).

pub mod images;
pub mod instance_types;
pub mod zones;
