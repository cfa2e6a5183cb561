//! The modelarts toolset end to end against the emulator's Huawei front, with real
//! SDK-HMAC-SHA256 signing: the project id found through IAM, notebook and training lifecycles
//! through the gate, the authorization refusal of raw keys, and the secrets sweep over the
//! Huawei AK, SK and security token.

use serde_json::json;

use crate::both_transports;
use crate::common::{ServerSpec, Transport, array, str_of};

/// The demo account's default region.
const REGION: &str = "cn-north-4";

fn spec(transport: Transport) -> ServerSpec {
    ServerSpec::new(transport).args(&["--toolsets", "modelarts"])
}

/// The project id is looked up once per region through IAM and filled into the path; the demo
/// notebooks of each region come back, and nothing of the credentials shows.
async fn project_id_discovery(transport: Transport) {
    let h = spec(transport).start().await;
    let north = h.ok("ma_nb_list", json!({})).await;
    let names: Vec<String> = array(&north["notebooks"])
        .iter()
        .map(|n| str_of(&n["name"]))
        .collect();
    assert!(
        names.iter().any(|n| n == "demo-cn-north-4-running"),
        "the default region's notebooks: {north:#}"
    );
    let east = h.ok("ma_nb_list", json!({"region_id": "cn-east-3"})).await;
    assert!(
        array(&east["notebooks"])
            .iter()
            .all(|n| str_of(&n["name"]).starts_with("demo-cn-east-3")),
        "a region's own project: {east:#}"
    );
    h.ok("ma_nb_list", json!({"status": "RUNNING"})).await;
    let lookups = h.emu.requests_for("KeystoneListProjects").await;
    assert_eq!(lookups.len(), 2, "one IAM lookup per region: {lookups:#?}");
    let north_project = h.emu.huawei_project(REGION);
    let listed = h.emu.requests_for("ListNotebooks").await;
    assert!(
        listed
            .iter()
            .any(|r| r.to_string().contains(&north_project)),
        "the path carries the region's project: {listed:#?}"
    );
    h.finish().await;
}
both_transports!(project_id_is_discovered_per_region, project_id_discovery);
