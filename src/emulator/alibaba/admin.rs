//! Alibaba's own admin routes under `/_emulator/alibaba/` (the core serves
//! `/_emulator/alibaba/forbid` for every provider):
//!
//! | method | path | body | answer |
//! |---|---|---|---|
//! | POST | `/_emulator/alibaba/workloads` | `{quota_id, workspace_id, user_id, user_name, gpu, cpu, memory, status, access_key_id?, region?, ...}` | the workload |
//! | POST | `/_emulator/alibaba/ecs/stock`, `ecs/price`, `ecs/quota` | see `ecs::admin` | what was set |
//! | POST | `/_emulator/alibaba/aiworkspace/clear` | `{access_key_id?, region?}` | `{region, removed}`: the account's PAI workspaces in the region are gone (an account with none) |
//! | POST | `/_emulator/alibaba/cs/pull-failure` | `{image?, reason?, region?}` | the next Job (or every Job using `image`) keeps its pod waiting with `reason` (default `ErrImagePull`, then `ImagePullBackOff`) |
//! | GET | `/_emulator/alibaba/resources` | `?created=true&access_key_id=AK` | `{"resources": [{region, type, id, name, status, tags, seeded}]}`: every ECS instance, security group, VPC, VSwitch and FC function of the account in every region, settled to the emulated now; `created=true` leaves out the demo seed, so an empty list means a workflow left nothing behind |

use axum::response::Response;

use crate::emulator::alibaba::aiworkspace::models::WorkspaceBackend;
use crate::emulator::alibaba::ecs::admin as ecs_admin;
use crate::emulator::alibaba::ecs::models::EcsBackend;
use crate::emulator::alibaba::pai::handlers::workloads;
use crate::emulator::alibaba::pai::models::PaiBackend;
use crate::emulator::alibaba::vpc::models::VpcBackend;
use crate::emulator::alibaba::{AlibabaFront, PROVIDER, seed};
use crate::emulator::core::admin::{Target, api_error, bad_request, ok, parse};
use crate::emulator::core::server::EmulatorState;
use crate::emulator::core::wire::{ApiError, RawRequest};
use crate::emulator::core::world::Services;

/// Serves `/_emulator/alibaba/<rest>`.
pub fn handle(
    front: &AlibabaFront,
    state: &EmulatorState,
    rest: &str,
    raw: &RawRequest,
) -> Option<Response> {
    match (raw.method.as_str(), rest) {
        ("POST", "workloads") => Some(add_workload(front, state, &raw.body)),
        ("GET", "resources") => Some(resources(front, state, &raw.raw_query)),
        ("POST", "ecs/stock") => Some(in_region(front, state, &raw.body, |s, region, set| {
            ecs_admin::set_stock(s, region, set)
        })),
        ("POST", "ecs/price") => Some(in_region(front, state, &raw.body, |s, _, set| {
            ecs_admin::set_price(s, set)
        })),
        ("POST", "ecs/quota") => Some(in_region(front, state, &raw.body, |s, _, set| {
            Ok(ecs_admin::set_quota(s, set))
        })),
        ("POST", "aiworkspace/clear") => Some(in_region(
            front,
            state,
            &raw.body,
            |s, region, _: serde_json::Value| Ok(clear_workspaces(s, region)),
        )),
        ("POST", "cs/pull-failure") => Some(in_region(front, state, &raw.body, |s, _, set| {
            Ok(crate::emulator::alibaba::cs::admin::add_pull_failure(
                s, set,
            ))
        })),
        _ => None,
    }
}

/// Removes every PAI workspace of the account in the region: an account that has none, for the
/// compute skill's "create `alibabacloud_compute_default` first" path.
fn clear_workspaces(services: &mut Services, region: &str) -> serde_json::Value {
    let backend = services.get_mut::<WorkspaceBackend>();
    let removed: Vec<String> = backend.workspaces.drain(..).map(|w| w.id).collect();
    serde_json::json!({"region": region, "removed": removed})
}

fn tag_map(tags: &[(String, String)]) -> serde_json::Value {
    serde_json::Value::Object(
        tags.iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect(),
    )
}

/// Every resource one account holds that costs money or blocks a delete, per region.
fn resources(front: &AlibabaFront, state: &EmulatorState, raw_query: &str) -> Response {
    let query = crate::signing::encoding::parse_raw_query(raw_query);
    let get = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let created_only = get("created").is_some_and(|c| c.eq_ignore_ascii_case("true"));
    let ak = get("access_key_id").unwrap_or_else(|| front.account().access_key_id.clone());
    let mut out = Vec::new();
    state.for_each_region(PROVIDER, &ak, |region, services, now| {
        let keep = |seeded: bool| !(created_only && seeded);
        let mut row = |kind: &str, id: &str, name: &str, status: &str, tags: &[(String, String)], seeded: bool| {
            if keep(seeded) {
                out.push(serde_json::json!({"region": region, "type": kind, "id": id, "name": name, "status": status, "tags": tag_map(tags), "seeded": seeded}));
            }
        };
        if services.get::<EcsBackend>().is_some() {
            let ecs = services.get_mut::<EcsBackend>();
            ecs.settle(now);
            for i in &ecs.instances {
                row("instance", &i.id, &i.name, i.status.as_str(), &i.tags, i.seeded);
            }
            for g in &ecs.security_groups {
                row("security_group", &g.id, &g.name, "Available", &g.tags, g.seeded);
            }
        }
        if let Some(vpc) = services.get::<VpcBackend>() {
            for v in &vpc.vpcs {
                row("vpc", &v.id, &v.name, v.status(now), &v.tags, v.seeded);
            }
            for s in &vpc.vswitches {
                row("vswitch", &s.id, &s.name, s.status(now), &s.tags, s.seeded);
            }
        }
        if let Some(cs) = services.get::<crate::emulator::alibaba::cs::models::CsBackend>() {
            for c in cs.clusters.iter().filter(|c| !c.is_deleted(now)) {
                row("ack_cluster", &c.id, &c.name, c.state(now), &c.tags, c.seeded);
            }
            for (cluster, j) in &cs.jobs {
                row("k8s_job", &format!("{cluster}/{}/{}", j.namespace, j.name), &j.name, j.phase(now), &[], false);
            }
        }
        if let Some(fc) = services.get::<crate::emulator::alibaba::fc::models::FcBackend>() {
            for f in &fc.functions {
                row("fc_function", &f.name, &f.name, "Active", &f.tags, f.seeded);
            }
        }
    });
    ok(serde_json::json!({"resources": out}))
}

/// Parses a body of `T` plus its [`Target`] and runs `apply` on that account and region.
fn in_region<T: serde::de::DeserializeOwned>(
    front: &AlibabaFront,
    state: &EmulatorState,
    body: &[u8],
    apply: impl FnOnce(&mut Services, &str, T) -> Result<serde_json::Value, ApiError>,
) -> Response {
    let (set, target) = match (parse::<T>(body), parse::<Target>(body)) {
        (Ok(set), Ok(target)) => (set, target),
        (Err(message), _) | (_, Err(message)) => return bad_request(message),
    };
    let ak = target
        .access_key_id
        .unwrap_or_else(|| front.account().access_key_id.clone());
    let region = target.region.unwrap_or_else(|| seed::REGION.to_owned());
    match state.with_services(PROVIDER, &ak, &region, |services, _| {
        apply(services, &region, set)
    }) {
        Ok(answer) => ok(answer),
        Err(error) => api_error(error),
    }
}

fn add_workload(front: &AlibabaFront, state: &EmulatorState, body: &[u8]) -> Response {
    let (new, target) = match (parse::<workloads::NewWorkload>(body), parse::<Target>(body)) {
        (Ok(new), Ok(target)) => (new, target),
        (Err(message), _) | (_, Err(message)) => return bad_request(message),
    };
    let ak = target
        .access_key_id
        .unwrap_or_else(|| front.account().access_key_id.clone());
    let region = target.region.unwrap_or_else(|| seed::REGION.to_owned());
    let result = state.with_services(PROVIDER, &ak, &region, |services, now| {
        let mut pai = services.take::<PaiBackend>();
        let result =
            workloads::add_workload(&mut pai, services.get_mut::<WorkspaceBackend>(), new, now);
        services.insert(pai);
        result
    });
    match result {
        Ok(workload) => ok(workload),
        Err(error) => api_error(error),
    }
}
