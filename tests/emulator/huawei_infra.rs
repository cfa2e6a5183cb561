//! The resource side of ModelArts on the Huawei front, signed as the SDK signs: a pool's life
//! on the clock (network, create, nodes joining, scale, batch node delete, delete), the demo
//! pool refused while its service runs, a v2 service through deploy, update, stop and delete,
//! v1 services started, stopped and deleted, and a Lite Server with its operations.

use serde_json::{Value, json};

use super::huawei::Huawei;

fn pool_body(name: &str, network: &str, count: u64) -> Value {
    json!({
        "apiVersion": "v2", "kind": "Pool",
        "metadata": {"labels": {"os.modelarts/name": name}, "annotations": {"os.modelarts/billing.mode": "0"}},
        "spec": {"type": "Dedicate", "scope": ["Train", "Infer"], "network": {"name": network},
                 "resources": [{"flavor": "modelarts.vm.gpu.t4u8", "count": count, "maxCount": count}]},
    })
}

fn phases(nodes: &Value) -> Vec<String> {
    nodes["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|n| n["status"]["phase"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_pool_is_created_on_a_network_scaled_shrunk_by_node_and_deleted() {
    let hw = Huawei::start().await;
    let network = hw
        .ok(
            "POST",
            "v1/{p}/networks",
            Some(json!({"apiVersion": "v1", "kind": "Network",
                "metadata": {"labels": {"os.modelarts/name": "net-a"}}, "spec": {"cidr": "10.8.0.0/16"}})),
        )
        .await;
    let network_id = network["metadata"]["name"].as_str().expect("id").to_owned();
    let early = hw
        .call(
            "POST",
            "v2/{p}/pools",
            Some(pool_body("pool-a", &network_id, 2)),
        )
        .await;
    assert_eq!(
        (early.status, early.code()),
        (409, "ModelArts.50025001"),
        "a Creating network is refused: {}",
        early.body
    );
    let public = hw
        .call(
            "POST",
            "v1/{p}/networks",
            Some(json!({"apiVersion": "v1", "kind": "Network",
                "metadata": {"labels": {"os.modelarts/name": "net-b"}}, "spec": {"cidr": "8.8.0.0/16"}})),
        )
        .await;
    assert_eq!(public.code(), "ModelArts.50004000");
    hw.advance(10).await;
    let pool = hw
        .ok(
            "POST",
            "v2/{p}/pools",
            Some(pool_body("pool-a", &network_id, 2)),
        )
        .await;
    let id = pool["metadata"]["name"]
        .as_str()
        .expect("pool id")
        .to_owned();
    assert_eq!(pool["status"]["phase"], "Creating");
    assert_eq!(pool["status"]["resources"]["creating"]["count"], 2);
    let twice = hw
        .call(
            "POST",
            "v2/{p}/pools",
            Some(pool_body("pool-a", &network_id, 2)),
        )
        .await;
    assert_eq!(twice.status, 409);
    let scale_early = hw
        .call(
            "PATCH",
            &format!("v2/{{p}}/pools/{id}"),
            Some(json!({"spec": {"resources": [{"flavor": "modelarts.vm.gpu.t4u8", "count": 3}]}})),
        )
        .await;
    assert_eq!(scale_early.status, 409, "a Creating pool cannot scale");
    hw.advance(130).await;
    let shown = hw.ok("GET", &format!("v2/{{p}}/pools/{id}"), None).await;
    assert_eq!(shown["status"]["phase"], "Running");
    assert_eq!(shown["status"]["scope"][0]["state"], "Enabled");
    let nodes = hw
        .ok("GET", &format!("v2/{{p}}/pools/{id}/nodes"), None)
        .await;
    assert_eq!(phases(&nodes), ["Available", "Available"]);
    let scaled = hw
        .ok(
            "PATCH",
            &format!("v2/{{p}}/pools/{id}"),
            Some(json!({"spec": {"resources": [{"flavor": "modelarts.vm.gpu.t4u8", "count": 3}]}})),
        )
        .await;
    assert_eq!(scaled["spec"]["resources"][0]["count"], 3);
    let nodes = hw
        .ok("GET", &format!("v2/{{p}}/pools/{id}/nodes"), None)
        .await;
    assert_eq!(phases(&nodes), ["Available", "Available", "Creating"]);
    let creating = nodes["items"][2]["metadata"]["name"]
        .as_str()
        .expect("name")
        .to_owned();
    let busy = hw
        .call(
            "POST",
            &format!("v2/{{p}}/pools/{id}/nodes/batch-delete"),
            Some(json!({"deleteNodeNames": [creating]})),
        )
        .await;
    assert_eq!(
        busy.status, 409,
        "a Creating node cannot be deleted: {}",
        busy.body
    );
    let unknown = hw
        .call(
            "POST",
            &format!("v2/{{p}}/pools/{id}/nodes/batch-delete"),
            Some(json!({"deleteNodeNames": ["os-node-nope"]})),
        )
        .await;
    assert_eq!(unknown.status, 404);
    let first = nodes["items"][0]["metadata"]["name"]
        .as_str()
        .expect("name")
        .to_owned();
    hw.ok(
        "POST",
        &format!("v2/{{p}}/pools/{id}/nodes/batch-delete"),
        Some(json!({"deleteNodeNames": [first]})),
    )
    .await;
    let shown = hw.ok("GET", &format!("v2/{{p}}/pools/{id}"), None).await;
    assert_eq!(
        shown["spec"]["resources"][0]["count"], 2,
        "the node pool shrinks with the node"
    );
    hw.advance(130).await;
    let nodes = hw
        .ok("GET", &format!("v2/{{p}}/pools/{id}/nodes"), None)
        .await;
    assert_eq!(phases(&nodes), ["Available", "Available"]);
    let in_use = hw
        .call("DELETE", &format!("v1/{{p}}/networks/{network_id}"), None)
        .await;
    assert_eq!(in_use.status, 409, "the network is used by the pool");
    let deleted = hw.ok("DELETE", &format!("v2/{{p}}/pools/{id}"), None).await;
    assert_eq!(deleted["status"]["phase"], "Deleting");
    hw.advance(40).await;
    let gone = hw.call("GET", &format!("v2/{{p}}/pools/{id}"), None).await;
    assert_eq!((gone.status, gone.code()), (404, "ModelArts.50015001"));
    hw.ok("DELETE", &format!("v1/{{p}}/networks/{network_id}"), None)
        .await;
}

async fn demo_pool(hw: &Huawei) -> String {
    let pools = hw.ok("GET", "v2/{p}/pools", None).await;
    pools["items"][0]["metadata"]["name"]
        .as_str()
        .expect("demo pool")
        .to_owned()
}

#[tokio::test]
async fn the_demo_pool_is_refused_while_its_service_runs_and_a_service_lives_its_life() {
    let hw = Huawei::start().await;
    let pool = demo_pool(&hw).await;
    let workloads = hw
        .ok("GET", &format!("v2/{{p}}/pools/{pool}/workloads"), None)
        .await;
    assert_eq!(workloads["items"][0]["type"], "infer");
    let refused = hw
        .call("DELETE", &format!("v2/{{p}}/pools/{pool}"), None)
        .await;
    assert_eq!(refused.status, 409);
    assert!(
        refused.body["error_msg"]
            .as_str()
            .unwrap_or_default()
            .contains("workload")
    );

    let body = json!({
        "name": "svc-a", "type": "REAL_TIME", "deploy_type": "SINGLE",
        "group_configs": [{"name": "g", "weight": 100, "count": 1, "pool_id": pool,
            "unit_configs": [{"image": {"source": "SWR", "swr_path": "swr.example/infer:1"}, "flavor": "modelarts.vm.gpu.t4u8"}]}],
        "runtime_config": {"service_invoke": {"port": 8080, "protocol": "HTTP", "auth_type": "NONE"},
            "service_limit": {"rate_limit": {"num": 10, "unit": "SECONDS"}, "request_size_limit": 10, "request_timeout": 30}},
    });
    let mut bad = body.clone();
    bad["runtime_config"]["service_limit"]["request_timeout"] = json!(9000);
    assert_eq!(
        hw.call("POST", "v2/{p}/services", Some(bad)).await.status,
        400
    );
    let created = hw.ok("POST", "v2/{p}/services", Some(body.clone())).await;
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(created["status"], "DEPLOYING");
    assert_eq!(
        hw.call("POST", "v2/{p}/services", Some(body)).await.code(),
        "ModelArts.3503"
    );
    let listed = hw.ok("GET", "v2/{p}/services", None).await;
    assert_eq!(listed["total"], 3, "the two demo services and this one");
    hw.advance(61).await;
    let running = hw.ok("GET", &format!("v2/{{p}}/services/{id}"), None).await;
    assert_eq!(running["status"], "RUNNING");
    let updated = hw
        .ok(
            "PUT",
            &format!("v2/{{p}}/services/{id}"),
            Some(json!({"description": "two"})),
        )
        .await;
    assert_eq!(updated["status"], "UPGRADING");
    hw.advance(21).await;
    let stopped = hw
        .ok("POST", &format!("v2/{{p}}/services/{id}/stop"), None)
        .await;
    assert_eq!(stopped["status"], "STOPPING");
    hw.advance(11).await;
    let again = hw
        .call("POST", &format!("v2/{{p}}/services/{id}/stop"), None)
        .await;
    assert_eq!(again.code(), "ModelArts.3519");
    let deleted = hw
        .ok(
            "POST",
            "v2/{p}/services/delete",
            Some(json!({"service_ids": [id]})),
        )
        .await;
    assert_eq!(deleted["service_responses"][0]["status"], "DELETING");
    let gone = hw
        .call("GET", &format!("v2/{{p}}/services/{id}"), None)
        .await;
    assert_eq!((gone.status, gone.code()), (404, "ModelArts.3502"));

    let services = hw.ok("GET", "v2/{p}/services", None).await;
    let demo = services["data"]
        .as_array()
        .and_then(|all| all.iter().find(|s| s["status"] == "RUNNING"))
        .and_then(|s| s["id"].as_str())
        .expect("the running demo service")
        .to_owned();
    hw.ok("POST", &format!("v2/{{p}}/services/{demo}/stop"), None)
        .await;
    hw.advance(11).await;
    let deleted = hw
        .ok("DELETE", &format!("v2/{{p}}/pools/{pool}"), None)
        .await;
    assert_eq!(
        deleted["status"]["phase"], "Deleting",
        "no workload once the service stopped"
    );
}

#[tokio::test]
async fn v1_services_start_stop_and_delete_by_id_list() {
    let hw = Huawei::start().await;
    let listed = hw.ok("GET", "v1/{p}/services", None).await;
    assert_eq!(listed["total_count"], 2);
    let by_status = |status: &str| {
        listed["services"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["status"] == status))
            .and_then(|s| s["service_id"].as_str())
            .expect("a demo v1 service")
            .to_owned()
    };
    let (running, stopped) = (by_status("running"), by_status("stopped"));
    hw.ok(
        "PUT",
        &format!("v1/{{p}}/services/{stopped}"),
        Some(json!({"status": "running"})),
    )
    .await;
    let deploying = hw
        .ok("GET", &format!("v1/{{p}}/services/{stopped}"), None)
        .await;
    assert_eq!(deploying["status"], "deploying");
    let wrong = hw
        .call(
            "PUT",
            &format!("v1/{{p}}/services/{stopped}"),
            Some(json!({"status": "running"})),
        )
        .await;
    assert_eq!(wrong.code(), "ModelArts.3519");
    let missing = hw
        .call("DELETE", &format!("v1/{{p}}/services/{running},nope"), None)
        .await;
    assert_eq!(
        missing.status, 404,
        "nothing is deleted when one id is unknown"
    );
    hw.ok(
        "DELETE",
        &format!("v1/{{p}}/services/{running},{stopped}"),
        None,
    )
    .await;
    let after = hw.ok("GET", "v1/{p}/services", None).await;
    assert_eq!(after["total_count"], 0);
}

#[tokio::test]
async fn a_lite_server_is_created_stopped_and_deleted_with_its_operations() {
    let hw = Huawei::start().await;
    let images = hw.ok("GET", "v1/{p}/dev-servers/images", None).await;
    let image = images["data"]
        .as_array()
        .and_then(|all| all.iter().find(|i| i["server_type"] == "ECS"))
        .and_then(|i| i["image_id"].as_str())
        .expect("an ECS image")
        .to_owned();
    let body = json!({
        "name": "lite-a", "flavor": "modelarts.ecs.gpu.p2s.2xlarge", "image_id": image,
        "admin_pass": "Secret-Pass-123", "root_volume": {"type": "SSD", "size": 100},
        "network": {"vpc_id": "v", "subnet_id": "s", "security_group_id": "g"},
        "charging_info": {"charging_mode": "PRE_PAID"},
    });
    let no_period = hw
        .call("POST", "v1/{p}/dev-servers", Some(body.clone()))
        .await;
    assert_eq!(no_period.status, 400, "{}", no_period.body);
    let mut body = body;
    body["charging_info"] =
        json!({"charging_mode": "PRE_PAID", "period_type": "MONTH", "period_num": 1});
    let created = hw.ok("POST", "v1/{p}/dev-servers", Some(body)).await;
    assert!(
        !created.to_string().contains("Secret-Pass-123"),
        "the password is never echoed"
    );
    assert_eq!(created["status"], "CREATING");
    assert!(created["order_id"].as_str().is_some_and(|o| !o.is_empty()));
    let id = created["id"].as_str().expect("id").to_owned();
    let op = created["operation_id"]
        .as_str()
        .expect("operation")
        .to_owned();
    let pending = hw
        .ok(
            "GET",
            &format!("v1/{{p}}/dev-servers/{id}/operation/{op}"),
            None,
        )
        .await;
    assert_eq!(pending["operation_status"], "RUNNING");
    hw.advance(91).await;
    let done = hw
        .ok(
            "GET",
            &format!("v1/{{p}}/dev-servers/{id}/operation/{op}"),
            None,
        )
        .await;
    assert_eq!(
        (
            done["operation_type"].as_str(),
            done["operation_status"].as_str()
        ),
        (Some("CREATE"), Some("SUCCESS"))
    );
    let stopped = hw
        .ok("PUT", &format!("v1/{{p}}/dev-servers/{id}/stop"), None)
        .await;
    assert_eq!(stopped["status"], "STOPPING");
    let twice = hw
        .call("PUT", &format!("v1/{{p}}/dev-servers/{id}/stop"), None)
        .await;
    assert_eq!(twice.status, 409);
    hw.advance(21).await;
    hw.ok("DELETE", &format!("v1/{{p}}/dev-servers/{id}"), None)
        .await;
    hw.advance(21).await;
    assert_eq!(
        hw.call("GET", &format!("v1/{{p}}/dev-servers/{id}"), None)
            .await
            .status,
        404
    );
}
