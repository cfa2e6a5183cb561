//! The composite ECS plans end to end: a one-shot create (new VPC, VSwitch, a group with only the
//! app's port, image by family, the instance) + run + cleanup that leaves nothing the seed did not
//! make; a kept service with its hourly cost; a failure mid-plan rolled back in reverse order; and
//! the refusals (SSH to the world, a cleanup of what skillgate did not create, image_id).

use serde_json::{Value, json};

use crate::both_transports;
use crate::common::{Harness, ServerSpec, Transport, array, expect_error, str_of};

const SCRIPT: &str = "#!/bin/bash\necho computed 42\n";
/// A demo instance the seed made (not skillgate).
const SEEDED_INSTANCE: &str = "i-bp1c215ekaig04d4edao";

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

fn infra_args(name: &str) -> Value {
    json!({
        "region_id": "cn-hangzhou", "instance_type": "ecs.g7.large", "zone_id": "cn-hangzhou-i",
        "instance_name": name, "vpc_name": format!("{name}-vpc"), "runtime_s": 900,
        "ingress_rules": [{"port_range": "8080/8080"}], "internet_max_bandwidth_out": 5,
    })
}

async fn created(h: &Harness) -> Vec<Value> {
    array(&h.emu.admin_get("alibaba/resources?created=true").await["resources"])
}

/// Plans and confirms the composite create; returns the infra record.
async fn create_infra(h: &Harness, name: &str) -> Value {
    let plan = h
        .plan("cp_ecs_create_instance_with_infra", infra_args(name))
        .await;
    let steps: Vec<String> = array(&plan["dry_run"])
        .iter()
        .map(|s| str_of(&s["step"]))
        .collect();
    assert_eq!(
        steps,
        ["vpc", "vswitch", "sg", "egress", "ingress", "run"],
        "every step is in the preview: {plan:#}"
    );
    assert!(str_of(&plan["confirm_phrase"]).starts_with("CONFIRM-COST "));
    let preview = plan["dry_run"].to_string();
    assert!(preview.contains("ClientToken"), "each step has its token");
    assert!(
        !preview.contains("22/22"),
        "a public IP opens no SSH: {preview}"
    );
    assert!(
        array(&plan["checks"])
            .iter()
            .any(|c| c["check"] == "ssh_closed"),
        "{plan:#}"
    );
    assert!(
        plan["diff"]["image"]["image_id"].is_string(),
        "image resolved: {plan:#}"
    );
    let done = h.execute(&plan).await;
    let record = done["result"].clone();
    assert_eq!(record["vpc_is_new"], true, "{done:#}");
    assert_eq!(record["vswitch_is_new"], true, "{done:#}");
    for field in [
        "instance_id",
        "security_group_id",
        "vpc_id",
        "vswitch_id",
        "image_id",
        "hourly_cost",
    ] {
        assert!(
            record[field].is_string(),
            "`{field}` in the record: {done:#}"
        );
    }
    assert!(
        done.to_string().contains("op-"),
        "a Running wait handle: {done:#}"
    );
    h.emu
        .admin_post("clock/advance", json!({"seconds": 40}))
        .await;
    let running = h
        .ok(
            "cp_ecs_wait_instance_running",
            json!({"region_id": "cn-hangzhou", "instance_id": record["instance_id"]}),
        )
        .await;
    assert_eq!(running["operation_status"], "succeeded", "{running:#}");
    record
}

async fn one_shot_leaves_nothing(transport: Transport) {
    let h = spec(transport).start().await;
    assert!(created(&h).await.is_empty());
    let record = create_infra(&h, "oneshot").await;
    assert_eq!(created(&h).await.len(), 4, "VPC, VSwitch, group, instance");

    let args = json!({
        "region_id": "cn-hangzhou", "instance_id": record["instance_id"], "command_content": SCRIPT,
        "security_group_id": record["security_group_id"], "vswitch_id": record["vswitch_id"], "vpc_id": record["vpc_id"],
    });
    let plan = h.plan("cp_ecs_run_command_and_cleanup", args).await;
    assert_eq!(
        str_of(&plan["confirm_phrase"]),
        format!("CONFIRM {}", str_of(&record["instance_id"]))
    );
    let order: Vec<String> = array(&plan["diff"]["after_the_script"]["release_in_order"])
        .iter()
        .map(|r| str_of(&r["kind"]))
        .collect();
    assert_eq!(order, ["instance", "security group", "VSwitch", "VPC"]);
    let done = h.execute(&plan).await;
    let invoke = str_of(&done["result"]["invoke_id"]);
    h.emu
        .admin_post("clock/advance", json!({"seconds": 10}))
        .await;
    let report = h
        .ok("cp_ecs_wait_cleanup", json!({"region_id": "cn-hangzhou", "invoke_id": invoke, "instance_id": record["instance_id"]}))
        .await;
    assert_eq!(report["operation_status"], "succeeded", "{report:#}");
    assert!(
        str_of(&report["report"]["script"]["output"]).contains("computed 42"),
        "{report:#}"
    );
    assert_eq!(report["report"]["left_behind"], json!([]), "{report:#}");
    assert!(
        created(&h).await.is_empty(),
        "nothing is left: {:#?}",
        created(&h).await
    );
    h.finish().await;
}
both_transports!(
    a_one_shot_run_leaves_nothing_behind,
    one_shot_leaves_nothing
);

async fn kept_service(transport: Transport) {
    let h = spec(transport).start().await;
    let record = create_infra(&h, "svc").await;
    assert!(str_of(&record["hourly_cost"]).ends_with("/h"), "{record:#}");
    let plan = h
        .plan(
            "cp_ecs_run_command_and_wait",
            json!({"region_id": "cn-hangzhou", "instance_id": record["instance_id"], "command_content": "nohup python3 -m http.server 8080 &\necho started"}),
        )
        .await;
    let done = h.execute(&plan).await;
    h.emu
        .admin_post("clock/advance", json!({"seconds": 10}))
        .await;
    let waited = h
        .ok("cp_ecs_wait_invocation", json!({"region_id": "cn-hangzhou", "invoke_id": done["result"]["invoke_id"], "instance_id": record["instance_id"]}))
        .await;
    assert_eq!(waited["operation_status"], "succeeded", "{waited:#}");
    assert!(str_of(&waited["report"]["next"]).contains("billed hourly"));
    assert_eq!(created(&h).await.len(), 4, "the service is kept");
    h.finish().await;
}
both_transports!(a_kept_service_stays_with_its_hourly_cost, kept_service);

async fn rollback_mid_plan(transport: Transport) {
    let h = spec(transport).start().await;
    let plan = h
        .plan("cp_ecs_create_instance_with_infra", infra_args("rollback"))
        .await;
    h.emu
        .admin_post(
            "faults",
            json!({"action": "RunInstances", "kind": "server_error", "times": 20}),
        )
        .await;
    let failed = h
        .confirm(&str_of(&plan["plan_id"]), &str_of(&plan["confirm_phrase"]))
        .await;
    let error = expect_error(
        &failed,
        "provider_unavailable",
        "RunInstances failing mid-plan",
    );
    let rolled: Vec<String> = array(&error["details"]["rollback"])
        .iter()
        .map(|r| format!("{}:{}", str_of(&r["step"]), str_of(&r["rollback"])))
        .collect();
    assert_eq!(
        rolled,
        [
            "ingress:none declared",
            "egress:none declared",
            "sg:done",
            "vswitch:done",
            "vpc:done"
        ],
        "{error:#}"
    );
    assert!(created(&h).await.is_empty(), "{:#?}", created(&h).await);
    h.finish().await;
}
both_transports!(a_failure_mid_plan_is_rolled_back, rollback_mid_plan);

async fn refusals(transport: Transport) {
    let h = spec(transport).start().await;
    let mut world_ssh = infra_args("bad");
    world_ssh["ingress_rules"] = json!([{"port_range": "22/22"}, {"port_range": "3306/3306", "source_cidr_ip": "0.0.0.0/0"}, {"port_range": "8080/8080"}]);
    world_ssh["ssh_source_cidr"] = json!("0.0.0.0/0");
    let refused = h.call("cp_ecs_create_instance_with_infra", world_ssh).await;
    let error = expect_error(&refused, "validation_error", "SSH and MySQL to the world");
    let message = error.to_string();
    for problem in [
        "ingress_rules[0]",
        "22 (SSH)",
        "ingress_rules[1]",
        "3306 (MySQL)",
        "ssh_source_cidr",
    ] {
        assert!(
            message.contains(problem),
            "all problems at once ({problem}): {message}"
        );
    }
    let open = h
        .call(
            "cp_ecs_authorize_security_group",
            json!({"region_id": "cn-hangzhou", "security_group_id": "sg-bp1fg655nh68xyz9i2mf", "port_range": "3389/3389"}),
        )
        .await;
    expect_error(&open, "validation_error", "RDP to the world");

    let mut with_image = infra_args("img");
    with_image["image_id"] = json!("aliyun_3_x64_20G_alibase_20250117.vhd");
    let refused = h
        .call("cp_ecs_create_instance_with_infra", with_image)
        .await;
    assert_eq!(refused.is_error, Some(true));

    let cleanup = h
        .call(
            "cp_ecs_run_command_and_cleanup",
            json!({"region_id": "cn-hangzhou", "instance_id": SEEDED_INSTANCE, "command_content": SCRIPT, "security_group_id": "sg-bp1fg655nh68xyz9i2mf"}),
        )
        .await;
    let error = expect_error(&cleanup, "not_created_by_skillgate", "a seeded instance");
    assert!(error.to_string().contains(SEEDED_INSTANCE), "{error:#}");
    assert!(
        error.to_string().contains("sg-bp1fg655nh68xyz9i2mf"),
        "{error:#}"
    );

    // The network is reused when it exists: nothing to confirm.
    let reuse = h
        .ok(
            "cp_vpc_ensure_vpc_and_vswitch",
            json!({"region_id": "cn-hangzhou", "zone_id": "cn-hangzhou-h", "vpc_id": "vpc-bp1opxu1zkhn00gzv26cl", "vswitch_id": "vsw-bp1ddbrxdlrcbim46v6j7"}),
        )
        .await;
    assert_eq!(reuse["status"], "nothing_to_do", "{reuse:#}");
    assert_eq!(reuse["result"]["vswitch_is_new"], false, "{reuse:#}");
    assert!(created(&h).await.is_empty());
    h.finish().await;
}
both_transports!(unsafe_and_foreign_requests_are_refused, refusals);
