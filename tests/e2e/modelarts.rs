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

fn fast(transport: Transport) -> ServerSpec {
    spec(transport)
        .args(&["--operation-time-scale", "0.01", "--wait-timeout", "10s"])
        .emulator_args(&["--emulator-time-scale", "60"])
}

/// Polls `ma_nb_get` until the notebook has `status` (the emulator clock runs fast).
async fn until_status(h: &crate::common::Harness, id: &str, status: &str) {
    for _ in 0..100 {
        let got = h.ok("ma_nb_get", json!({"notebook_id": id})).await;
        if got["status"] == status {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("notebook {id} never became {status}");
}

/// Create (cost note, explicit flavor and image) -> wait for RUNNING -> stop -> delete, each
/// through the gate; a delete of a running notebook is refused before any plan.
async fn notebook_lifecycle(transport: Transport) {
    let h = fast(transport).start().await;
    let bad = h
        .refused(
            "ma_nb_create",
            json!({"name": "bad name", "flavor": "modelarts.vm.gpu.v100", "image_id": "nope", "volume": {"category": "EVS", "ownership": "MANAGED", "capacity": 5}}),
            "validation_error",
        )
        .await;
    assert_eq!(
        array(&bad["details"]["errors"]).len(),
        3,
        "name, sold-out flavor and image at once: {bad:#}"
    );
    let plan = h
        .plan(
            "ma_nb_create",
            json!({"name": "nb-e2e", "flavor": "modelarts.vm.cpu.2u", "image_id": "e1a07296-22a8-4f05-8bc8-e936c8e54202", "volume": {"category": "EVS", "ownership": "MANAGED", "capacity": 5}, "auto_stop_hours": 2}),
        )
        .await;
    assert_eq!(plan["confirm_phrase"], "CONFIRM-CREATE nb-e2e");
    let cost = array(&plan["checks"])
        .into_iter()
        .find(|c| c["check"] == "cost")
        .expect("a cost note");
    assert_eq!(cost["detail"]["flavor"], "modelarts.vm.cpu.2u", "{cost:#}");
    assert!(
        plan.to_string().contains("7200000"),
        "the lease is sent: {plan:#}"
    );
    let done = h.execute(&plan).await;
    assert!(
        done.to_string().contains("op-"),
        "a handle at once: {done:#}"
    );
    let id = str_of(&done["result"]["id"]);
    let waited = h.ok("ma_nb_wait", json!({"notebook_id": id})).await;
    assert_eq!(waited["operation_status"], "succeeded", "{waited:#}");
    assert_eq!(
        waited["report"]["notebook"]["status"], "RUNNING",
        "{waited:#}"
    );
    h.refused(
        "ma_nb_delete",
        json!({"notebook_id": id}),
        "validation_error",
    )
    .await;
    let stop = h.plan("ma_nb_stop", json!({"notebook_id": id})).await;
    assert_eq!(stop["confirm_phrase"], format!("CONFIRM {id}"));
    h.execute(&stop).await;
    until_status(&h, &id, "STOPPED").await;
    let delete = h.plan("ma_nb_delete", json!({"notebook_id": id})).await;
    h.execute(&delete).await;
    let state = h.emu.huawei_state(REGION).await;
    assert!(
        !state.to_string().contains(&id),
        "the notebook is gone: {state:#}"
    );
    h.finish().await;
}
both_transports!(a_notebook_lives_through_the_gate, notebook_lifecycle);

/// Create (every problem at once, then a cost note) -> wait -> stop with `CONFIRM <JOB_ID>`
/// -> delete; deleting a live job is refused.
async fn training_lifecycle(transport: Transport) {
    let h = fast(transport).start().await;
    let bad = h
        .refused(
            "ma_train_create_job",
            json!({"name": "t e2e", "engine_id": "nope", "code_dir": "/tmp"}),
            "validation_error",
        )
        .await;
    assert!(
        array(&bad["details"]["errors"]).len() >= 4,
        "name, no flavor, engine, code_dir, boot_file: {bad:#}"
    );
    let plan = h
        .plan(
            "ma_train_create_job",
            json!({"name": "t-e2e", "flavor_id": "modelarts.vm.gpu.t4u8", "engine_id": "pytorch-2.1.0-cuda12.1", "code_dir": "obs://demo-bucket/code/", "boot_file": "obs://demo-bucket/code/train.py"}),
        )
        .await;
    assert_eq!(plan["confirm_phrase"], "CONFIRM-CREATE t-e2e");
    let done = h.execute(&plan).await;
    let id = str_of(&done["result"]["job_id"]);
    h.refused(
        "ma_train_delete_job",
        json!({"job_id": id}),
        "validation_error",
    )
    .await;
    let stop = h.plan("ma_train_stop_job", json!({"job_id": id})).await;
    assert_eq!(stop["confirm_phrase"], format!("CONFIRM {id}"));
    h.execute(&stop).await;
    let waited = h.ok("ma_train_wait", json!({"job_id": id})).await;
    assert_eq!(waited["report"]["phase"], "Terminated", "{waited:#}");
    let delete = h.plan("ma_train_delete_job", json!({"job_id": id})).await;
    assert_eq!(delete["confirm_phrase"], format!("CONFIRM {id}"));
    h.execute(&delete).await;
    h.refused("ma_train_get_job", json!({"job_id": id}), "not_found")
        .await;
    h.finish().await;
}
both_transports!(a_training_job_lives_through_the_gate, training_lifecycle);

/// Agency authorizations only: raw keys and credential types are refused before any plan;
/// the agency one is planned with `CONFIRM <USER_ID>` and lands.
async fn authorizations(transport: Transport) {
    let h = spec(transport).temporary_credentials().start().await;
    for extra in [
        json!({"secret_key": "abc"}),
        json!({"access_key": "abc"}),
        json!({"type": "credential"}),
    ] {
        let mut args = json!({"user_id": "user-1234", "agency": "modelarts_agency"});
        if let (Some(a), Some(e)) = (args.as_object_mut(), extra.as_object()) {
            a.extend(e.clone());
        }
        let error = h.refused("ma_authz_add", args, "validation_error").await;
        assert!(
            error["message"]
                .as_str()
                .is_some_and(|m| m.contains("agency")),
            "the refusal says what to do: {error:#}"
        );
    }
    let plan = h
        .plan(
            "ma_authz_add",
            json!({"user_id": "user-1234", "agency": "modelarts_agency"}),
        )
        .await;
    assert_eq!(plan["confirm_phrase"], "CONFIRM user-1234");
    h.execute(&plan).await;
    let listed = h.ok("ma_authz_list", json!({})).await;
    assert!(
        array(&listed["authorizations"])
            .iter()
            .any(|a| a["user_id"] == "user-1234" && a["type"] == "agency"),
        "{listed:#}"
    );
    // The temporary pair signed everything; the sweep in finish() covers its AK, SK and token.
    let finished = h.finish().await;
    assert!(
        finished.audit.iter().any(|l| l["tool"] == "ma_authz_add"),
        "the audit log has the grant"
    );
}
both_transports!(authorizations_take_agencies_only, authorizations);

/// The lookups reach their own hosts (SWR without a project, VPC and KPS with one).
async fn lookups(transport: Transport) {
    let h = spec(transport).start().await;
    let images = h.ok("ma_swr_list_train_images", json!({"limit": 5})).await;
    assert!(
        array(&images["images"])
            .iter()
            .any(|i| i["image_url"] == "demo-team/pytorch-train:2.1.0-cuda12.1"),
        "{images:#}"
    );
    let vpcs = h.ok("ma_vpc_list_vpcs", json!({})).await;
    let vpc = str_of(&array(&vpcs["vpcs"])[0]["vpc_id"]);
    let subnets = h.ok("ma_vpc_list_subnets", json!({"vpc_id": vpc})).await;
    assert_eq!(array(&subnets["subnets"]).len(), 2, "{subnets:#}");
    let groups = h.ok("ma_vpc_list_security_groups", json!({})).await;
    assert_eq!(array(&groups["security_groups"]).len(), 1, "{groups:#}");
    let pairs = h.ok("ma_kms_list_keypairs", json!({"limit": 1})).await;
    assert_eq!(pairs["next_marker"], "KeyPair-demo", "{pairs:#}");
    h.ok("ma_ws_list", json!({})).await;
    let quotas = h.ok("ma_quota_training", json!({})).await;
    assert_eq!(array(&quotas["quotas"])[0]["used"], 3, "{quotas:#}");
    h.finish().await;
}
both_transports!(the_lookups_reach_their_own_hosts, lookups);
