//! The emulator over real HTTP with real signatures, in one test binary: [`support`] (a
//! tiny ACS3 client built only from `skillgate::signing`), [`routes`] (authentication,
//! routing, read routes), [`quotas`] (PAI Studio mutating routes), [`workspaces`]
//! (AIWorkSpace), [`admin`] (the admin API and faults) and [`seam`] (route table, startup
//! line, dispatch by host, faults by provider, lifecycle modes), [`autodl`] (the AutoDL front
//! over plain HTTP).

mod admin;
mod autodl;
mod quotas;
mod routes;
mod seam;
mod support;
mod workspaces;
