//! The compute toolset end to end: intent -> product -> region -> validated script -> real quote,
//! the comparison of two candidates, the session's product lock, and the refusals of the planning
//! tools (a missing script, an empty one, UserData).

use serde_json::json;

use crate::both_transports;
use crate::common::{Harness, ServerSpec, Transport, array, str_of};

fn spec(transport: Transport) -> ServerSpec {
    ServerSpec::new(transport).args(&["--toolsets", "compute"])
}

const SCRIPT: &str = "#!/bin/bash\nset -e\npip install numpy\npython3 -c 'import numpy; print(numpy.arange(10).sum())'\n";

async fn plan_a_one_shot_run(transport: Transport) {
    let h = Harness::start(spec(transport)).await;
    let product = h
        .ok(
            "cp_select_product",
            json!({"intent": "sum some numbers with numpy once", "script_content": SCRIPT}),
        )
        .await;
    assert_eq!(product["product"], "ecs", "{product:#}");
    assert_eq!(product["comparison_required"], false);
    let region = h
        .ok(
            "cp_select_region",
            json!({"script_content": SCRIPT, "intent": "sum numbers"}),
        )
        .await;
    assert_eq!(
        region["region"], "ap-southeast-1",
        "pip install is an overseas dependency: {region:#}"
    );
    assert!(str_of(&region["show"]).starts_with("Region: ap-southeast-1 / Reason: "));
    let checked = h
        .ok("cp_validate_script", json!({"script_content": SCRIPT}))
        .await;
    assert_eq!(checked["valid"], true);
    assert_eq!(checked["language"], "shell");
    assert_eq!(checked["long_running"], false);
    assert!(
        !checked.to_string().contains("numpy.arange"),
        "the script is never echoed"
    );

    let quote = h
        .ok("cp_estimate_cost", json!({"region_id": "ap-southeast-1", "instance_type": "ecs.g7.large", "runtime_s": 1800}))
        .await;
    let unit = quote["unit_price_per_hour"].as_f64().expect("unit price");
    let price = h
        .ok(
            "cp_ecs_describe_price",
            json!({"region_id": "ap-southeast-1", "instance_type": "ecs.g7.large"}),
        )
        .await;
    assert_eq!(
        price["trade_price"].as_f64(),
        Some(unit),
        "the quote is DescribePrice's: {quote:#} {price:#}"
    );
    let total = quote["estimated_total"].as_f64().expect("total");
    assert!(
        (total - unit / 2.0).abs() < 0.001,
        "half an hour: {quote:#}"
    );
    assert!(str_of(&quote["quote_id"]).starts_with("q-"));
    assert_eq!(quote["spec"]["vcpu"], 2);
    for field in [
        "Unit price",
        "Estimated runtime",
        "Estimated total",
        "Billing",
        "PostPaid",
    ] {
        assert!(
            str_of(&quote["template"]).contains(field),
            "{field}: {quote:#}"
        );
    }
    // The same spec at the same price is the same quote.
    let again = h
        .ok("cp_estimate_cost", json!({"region_id": "ap-southeast-1", "instance_type": "ecs.g7.large", "runtime_s": 1800}))
        .await;
    assert_eq!(again["quote_id"], quote["quote_id"]);

    // Over budget: a cheaper spec of the same family, priced for real.
    let tight = h
        .ok("cp_estimate_cost", json!({"region_id": "cn-hangzhou", "instance_type": "ecs.g7.2xlarge", "runtime_s": 36000, "budget": "1 USD"}))
        .await;
    assert_eq!(tight["within_budget"], false, "{tight:#}");
    let cheaper = array(&tight["over_budget"]["cheaper_specs"]);
    assert!(!cheaper.is_empty(), "{tight:#}");
    assert!(str_of(&cheaper[0]["instance_type"]).starts_with("ecs.g7."));
    assert!(cheaper[0]["estimated_total"].as_f64() < tight["estimated_total"].as_f64());

    let table = h
        .ok(
            "cp_compare_options",
            json!({"region_id": "cn-hangzhou", "runtime_s": 3600, "candidates": [
                {"product": "ecs", "instance_type": "ecs.gn7i-c8g1.2xlarge"},
                {"product": "pai-dlc", "instance_type": "ecs.gn7i-c8g1.2xlarge", "count": 2},
            ]}),
        )
        .await;
    let rows = array(&table["table"]);
    assert_eq!(rows.len(), 2, "{table:#}");
    assert_eq!(
        table["recommendation"]["candidate"], 0,
        "one instance costs less than two workers: {table:#}"
    );
    assert!(rows[1]["estimated_total"].as_f64() > rows[0]["estimated_total"].as_f64());

    let found = h
        .ok(
            "cp_ecs_find_available_instance_type",
            json!({"region_id": "cn-hangzhou", "cores": 2, "memory": 8}),
        )
        .await;
    assert!(
        str_of(&found["zone_id"]).starts_with("cn-hangzhou-"),
        "{found:#}"
    );
    assert!(
        found["unit_price_per_hour"]
            .as_f64()
            .is_some_and(|p| p > 0.0)
    );
    h.finish().await;
}
both_transports!(plan_a_one_shot_run, plan_a_one_shot_run);

async fn the_planning_refusals(transport: Transport) {
    let h = Harness::start(spec(transport)).await;
    let missing = h
        .refused(
            "cp_validate_script",
            json!({"script_path": "/nonexistent/train.py"}),
            "script_not_found",
        )
        .await;
    assert!(
        str_of(&missing["message"]).contains("Script not found: /nonexistent/train.py"),
        "{missing:#}"
    );
    h.refused(
        "cp_validate_script",
        json!({"script_content": "# TODO\n"}),
        "script_incomplete",
    )
    .await;
    h.refused(
        "cp_validate_script",
        json!({"script_content": "echo hi", "user_data": "ZWNobw=="}),
        "validation_error",
    )
    .await;
    h.refused(
        "cp_validate_script",
        json!({"script_content": "echo hi", "script_path": "/tmp/x.sh"}),
        "validation_error",
    )
    .await;

    // The user named FC: the session stays on it.
    let locked = h
        .ok(
            "cp_select_product",
            json!({"intent": "run a short job", "user_product": "fc"}),
        )
        .await;
    assert_eq!(locked["locked_product"], "fc");
    h.refused(
        "cp_select_product",
        json!({"intent": "run a short job", "user_product": "ecs"}),
        "product_locked",
    )
    .await;
    let still = h
        .ok("cp_select_product", json!({"intent": "host my web site"}))
        .await;
    assert_eq!(
        still["product"], "fc",
        "the lock wins over the tree: {still:#}"
    );
    h.finish().await;
}
both_transports!(the_planning_refusals, the_planning_refusals);

fn run_args(extra: serde_json::Value) -> serde_json::Value {
    let mut args = json!({
        "region_id": "cn-hangzhou", "instance_type": "ecs.g7.large", "zone_id": "cn-hangzhou-h",
        "vswitch_id": "vsw-bp1ddbrxdlrcbim46v6j7", "security_group_id": "sg-bp1fg655nh68xyz9i2mf",
        "image_id": "aliyun_3_x64_20G_alibase_20250117.vhd", "runtime_s": 600,
    });
    if let (Some(map), Some(more)) = (args.as_object_mut(), extra.as_object()) {
        map.extend(more.clone());
    }
    args
}

/// The cost gate: the quote in the preview and the phrase, a stale quote refused, a price change
/// after the plan refused at confirmation, the waiver on record, stock and UserData refusals. No
/// RunInstances is ever sent by any of it.
async fn the_cost_gate(transport: Transport) {
    let h = Harness::start(spec(transport)).await;
    let quote = h
        .ok("cp_estimate_cost", json!({"region_id": "cn-hangzhou", "instance_type": "ecs.g7.large", "zone_id": "cn-hangzhou-h", "runtime_s": 600}))
        .await;
    let quote_id = str_of(&quote["quote_id"]);
    let plan = h
        .plan(
            "cp_ecs_run_instances",
            run_args(json!({"quote_id": quote_id})),
        )
        .await;
    assert_eq!(
        plan["confirm_phrase"],
        format!("CONFIRM-COST {quote_id}"),
        "{plan:#}"
    );
    let cost = &plan["diff"]["cost"];
    for field in [
        "unit_price_per_hour",
        "runtime_s",
        "estimated_total",
        "billing",
        "release_policy",
    ] {
        assert!(!cost[field].is_null(), "{field} in the preview: {plan:#}");
    }
    assert_eq!(cost["unit_price_per_hour"], quote["unit_price_per_hour"]);

    // A wrong phrase cancels the plan; nothing is sent.
    let wrong = h.confirm(str_of(&plan["plan_id"]).as_str(), "yes").await;
    crate::common::expect_error(&wrong, "confirmation_mismatch", "a plain yes");

    // The price changes after the plan: the confirmation re-checks the quote and refuses.
    let plan = h
        .plan(
            "cp_ecs_run_instances",
            run_args(json!({"quote_id": quote_id})),
        )
        .await;
    h.emu
        .admin_post(
            "alibaba/ecs/price",
            json!({"instance_type": "ecs.g7.large", "hourly_price": 9.99}),
        )
        .await;
    let stale = h
        .confirm(
            str_of(&plan["plan_id"]).as_str(),
            str_of(&plan["confirm_phrase"]).as_str(),
        )
        .await;
    crate::common::expect_error(&stale, "stale_plan", "a price change since the plan");
    // The old quote is refused outright when planning again.
    let refused = h
        .refused(
            "cp_ecs_run_instances",
            run_args(json!({"quote_id": quote_id})),
            "stale_plan",
        )
        .await;
    assert!(
        refused["details"]["unit_price_per_hour"].as_f64() > quote["unit_price_per_hour"].as_f64(),
        "the new price is shown: {refused:#}"
    );

    // The waiver: recorded, still a confirmation step with its own phrase.
    let waived = h
        .plan(
            "cp_ecs_run_instances",
            run_args(json!({"user_waived_confirmation": true, "waiver_statement": "no need to ask me, just run it"})),
        )
        .await;
    assert!(
        str_of(&waived["confirm_phrase"]).starts_with("CONFIRM-COST-WAIVED q-"),
        "{waived:#}"
    );
    assert_eq!(waived["waiver"], "no need to ask me, just run it");
    assert!(
        !waived["diff"]["cost"]["estimated_total"].is_null(),
        "the estimate is still shown"
    );
    h.refused(
        "cp_ecs_run_instances",
        run_args(json!({"user_waived_confirmation": true})),
        "validation_error",
    )
    .await;
    h.call("cancel", json!({"plan_id": waived["plan_id"]}))
        .await;

    // Sold out in the zone: refused with the alternatives inside ECS.
    h.emu
        .admin_post(
            "alibaba/ecs/stock",
            json!({"zone_id": "cn-hangzhou-h", "instance_type": "ecs.g7.large", "available": 0}),
        )
        .await;
    let sold_out = h
        .refused("cp_ecs_run_instances", run_args(json!({})), "out_of_stock")
        .await;
    let details = &sold_out["details"];
    assert_eq!(details["product"], "ecs", "{sold_out:#}");
    assert!(
        !array(&details["zones_with_stock"]).is_empty(),
        "{sold_out:#}"
    );
    assert!(
        array(&details["zones_with_stock"])
            .iter()
            .all(|z| z != "cn-hangzhou-h")
    );

    h.refused(
        "cp_ecs_run_instances",
        run_args(json!({"zone_id": "cn-hangzhou-i", "user_data": "ZWNobyBoaQ=="})),
        "validation_error",
    )
    .await;
    // Locked to FC: an ECS create is refused before anything is priced.
    h.ok(
        "cp_select_product",
        json!({"intent": "a short job", "user_product": "fc"}),
    )
    .await;
    h.refused(
        "cp_ecs_run_instances",
        run_args(json!({"zone_id": "cn-hangzhou-i"})),
        "product_locked",
    )
    .await;

    assert!(
        h.emu.requests_for("RunInstances").await.is_empty(),
        "nothing was created"
    );
    let audit = h.audit();
    let waived_record = audit
        .iter()
        .find(|r| r["plan_id"] == waived["plan_id"] && r["decision"] == "planned")
        .expect("the waived plan is on record");
    assert!(
        str_of(&waived_record["reason"]).contains("no need to ask me"),
        "{waived_record:#}"
    );
    h.finish().await;
}
both_transports!(the_cost_gate, the_cost_gate);

/// A confirmed create behind the cost gate makes one tagged instance, even when the answer to
/// RunInstances is lost (the plan's ClientToken makes the resend safe), and a release outside a
/// one-shot plan needs CONFIRM <IDS>.
async fn a_confirmed_create_and_release(transport: Transport) {
    let h = Harness::start(spec(transport)).await;
    h.emu
        .fault("RunInstances", "server_error_after_commit", 1)
        .await;
    let plan = h
        .plan(
            "cp_ecs_run_instances",
            run_args(json!({"instance_name": "acf-lost-answer"})),
        )
        .await;
    let done = h.execute(&plan).await;
    let ids = array(&done["result"]["instance_ids"]);
    assert_eq!(ids.len(), 1, "{done:#}");
    let listed = h
        .ok(
            "cp_ecs_describe_instances",
            json!({"region_id": "cn-hangzhou", "instance_name": "acf-lost-answer"}),
        )
        .await;
    assert_eq!(
        listed["total_count"], 1,
        "one instance despite the lost answer: {listed:#}"
    );
    let tags = listed["instances"][0]["tags"].to_string();
    assert!(
        tags.contains("skillgate.plan") && tags.contains(str_of(&plan["plan_id"]).as_str()),
        "provenance tag: {listed:#}"
    );

    let id = str_of(&ids[0]);
    let release = h
        .plan(
            "cp_ecs_delete_instances",
            json!({"region_id": "cn-hangzhou", "instance_ids": [id]}),
        )
        .await;
    assert_eq!(release["confirm_phrase"], format!("CONFIRM {id}"));
    h.execute(&release).await;
    h.finish().await;
}
both_transports!(
    a_confirmed_create_and_release,
    a_confirmed_create_and_release
);

/// FC and ACK are compared beside ECS and PAI-DLC, each with the quote its own create shows:
/// the FC create accepts the compared quote id and shows the same total.
#[tokio::test]
async fn every_product_is_compared_with_the_quote_its_create_shows() {
    let h = Harness::start(spec(Transport::Stdio)).await;
    let table = h
        .ok(
            "cp_compare_options",
            json!({"region_id": "cn-hangzhou", "runtime_s": 600, "candidates": [
                {"product": "ecs", "instance_type": "ecs.g7.large"},
                {"product": "fc", "memory_mb": 1024, "cpu": "0.5"},
                {"product": "ack", "instance_type": "ecs.g7.large", "count": 2, "cluster_spec": "ack.pro.small"},
            ]}),
        )
        .await;
    let rows = array(&table["table"]);
    assert_eq!(rows.len(), 3, "{table:#}");
    for row in &rows {
        assert!(row.get("error").is_none(), "{table:#}");
        assert!(str_of(&row["quote_id"]).starts_with("q-"), "{row:#}");
    }
    assert_eq!(
        rows[1]["price_source"],
        "FC published unit prices (no price API)"
    );
    // ACK: the Pro fee plus two nodes at their DescribePrice (120 GiB disks, so above the ECS
    // row's 40 GiB instance).
    let node_hourly = rows[2]["spec"]["unit_price_per_hour"].as_f64().unwrap();
    let ack_hourly = rows[2]["unit_price_per_hour"].as_f64().unwrap();
    assert!(
        (ack_hourly - (0.64 + 2.0 * node_hourly)).abs() < 1e-3,
        "{table:#}"
    );
    assert!(node_hourly > rows[0]["unit_price_per_hour"].as_f64().unwrap());
    assert_eq!(
        table["recommendation"]["candidate"], 1,
        "ten minutes of a small function cost the least: {table:#}"
    );

    let estimate = h
        .ok(
            "cp_estimate_cost",
            json!({"region_id": "cn-hangzhou", "product": "fc", "memory_mb": 1024, "cpu": "0.5",
                   "runtime_s": 600, "budget": "0.0001"}),
        )
        .await;
    assert_eq!(estimate["quote_id"], rows[1]["quote_id"], "{estimate:#}");
    // The function's default timeout (300 s) bounds the run, and the quote says so.
    assert!(
        str_of(&estimate["formula"]).contains("0.5 vCPU x 300 s"),
        "{estimate:#}"
    );
    assert!(
        str_of(&estimate["note"]).contains("timeout_s"),
        "{estimate:#}"
    );
    assert!(str_of(&rows[1]["note"]).contains("timeout_s"), "{table:#}");
    assert_eq!(estimate["within_budget"], false, "{estimate:#}");
    assert!(estimate["over_budget"]["runtime_within_budget_h"].is_number());
    let plan = h
        .plan(
            "cp_fc_create_and_invoke",
            json!({"region_id": "cn-hangzhou", "script_content": "echo hi", "memory_mb": 1024,
                   "cpu": "0.5", "runtime_s": 600, "quote_id": rows[1]["quote_id"]}),
        )
        .await;
    assert_eq!(
        plan["diff"]["cost"]["quote_id"], rows[1]["quote_id"],
        "{plan:#}"
    );
    assert_eq!(
        plan["diff"]["cost"]["estimated_total"],
        rows[1]["estimated_total"]
    );

    // Every problem at once, nothing priced.
    let priced = h.emu.requests_for("DescribePrice").await.len();
    let refused = h
        .refused(
            "cp_compare_options",
            json!({"region_id": "cn-hangzhou", "candidates": [
                {"product": "ack"}, {"product": "lambda", "instance_type": "x"},
            ]}),
            "validation_error",
        )
        .await;
    let text = refused.to_string();
    assert!(
        text.contains("candidates[0]")
            && text.contains("instance_type")
            && text.contains("candidates[1]"),
        "{refused:#}"
    );
    assert_eq!(h.emu.requests_for("DescribePrice").await.len(), priced);
    h.finish().await;
}
