//! The unsigned admin API under `/_emulator/`, for tests and demos.
//!
//! It is unsigned on purpose (tests drive it with plain HTTP); that is only acceptable
//! because the emulator refuses to listen anywhere but loopback.
//!
//! | method | path | body / query | answer |
//! |---|---|---|---|
//! | GET | `/_emulator/state` | | clock, faults, forbidden actions, `accounts.{ak}.{region}` state |
//! | POST | `/_emulator/reset` | | re-seeds; same credentials; clears faults and the request log |
//! | GET | `/_emulator/requests` | `?action=X&mutating=true` | `{"requests": [...]}` API calls received |
//! | DELETE | `/_emulator/requests` | | clears the request log |
//! | GET/POST/DELETE | `/_emulator/faults` | `{"action","kind","times","delay_ms"}` | armed faults |
//! | GET | `/_emulator/clock` | | `{"now","time_scale"}` |
//! | POST | `/_emulator/clock/advance` | `{"seconds": N}` | `{"now"}` |
//! | POST | `/_emulator/alibaba/workloads` | `{quota_id, workspace_id, user_id, user_name, gpu, cpu, memory, status, ...}` | the workload |
//! | POST | `/_emulator/alibaba/forbid` | `{"action": "DeleteQuota", "forbidden": true}` | forbidden actions |

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::emulator::alibaba::{seed, workloads};
use crate::emulator::clock::format_time;
use crate::emulator::faults::Fault;
use crate::emulator::server::{EmulatorState, RawRequest};
use crate::emulator::wire::ApiError;
use crate::signing::encoding::parse_raw_query;

fn reply(status: StatusCode, body: Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn ok(body: Value) -> Response {
    reply(StatusCode::OK, body)
}

fn bad_request(message: impl Into<String>) -> Response {
    reply(StatusCode::BAD_REQUEST, json!({"error": message.into()}))
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("invalid JSON body: {e}"))
}

#[derive(Deserialize)]
struct Advance {
    seconds: u64,
}

#[derive(Deserialize)]
struct Forbid {
    action: String,
    #[serde(default = "yes")]
    forbidden: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct Target {
    #[serde(default)]
    access_key_id: Option<String>,
    #[serde(default)]
    region: Option<String>,
}

/// Serves one admin call.
pub async fn handle(state: &EmulatorState, raw: RawRequest) -> Response {
    let path = raw.raw_path.trim_end_matches('/');
    match (raw.method.as_str(), path) {
        ("GET", "/_emulator/state") => ok(json!({
            "now": format_time(state.clock().now()),
            "time_scale": state.clock().time_scale(),
            "faults": state.faults().armed(),
            "forbidden": state.faults().forbidden(),
            "accounts": state.world_json(),
        })),
        ("POST", "/_emulator/reset") => {
            state.reseed();
            ok(json!({"ok": true}))
        }
        ("GET", "/_emulator/requests") => requests(state, &raw.raw_query),
        ("DELETE", "/_emulator/requests") => {
            state.log().clear();
            ok(json!({"ok": true}))
        }
        ("GET", "/_emulator/faults") => ok(json!({"faults": state.faults().armed()})),
        ("POST", "/_emulator/faults") => match parse::<Fault>(&raw.body) {
            Ok(fault) => {
                state.faults().arm(fault);
                ok(json!({"faults": state.faults().armed()}))
            }
            Err(message) => bad_request(message),
        },
        ("DELETE", "/_emulator/faults") => {
            for fault in state.faults().armed() {
                while state.faults().take(&fault.action).is_some() {}
            }
            ok(json!({"faults": []}))
        }
        ("GET", "/_emulator/clock") => ok(json!({
            "now": format_time(state.clock().now()),
            "time_scale": state.clock().time_scale(),
        })),
        ("POST", "/_emulator/clock/advance") => match parse::<Advance>(&raw.body) {
            Ok(advance) => {
                state.clock().advance(advance.seconds);
                ok(json!({"now": format_time(state.clock().now())}))
            }
            Err(message) => bad_request(message),
        },
        ("POST", "/_emulator/alibaba/workloads") => add_workload(state, &raw.body),
        ("POST", "/_emulator/alibaba/forbid") => match parse::<Forbid>(&raw.body) {
            Ok(forbid) => {
                state
                    .faults()
                    .set_forbidden(&forbid.action, forbid.forbidden);
                ok(json!({"forbidden": state.faults().forbidden()}))
            }
            Err(message) => bad_request(message),
        },
        _ => reply(
            StatusCode::NOT_FOUND,
            json!({"error": format!("no admin endpoint {} {}", raw.method, raw.raw_path)}),
        ),
    }
}

fn requests(state: &EmulatorState, raw_query: &str) -> Response {
    let query = parse_raw_query(raw_query);
    let get = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let action = get("action");
    let mutating = get("mutating").map(|m| m.eq_ignore_ascii_case("true"));
    let entries: Vec<_> = state
        .log()
        .snapshot()
        .into_iter()
        .filter(|e| action.is_none_or(|a| e.action.as_deref() == Some(a)))
        .filter(|e| mutating.is_none_or(|m| e.mutating == m))
        .collect();
    ok(json!({"requests": entries}))
}

fn add_workload(state: &EmulatorState, body: &[u8]) -> Response {
    let (new, target) = match (parse::<workloads::NewWorkload>(body), parse::<Target>(body)) {
        (Ok(new), Ok(target)) => (new, target),
        (Err(message), _) | (_, Err(message)) => return bad_request(message),
    };
    let ak = target
        .access_key_id
        .unwrap_or_else(|| state.alibaba_account().access_key_id.clone());
    let region = target.region.unwrap_or_else(|| seed::REGION.to_owned());
    let result = state.with_region(&ak, &region, |region_state, now| {
        workloads::add_workload(region_state, new, now)
    });
    match result {
        Ok(workload) => ok(workload),
        Err(ApiError {
            status,
            code,
            message,
            ..
        }) => reply(
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            json!({"error": message, "code": code}),
        ),
    }
}
