//! CS (2015-12-15) over real HTTP with real ACS3 signatures, signed `x-acs-action: anonymous`
//! as the skill's generic client sends it (so routed by method and path): clusters on the
//! emulated clock (`initial` -> `running`, `deleting` -> `deleted`), `client_token`, node pools,
//! the kubeconfig, the error codes; then each cluster's Kubernetes API on its own port: the
//! bearer token, nodes, Jobs to Succeeded / Failed on the clock, pods by `job-name`, the
//! synthesised log, `kube-system` images, and an injected image-pull failure.

use serde_json::{Value, json};
use skillgate::emulator::alibaba::seed::*;

use crate::support::Emu;

fn create_body(name: &str, token: Option<&str>) -> Value {
    let mut body = json!({
        "name": name, "cluster_type": "ManagedKubernetes", "cluster_spec": "ack.standard",
        "vpcid": VPC_HANGZHOU, "vswitch_ids": [VSW_HANGZHOU], "num_of_nodes": 1,
        "worker_instance_types": ["ecs.g7.xlarge"], "tags": [{"key": "team", "value": "e2e"}],
        "login_password": "Sg-demo-Pass1",
    });
    if let Some(token) = token {
        body["client_token"] = json!(token);
    }
    body
}

/// The bearer token and server of a cluster's kubeconfig (as a client would read them).
async fn kubeconfig(emu: &Emu, cluster: &str) -> (String, String) {
    let answer = emu
        .ok(emu.cs("GET", &format!("/k8s/{cluster}/user_config")))
        .await;
    let config = answer["config"].as_str().unwrap_or_default().to_owned();
    assert!(answer["expiration"].is_string(), "{answer}");
    let field = |key: &str| {
        config
            .lines()
            .find_map(|l| l.trim().strip_prefix(key).map(|v| v.trim().to_owned()))
            .unwrap_or_else(|| panic!("no {key} in {config}"))
    };
    (field("token:"), field("server:"))
}

async fn kube(method: &str, url: &str, token: &str, body: Option<Value>) -> (u16, String) {
    let client = reqwest::Client::new();
    let mut request = client
        .request(method.parse().expect("method"), url)
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("kube API");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

async fn kube_json(method: &str, url: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let (status, text) = kube(method, url, token, body).await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn job(name: &str, image: &str, script: &str) -> Value {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(script);
    json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name, "labels": {"skillgate.plan": "plan-x"}},
        "spec": {"backoffLimit": 3, "template": {"spec": {"restartPolicy": "Never", "containers": [{
            "name": "runner", "image": image, "command": ["/bin/sh", "-c", format!("echo '{encoded}' | base64 -d | sh")]}]}}}})
}

#[tokio::test]
async fn clusters_move_on_the_clock_with_client_token_and_errors() {
    let emu = Emu::start().await;
    let listed = emu.ok(emu.cs("GET", "/api/v1/clusters")).await;
    let names: Vec<&str> = listed["clusters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, [CS_DEMO_CLUSTER_NAME, CS_TEAM_CLUSTER_NAME]);
    assert_eq!(listed["page_info"]["total_count"], 2);
    let regions = emu.ok(emu.cs("GET", "/regions")).await;
    assert!(regions["regions"][0]["regionId"].is_string(), "{regions}");

    let first = emu
        .ok(emu
            .cs("POST", "/clusters")
            .json(create_body("acf-new", Some("tok-1"))))
        .await;
    let again = emu
        .ok(emu
            .cs("POST", "/clusters")
            .json(create_body("acf-new", Some("tok-1"))))
        .await;
    assert_eq!(
        first["cluster_id"], again["cluster_id"],
        "a repeated client_token returns the first answer"
    );
    let id = first["cluster_id"].as_str().unwrap_or_default().to_owned();
    let detail = emu.ok(emu.cs("GET", &format!("/clusters/{id}"))).await;
    assert_eq!(detail["state"], "initial");
    assert_eq!(detail["tags"][0]["key"], "team");
    emu.fails(
        emu.cs("GET", &format!("/k8s/{id}/user_config")),
        400,
        "ErrorClusterState",
    )
    .await;
    emu.fails(
        emu.cs("DELETE", &format!("/clusters/{id}")),
        400,
        "ErrorClusterState",
    )
    .await;
    emu.advance_clock(121).await;
    let detail = emu.ok(emu.cs("GET", &format!("/clusters/{id}"))).await;
    assert_eq!(detail["state"], "running");
    let pools = emu
        .ok(emu.cs("GET", &format!("/clusters/{id}/nodepools")))
        .await;
    assert_eq!(
        pools["nodepools"][0]["status"]["healthy_nodes"], 1,
        "{pools}"
    );

    let bad = emu
        .fails(
            emu.cs("POST", "/clusters").json(json!({"name": "", "container_cidr": "172.20.0.0/16", "service_cidr": "172.20.4.0/24"})),
            400,
            "ErrorParameter",
        )
        .await;
    for problem in ["name is required", "vpcid", "vswitch_ids", "overlaps"] {
        assert!(bad.message().contains(problem), "{}", bad.message());
    }
    // Worker nodes need a login: none, or the masked value of a preview, is refused.
    for login in [json!(null), json!("***")] {
        let refused = emu
            .fails(
                emu.cs("POST", "/clusters").json({
                    let mut b = create_body("no-login", None);
                    b["login_password"] = login.clone();
                    b
                }),
                400,
                "ErrorParameter",
            )
            .await;
        assert!(
            refused.message().contains("login_password"),
            "{}",
            refused.message()
        );
    }
    emu.fails(
        emu.cs("POST", "/clusters").json({
            let mut b = create_body("too-big", None);
            b["num_of_nodes"] = json!(101);
            b
        }),
        400,
        "QuotaExceeded.Node",
    )
    .await;

    let pool = emu
        .ok(emu.cs("POST", &format!("/clusters/{id}/nodepools")).json(json!({
            "nodepool_info": {"name": "acf-nodepool"},
            "scaling_group": {"instance_types": ["ecs.g7.xlarge"], "vswitch_ids": [VSW_HANGZHOU], "desired_size": 2}})))
        .await;
    assert!(
        pool["nodepool_id"]
            .as_str()
            .is_some_and(|p| p.starts_with("np")),
        "{pool}"
    );
    let named = emu
        .ok(emu
            .cs("GET", &format!("/clusters/{id}/nodepools"))
            .query("NodepoolName", "acf-nodepool"))
        .await;
    assert_eq!(
        named["nodepools"].as_array().map(Vec::len),
        Some(1),
        "{named}"
    );
    assert_eq!(named["nodepools"][0]["status"]["state"], "initial");

    emu.ok(emu.cs("DELETE", &format!("/clusters/{id}"))).await;
    let detail = emu.ok(emu.cs("GET", &format!("/clusters/{id}"))).await;
    assert_eq!(detail["state"], "deleting");
    emu.advance_clock(61).await;
    let detail = emu.ok(emu.cs("GET", &format!("/clusters/{id}"))).await;
    assert_eq!(detail["state"], "deleted");
    emu.fails(
        emu.cs("DELETE", &format!("/clusters/{id}")),
        404,
        "ErrorClusterNotFound",
    )
    .await;
    emu.fails(
        emu.cs("GET", "/clusters/c-nope"),
        404,
        "ErrorClusterNotFound",
    )
    .await;
    let left: Vec<Value> = emu
        .created_resources()
        .await
        .into_iter()
        .filter(|r| r["type"] == "ack_cluster")
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn the_kubernetes_api_runs_jobs_on_the_clock_behind_the_clusters_token() {
    let emu = Emu::start().await;
    let (token, server) = kubeconfig(&emu, CS_DEMO_CLUSTER).await;
    assert_eq!(server, emu.handle.kube_endpoint);
    assert_ne!(server, emu.handle.endpoint, "its own port");
    let (status, body) = kube_json("GET", &format!("{server}/api/v1/nodes"), "wrong", None).await;
    assert_eq!(
        (status, body["reason"].as_str()),
        (401, Some("Unauthorized"))
    );
    let (team_token, _) = kubeconfig(&emu, CS_TEAM_CLUSTER).await;
    assert_ne!(team_token, token, "a token per cluster");

    let (status, nodes) = kube_json("GET", &format!("{server}/api/v1/nodes"), &token, None).await;
    assert_eq!(status, 200);
    let items = nodes["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 2, "{nodes}");
    assert_eq!(items[0]["status"]["conditions"][0]["status"], "True");
    let (_, system) = kube_json(
        "GET",
        &format!("{server}/api/v1/namespaces/kube-system/pods?limit=10"),
        &token,
        None,
    )
    .await;
    assert!(
        system.to_string().contains("ack.aliyuncs.com/acs/"),
        "{system}"
    );

    let jobs = format!("{server}/apis/batch/v1/namespaces/default/jobs");
    let script = "echo step one\necho step two\nexit 0\necho never";
    let (status, created) = kube_json(
        "POST",
        &jobs,
        &token,
        Some(job("ok-job", "alpine:3.18", script)),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["metadata"]["labels"]["skillgate.plan"], "plan-x");
    let (status, dup) = kube_json(
        "POST",
        &jobs,
        &token,
        Some(job("ok-job", "alpine:3.18", script)),
    )
    .await;
    assert_eq!(
        (status, dup["reason"].as_str()),
        (409, Some("AlreadyExists"))
    );
    let (status, bad) = kube_json(
        "POST",
        &jobs,
        &token,
        Some(job("Bad_Name", "alpine:3.18", script)),
    )
    .await;
    assert_eq!((status, bad["reason"].as_str()), (422, Some("Invalid")));
    let (_, failing) = kube_json(
        "POST",
        &jobs,
        &token,
        Some(job("bad-job", "alpine:3.18", "echo oops\nexit 3")),
    )
    .await;
    assert!(failing["metadata"]["uid"].is_string());

    let pods_url =
        format!("{server}/api/v1/namespaces/default/pods?labelSelector=job-name%3Dok-job");
    let (_, pods) = kube_json("GET", &pods_url, &token, None).await;
    assert_eq!(pods["items"][0]["status"]["phase"], "Pending", "{pods}");
    emu.advance_clock(16).await;
    let (_, done) = kube_json("GET", &format!("{jobs}/ok-job"), &token, None).await;
    assert_eq!(done["status"]["succeeded"], 1, "{done}");
    assert_eq!(done["status"]["conditions"][0]["type"], "Complete");
    let (_, failed) = kube_json("GET", &format!("{jobs}/bad-job/status"), &token, None).await;
    assert_eq!(
        failed["status"]["conditions"][0]["type"], "Failed",
        "{failed}"
    );

    let (_, pods) = kube_json("GET", &pods_url, &token, None).await;
    assert_eq!(pods["items"].as_array().map(Vec::len), Some(1), "{pods}");
    let pod = pods["items"][0]["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (status, log) = kube(
        "GET",
        &format!("{server}/api/v1/namespaces/default/pods/{pod}/log?tailLines=200"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(log.contains("sha256=") && log.contains("not run"), "{log}");
    assert!(
        log.contains("step one") && log.contains("step two") && !log.contains("never"),
        "{log}"
    );

    // Another cluster's token does not open this cluster's Jobs.
    let (_, theirs) = kube_json("GET", &jobs, &team_token, None).await;
    assert_eq!(
        theirs["items"].as_array().map(Vec::len),
        Some(0),
        "{theirs}"
    );

    let (status, _) = kube_json(
        "DELETE",
        &format!("{jobs}/ok-job"),
        &token,
        Some(json!({"propagationPolicy": "Background"})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, gone) = kube_json("GET", &format!("{jobs}/ok-job"), &token, None).await;
    assert_eq!((status, gone["reason"].as_str()), (404, Some("NotFound")));
}

#[tokio::test]
async fn an_injected_image_pull_failure_keeps_the_pod_waiting() {
    let emu = Emu::start().await;
    let (token, server) = kubeconfig(&emu, CS_DEMO_CLUSTER).await;
    let (status, _) = emu
        .admin(
            "POST",
            "/_emulator/alibaba/cs/pull-failure",
            Some(json!({"image": "example.com/acs/missing:1"})),
        )
        .await;
    assert_eq!(status, 200);
    let jobs = format!("{server}/apis/batch/v1/namespaces/default/jobs");
    kube_json(
        "POST",
        &jobs,
        &token,
        Some(job("pull-job", "example.com/acs/missing:1", "echo x")),
    )
    .await;
    kube_json(
        "POST",
        &jobs,
        &token,
        Some(job("upper-job", "Example.com/BAD", "echo x")),
    )
    .await;
    let reason = |pods: &Value| {
        pods["items"][0]["status"]["containerStatuses"][0]["state"]["waiting"]["reason"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let url = |job: &str| {
        format!("{server}/api/v1/namespaces/default/pods?labelSelector=job-name%3D{job}")
    };
    let (_, pods) = kube_json("GET", &url("pull-job"), &token, None).await;
    assert_eq!(reason(&pods), "ErrImagePull", "{pods}");
    emu.advance_clock(30).await;
    let (_, pods) = kube_json("GET", &url("pull-job"), &token, None).await;
    assert_eq!(reason(&pods), "ImagePullBackOff", "{pods}");
    assert_eq!(pods["items"][0]["status"]["phase"], "Pending");
    let (_, upper) = kube_json("GET", &url("upper-job"), &token, None).await;
    assert_eq!(reason(&upper), "InvalidImageName", "{upper}");
    let (_, still) = kube_json("GET", &format!("{jobs}/pull-job"), &token, None).await;
    assert_eq!(still["status"]["active"], 1, "never completes: {still}");
}
