//! ACK end to end over stdio and HTTP: a one-shot run that reuses the demo `acf-cluster`, runs
//! the script as a Kubernetes Job to Succeeded with its (synthesised) log, deletes its own Job
//! and leaves `team-prod` alone; a Job whose image cannot be pulled ends its wait with the pod's
//! reason; deletes of clusters skillgate did not create are refused; a same-name Job skillgate
//! did not create is replaced only behind `CONFIRM-REPLACE`; the cost gate prices the edition
//! from `cluster_spec`; and the kubeconfig's token never reaches a result or the audit log.

use serde_json::{Value, json};

use crate::both_transports;
use crate::common::{Harness, ServerSpec, Transport, array, str_of};

/// The demo cluster a one-shot run may reuse.
const ACF: &str = "c8d1a3f5e7b9c2d4e6f8a0b1c3d5e7f9a";
/// The demo cluster no workflow may touch.
const TEAM: &str = "c1f3e5d7b9a2c4e6f8d0b2a4c6e8f0d1b";
const VPC: &str = "vpc-bp1opxu1zkhn00gzv26cl";
const VSW: &str = "vsw-bp1ddbrxdlrcbim46v6j7";

fn spec(transport: Transport) -> ServerSpec {
    ServerSpec::new(transport)
        .args(&[
            "--toolsets",
            "compute",
            "--operation-time-scale",
            "0.01",
            "--wait-timeout",
            "10s",
        ])
        .emulator_args(&["--emulator-time-scale", "30"])
}

async fn advance(h: &Harness, seconds: u64) {
    h.emu
        .admin_post("clock/advance", json!({"seconds": seconds}))
        .await;
}

async fn created(h: &Harness) -> Vec<Value> {
    array(&h.emu.admin_get("alibaba/resources?created=true").await["resources"])
}

/// Every Kubernetes bearer token the emulator issued (the admin state shows them).
async fn kube_tokens(h: &Harness) -> Vec<String> {
    let state = h.emu.state().await.to_string();
    let mut tokens = Vec::new();
    let mut rest = state.as_str();
    while let Some(at) = rest.find("sgk8s.") {
        let token: String = rest[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || "._-".contains(*c))
            .collect();
        tokens.push(token);
        rest = &rest[at + 6..];
    }
    assert!(tokens.len() >= 2, "the demo clusters have tokens: {state}");
    tokens
}

/// The kube API endpoint of the emulator (from its startup line).
fn kube_endpoint(h: &Harness) -> String {
    str_of(&h.emu.accounts["kubernetes"]["endpoint"])
}

fn assert_no_token(tokens: &[String], what: &str, text: &str) {
    for token in tokens {
        assert!(
            !text.contains(token.as_str()),
            "a kubeconfig token leaked into {what}"
        );
    }
}

/// Waits for a Job through the wait tool until its operation ends.
async fn wait_job(h: &Harness, cluster: &str, job: &str, uid: &str) -> Value {
    for _ in 0..10 {
        let waited = h
            .ok(
                "cp_ack_wait_job",
                json!({"region_id": "cn-hangzhou", "cluster_id": cluster, "job_name": job,
                    "namespace": "default", "job_uid": uid}),
            )
            .await;
        if waited["operation_status"] != "running" {
            return waited;
        }
        advance(h, 20).await;
    }
    panic!("the Job never ended");
}

both_transports!(a_one_shot_run_reuses_acf_and_cleans_up_its_job, one_shot);

async fn one_shot(transport: Transport) {
    // Trace logging: stderr is searched for the kubeconfig's token at the end too.
    let h = spec(transport).log("trace").start().await;
    let tokens = kube_tokens(&h).await;
    let listed = h
        .ok(
            "cp_ack_describe_clusters",
            json!({"region_id": "cn-hangzhou"}),
        )
        .await;
    let names: Vec<String> = array(&listed["clusters"])
        .iter()
        .map(|c| str_of(&c["name"]))
        .collect();
    assert!(
        names.contains(&"acf-cluster".into()) && names.contains(&"team-prod".into()),
        "{listed:#}"
    );
    let regions = h
        .ok(
            "cp_ack_describe_regions",
            json!({"region_id": "cn-hangzhou"}),
        )
        .await;
    assert!(array(&regions["regions"]).len() >= 3, "{regions:#}");

    let kubeconfig = h
        .ok(
            "cp_ack_get_kubeconfig",
            json!({"region_id": "cn-hangzhou", "cluster_id": ACF}),
        )
        .await;
    assert_eq!(
        str_of(&kubeconfig["server"]),
        kube_endpoint(&h),
        "{kubeconfig:#}"
    );
    assert!(
        str_of(&kubeconfig["auth"]).contains("withheld"),
        "{kubeconfig:#}"
    );
    assert!(!kubeconfig["expiration"].is_null(), "{kubeconfig:#}");
    assert_no_token(&tokens, "the kubeconfig summary", &kubeconfig.to_string());

    // With reuse_any, a missing name falls back to a running acf-* cluster, never team-prod.
    let plan = h
        .plan(
            "cp_ack_create_and_run",
            json!({"region_id": "cn-hangzhou", "script_content": "echo hello from ack\necho done",
                "cluster_name": "acf-missing", "reuse_any": true, "namespace": "default", "job_name": "e2e-once"}),
        )
        .await;
    let phrase = str_of(&plan["confirm_phrase"]);
    assert!(phrase.starts_with("CONFIRM-COST q-"), "{plan:#}");
    assert_eq!(
        plan["diff"]["cost"]["estimated_total"], 0.0,
        "the reused cluster adds no charge: {plan:#}"
    );
    assert!(
        str_of(&plan["summary"]).contains("acf-cluster"),
        "the summary names the reused cluster: {plan:#}"
    );
    let text = plan.to_string();
    assert!(
        text.contains(ACF) && !text.contains(TEAM),
        "reuses acf-cluster only: {plan:#}"
    );
    let preview = plan["dry_run"].to_string();
    assert!(
        preview.contains("/apis/batch/v1/namespaces/default/jobs")
            && preview.contains("skillgate.plan")
            && preview.contains(&str_of(&plan["plan_id"]))
            && preview.contains("base64 -d | sh"),
        "the dry run shows the Job with this plan's label: {preview}"
    );
    assert_no_token(&tokens, "the plan", &text);

    let done = h.execute(&plan).await;
    assert_no_token(&tokens, "the execution", &done.to_string());
    let uid = str_of(&done["result"]["job_uid"]);
    assert!(!uid.is_empty(), "{done:#}");
    assert!(
        str_of(&done["result"]["image"]).contains("/acs/"),
        "image from the cluster's registry: {done:#}"
    );
    advance(&h, 30).await;
    let waited = wait_job(&h, ACF, "e2e-once", &uid).await;
    assert_eq!(waited["operation_status"], "succeeded", "{waited:#}");
    let report = &waited["report"];
    let logs = report["logs"].to_string();
    assert!(
        logs.contains("hello from ack") && logs.contains("sha256="),
        "{waited:#}"
    );
    assert_eq!(
        report["job_deleted"], true,
        "the run deletes its own Job: {waited:#}"
    );
    assert!(
        created(&h).await.is_empty(),
        "nothing left behind: {:#?}",
        created(&h).await
    );
    let team = h
        .ok(
            "cp_ack_describe_cluster_detail",
            json!({"region_id": "cn-hangzhou", "cluster_id": TEAM}),
        )
        .await;
    assert_eq!(
        team["state"], "running",
        "team-prod is left alone: {team:#}"
    );
    let acf = h
        .ok(
            "cp_ack_describe_cluster_detail",
            json!({"region_id": "cn-hangzhou", "cluster_id": ACF}),
        )
        .await;
    assert_eq!(
        acf["state"], "running",
        "a reused cluster is never deleted: {acf:#}"
    );

    // Ensuring the same name reuses it: nothing to confirm.
    let ensured = h
        .ok(
            "cp_ack_ensure_cluster",
            json!({"region_id": "cn-hangzhou", "cluster_name": "acf-cluster"}),
        )
        .await;
    assert_eq!(ensured["status"], "nothing_to_do", "{ensured:#}");
    assert_eq!(str_of(&ensured["result"]["cluster_id"]), ACF, "{ensured:#}");

    let audit = h.audit();
    assert_no_token(
        &tokens,
        "the audit log",
        &serde_json::to_string(&audit).unwrap_or_default(),
    );
    let finished = h.finish().await;
    assert!(
        finished.stderr.contains("TRACE"),
        "trace logging was on, so there was something to search"
    );
    assert_no_token(&tokens, "stderr", &finished.stderr);
}

both_transports!(
    a_one_shot_run_without_a_cluster_creates_and_deletes_its_own,
    one_shot_new_cluster
);

async fn one_shot_new_cluster(transport: Transport) {
    let h = spec(transport).start().await;
    let args = json!({"region_id": "cn-hangzhou", "script_content": "echo on a new cluster",
        "cluster_name": "acf-e2e-new", "vpc_id": VPC, "vswitch_ids": [VSW], "namespace": "default",
        "cluster_spec": "ack.pro.small", "runtime_s": 1800});
    let plan = h.plan("cp_ack_create_and_run", args).await;
    assert!(
        str_of(&plan["confirm_phrase"]).starts_with("CONFIRM-COST q-"),
        "{plan:#}"
    );
    assert_eq!(
        plan["diff"]["cost"]["edition"]["fee_cny_per_hour"], 0.64,
        "{plan:#}"
    );
    let checks = plan["checks"].to_string();
    assert!(
        checks.contains("create_cluster") && checks.contains("CreateCluster"),
        "the create is a shown step: {checks}"
    );
    assert!(checks.contains("\"login_password\":\"***\""), "{checks}");
    assert_eq!(
        plan["diff"]["after_the_script"]["delete_cluster"], true,
        "{plan:#}"
    );
    let done = h.execute(&plan).await;
    assert_eq!(done["result"]["cluster_created"], true, "{done:#}");
    let cluster = str_of(&done["result"]["cluster_id"]);
    assert_eq!(h.emu.requests_for("CreateCluster").await.len(), 1);
    let mut waited = Value::Null;
    for _ in 0..20 {
        advance(&h, 60).await;
        waited = h
            .ok(
                "cp_ack_wait_job",
                json!({"region_id": "cn-hangzhou", "cluster_id": cluster, "job_name": "acf-job", "namespace": "default"}),
            )
            .await;
        if waited["operation_status"] != "running" {
            break;
        }
    }
    assert_eq!(waited["operation_status"], "succeeded", "{waited:#}");
    let report = &waited["report"];
    assert!(
        report["logs"].to_string().contains("on a new cluster"),
        "{waited:#}"
    );
    assert_eq!(report["job_deleted"], true, "{waited:#}");
    assert_eq!(report["cluster_deleted"], true, "{waited:#}");
    assert!(
        created(&h).await.is_empty(),
        "nothing left behind: {:#?}",
        created(&h).await
    );
    let team = h
        .ok(
            "cp_ack_describe_cluster_detail",
            json!({"region_id": "cn-hangzhou", "cluster_id": TEAM}),
        )
        .await;
    assert_eq!(team["state"], "running", "{team:#}");
}

both_transports!(
    an_image_pull_failure_ends_the_wait_with_diagnostics,
    pull_failure
);

async fn pull_failure(transport: Transport) {
    let h = spec(transport).start().await;
    h.emu
        .admin_post("alibaba/cs/pull-failure", json!({"reason": "ErrImagePull"}))
        .await;
    let plan = h
        .plan(
            "cp_ack_run_script_as_job",
            json!({"region_id": "cn-hangzhou", "cluster_id": ACF, "script_content": "echo never",
                "job_name": "e2e-pull", "namespace": "default", "image": "registry.example.com/acs/missing:1"}),
        )
        .await;
    assert_eq!(
        str_of(&plan["confirm_phrase"]),
        "CONFIRM e2e-pull",
        "{plan:#}"
    );
    let done = h.execute(&plan).await;
    let uid = str_of(&done["result"]["job_uid"]);
    advance(&h, 20).await;
    let waited = wait_job(&h, ACF, "e2e-pull", &uid).await;
    assert_eq!(waited["operation_status"], "failed", "{waited:#}");
    let report = &waited["report"];
    let reason = str_of(&report["fatal_reason"]);
    assert!(
        ["ErrImagePull", "ImagePullBackOff"].contains(&reason.as_str()),
        "{waited:#}"
    );
    let pods = array(&report["pods"]);
    assert_eq!(pods.len(), 1, "{waited:#}");
    assert_eq!(str_of(&pods[0]["waiting_reason"]), reason, "{waited:#}");
    assert!(
        str_of(&pods[0]["waiting_message"]).contains("missing:1"),
        "{waited:#}"
    );
    assert_eq!(
        report["job_deleted"], false,
        "a failed run-as-job is kept for inspection: {waited:#}"
    );

    // A script that exits non-zero fails the Job; the wait ends with its log.
    let plan = h
        .plan(
            "cp_ack_run_script_as_job",
            json!({"region_id": "cn-hangzhou", "cluster_id": ACF, "script_content": "echo about to fail\nexit 3",
                "job_name": "e2e-exit", "namespace": "default"}),
        )
        .await;
    let uid = str_of(&h.execute(&plan).await["result"]["job_uid"]);
    advance(&h, 20).await;
    let waited = wait_job(&h, ACF, "e2e-exit", &uid).await;
    assert_eq!(waited["operation_status"], "failed", "{waited:#}");
    assert!(
        waited["report"]["logs"]
            .to_string()
            .contains("about to fail"),
        "{waited:#}"
    );
    assert!(waited["report"]["fatal_reason"].is_null(), "{waited:#}");
}

both_transports!(
    deletes_and_replacements_need_provenance_or_a_named_confirm,
    refusals
);

async fn refusals(transport: Transport) {
    let h = spec(transport).start().await;
    for (tool, cluster) in [
        ("cp_ack_delete_cluster", ACF),
        ("cp_ack_cleanup_resources", TEAM),
    ] {
        let error = h
            .refused(
                tool,
                json!({"region_id": "cn-hangzhou", "cluster_id": cluster}),
                "not_created_by_skillgate",
            )
            .await;
        assert!(error.to_string().contains(cluster), "{error:#}");
    }
    // A Job someone else made, with the name the run wants.
    let token = {
        let state = h.emu.state().await.to_string();
        let at = state.find(&format!("\"id\":\"{ACF}\"")).map_or(0, |i| i);
        let from = state[at..]
            .find("sgk8s.")
            .map(|i| at + i)
            .expect("acf token");
        state[from..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || "._-".contains(*c))
            .collect::<String>()
    };
    let foreign = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "e2e-taken"},
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox", "command": ["sh", "-c", "echo theirs"]}]}}}});
    let made = reqwest::Client::new()
        .post(format!(
            "{}/apis/batch/v1/namespaces/default/jobs",
            kube_endpoint(&h)
        ))
        .bearer_auth(&token)
        .json(&foreign)
        .send()
        .await
        .expect("kube API");
    assert_eq!(made.status().as_u16(), 201);
    let args = json!({"region_id": "cn-hangzhou", "cluster_id": ACF, "script_content": "echo mine",
        "job_name": "e2e-taken", "namespace": "default"});
    let error = h
        .refused(
            "cp_ack_run_script_as_job",
            args.clone(),
            "not_created_by_skillgate",
        )
        .await;
    assert!(
        error.to_string().contains("replace_existing_job"),
        "{error:#}"
    );
    let mut replace = args.clone();
    replace["replace_existing_job"] = json!(true);
    let plan = h.plan("cp_ack_run_script_as_job", replace).await;
    assert_eq!(
        str_of(&plan["confirm_phrase"]),
        "CONFIRM-REPLACE e2e-taken",
        "{plan:#}"
    );
    assert!(
        plan["checks"].to_string().contains("delete_existing_job"),
        "the deletion is a shown step: {plan:#}"
    );
    let wrong = h
        .confirm(&str_of(&plan["plan_id"]), "CONFIRM e2e-taken")
        .await;
    crate::common::expect_error(
        &wrong,
        "confirmation_mismatch",
        "a plain CONFIRM does not replace",
    );
    let plan = h
        .plan("cp_ack_run_script_as_job", {
            let mut a = args.clone();
            a["replace_existing_job"] = json!(true);
            a
        })
        .await;
    let done = h.execute(&plan).await;
    assert_eq!(done["result"]["replaced"], true, "{done:#}");
    // Now the Job is skillgate's: running again shows its deletion under the plain phrase.
    let again = h.plan("cp_ack_run_script_as_job", args.clone()).await;
    assert_eq!(
        str_of(&again["confirm_phrase"]),
        "CONFIRM e2e-taken",
        "{again:#}"
    );
    assert!(
        again["checks"].to_string().contains("delete_existing_job"),
        "{again:#}"
    );

    // The user named ECS: the session stays on it, and no ACK run is planned.
    h.ok(
        "cp_select_product",
        json!({"intent": "run a short job", "user_product": "ecs"}),
    )
    .await;
    h.refused("cp_ack_run_script_as_job", args, "product_locked")
        .await;
}

both_transports!(
    cluster_creates_are_priced_and_only_own_clusters_deleted,
    cluster_lifecycle
);

async fn cluster_lifecycle(transport: Transport) {
    let h = spec(transport).start().await;
    let base = json!({"region_id": "cn-hangzhou", "name": "e2e-pro", "vpc_id": VPC, "vswitch_ids": [VSW],
        "cluster_spec": "ack.pro.small", "num_of_nodes": 1, "runtime_s": 7200});
    let plan = h.plan("cp_ack_create_cluster", base.clone()).await;
    let phrase = str_of(&plan["confirm_phrase"]);
    assert!(phrase.starts_with("CONFIRM-COST q-"), "{plan:#}");
    let cost = &plan["diff"]["cost"];
    assert_eq!(
        cost["edition"]["fee_cny_per_hour"], 0.64,
        "Pro from cluster_spec: {cost:#}"
    );
    assert!(str_of(&cost["formula"]).contains("0.64 CNY/h"), "{cost:#}");
    let preview = plan["dry_run"].to_string();
    assert!(
        preview.contains("\"login_password\":\"***\""),
        "the password is masked: {preview}"
    );
    let basic = h
        .plan("cp_ack_create_cluster", {
            let mut a = base.clone();
            a["cluster_spec"] = json!("ack.standard");
            a["name"] = json!("e2e-basic");
            a
        })
        .await;
    assert_eq!(
        basic["diff"]["cost"]["edition"]["fee_cny_per_hour"], 0.0,
        "{basic:#}"
    );

    h.emu
        .fault("CreateCluster", "server_error_after_commit", 1)
        .await;
    let done = h.execute(&plan).await;
    assert!(
        !done.to_string().contains("login_password\":\"") || done.to_string().contains("***"),
        "{done:#}"
    );
    let cluster = str_of(&done["result"]["cluster_id"]);
    let mine: Vec<Value> = array(
        &h.ok(
            "cp_ack_describe_clusters",
            json!({"region_id": "cn-hangzhou", "name": "e2e-pro"}),
        )
        .await["clusters"],
    );
    assert_eq!(
        mine.len(),
        1,
        "one cluster despite the lost answer (ClientToken): {mine:#?}"
    );
    assert!(
        mine[0]["tags"]
            .to_string()
            .contains(&str_of(&plan["plan_id"])),
        "{mine:#?}"
    );
    assert!(
        h.emu.requests_for("CreateCluster").await.len() >= 2,
        "the create was resent"
    );
    // Ensuring it by name while it is still initial reuses it and says to wait.
    let ensured = h
        .ok(
            "cp_ack_ensure_cluster",
            json!({"region_id": "cn-hangzhou", "cluster_name": "e2e-pro"}),
        )
        .await;
    assert_eq!(ensured["status"], "nothing_to_do", "{ensured:#}");
    assert_eq!(ensured["result"]["state"], "initial", "{ensured:#}");
    assert!(
        ensured["checks"]
            .to_string()
            .contains("cp_ack_wait_cluster"),
        "{ensured:#}"
    );
    advance(&h, 200).await;
    let waited = h
        .ok(
            "cp_ack_wait_cluster",
            json!({"region_id": "cn-hangzhou", "cluster_id": cluster}),
        )
        .await;
    assert_eq!(waited["operation_status"], "succeeded", "{waited:#}");
    assert_eq!(waited["report"]["state"], "running", "{waited:#}");

    let pool = h
        .plan(
            "cp_ack_create_cluster_node_pool",
            json!({"region_id": "cn-hangzhou", "cluster_id": cluster, "name": "e2e-pool", "desired_size": 1}),
        )
        .await;
    assert!(
        str_of(&pool["confirm_phrase"]).starts_with("CONFIRM-COST q-"),
        "{pool:#}"
    );
    h.emu
        .fault("CreateClusterNodePool", "server_error_after_commit", 1)
        .await;
    let added = h.execute(&pool).await;
    assert!(
        str_of(&added["result"]["nodepool_id"]).starts_with("np"),
        "recovered by name: {added:#}"
    );
    let pools = h
        .ok(
            "cp_ack_describe_cluster_node_pools",
            json!({"region_id": "cn-hangzhou", "cluster_id": cluster}),
        )
        .await;
    assert_eq!(array(&pools["nodepools"]).len(), 2, "{pools:#}");

    // An external group skillgate made goes after the cluster; one it did not make is refused.
    let error = h
        .refused(
            "cp_ack_cleanup_resources",
            json!({"region_id": "cn-hangzhou", "cluster_id": cluster, "security_group_id": "sg-bp1fg655nh68xyz9i2mf"}),
            "not_created_by_skillgate",
        )
        .await;
    assert!(
        error.to_string().contains("sg-bp1fg655nh68xyz9i2mf"),
        "{error:#}"
    );
    let group = h
        .plan(
            "cp_ecs_create_security_group",
            json!({"region_id": "cn-hangzhou", "vpc_id": VPC, "security_group_name": "e2e-ack-sg"}),
        )
        .await;
    let group = str_of(&h.execute(&group).await["result"]["security_group_id"]);
    let delete = h
        .plan(
            "cp_ack_cleanup_resources",
            json!({"region_id": "cn-hangzhou", "cluster_id": cluster, "security_group_id": group}),
        )
        .await;
    assert!(delete["checks"].to_string().contains(&group), "{delete:#}");
    assert_eq!(
        str_of(&delete["confirm_phrase"]),
        format!("CONFIRM {cluster}"),
        "{delete:#}"
    );
    h.execute(&delete).await;
    advance(&h, 90).await;
    let gone = h
        .ok(
            "cp_ack_wait_cluster",
            json!({"region_id": "cn-hangzhou", "cluster_id": cluster, "until": "deleted"}),
        )
        .await;
    assert_eq!(gone["operation_status"], "succeeded", "{gone:#}");
    assert_eq!(gone["report"]["security_group_deleted"], true, "{gone:#}");
    let left: Vec<Value> = created(&h)
        .await
        .into_iter()
        .filter(|r| r["type"] == "ack_cluster" || r["type"] == "security_group")
        .collect();
    assert!(left.is_empty(), "{left:#?}");
}

both_transports!(
    ensuring_a_missing_cluster_creates_it_with_a_hidden_login,
    ensure_creates
);

/// `cp_ack_ensure_cluster` with nothing to reuse creates the cluster as a shown step: the
/// plan shows the node login masked, and the emulator (which, like the service, refuses worker
/// nodes without a strong password or a key pair) accepts the generated one.
async fn ensure_creates(transport: Transport) {
    let h = spec(transport).start().await;
    let plan = h
        .plan(
            "cp_ack_ensure_cluster",
            json!({"region_id": "cn-hangzhou", "cluster_name": "acf-ensured", "vpc_id": VPC, "vswitch_ids": [VSW]}),
        )
        .await;
    assert!(
        str_of(&plan["confirm_phrase"]).starts_with("CONFIRM-COST q-"),
        "{plan:#}"
    );
    let shown = plan.to_string();
    assert!(shown.contains("\"login_password\":\"***\""), "{plan:#}");
    let done = h.execute(&plan).await;
    let cluster = str_of(&done["result"]["cluster_id"]);
    assert!(!cluster.is_empty(), "{done:#}");
    let detail = h
        .ok(
            "cp_ack_describe_cluster_detail",
            json!({"region_id": "cn-hangzhou", "cluster_id": cluster}),
        )
        .await;
    assert_eq!(detail["state"], "initial", "{detail:#}");
    assert!(
        !done.to_string().contains("login_password\":\"") || done.to_string().contains("***"),
        "{done:#}"
    );
}
