//! The unsigned admin API under `/_emulator/`, for tests and demos.
//!
//! It is unsigned on purpose (tests drive it with plain HTTP); that is only acceptable
//! because the emulator refuses to listen anywhere but loopback.
//!
//! | method | path | body / query | answer |
//! |---|---|---|---|
//! | GET | `/_emulator/state` | | clock, faults, forbidden actions, lifecycle modes, `accounts.{account}.{region}` state (the fields of every service of the region, merged) |
//! | POST | `/_emulator/reset` | | re-seeds; same credentials; clears faults, denials, lifecycle modes and the request log |
//! | GET | `/_emulator/requests` | `?action=X&mutating=true&provider=P` | `{"requests": [...]}` API calls received |
//! | DELETE | `/_emulator/requests` | | clears the request log |
//! | GET/POST/DELETE | `/_emulator/faults` | `{"provider","action","kind","times","after","delay_ms"}` (`provider` defaults to `alibaba`; `after` lets that many matching calls pass first) | armed faults |
//! | GET | `/_emulator/clock` | | `{"now","time_scale"}` |
//! | POST | `/_emulator/clock/advance` | `{"seconds": N}` | `{"now"}` |
//! | GET | `/_emulator/lifecycles` | | `{"modes": {name: mode}, "lifecycles": [{name, steps, done}]}` |
//! | POST | `/_emulator/lifecycles` | `{"name": "paistudio.quota.create", "mode": "timed" \| "immediate" \| "manual"}` | `{"modes"}`; applies to resources entering the lifecycle afterwards |
//! | POST | `/_emulator/lifecycles/advance` | `{"id": "quota...", "provider": "alibaba"}` | `{"id", "status"}`: one manual step; 404 if no such resource is in a manual lifecycle |
//! | GET | `/_emulator/routes` | | `{"routes": [...]}` every route served (see `emulator::route_table`) |
//! | GET | `/_emulator/accounts` | | `{provider: demo credentials}`, as in the startup line |
//! | POST | `/_emulator/<provider>/forbid` | `{"action": "DeleteQuota", "forbidden": true}` | `{"forbidden": [...]}` the provider's forbidden actions |
//! | * | `/_emulator/<provider>/...` | | the provider front's own admin routes, e.g. `POST /_emulator/alibaba/workloads` (see the front) |

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::emulator::core::clock::format_time;
use crate::emulator::core::faults::{DEFAULT_PROVIDER, Fault};
use crate::emulator::core::lifecycle::{Lifecycle, Mode};
use crate::emulator::core::server::EmulatorState;
use crate::emulator::core::wire::{ApiError, RawRequest};
use crate::signing::encoding::parse_raw_query;

/// A JSON answer.
pub fn reply(status: StatusCode, body: Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// 200 with a JSON body.
pub fn ok(body: Value) -> Response {
    reply(StatusCode::OK, body)
}

/// 400 `{"error": message}`.
pub fn bad_request(message: impl Into<String>) -> Response {
    reply(StatusCode::BAD_REQUEST, json!({"error": message.into()}))
}

/// Parses a JSON body, with a message for `bad_request` on failure.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
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

/// Which account and region an admin call is about (defaults: the demo account and region).
#[derive(Deserialize)]
pub struct Target {
    /// The account (Alibaba: access key id).
    #[serde(default)]
    pub access_key_id: Option<String>,
    /// The region.
    #[serde(default)]
    pub region: Option<String>,
}

#[derive(Deserialize)]
struct SetMode {
    name: String,
    mode: Mode,
}

#[derive(Deserialize)]
struct AdvanceLifecycle {
    id: String,
    #[serde(default)]
    provider: Option<String>,
}

fn lifecycle_json(l: &Lifecycle) -> Value {
    json!({
        "name": l.name,
        "steps": l.steps.iter().map(|s| json!({"status": s.status, "secs": s.secs})).collect::<Vec<_>>(),
        "done": l.done,
    })
}

/// Serves one admin call.
pub async fn handle(state: &EmulatorState, raw: RawRequest) -> Response {
    let path = raw.raw_path.trim_end_matches('/');
    match (raw.method.as_str(), path) {
        ("GET", "/_emulator/state") => ok(json!({
            "now": format_time(state.clock().now()),
            "time_scale": state.clock().time_scale(),
            "faults": state.faults().armed(),
            "forbidden": state.faults().forbidden(DEFAULT_PROVIDER),
            "forbidden_by_provider": forbidden_by_provider(state),
            "lifecycles": state.lifecycles().modes(),
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
            state.faults().disarm_all();
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
        ("GET", "/_emulator/lifecycles") => ok(json!({
            "modes": state.lifecycles().modes(),
            "lifecycles": state
                .fronts()
                .flat_map(|f| f.lifecycles())
                .map(|l| lifecycle_json(&l))
                .collect::<Vec<_>>(),
        })),
        ("POST", "/_emulator/lifecycles") => match parse::<SetMode>(&raw.body) {
            Ok(set) => {
                let known = state
                    .fronts()
                    .flat_map(|f| f.lifecycles())
                    .any(|l| l.name == set.name);
                if !known {
                    return bad_request(format!("no lifecycle named \"{}\"", set.name));
                }
                state.lifecycles().set(&set.name, set.mode);
                ok(json!({"modes": state.lifecycles().modes()}))
            }
            Err(message) => bad_request(message),
        },
        ("POST", "/_emulator/lifecycles/advance") => match parse::<AdvanceLifecycle>(&raw.body) {
            Ok(advance) => {
                let provider = advance.provider.as_deref().unwrap_or(DEFAULT_PROVIDER);
                match state.advance_lifecycle(provider, &advance.id) {
                    Some(status) => ok(json!({"id": advance.id, "status": status})),
                    None => reply(
                        StatusCode::NOT_FOUND,
                        json!({"error": format!("no {provider} resource \"{}\" is in a manual lifecycle", advance.id)}),
                    ),
                }
            }
            Err(message) => bad_request(message),
        },
        ("GET", "/_emulator/routes") => ok(json!({
            "routes": state.fronts().flat_map(|f| f.routes()).collect::<Vec<_>>(),
        })),
        ("GET", "/_emulator/accounts") => {
            let accounts: serde_json::Map<String, Value> = state
                .fronts()
                .map(|f| (f.provider().to_owned(), f.demo_account()))
                .collect();
            ok(Value::Object(accounts))
        }
        _ => provider_route(state, path, &raw),
    }
}

fn forbidden_by_provider(state: &EmulatorState) -> Value {
    let mut out = serde_json::Map::new();
    for (provider, action) in state.faults().forbidden_all() {
        if let Value::Array(list) = out
            .entry(provider)
            .or_insert_with(|| Value::Array(Vec::new()))
        {
            list.push(json!(action));
        }
    }
    Value::Object(out)
}

/// `/_emulator/<provider>/forbid` for every provider, then the front's own routes.
fn provider_route(state: &EmulatorState, path: &str, raw: &RawRequest) -> Response {
    let not_found = || {
        reply(
            StatusCode::NOT_FOUND,
            json!({"error": format!("no admin endpoint {} {}", raw.method, raw.raw_path)}),
        )
    };
    let Some((provider, rest)) = path
        .strip_prefix("/_emulator/")
        .and_then(|p| p.split_once('/'))
    else {
        return not_found();
    };
    let Some(front) = state.front(provider) else {
        return not_found();
    };
    if raw.method == "POST" && rest == "forbid" {
        return match parse::<Forbid>(&raw.body) {
            Ok(forbid) => {
                state
                    .faults()
                    .set_forbidden(provider, &forbid.action, forbid.forbidden);
                ok(json!({"forbidden": state.faults().forbidden(provider)}))
            }
            Err(message) => bad_request(message),
        };
    }
    front.admin(state, rest, raw).unwrap_or_else(not_found)
}

/// An [`ApiError`] as an admin answer: `{"error": message, "code": code}`.
pub fn api_error(error: ApiError) -> Response {
    reply(
        StatusCode::from_u16(error.status).unwrap_or(StatusCode::BAD_REQUEST),
        json!({"error": error.message, "code": error.code}),
    )
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
    let provider = get("provider");
    let entries: Vec<_> = state
        .log()
        .snapshot()
        .into_iter()
        .filter(|e| action.is_none_or(|a| e.action.as_deref() == Some(a)))
        .filter(|e| mutating.is_none_or(|m| e.mutating == m))
        .filter(|e| provider.is_none_or(|p| e.provider == p))
        .collect();
    ok(json!({"requests": entries}))
}
