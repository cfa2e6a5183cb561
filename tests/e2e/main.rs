//! End-to-end scenarios: the real `skillgate` binary, spawned as an MCP server over stdio and over
//! streamable HTTP, talking to a standalone `skillgate emulator` process with real signing. Every
//! scenario checks the emulator's state through its admin API and the server's audit log, and every
//! harness proves at the end that no credential leaked into results, errors, stderr or the audit log.

mod audit;
mod autodl;
mod common;
mod compute;
mod compute_ack;
mod compute_dlc;
mod compute_fc;
mod compute_infra;
mod crash;
mod economy;
mod ecs_extension;
mod faults;
mod gate;
mod http_resume;
mod human;
mod modelarts;
mod modelarts_core_more;
mod modelarts_inference;
mod modelarts_infra;
mod modelarts_lite;
mod modelarts_nb_np;
mod modelarts_pools_mgmt;
mod recovery;
mod refusals;
mod secrets;
mod soak;
mod steps;
mod sweep;
mod workflows;
