//! Alibaba's own admin routes under `/_emulator/alibaba/` (the core serves
//! `/_emulator/alibaba/forbid` for every provider):
//!
//! | method | path | body | answer |
//! |---|---|---|---|
//! | POST | `/_emulator/alibaba/workloads` | `{quota_id, workspace_id, user_id, user_name, gpu, cpu, memory, status, access_key_id?, region?, ...}` | the workload |

use axum::response::Response;

use crate::emulator::alibaba::aiworkspace::models::WorkspaceBackend;
use crate::emulator::alibaba::pai::handlers::workloads;
use crate::emulator::alibaba::pai::models::PaiBackend;
use crate::emulator::alibaba::{AlibabaFront, PROVIDER, seed};
use crate::emulator::core::admin::{Target, api_error, bad_request, ok, parse};
use crate::emulator::core::server::EmulatorState;
use crate::emulator::core::wire::RawRequest;

/// Serves `/_emulator/alibaba/<rest>`.
pub fn handle(
    front: &AlibabaFront,
    state: &EmulatorState,
    rest: &str,
    raw: &RawRequest,
) -> Option<Response> {
    match (raw.method.as_str(), rest) {
        ("POST", "workloads") => Some(add_workload(front, state, &raw.body)),
        _ => None,
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
