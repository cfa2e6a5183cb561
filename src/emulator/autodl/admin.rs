//! AutoDL's own admin routes under `/_emulator/autodl/` (tests and demos):
//!
//! | method | path | body | answer |
//! |---|---|---|---|
//! | POST | `/_emulator/autodl/occupy` | `{"gpu_name": "A100", "gpus": 16, "seconds": 600}` | other tenants take up to `gpus` idle GPUs of that type for `seconds` emulated seconds (default 600): the stock falls, then recovers on its own; answers the stock |
//! | POST | `/_emulator/autodl/release` | `{"gpu_name"?}` | other tenants give their GPUs back at once; answers the stock |

use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use crate::emulator::autodl::PROVIDER;
use crate::emulator::autodl::esd::models::EsdBackend;
use crate::emulator::autodl::esd::seed::ACCOUNT;
use crate::emulator::autodl::front::REGION;
use crate::emulator::core::admin::{bad_request, ok, parse};
use crate::emulator::core::server::EmulatorState;
use crate::emulator::core::wire::RawRequest;

#[derive(Deserialize)]
struct Occupy {
    gpu_name: String,
    gpus: u32,
    #[serde(default)]
    seconds: Option<i64>,
}

#[derive(Deserialize, Default)]
struct Release {
    #[serde(default)]
    gpu_name: Option<String>,
}

/// Serves `/_emulator/autodl/<rest>`.
pub fn handle(state: &EmulatorState, rest: &str, raw: &RawRequest) -> Option<Response> {
    match (raw.method.as_str(), rest) {
        ("POST", "occupy") => Some(match parse::<Occupy>(&raw.body) {
            Ok(occupy) => {
                let stock = state.with_services(PROVIDER, ACCOUNT, REGION, |services, now| {
                    let backend = services.get_mut::<EsdBackend>();
                    let until = now + time::Duration::seconds(occupy.seconds.unwrap_or(600).max(1));
                    let taken = backend.occupy(&occupy.gpu_name, occupy.gpus, until, now);
                    json!({"taken": taken, "stock": backend.stock(now)})
                });
                ok(stock)
            }
            Err(message) => bad_request(message),
        }),
        ("POST", "release") => {
            let release = if raw.body.is_empty() {
                Ok(Release::default())
            } else {
                parse::<Release>(&raw.body)
            };
            Some(match release {
                Ok(release) => {
                    ok(
                        state.with_services(PROVIDER, ACCOUNT, REGION, |services, now| {
                            let backend = services.get_mut::<EsdBackend>();
                            backend.release(release.gpu_name.as_deref());
                            json!({"stock": backend.stock(now)})
                        }),
                    )
                }
                Err(message) => bad_request(message),
            })
        }
        _ => None,
    }
}
