//! The emulator over real HTTP with real signatures, in one test binary: [`support`] (a
//! tiny ACS3 client built only from `skillgate::signing`), [`routes`] (authentication,
//! routing, read routes), [`quotas`] (PAI Studio mutating routes), [`workspaces`]
//! (AIWorkSpace) and [`admin`] (the admin API and faults).

mod admin;
mod quotas;
mod routes;
mod support;
mod workspaces;
