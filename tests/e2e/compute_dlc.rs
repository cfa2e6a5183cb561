//! PAI-DLC end to end: specs and images, a training job created behind the cost gate that runs
//! to Succeeded on the emulated clock with its pod logs, a job whose command fails, a job whose
//! image cannot be pulled (pod events say why), a lost CreateJob answer that still yields one
//! job, and the CONFIRM gates on stop and delete.

use serde_json::{Value, json};

use crate::both_transports;
use crate::common::{Harness, ServerSpec, Transport, array, str_of};

const CPU_IMAGE: &str =
    "dsw-registry-vpc.cn-hangzhou.cr.aliyuncs.com/pai/pytorch-training:2.3-cpu-py310-ubuntu22.04";
/// The seed's running job, held in `Running`.
const RUNNING_JOB: &str = "dlc2c3v4b5n6m7q8w";

fn spec(transport: Transport) -> ServerSpec {
    ServerSpec::new(transport).args(&[
        "--toolsets",
        "compute",
        "--operation-time-scale",
        "0.01",
        "--wait-timeout",
        "10s",
    ])
}

fn job_args(name: &str, command: &str, image: &str) -> Value {
    json!({
        "region_id": "cn-hangzhou", "display_name": name, "user_command": command,
        "instance_type": "ecs.g7.xlarge", "runtime_s": 600,
        "job_specs": [{"Type": "Worker", "Image": image, "PodCount": 1, "EcsSpec": "ecs.g7.xlarge"}],
    })
}

async fn create(h: &Harness, name: &str, command: &str, image: &str) -> (Value, String) {
    let plan = h
        .plan("cp_pai_create_job", job_args(name, command, image))
        .await;
    assert!(
        str_of(&plan["confirm_phrase"]).starts_with("CONFIRM-COST "),
        "a DLC job is billable: {plan:#}"
    );
    let preview = plan["dry_run"].to_string();
    assert!(
        preview.contains("skillgate.plan") && preview.contains(&str_of(&plan["plan_id"])),
        "the plan id travels in the job's tags, visibly: {preview}"
    );
    let done = h.execute(&plan).await;
    let job_id = str_of(&done["result"]["job_id"]);
    assert!(job_id.starts_with("dlc"), "{done:#}");
    (plan, job_id)
}

async fn advance(h: &Harness, seconds: u64) {
    h.emu
        .admin_post("clock/advance", json!({"seconds": seconds}))
        .await;
}

async fn jobs_named(h: &Harness, name: &str) -> Vec<Value> {
    let listed = h
        .ok(
            "cp_pai_list_jobs",
            json!({"region_id": "cn-hangzhou", "display_name": name, "display_name_search_mode": "exact"}),
        )
        .await;
    array(&listed["jobs"])
}

both_transports!(a_training_job_runs_to_succeeded_with_logs, job_to_succeeded);

async fn job_to_succeeded(transport: Transport) {
    let h = Harness::start(spec(transport)).await;
    let specs = h
        .ok(
            "cp_pai_list_ecs_specs",
            json!({"region_id": "cn-hangzhou", "accelerator_type": "CPU"}),
        )
        .await;
    let types: Vec<String> = array(&specs["ecs_specs"])
        .iter()
        .map(|s| str_of(&s["instance_type"]))
        .collect();
    assert!(types.contains(&"ecs.g7.xlarge".to_string()), "{specs:#}");
    assert!(
        array(&specs["ecs_specs"]).iter().all(|s| s["gpu"] == 0),
        "CPU only: {specs:#}"
    );
    let images = h
        .ok(
            "cp_pai_list_images",
            json!({"region_id": "cn-hangzhou", "labels": "system.supported.dlc=true,system.chipType=CPU", "name": "pytorch"}),
        )
        .await;
    assert!(
        array(&images["images"])
            .iter()
            .any(|i| str_of(&i["image_uri"]) == CPU_IMAGE),
        "{images:#}"
    );

    let resolved = h
        .ok(
            "cp_pai_resolve_image",
            json!({"region_id": "cn-hangzhou", "job_type": "PyTorchJob", "chip_type": "GPU"}),
        )
        .await;
    let gpu_image = str_of(&resolved["image_uri"]);
    assert!(
        gpu_image.contains("pytorch-training")
            && gpu_image.contains("gpu")
            && !gpu_image.contains("accl"),
        "{resolved:#}"
    );
    let (_, job_id) = create(&h, "e2e-train", "python train.py --epochs 1", CPU_IMAGE).await;
    let job = h
        .ok(
            "cp_pai_get_job",
            json!({"region_id": "cn-hangzhou", "job_id": job_id}),
        )
        .await;
    assert_eq!(job["status"], "Creating", "{job:#}");
    advance(&h, 70).await;
    let job = h
        .ok(
            "cp_pai_get_job",
            json!({"region_id": "cn-hangzhou", "job_id": job_id}),
        )
        .await;
    assert_eq!(job["status"], "Running", "{job:#}");
    advance(&h, 200).await;
    let job = h
        .ok(
            "cp_pai_get_job",
            json!({"region_id": "cn-hangzhou", "job_id": job_id}),
        )
        .await;
    assert_eq!(job["status"], "Succeeded", "{job:#}");
    let waited = h
        .ok(
            "cp_pai_wait_job_complete",
            json!({"region_id": "cn-hangzhou", "job_id": job_id}),
        )
        .await;
    assert_eq!(waited["operation_status"], "succeeded", "{waited:#}");
    let pods = array(&job["pods"]);
    assert_eq!(pods.len(), 1, "{job:#}");
    let pod_id = str_of(&pods[0]["PodId"]);
    let logs = h
        .ok(
            "cp_pai_get_pod_logs",
            json!({"region_id": "cn-hangzhou", "job_id": job_id, "pod_id": pod_id}),
        )
        .await;
    let lines: Vec<String> = array(&logs["logs"]).iter().map(str_of).collect();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("python train.py --epochs 1")),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("exit code 0")),
        "{lines:#?}"
    );

    let all = h
        .ok(
            "cp_pai_get_job_logs",
            json!({"region_id": "cn-hangzhou", "job_id": job_id}),
        )
        .await;
    assert_eq!(all["status"], "Succeeded", "{all:#}");
    assert_eq!(array(&all["pods"]).len(), 1, "{all:#}");
    assert!(
        all["pods"][0]["logs"].to_string().contains("exit code 0"),
        "{all:#}"
    );

    // A finished job's record is deleted only with CONFIRM <JOB_ID>.
    let plan = h
        .plan(
            "cp_pai_delete_job",
            json!({"region_id": "cn-hangzhou", "job_id": job_id}),
        )
        .await;
    assert_eq!(str_of(&plan["confirm_phrase"]), format!("CONFIRM {job_id}"));
    h.execute(&plan).await;
    assert!(jobs_named(&h, "e2e-train").await.is_empty());
}

both_transports!(failing_jobs_say_why_in_reason_logs_and_events, failing_jobs);

async fn failing_jobs(transport: Transport) {
    let h = Harness::start(spec(transport)).await;
    let (_, failed) = create(&h, "e2e-exit", "python train.py\nexit 3", CPU_IMAGE).await;
    let bad_image = "registry.example.com/team/does-not-exist:1.0";
    let (_, stuck) = create(&h, "e2e-pull", "python train.py", bad_image).await;
    advance(&h, 300).await;
    let job = h
        .ok(
            "cp_pai_get_job",
            json!({"region_id": "cn-hangzhou", "job_id": failed}),
        )
        .await;
    assert_eq!(job["status"], "Failed", "{job:#}");
    assert!(str_of(&job["reason_message"]).contains("code 3"), "{job:#}");
    let waited = h
        .ok(
            "cp_pai_wait_job_complete",
            json!({"region_id": "cn-hangzhou", "job_id": failed}),
        )
        .await;
    assert_eq!(waited["operation_status"], "failed", "{waited:#}");
    assert!(
        waited.to_string().contains("exit code 3"),
        "the failed pod's logs are attached: {waited:#}"
    );
    let job = h
        .ok(
            "cp_pai_get_job",
            json!({"region_id": "cn-hangzhou", "job_id": stuck}),
        )
        .await;
    assert_eq!(job["status"], "EnvPreparing", "still pulling: {job:#}");
    assert_eq!(job["reason_code"], "ImagePullBackOff", "{job:#}");
    let pod_id = str_of(&array(&job["pods"])[0]["PodId"]);
    let events = h
        .ok(
            "cp_pai_get_pod_events",
            json!({"region_id": "cn-hangzhou", "job_id": stuck, "pod_id": pod_id}),
        )
        .await;
    assert!(
        array(&events["events"])
            .iter()
            .any(|e| str_of(e).contains("ErrImagePull")),
        "{events:#}"
    );
    // The wait gives up on an image that cannot be pulled after 300 s of looks, with diagnostics.
    let waited = h
        .ok(
            "cp_pai_wait_job_complete",
            json!({"region_id": "cn-hangzhou", "job_id": stuck}),
        )
        .await;
    assert_eq!(waited["operation_status"], "failed", "{waited:#}");
    let text = waited.to_string();
    assert!(
        text.contains("cannot pull its image") && text.contains("ErrImagePull"),
        "{waited:#}"
    );
    advance(&h, 400).await;
    let job = h
        .ok(
            "cp_pai_get_job",
            json!({"region_id": "cn-hangzhou", "job_id": stuck}),
        )
        .await;
    assert_eq!(job["status"], "Failed", "{job:#}");
}

both_transports!(
    a_lost_create_job_answer_still_yields_one_job,
    lost_create_job
);

async fn lost_create_job(transport: Transport) {
    let h = Harness::start(spec(transport)).await;
    let plan = h
        .plan(
            "cp_pai_create_job",
            job_args("e2e-lost", "python train.py", CPU_IMAGE),
        )
        .await;
    h.emu
        .fault("CreateJob", "server_error_after_commit", 1)
        .await;
    let done = h.execute(&plan).await;
    let jobs = jobs_named(&h, "e2e-lost").await;
    assert_eq!(jobs.len(), 1, "created exactly once: {jobs:#?}");
    assert_eq!(done["result"]["job_id"], jobs[0]["job_id"], "{done:#}");
    assert_eq!(
        jobs[0]["tags"]["skillgate.plan"], plan["plan_id"],
        "the job carries its plan's tag: {jobs:#?}"
    );
    let creates = h.emu.requests_for("CreateJob").await;
    assert_eq!(creates.len(), 1, "never sent twice: {creates:#?}");
}

both_transports!(stopping_a_job_needs_its_confirm_phrase, stop_gate);

async fn stop_gate(transport: Transport) {
    let h = Harness::start(spec(transport)).await;
    let plan = h
        .plan(
            "cp_pai_stop_job",
            json!({"region_id": "cn-hangzhou", "job_id": RUNNING_JOB}),
        )
        .await;
    assert_eq!(
        str_of(&plan["confirm_phrase"]),
        format!("CONFIRM {RUNNING_JOB}")
    );
    let wrong = h
        .confirm(&str_of(&plan["plan_id"]), "CONFIRM dlc-other")
        .await;
    assert_eq!(wrong.is_error, Some(true), "a wrong phrase is refused");
    let job = h
        .ok(
            "cp_pai_get_job",
            json!({"region_id": "cn-hangzhou", "job_id": RUNNING_JOB}),
        )
        .await;
    assert_eq!(job["status"], "Running", "nothing happened: {job:#}");
    // The wrong phrase cancelled that plan; a new one goes through with its own phrase.
    let plan = h
        .plan(
            "cp_pai_stop_job",
            json!({"region_id": "cn-hangzhou", "job_id": RUNNING_JOB}),
        )
        .await;
    h.execute(&plan).await;
    let job = h
        .ok(
            "cp_pai_get_job",
            json!({"region_id": "cn-hangzhou", "job_id": RUNNING_JOB}),
        )
        .await;
    assert_eq!(job["status"], "Stopped", "{job:#}");
}
