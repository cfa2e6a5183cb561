//! The emulator over real HTTP with real signatures, in one test binary: [`support`] (a
//! tiny ACS3 client built only from `skillgate::signing`), [`routes`] (authentication,
//! routing, read routes), [`quotas`] (PAI Studio mutating routes), [`workspaces`]
//! (AIWorkSpace), [`oos`] and [`ecs`] (the RPC services of the ECS extension workflow and of compute provisioning), [`vpc`]
//! (VPC and STS),
//! [`admin`] (the admin API and faults), [`seam`] (route table, startup line, dispatch by host,
//! faults by provider, lifecycle modes) and [`autodl`] (the AutoDL front over plain HTTP).

mod admin;
mod autodl;
mod cs;
mod dlc;
mod ecs;
mod fc;
mod huawei;
mod huawei_inference;
mod huawei_infra;
mod huawei_lite;
mod huawei_obs;
mod huawei_pools_mgmt;
mod oos;
mod quotas;
mod routes;
mod seam;
mod support;
mod vpc;
mod workspaces;
