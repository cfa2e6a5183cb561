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

// ------------------------------------------------------------ cp_pai_create_training_job and co.

/// The seed's failed job (its command exits 1).
const FAILED_JOB: &str = "dlc8i9o0p1a2s3d4f";

fn training(name: &str, command: &str, ecs_spec: &str) -> Value {
    json!({
        "region_id": "cn-hangzhou", "display_name": name, "user_command": command,
        "ecs_spec": ecs_spec, "runtime_s": 600,
    })
}

fn steps_of(plan: &Value) -> Vec<Value> {
    array(&plan["dry_run"])
}

both_transports!(
    a_training_job_built_from_its_spec_runs_to_succeeded_with_logs,
    training_job_to_succeeded
);

async fn training_job_to_succeeded(transport: Transport) {
    let h = Harness::start(spec(transport)).await;
    let plan = h
        .plan(
            "cp_pai_create_training_job",
            training("e2e-built", "python train.py --epochs 2", "ecs.g7.xlarge"),
        )
        .await;
    assert!(
        str_of(&plan["confirm_phrase"]).starts_with("CONFIRM-COST q-"),
        "{plan:#}"
    );
    let steps = steps_of(&plan);
    assert_eq!(steps.len(), 1, "the account has a workspace: {plan:#}");
    let preview = plan["dry_run"].to_string();
    assert!(
        preview.contains(CPU_IMAGE) && preview.contains("skillgate.plan"),
        "the resolved CPU image and the plan tag are shown: {preview}"
    );
    assert!(
        str_of(&plan["summary"]).contains(CPU_IMAGE),
        "the summary names the image: {plan:#}"
    );
    let checks = plan["checks"].to_string();
    assert!(
        checks.contains("never GPU by default") && checks.contains("\"reuse\""),
        "{checks}"
    );
    let done = h.execute(&plan).await;
    let job_id = str_of(&done["result"]["job_id"]);
    assert!(job_id.starts_with("dlc"), "{done:#}");
    assert_eq!(done["result"]["chip_type"], "CPU", "{done:#}");
    assert_eq!(done["result"]["workspace_created"], false, "{done:#}");
    advance(&h, 300).await;
    let waited = h
        .ok(
            "cp_pai_wait_job_complete",
            json!({"region_id": "cn-hangzhou", "job_id": job_id}),
        )
        .await;
    assert_eq!(waited["operation_status"], "succeeded", "{waited:#}");
    let logs = h
        .ok(
            "cp_pai_get_job_logs",
            json!({"region_id": "cn-hangzhou", "job_id": job_id}),
        )
        .await;
    assert_eq!(logs["status"], "Succeeded", "{logs:#}");
    let text = logs["pods"].to_string();
    assert!(
        text.contains("python train.py --epochs 2") && text.contains("exit code 0"),
        "{logs:#}"
    );

    // A GPU spec picks a GPU image; a CPU spec never does.
    let gpu = h
        .plan(
            "cp_pai_create_training_job",
            training("e2e-gpu", "python train.py", "ecs.gn7i-c8g1.2xlarge"),
        )
        .await;
    let image = str_of(&gpu["diff"]["job_spec"]["image"]);
    assert!(image.contains("gpu") && !image.contains("accl"), "{gpu:#}");
    assert_eq!(gpu["diff"]["job_spec"]["chip_type"], "GPU", "{gpu:#}");

    // Quota mode: resources instead of a spec; billed by the quota, so the quote says so.
    let quota = h
        .plan(
            "cp_pai_create_training_job",
            json!({"region_id": "cn-hangzhou", "display_name": "e2e-quota", "user_command": "python train.py",
                   "cpu": 8, "memory": "32Gi", "resource_id": "quota12345"}),
        )
        .await;
    assert!(
        str_of(&quota["confirm_phrase"]).starts_with("CONFIRM-COST q-"),
        "{quota:#}"
    );
    assert!(
        str_of(&quota["diff"]["cost"]["price_source"]).contains("not estimable"),
        "{quota:#}"
    );
    assert_eq!(
        quota["diff"]["job_spec"]["job_spec"]["ResourceConfig"]["CPU"], 8,
        "{quota:#}"
    );
    assert_eq!(quota["diff"]["job_spec"]["chip_type"], "CPU", "{quota:#}");
    let done = h.execute(&quota).await;
    let job = h
        .ok(
            "cp_pai_get_job",
            json!({"region_id": "cn-hangzhou", "job_id": done["result"]["job_id"]}),
        )
        .await;
    assert_eq!(job["resource_id"], "quota12345", "{job:#}");

    // Bad resource choices: one error naming every problem; nothing planned.
    let both = h
        .refused(
            "cp_pai_create_training_job",
            json!({"region_id": "cn-hangzhou", "display_name": "bad", "user_command": "true",
                   "ecs_spec": "ecs.g7.xlarge", "cpu": 4, "resource_id": "quota-1"}),
            "validation_error",
        )
        .await;
    let text = both.to_string();
    assert!(
        text.contains("exclude each other") && text.contains("`resource_id` names a quota"),
        "{both:#}"
    );
    let neither = h
        .refused(
            "cp_pai_create_training_job",
            json!({"region_id": "cn-hangzhou", "display_name": "bad", "user_command": "true"}),
            "validation_error",
        )
        .await;
    assert!(neither.to_string().contains("ecs_spec"), "{neither:#}");
    let raw = h
        .refused(
            "cp_pai_create_training_job",
            json!({"region_id": "cn-hangzhou", "display_name": "bad", "user_command": "true",
                   "ecs_spec": "ecs.g7.xlarge", "job_specs": [{"Type": "Worker"}]}),
            "validation_error",
        )
        .await;
    assert!(raw.to_string().contains("cp_pai_create_job"), "{raw:#}");
    assert!(
        jobs_named(&h, "bad").await.is_empty(),
        "nothing was created"
    );
}

both_transports!(
    an_account_without_a_workspace_gets_a_visible_workspace_step,
    workspace_step
);

async fn workspace_step(transport: Transport) {
    let h = Harness::start(spec(transport)).await;
    let cleared = h
        .emu
        .admin_post("alibaba/aiworkspace/clear", json!({}))
        .await;
    assert!(!array(&cleared["removed"]).is_empty(), "{cleared:#}");

    // cp_pai_ensure_workspace: a gated create when there is none.
    let ensure = h
        .plan(
            "cp_pai_ensure_workspace",
            json!({"region_id": "cn-hangzhou"}),
        )
        .await;
    assert_eq!(
        str_of(&ensure["confirm_phrase"]),
        "CONFIRM-CREATE alibabacloud_compute_default"
    );
    assert!(
        ensure["dry_run"].to_string().contains("CreateWorkspace"),
        "{ensure:#}"
    );

    // The training job shows the workspace creation as its first step.
    let plan = h
        .plan(
            "cp_pai_create_training_job",
            training("e2e-fresh", "python train.py", "ecs.g7.xlarge"),
        )
        .await;
    let steps = steps_of(&plan);
    assert_eq!(steps.len(), 2, "{plan:#}");
    let first = steps[0].to_string();
    assert!(
        first.contains("CreateWorkspace")
            && first.contains("alibabacloud_compute_default")
            && first.contains("prod"),
        "the workspace step is visible: {first}"
    );
    assert!(steps[1].to_string().contains("CreateJob"), "{plan:#}");
    let done = h.execute(&plan).await;
    assert_eq!(done["result"]["workspace_created"], true, "{done:#}");
    let workspace = str_of(&done["result"]["workspace_id"]);
    assert!(
        !workspace.is_empty() && !workspace.contains("step."),
        "{done:#}"
    );
    let job = h
        .ok(
            "cp_pai_get_job",
            json!({"region_id": "cn-hangzhou", "job_id": done["result"]["job_id"]}),
        )
        .await;
    assert_eq!(str_of(&job["workspace_id"]), workspace, "{job:#}");

    // Now the ensure tool has nothing to do, and its earlier plan went stale.
    let again = h
        .ok(
            "cp_pai_ensure_workspace",
            json!({"region_id": "cn-hangzhou"}),
        )
        .await;
    assert_eq!(again["status"], "nothing_to_do", "{again:#}");
    assert_eq!(
        str_of(&again["result"]["workspace_id"]),
        workspace,
        "{again:#}"
    );
    let stale = h
        .confirm(
            &str_of(&ensure["plan_id"]),
            "CONFIRM-CREATE alibabacloud_compute_default",
        )
        .await;
    assert_eq!(
        stale.is_error,
        Some(true),
        "the account changed since the plan"
    );
    let listed = h
        .ok(
            "cp_pai_list_workspaces",
            json!({"region_id": "cn-hangzhou"}),
        )
        .await;
    assert_eq!(array(&listed["workspaces"]).len(), 1, "{listed:#}");
}

both_transports!(
    a_lost_training_job_answer_still_yields_one_job,
    lost_training_job
);

async fn lost_training_job(transport: Transport) {
    let h = Harness::start(spec(transport)).await;
    let plan = h
        .plan(
            "cp_pai_create_training_job",
            training("e2e-lost-train", "python train.py", "ecs.g7.xlarge"),
        )
        .await;
    h.emu
        .fault("CreateJob", "server_error_after_commit", 1)
        .await;
    let done = h.execute(&plan).await;
    let jobs = jobs_named(&h, "e2e-lost-train").await;
    assert_eq!(jobs.len(), 1, "created exactly once: {jobs:#?}");
    assert_eq!(done["result"]["job_id"], jobs[0]["job_id"], "{done:#}");
    assert_eq!(jobs[0]["tags"]["skillgate.plan"], plan["plan_id"]);
    assert!(
        done["recovered"].to_string().contains("plan's tag"),
        "{done:#}"
    );
    let creates = h.emu.requests_for("CreateJob").await;
    assert_eq!(creates.len(), 1, "never sent twice: {creates:#?}");
}

both_transports!(
    cleanup_jobs_lists_every_id_and_wants_one_batch_phrase,
    cleanup_jobs
);

async fn cleanup_jobs(transport: Transport) {
    let h = Harness::start(spec(transport)).await;
    // Failed jobs have ended: with delete=false there is nothing to do.
    let nothing = h
        .ok(
            "cp_pai_cleanup_jobs",
            json!({"region_id": "cn-hangzhou", "status": "Failed"}),
        )
        .await;
    assert_eq!(nothing["status"], "nothing_to_do", "{nothing:#}");
    assert!(
        nothing["checks"].to_string().contains("delete=true"),
        "{nothing:#}"
    );
    h.refused(
        "cp_pai_cleanup_jobs",
        json!({"region_id": "cn-hangzhou", "status": "Running", "job_ids": [FAILED_JOB]}),
        "validation_error",
    )
    .await;

    let stop = h
        .plan(
            "cp_pai_cleanup_jobs",
            json!({"region_id": "cn-hangzhou", "status": "Running"}),
        )
        .await;
    assert_eq!(str_of(&stop["confirm_phrase"]), "CONFIRM-BATCH STOP 1");
    assert!(
        str_of(&stop["summary"]).contains(RUNNING_JOB)
            && stop["checks"].to_string().contains(RUNNING_JOB),
        "every id is in the plan: {stop:#}"
    );
    let wrong = h
        .confirm(&str_of(&stop["plan_id"]), "CONFIRM-BATCH STOP 2")
        .await;
    assert_eq!(wrong.is_error, Some(true));
    let job = h
        .ok(
            "cp_pai_get_job",
            json!({"region_id": "cn-hangzhou", "job_id": RUNNING_JOB}),
        )
        .await;
    assert_eq!(job["status"], "Running", "nothing happened: {job:#}");
    let stop = h
        .plan(
            "cp_pai_cleanup_jobs",
            json!({"region_id": "cn-hangzhou", "status": "Running"}),
        )
        .await;
    let done = h.execute(&stop).await;
    assert_eq!(done["result"]["stopped"], json!([RUNNING_JOB]), "{done:#}");
    let job = h
        .ok(
            "cp_pai_get_job",
            json!({"region_id": "cn-hangzhou", "job_id": RUNNING_JOB}),
        )
        .await;
    assert_eq!(job["status"], "Stopped", "{job:#}");

    let delete = h
        .plan(
            "cp_pai_cleanup_jobs",
            json!({"region_id": "cn-hangzhou", "status": "Failed", "delete": true}),
        )
        .await;
    assert_eq!(str_of(&delete["confirm_phrase"]), "CONFIRM-BATCH DELETE 1");
    assert!(
        str_of(&delete["summary"]).contains(FAILED_JOB),
        "{delete:#}"
    );
    let done = h.execute(&delete).await;
    assert_eq!(done["result"]["deleted"], json!([FAILED_JOB]), "{done:#}");
    let gone = h
        .ok(
            "cp_pai_cleanup_jobs",
            json!({"region_id": "cn-hangzhou", "status": "Failed", "delete": true}),
        )
        .await;
    assert_eq!(gone["status"], "nothing_to_do", "{gone:#}");
}
