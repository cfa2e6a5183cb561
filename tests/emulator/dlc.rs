//! PAI-DLC 2020-12-03 and the AIWorkSpace images and workspaces it uses, over real HTTP with
//! real ACS3 signatures: specs by accelerator, jobs on the clock to each outcome, tag lookups,
//! stop and delete rules, pods' logs and events, and workspace creation.

use serde_json::{Value, json};
use skillgate::emulator::alibaba::seed::*;

use crate::support::Emu;

const IMAGE: &str =
    "dsw-registry-vpc.cn-hangzhou.cr.aliyuncs.com/pai/pytorch-training:2.3-cpu-py310-ubuntu22.04";

fn job_body(name: &str, command: &str, spec: &str) -> Value {
    json!({
        "DisplayName": name, "JobType": "PyTorchJob", "UserCommand": command,
        "WorkspaceId": WS_LLM_RESEARCH,
        "JobSpecs": [{"Type": "Worker", "Image": IMAGE, "PodCount": 2, "EcsSpec": spec}],
        "Settings": {"Tags": {"skillgate.plan": "plan-7"}},
    })
}

async fn status(emu: &Emu, id: &str) -> Value {
    emu.ok(emu.dlc("GetJob", "GET", &format!("/api/v1/jobs/{id}")))
        .await
}

#[tokio::test]
async fn specs_filter_by_accelerator_and_sort() {
    let emu = Emu::start().await;
    let gpu = emu
        .ok(emu
            .dlc("ListEcsSpecs", "GET", "/api/v1/ecsspecs")
            .query("AcceleratorType", "GPU")
            .query("SortBy", "Memory")
            .query("Order", "desc")
            .query("PageSize", "100"))
        .await;
    let specs = gpu["EcsSpecs"].as_array().cloned().unwrap_or_default();
    assert!(!specs.is_empty());
    assert!(
        specs.iter().all(|s| s["Gpu"].as_u64() >= Some(1)),
        "{gpu:#}"
    );
    let memory: Vec<u64> = specs.iter().filter_map(|s| s["Memory"].as_u64()).collect();
    assert!(memory.windows(2).all(|w| w[0] >= w[1]), "{memory:?}");
    emu.fails(
        emu.dlc("ListEcsSpecs", "GET", "/api/v1/ecsspecs")
            .query("AcceleratorType", "TPU"),
        400,
        "InvalidParameter.AcceleratorType",
    )
    .await;
}

#[tokio::test]
async fn a_job_moves_on_the_clock_and_is_found_by_its_tag() {
    let emu = Emu::start().await;
    let created = emu
        .ok(emu.dlc("CreateJob", "POST", "/api/v1/jobs").json(job_body(
            "emu-train",
            "python train.py",
            "ecs.g7.xlarge",
        )))
        .await;
    let id = created["JobId"].as_str().unwrap_or_default().to_owned();
    assert!(id.starts_with("dlc"), "{created:#}");
    assert_eq!(status(&emu, &id).await["Status"], "Creating");
    assert_eq!(
        status(&emu, &id).await["Pods"].as_array().map(Vec::len),
        Some(0),
        "no pods before the queue"
    );
    let tagged = emu
        .ok(emu
            .dlc("ListJobs", "GET", "/api/v1/jobs")
            .query("Tags", r#"{"skillgate.plan":"plan-7"}"#))
        .await;
    assert_eq!(tagged["TotalCount"], 1, "{tagged:#}");
    assert_eq!(tagged["Jobs"][0]["JobId"], id.as_str());
    emu.fails(
        emu.dlc("DeleteJob", "DELETE", &format!("/api/v1/jobs/{id}")),
        400,
        "JobStatusNotSupported",
    )
    .await;
    emu.advance_clock(70).await;
    let job = status(&emu, &id).await;
    assert_eq!(job["Status"], "Running", "{job:#}");
    let pods = job["Pods"].as_array().cloned().unwrap_or_default();
    assert_eq!(pods.len(), 2, "PodCount 2: {job:#}");
    let pod = pods[0]["PodId"].as_str().unwrap_or_default();
    let events = emu
        .ok(emu.dlc(
            "GetPodEvents",
            "GET",
            &format!("/api/v1/jobs/{id}/pods/{pod}/events"),
        ))
        .await;
    assert!(
        events["Events"].to_string().contains("Started"),
        "{events:#}"
    );
    emu.advance_clock(200).await;
    assert_eq!(status(&emu, &id).await["Status"], "Succeeded");
    let logs = emu
        .ok(emu
            .dlc(
                "GetPodLogs",
                "GET",
                &format!("/api/v1/jobs/{id}/pods/{pod}/logs"),
            )
            .query("MaxLines", "1"))
        .await;
    assert_eq!(
        logs["Logs"],
        json!(["[dlc] command finished with exit code 0"]),
        "the last line only"
    );
    emu.fails(
        emu.dlc("StopJob", "POST", &format!("/api/v1/jobs/{id}/stop")),
        400,
        "JobStatusNotSupported",
    )
    .await;
    emu.ok(emu.dlc("DeleteJob", "DELETE", &format!("/api/v1/jobs/{id}")))
        .await;
    emu.fails(
        emu.dlc("GetJob", "GET", &format!("/api/v1/jobs/{id}")),
        404,
        "EntityNotExist.Job",
    )
    .await;
}

#[tokio::test]
async fn stops_failures_and_missing_workspaces() {
    let emu = Emu::start().await;
    let stop = |id: &str| emu.dlc("StopJob", "POST", &format!("/api/v1/jobs/{id}/stop"));
    emu.ok(stop(JOB_RUNNING)).await;
    emu.ok(stop(JOB_RUNNING)).await;
    assert_eq!(status(&emu, JOB_RUNNING).await["Status"], "Stopped");
    let failed = status(&emu, JOB_FAILED).await;
    assert_eq!(failed["Status"], "Failed");
    assert_eq!(failed["ReasonCode"], "JobFailed");
    let mut body = job_body("emu-none", "echo", "ecs.g7.xlarge");
    body["WorkspaceId"] = json!("999999");
    emu.fails(
        emu.dlc("CreateJob", "POST", "/api/v1/jobs").json(body),
        403,
        "OperationForbidden",
    )
    .await;
    emu.fails(
        emu.dlc("CreateJob", "POST", "/api/v1/jobs").json(job_body(
            "emu-v100",
            "echo",
            "ecs.gn6v-c8g1.2xlarge",
        )),
        400,
        "EcsSpecNoStock",
    )
    .await;
}

#[tokio::test]
async fn images_by_label_and_a_new_workspace() {
    let emu = Emu::start().await;
    let images = emu
        .ok(emu
            .ws("ListImages", "GET", "/api/v1/images")
            .query("Labels", "system.supported.dlc=true,system.chipType=CPU"))
        .await;
    let uris: Vec<&str> = images["Images"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["ImageUri"].as_str())
        .collect();
    assert!(uris.contains(&IMAGE), "{uris:?}");
    assert!(uris.iter().all(|u| !u.contains("gpu")), "{uris:?}");
    let body = json!({"WorkspaceName": "alibabacloud_compute_default", "Description": "compute", "EnvTypes": ["prod"]});
    let created = emu
        .ok(emu
            .ws("CreateWorkspace", "POST", "/api/v1/workspaces")
            .json(body.clone()))
        .await;
    let id = created["WorkspaceId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let ws = emu
        .ok(emu.ws("GetWorkspace", "GET", &format!("/api/v1/workspaces/{id}")))
        .await;
    assert_eq!(ws["WorkspaceName"], "alibabacloud_compute_default");
    emu.fails(
        emu.ws("CreateWorkspace", "POST", "/api/v1/workspaces")
            .json(body),
        400,
        "WorkspaceNameAlreadyExists",
    )
    .await;
}
