//! ECS 2014-05-26 over real HTTP with real ACS3 signatures (RPC): regions, instances and
//! their filters and paging, Cloud Assistant status, and RunCommand whose output is
//! synthesised from the installed packages (nothing is ever run).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};
use skillgate::emulator::alibaba::seed::*;

use crate::support::Emu;

fn ids(body: &Value) -> Vec<String> {
    body["Instances"]["Instance"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["InstanceId"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn describe_regions_lists_both_demo_regions_in_either_language() {
    let emu = Emu::start().await;
    let zh = emu.ok(emu.ecs("DescribeRegions")).await;
    let regions = zh["Regions"]["Region"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let hz = regions
        .iter()
        .find(|r| r["RegionId"] == "cn-hangzhou")
        .cloned()
        .unwrap_or_default();
    assert_eq!(hz["LocalName"], "华东1（杭州）");
    assert_eq!(hz["RegionEndpoint"], "ecs-cn-hangzhou.aliyuncs.com");
    assert!(regions.iter().any(|r| r["RegionId"] == "cn-shanghai"));
    let en = emu
        .ok(emu.ecs("DescribeRegions").query("AcceptLanguage", "en-US"))
        .await;
    assert!(
        en["Regions"]["Region"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["LocalName"] == "China (Shanghai)"))
    );
}

#[tokio::test]
async fn describe_instances_filters_pages_and_honours_the_region() {
    let emu = Emu::start().await;
    let hz = || {
        emu.ecs("DescribeInstances")
            .query("RegionId", "cn-hangzhou")
    };
    let all = emu.ok(hz()).await;
    assert_eq!(all["TotalCount"], 8);
    assert_eq!(all["PageSize"], 10);
    let two = emu
        .ok(hz().query(
            "InstanceIds",
            &json!([I_WIN_01, I_APP_01, I_SH_APP_01]).to_string(),
        ))
        .await;
    assert_eq!(
        ids(&two),
        vec![I_APP_01.to_owned(), I_WIN_01.to_owned()],
        "ids of another region match nothing"
    );
    let win = &two["Instances"]["Instance"][1];
    assert_eq!(
        (win["OSType"].as_str(), win["Status"].as_str()),
        (Some("windows"), Some("Running"))
    );
    assert!(
        win["OSName"]
            .as_str()
            .is_some_and(|n| n.contains("Windows Server"))
    );
    assert_eq!(
        win["VpcAttributes"]["PrivateIpAddress"]["IpAddress"][0],
        "172.16.10.41"
    );
    assert!(
        win["CreationTime"].as_str().is_some_and(|t| t.len() == 17),
        "minute precision: {}",
        win["CreationTime"]
    );
    let stopped = emu.ok(hz().query("Status", "Stopped")).await;
    assert_eq!(ids(&stopped), vec![I_BATCH_01.to_owned()]);
    let tagged = emu
        .ok(hz().query("Tag.1.Key", "role").query("Tag.1.Value", "web"))
        .await;
    assert_eq!(tagged["TotalCount"], 2);
    let named = emu.ok(hz().query("InstanceName", "app-*")).await;
    assert_eq!(named["TotalCount"], 2);
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let mut call = hz().query("MaxResults", "3");
        if !token.is_empty() {
            call = call.query("NextToken", &token);
        }
        let page = emu.ok(call).await;
        seen.extend(ids(&page));
        token = page["NextToken"].as_str().unwrap_or_default().to_owned();
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(seen, ids(&all));
    let legacy = emu
        .ok(hz().query("PageNumber", "2").query("PageSize", "5"))
        .await;
    assert_eq!(
        (legacy["PageNumber"].as_u64(), ids(&legacy).len()),
        (Some(2), 3)
    );
    let shanghai = emu
        .ok(emu
            .ecs("DescribeInstances")
            .host("ecs.cn-shanghai.aliyuncs.com")
            .query("RegionId", "cn-shanghai"))
        .await;
    assert_eq!(shanghai["TotalCount"], 4);
    let statuses: Vec<&str> = shanghai["Instances"]["Instance"]
        .as_array()
        .map(|i| i.iter().filter_map(|x| x["Status"].as_str()).collect())
        .unwrap_or_default();
    assert!(statuses.contains(&"Starting") && statuses.contains(&"Stopped"));
    let sdk_host = emu
        .ok(emu
            .ecs("DescribeInstances")
            .host("ecs-cn-hangzhou.aliyuncs.com")
            .query("RegionId", "cn-hangzhou"))
        .await;
    assert_eq!(sdk_host["TotalCount"], 8);
    emu.fails(emu.ecs("DescribeInstances"), 400, "MissingRegionId")
        .await;
    emu.fails(
        emu.ecs("DescribeInstances").query("RegionId", "cn-nowhere"),
        404,
        "InvalidRegionId.NotFound",
    )
    .await;
    emu.fails(
        hz().query("InstanceIds", "i-bp1,i-bp2"),
        400,
        "InvalidInstanceIds.Malformed",
    )
    .await;
    emu.fails(
        hz().query("Status", "Sleeping"),
        400,
        "InvalidParameter.Status",
    )
    .await;
}

#[tokio::test]
async fn cloud_assistant_is_healthy_on_most_instances() {
    let emu = Emu::start().await;
    let call = emu
        .ecs("DescribeCloudAssistantStatus")
        .query("RegionId", "cn-hangzhou")
        .query("InstanceId.1", I_APP_01)
        .query("InstanceId.2", I_OPS_01)
        .query("InstanceId.3", I_WIN_01);
    let body = emu.ok(call).await;
    let set = body["InstanceCloudAssistantStatusSet"]["InstanceCloudAssistantStatus"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let status = |id: &str| {
        set.iter()
            .find(|s| s["InstanceId"] == id)
            .map(|s| (s["CloudAssistantStatus"].clone(), s["OSType"].clone()))
    };
    assert_eq!(status(I_APP_01), Some((json!("true"), json!("Linux"))));
    assert_eq!(status(I_OPS_01), Some((json!("false"), json!("Linux"))));
    assert_eq!(status(I_WIN_01), Some((json!("true"), json!("Windows"))));
    assert!(set.iter().all(|s| s["CloudAssistantVersion"].is_string()));
    let all = emu
        .ok(emu
            .ecs("DescribeCloudAssistantStatus")
            .query("RegionId", "cn-hangzhou")
            .query("MaxResults", "50"))
        .await;
    let healthy = all["InstanceCloudAssistantStatusSet"]["InstanceCloudAssistantStatus"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter(|x| x["CloudAssistantStatus"] == "true")
                .count()
        });
    assert_eq!(healthy, Some(6), "every running instance but ops-01");
    let windows = emu
        .ok(emu
            .ecs("DescribeCloudAssistantStatus")
            .query("RegionId", "cn-hangzhou")
            .query("OSType", "Windows"))
        .await;
    assert_eq!(windows["TotalCount"], 1);
    emu.fails(
        emu.ecs("DescribeCloudAssistantStatus")
            .query("RegionId", "cn-hangzhou")
            .query("InstanceId.1", I_SH_APP_01),
        404,
        "InvalidInstanceId.NotFound",
    )
    .await;
}

/// The per-instance results of an invocation, in PlainText.
async fn results(emu: &Emu, invoke_id: &str) -> Vec<Value> {
    let body = emu
        .ok(emu
            .ecs("DescribeInvocationResults")
            .query("RegionId", "cn-hangzhou")
            .query("InvokeId", invoke_id)
            .query("ContentEncoding", "PlainText"))
        .await;
    body["Invocation"]["InvocationResults"]["InvocationResult"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn run_command_output_is_synthesised_from_the_installed_packages() {
    let emu = Emu::start().await;
    let script = BASE64.encode("#!/bin/bash\nnode -v\n");
    let run = emu
        .ok(emu
            .ecs("RunCommand")
            .query("RegionId", "cn-hangzhou")
            .query("Type", "RunShellScript")
            .query("CommandContent", &script)
            .query("ContentEncoding", "Base64")
            .query("InstanceId.1", I_APP_01)
            .query("InstanceId.2", I_WEB_02)
            .query("ClientToken", "verify-node-1"))
        .await;
    let invoke_id = run["InvokeId"].as_str().unwrap_or_default().to_owned();
    assert!(
        invoke_id.starts_with("t-hz")
            && run["CommandId"]
                .as_str()
                .is_some_and(|c| c.starts_with("c-hz"))
    );
    let running = results(&emu, &invoke_id).await;
    assert!(
        running
            .iter()
            .all(|r| r["InvocationStatus"] == "Running" && r["Output"] == "")
    );
    emu.advance_clock(6).await;
    let done = results(&emu, &invoke_id).await;
    let by = |id: &str| {
        done.iter()
            .find(|r| r["InstanceId"] == id)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(
        by(I_APP_01)["Output"],
        "v20.18.1\n",
        "app-01 has Node.js 20 from the seed"
    );
    assert_eq!(by(I_APP_01)["InvocationStatus"], "Success");
    assert_eq!(
        (
            by(I_WEB_02)["ExitCode"].as_i64(),
            by(I_WEB_02)["ErrorCode"].as_str()
        ),
        (Some(127), Some("ExitCodeNonzero"))
    );
    assert!(
        by(I_WEB_02)["Output"]
            .as_str()
            .is_some_and(|o| o.contains("node: command not found"))
    );
    let encoded = emu
        .ok(emu
            .ecs("DescribeInvocationResults")
            .query("RegionId", "cn-hangzhou")
            .query("InvokeId", &invoke_id)
            .query("InstanceId", I_APP_01))
        .await;
    let output = encoded["Invocation"]["InvocationResults"]["InvocationResult"][0]["Output"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(
        BASE64.decode(output).ok(),
        Some(b"v20.18.1\n".to_vec()),
        "Base64 by default"
    );
    let invocations = emu
        .ok(emu
            .ecs("DescribeInvocations")
            .query("RegionId", "cn-hangzhou")
            .query("InvokeId", &invoke_id)
            .query("IncludeOutput", "true"))
        .await;
    let invocation = &invocations["Invocations"]["Invocation"][0];
    assert_eq!(invocation["InvocationStatus"], "PartialFailed");
    assert_eq!(invocation["CommandContent"], script.as_str());
    assert_eq!(
        invocation["InvokeInstances"]["InvokeInstance"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    let retried = emu
        .ok(emu
            .ecs("RunCommand")
            .query("RegionId", "cn-hangzhou")
            .query("Type", "RunShellScript")
            .query("CommandContent", "node -v")
            .query("InstanceId.1", I_APP_01)
            .query("ClientToken", "verify-node-1"))
        .await;
    assert_eq!(
        retried["InvokeId"],
        invoke_id.as_str(),
        "a retried RunCommand starts nothing new"
    );

    emu.lifecycle_mode("oos.execution.run", "immediate").await;
    let install = json!({
        "regionId": "cn-hangzhou",
        "targets": {"ResourceIds": [I_WEB_02], "RegionId": "cn-hangzhou", "Type": "ResourceIds"},
        "action": "install",
        "packageName": "ACS-Extension-node-1853370294850618",
        "parameters": {"version": "22"},
    });
    emu.ok(emu
        .oos("StartExecution")
        .query(
            "TemplateName",
            "ACS-ECS-BulkyConfigureOOSPackageWithTemporaryURL",
        )
        .query("Parameters", &install.to_string()))
        .await;
    emu.lifecycle_mode("ecs.invocation.run", "immediate").await;
    let after = emu
        .ok(emu
            .ecs("RunCommand")
            .query("RegionId", "cn-hangzhou")
            .query("Type", "RunShellScript")
            .query("CommandContent", "node --version")
            .query("InstanceId.1", I_WEB_02))
        .await;
    let after = results(&emu, after["InvokeId"].as_str().unwrap_or_default()).await;
    assert_eq!(
        after[0]["Output"], "v22.13.1\n",
        "the version the install chose"
    );
    let neutral = emu
        .ok(emu
            .ecs("RunCommand")
            .query("RegionId", "cn-hangzhou")
            .query("Type", "RunShellScript")
            .query("CommandContent", "curl http://example.com | sh")
            .query("InstanceId.1", I_WEB_02))
        .await;
    let neutral = results(&emu, neutral["InvokeId"].as_str().unwrap_or_default()).await;
    assert_eq!(
        (
            neutral[0]["InvocationStatus"].as_str(),
            neutral[0]["Output"].as_str()
        ),
        (Some("Success"), Some(""))
    );
}

#[tokio::test]
async fn run_command_is_refused_for_stopped_or_unknown_instances_and_ram_denials() {
    let emu = Emu::start().await;
    let run = |id: &str| {
        emu.ecs("RunCommand")
            .query("RegionId", "cn-hangzhou")
            .query("Type", "RunShellScript")
            .query("CommandContent", "node -v")
            .query("InstanceId.1", id)
    };
    let stopped = emu
        .fails(run(I_BATCH_01), 403, "InvalidInstance.NotRunning")
        .await;
    assert!(stopped.message().contains("Stopped"));
    emu.fails(
        run("i-bp1doesnotexist0000"),
        404,
        "InvalidInstanceId.NotFound",
    )
    .await;
    emu.fails(
        run(I_WEB_02).query("Type", "RunPythonScript"),
        400,
        "InvalidParameter.Type",
    )
    .await;
    emu.fails(
        run(I_WEB_02)
            .query("ContentEncoding", "Base64")
            .query("CommandContent", "not base64!"),
        400,
        "InvalidParameter.CommandContent",
    )
    .await;
    emu.fails(
        emu.ecs("RunCommand")
            .query("RegionId", "cn-hangzhou")
            .query("Type", "RunShellScript")
            .query("InstanceId.1", I_WEB_02),
        400,
        "MissingParameter.CommandContent",
    )
    .await;
    let win = emu.ok(run(I_WIN_01)).await;
    emu.advance_clock(6).await;
    let win = results(&emu, win["InvokeId"].as_str().unwrap_or_default()).await;
    assert_eq!(win[0]["ErrorCode"], "CommandNotApplicable");
    emu.admin(
        "POST",
        "/_emulator/alibaba/forbid",
        Some(json!({"action": "RunCommand"})),
    )
    .await;
    let denied = emu.fails(run(I_WEB_02), 403, "Forbidden.RAM").await;
    assert_eq!(
        denied.body["AccessDeniedDetail"]["AuthAction"],
        "ecs:RunCommand"
    );
    assert!(
        denied.body["Recommend"]
            .as_str()
            .is_some_and(|r| r.contains("product=Ecs"))
    );
}

fn hz(emu: &Emu, action: &str) -> crate::support::Call {
    emu.ecs(action).query("RegionId", "cn-hangzhou")
}

/// The `Value`s of `AvailableZones.AvailableZone[zone].…SupportedResource[]` with their status.
fn supported(body: &Value, zone: &str) -> Vec<(String, String)> {
    body["AvailableZones"]["AvailableZone"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|z| z["ZoneId"] == zone)
        .flat_map(|z| {
            z["AvailableResources"]["AvailableResource"][0]["SupportedResources"]
                ["SupportedResource"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|r| {
            (
                r["Value"].as_str().unwrap_or_default().to_owned(),
                r["StatusCategory"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_catalog_lists_zones_types_families_and_images() {
    let emu = Emu::start().await;
    let zones = emu
        .ok(hz(&emu, "DescribeZones").query("AcceptLanguage", "en-US"))
        .await;
    let zones = zones["Zones"]["Zone"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(zones.len(), 4);
    let h = zones
        .iter()
        .find(|z| z["ZoneId"] == "cn-hangzhou-h")
        .cloned()
        .unwrap_or_default();
    assert_eq!(h["LocalName"], "China (Hangzhou) Zone H");
    let offered = h["AvailableInstanceTypes"]["InstanceTypes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(offered.contains(&json!("ecs.g7.large")));
    assert!(
        !offered.contains(&json!("ecs.gn7i-c8g1.2xlarge")),
        "sold out in h"
    );
    let types = emu
        .ok(emu
            .ecs("DescribeInstanceTypes")
            .query("MinimumCpuCoreCount", "2")
            .query("MaximumCpuCoreCount", "2")
            .query("InstanceTypeFamily", "ecs.g7"))
        .await;
    let items = types["InstanceTypes"]["InstanceType"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(items.len(), 1);
    assert_eq!(
        (
            items[0]["InstanceTypeId"].as_str(),
            items[0]["MemorySize"].as_f64()
        ),
        (Some("ecs.g7.large"), Some(8.0))
    );
    let gpus = emu
        .ok(emu
            .ecs("DescribeInstanceTypes")
            .query("MinimumGPUAmount", "1")
            .query("MaxResults", "2"))
        .await;
    assert_eq!(
        gpus["InstanceTypes"]["InstanceType"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert!(
        gpus["NextToken"].as_str().is_some_and(|t| !t.is_empty()),
        "more GPU types on the next page"
    );
    let families = emu
        .ok(hz(&emu, "DescribeInstanceTypeFamilies").query("Generation", "ecs-5"))
        .await;
    let ids: Vec<&str> = families["InstanceTypeFamilies"]["InstanceTypeFamily"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["InstanceTypeFamilyId"].as_str())
        .collect();
    assert!(ids.contains(&"ecs.g7") && !ids.contains(&"ecs.g8i"));
    let images = emu
        .ok(hz(&emu, "DescribeImages")
            .query("ImageFamily", "acs:alibaba_cloud_linux_3_2104_lts_x64"))
        .await;
    assert_eq!(images["TotalCount"], 2);
    assert_eq!(
        images["Images"]["Image"][0]["ImageId"], "aliyun_3_x64_20G_alibase_20250117.vhd",
        "newest first"
    );
    let ubuntu = emu
        .ok(hz(&emu, "DescribeImages").query("ImageFamily", "acs:ubuntu_22_04_x64"))
        .await;
    assert_eq!(ubuntu["Images"]["Image"][0]["OSType"], "linux");
    emu.fails(emu.ecs("DescribeZones"), 400, "MissingRegionId")
        .await;
}

#[tokio::test]
async fn stock_runs_out_per_zone_and_recommendations_skip_sold_out_zones() {
    let emu = Emu::start().await;
    let available = |t: &str| {
        hz(&emu, "DescribeAvailableResource")
            .query("DestinationResource", "InstanceType")
            .query("InstanceType", t)
    };
    let a10 = emu.ok(available("ecs.gn7i-c8g1.2xlarge")).await;
    assert_eq!(
        supported(&a10, "cn-hangzhou-h"),
        vec![(
            "ecs.gn7i-c8g1.2xlarge".to_owned(),
            "WithoutStock".to_owned()
        )],
        "seeded sold out"
    );
    assert_eq!(supported(&a10, "cn-hangzhou-i")[0].1, "WithStock");
    assert!(
        supported(&a10, "cn-hangzhou-k").is_empty(),
        "k does not offer A10s"
    );
    let (status, _) = emu
        .admin(
            "POST",
            "/_emulator/alibaba/ecs/stock",
            Some(json!({"zone_id": "cn-hangzhou-i", "instance_type": "ecs.gn7i-c8g1.2xlarge", "available": 2})),
        )
        .await;
    assert_eq!(status, 200);
    let low = emu
        .ok(available("ecs.gn7i-c8g1.2xlarge").query("ZoneId", "cn-hangzhou-i"))
        .await;
    assert_eq!(supported(&low, "cn-hangzhou-i")[0].1, "ClosedWithStock");
    let recommend = |strategy: &str| {
        hz(&emu, "DescribeRecommendInstanceType")
            .query("NetworkType", "vpc")
            .query("Cores", "2")
            .query("Memory", "4")
            .query("PriorityStrategy", strategy)
    };
    let body = emu.ok(recommend("PriceFirst")).await;
    let items = body["Data"]["RecommendInstanceType"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        items
            .iter()
            .all(|i| i["InstanceType"]["Cores"] == 2 && i["InstanceType"]["Memory"] == 4096)
    );
    assert_eq!(items[0]["Priority"], 1);
    assert_eq!(
        items[0]["InstanceType"]["InstanceType"], "ecs.t6-c1m2.large",
        "cheapest first"
    );
    assert!(
        !items
            .iter()
            .any(|i| i["InstanceType"]["InstanceType"] == "ecs.c7.large"
                && i["ZoneId"] == "cn-hangzhou-k"),
        "c7.large is sold out in k"
    );
    assert!(
        items
            .iter()
            .all(|i| i["Zones"]["zone"][0]["ZoneNo"] == i["ZoneId"])
    );
    emu.fails(
        hz(&emu, "DescribeRecommendInstanceType").query("Cores", "2"),
        400,
        "MissingParameter.NetworkType",
    )
    .await;
    emu.fails(
        available("ecs.nope.large"),
        404,
        "InvalidInstanceType.NotFound",
    )
    .await;
}

#[tokio::test]
async fn prices_are_deterministic_per_type_disk_bandwidth_and_term_and_can_be_changed() {
    let emu = Emu::start().await;
    let price = |t: &str| {
        hz(&emu, "DescribePrice")
            .query("InstanceType", t)
            .query("SystemDisk.Category", "cloud_essd")
            .query("SystemDisk.Size", "40")
    };
    let hourly = emu.ok(price("ecs.g7.large")).await;
    let p = &hourly["PriceInfo"]["Price"];
    assert_eq!(
        (
            p["TradePrice"].as_f64(),
            p["OriginalPrice"].as_f64(),
            p["DiscountPrice"].as_f64()
        ),
        (Some(0.7), Some(0.7), Some(0.0))
    );
    assert_eq!(p["Currency"], "CNY");
    let details = p["DetailInfos"]["DetailInfo"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        details
            .iter()
            .filter_map(|d| d["Resource"].as_str())
            .collect::<Vec<_>>(),
        vec!["instanceType", "systemDisk", "bandwidth"]
    );
    let again = emu.ok(price("ecs.g7.large")).await;
    assert_eq!(again["PriceInfo"], hourly["PriceInfo"], "deterministic");
    let bigger = emu.ok(price("ecs.g7.xlarge")).await;
    assert!(bigger["PriceInfo"]["Price"]["TradePrice"].as_f64() > p["TradePrice"].as_f64());
    let month = emu
        .ok(price("ecs.g7.large")
            .query("PriceUnit", "Month")
            .query("Amount", "2"))
        .await;
    let m = &month["PriceInfo"]["Price"];
    let (original, discount, trade) = (
        m["OriginalPrice"].as_f64().unwrap_or_default(),
        m["DiscountPrice"].as_f64().unwrap_or_default(),
        m["TradePrice"].as_f64().unwrap_or_default(),
    );
    assert_eq!(original, 1008.0, "(0.64 + 0.06) x 720 h x 2");
    assert!(discount > 0.0 && (original - discount - trade).abs() < 1e-6);
    assert_eq!(
        month["PriceInfo"]["Rules"]["Rule"].as_array().map(Vec::len),
        Some(1)
    );
    let bandwidth = emu
        .ok(price("ecs.g7.large")
            .query("InternetChargeType", "PayByBandwidth")
            .query("InternetMaxBandwidthOut", "5"))
        .await;
    assert!(bandwidth["PriceInfo"]["Price"]["TradePrice"].as_f64() > p["TradePrice"].as_f64());
    emu.fails(
        price("ecs.g8i.large").query("SystemDisk.Category", "cloud_efficiency"),
        400,
        "InvalidSystemDiskCategory",
    )
    .await;
    emu.fails(price("ecs.nope"), 404, "InvalidInstanceType.NotFound")
        .await;
    emu.fails(
        price("ecs.gn7i-c8g1.2xlarge").query("ZoneId", "cn-hangzhou-k"),
        400,
        "InvalidInstanceType.NotSupported",
    )
    .await;
    emu.fails(
        price("ecs.g7.large").query("PriceUnit", "Decade"),
        400,
        "InvalidParameter.PriceUnit",
    )
    .await;
    let (status, _) = emu
        .admin(
            "POST",
            "/_emulator/alibaba/ecs/price",
            Some(json!({"instance_type": "ecs.g7.large", "hourly_price": 0.9})),
        )
        .await;
    assert_eq!(status, 200);
    let changed = emu.ok(price("ecs.g7.large")).await;
    assert_eq!(
        changed["PriceInfo"]["Price"]["TradePrice"].as_f64(),
        Some(0.96),
        "0.9 + the disk"
    );
    let shanghai = emu
        .ok(emu
            .ecs("DescribePrice")
            .query("RegionId", "cn-shanghai")
            .query("InstanceType", "ecs.g7.large")
            .query("SystemDisk.Category", "cloud_essd"))
        .await;
    assert_eq!(
        shanghai["PriceInfo"]["Price"]["TradePrice"].as_f64(),
        Some(0.7),
        "the change is per region"
    );
}

fn instance_status(body: &Value) -> String {
    body["Instances"]["Instance"][0]["Status"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn instances_boot_on_the_clock_honour_client_tokens_and_release_cleanly() {
    let emu = Emu::start().await;
    let sg = emu
        .ok(hz(&emu, "CreateSecurityGroup")
            .query("VpcId", VPC_HANGZHOU)
            .query("SecurityGroupName", "acf-sg")
            .query("ClientToken", "plan-7-sg"))
        .await;
    let sg = sg["SecurityGroupId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let again = emu
        .ok(hz(&emu, "CreateSecurityGroup")
            .query("VpcId", VPC_HANGZHOU)
            .query("ClientToken", "plan-7-sg"))
        .await;
    assert_eq!(again["SecurityGroupId"], sg.as_str());
    emu.ok(hz(&emu, "AuthorizeSecurityGroup")
        .query("SecurityGroupId", &sg)
        .query("IpProtocol", "tcp")
        .query("PortRange", "8080/8080")
        .query("SourceCidrIp", "0.0.0.0/0"))
        .await;
    emu.ok(hz(&emu, "AuthorizeSecurityGroup")
        .query("SecurityGroupId", &sg)
        .query("IpProtocol", "tcp")
        .query("PortRange", "8080/8080")
        .query("SourceCidrIp", "0.0.0.0/0"))
        .await;
    emu.ok(hz(&emu, "AuthorizeSecurityGroupEgress")
        .query("SecurityGroupId", &sg)
        .query("IpProtocol", "all")
        .query("PortRange", "-1/-1")
        .query("DestCidrIp", "0.0.0.0/0"))
        .await;
    emu.fails(
        hz(&emu, "AuthorizeSecurityGroup")
            .query("SecurityGroupId", &sg)
            .query("IpProtocol", "tcp")
            .query("PortRange", "0/99999")
            .query("SourceCidrIp", "0.0.0.0/0"),
        400,
        "InvalidPortRange.Malformed",
    )
    .await;
    let rules = emu
        .ok(hz(&emu, "DescribeSecurityGroupAttribute").query("SecurityGroupId", &sg))
        .await;
    let rules = rules["Permissions"]["Permission"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(rules.len(), 2, "the repeated rule is not added twice");
    assert_eq!(
        (
            rules[0]["Direction"].as_str(),
            rules[0]["IpProtocol"].as_str(),
            rules[1]["DestCidrIp"].as_str()
        ),
        (Some("ingress"), Some("TCP"), Some("0.0.0.0/0"))
    );
    let run = || {
        hz(&emu, "RunInstances")
            .query("InstanceType", "ecs.c7.large")
            .query("ImageFamily", "acs:alibaba_cloud_linux_3_2104_lts_x64")
            .query("VSwitchId", VSW_HANGZHOU)
            .query("SecurityGroupId", &sg)
            .query("SystemDisk.Category", "cloud_essd")
            .query("SystemDisk.Size", "40")
            .query("InternetMaxBandwidthOut", "5")
            .query("InstanceName", "acf-instance")
            .query("UserData", "IyEvYmluL2Jhc2gKcm0gLXJmIC8K")
            .query("Tag.1.Key", "skillgate:plan")
            .query("Tag.1.Value", "plan-7")
            .query("ClientToken", "plan-7-run")
    };
    let created = emu.ok(run()).await;
    let ids = created["InstanceIdSets"]["InstanceIdSet"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(ids.len(), 1);
    let id = ids[0].as_str().unwrap_or_default().to_owned();
    assert!(created["TradePrice"].as_f64().is_some_and(|p| p > 0.0));
    assert_eq!(
        emu.ok(run()).await["InstanceIdSets"],
        created["InstanceIdSets"],
        "a repeated ClientToken returns the first answer"
    );
    let describe = || {
        hz(&emu, "DescribeInstances")
            .query("Tag.1.Key", "skillgate:plan")
            .query("Tag.1.Value", "plan-7")
    };
    let pending = emu.ok(describe()).await;
    assert_eq!(pending["TotalCount"], 1, "one instance for two calls");
    assert_eq!(instance_status(&pending), "Pending");
    let item = &pending["Instances"]["Instance"][0];
    assert_eq!(
        (
            item["InstanceId"].as_str(),
            item["ZoneId"].as_str(),
            item["ImageId"].as_str()
        ),
        (
            Some(id.as_str()),
            Some("cn-hangzhou-h"),
            Some("aliyun_3_x64_20G_alibase_20250117.vhd")
        )
    );
    assert_eq!(item["Tags"]["Tag"][0]["TagValue"], "plan-7");
    assert!(
        item["PublicIpAddress"]["IpAddress"][0]
            .as_str()
            .is_some_and(|ip| ip.starts_with("47."))
    );
    let delete = |force: bool| {
        hz(&emu, "DeleteInstances")
            .query("InstanceId.1", &id)
            .query("Force", if force { "true" } else { "false" })
    };
    emu.fails(delete(false), 403, "IncorrectInstanceStatus")
        .await;
    emu.fails(
        hz(&emu, "DeleteSecurityGroup").query("SecurityGroupId", &sg),
        403,
        "DependencyViolation",
    )
    .await;
    emu.advance_clock(10).await;
    assert_eq!(instance_status(&emu.ok(describe()).await), "Starting");
    emu.advance_clock(20).await;
    assert_eq!(instance_status(&emu.ok(describe()).await), "Running");
    let script = BASE64.encode("#!/bin/bash\necho \"hello from the job\"\npython3 train.py\n");
    let run_command = emu
        .ok(hz(&emu, "RunCommand")
            .query("Type", "RunShellScript")
            .query("CommandContent", &script)
            .query("ContentEncoding", "Base64")
            .query("InstanceId.1", &id))
        .await;
    emu.advance_clock(6).await;
    let output = results(&emu, run_command["InvokeId"].as_str().unwrap_or_default()).await;
    assert_eq!(
        (
            output[0]["InvocationStatus"].as_str(),
            output[0]["Output"].as_str()
        ),
        (Some("Success"), Some("hello from the job\n")),
        "synthesised, never run"
    );
    emu.fails(delete(false), 403, "IncorrectInstanceStatus")
        .await;
    emu.ok(delete(true).query("ClientToken", "plan-7-release"))
        .await;
    emu.ok(delete(true).query("ClientToken", "plan-7-release"))
        .await;
    emu.fails(delete(true), 404, "InvalidInstanceId.NotFound")
        .await;
    assert_eq!(emu.ok(describe()).await["TotalCount"], 0);
    emu.ok(hz(&emu, "DeleteSecurityGroup").query("SecurityGroupId", &sg))
        .await;
    assert_eq!(
        emu.created_resources().await,
        Vec::<Value>::new(),
        "nothing left behind"
    );
    let (_, state) = emu.admin("GET", "/_emulator/state", None).await;
    assert!(
        !state.to_string().contains("IyEvYmluL2Jhc2gK"),
        "UserData is kept as a size only"
    );
}

#[tokio::test]
async fn run_instances_refuses_sold_out_unsupported_wrong_disk_and_over_quota_orders() {
    let emu = Emu::start().await;
    emu.lifecycle_mode("vpc.vpc.create", "immediate").await;
    emu.lifecycle_mode("vpc.vswitch.create", "immediate").await;
    let vsw_k = emu
        .ok(emu
            .vpc("CreateVSwitch")
            .query("RegionId", "cn-hangzhou")
            .query("VpcId", VPC_HANGZHOU)
            .query("ZoneId", "cn-hangzhou-k")
            .query("CidrBlock", "172.17.0.0/24"))
        .await;
    let vsw_k = vsw_k["VSwitchId"].as_str().unwrap_or_default().to_owned();
    let order = |t: &str, vsw: &str| {
        hz(&emu, "RunInstances")
            .query("InstanceType", t)
            .query("ImageId", "ubuntu_22_04_x64_20G_alibase_20250113.vhd")
            .query("VSwitchId", vsw)
            .query("SecurityGroupId", SG_HANGZHOU)
    };
    let sold_out = emu
        .fails(
            order("ecs.c7.large", &vsw_k),
            403,
            "OperationDenied.NoStock",
        )
        .await;
    assert!(sold_out.message().contains("cn-hangzhou-k"));
    emu.fails(
        order("ecs.gn7i-c8g1.2xlarge", &vsw_k),
        400,
        "InvalidInstanceType.NotSupported",
    )
    .await;
    emu.fails(
        order("ecs.gn7i-c8g1.2xlarge", VSW_HANGZHOU),
        403,
        "OperationDenied.NoStock",
    )
    .await;
    emu.fails(
        order("ecs.g8i.large", VSW_HANGZHOU).query("SystemDisk.Category", "cloud_efficiency"),
        400,
        "InvalidSystemDiskCategory",
    )
    .await;
    emu.fails(
        order("ecs.g7.large", VSW_HANGZHOU).query("ZoneId", "cn-hangzhou-i"),
        400,
        "InvalidParameter.Mismatch",
    )
    .await;
    emu.fails(
        order("ecs.g7.2xlarge", VSW_HANGZHOU).query("Amount", "30"),
        403,
        "QuotaExceed",
    )
    .await;
    emu.fails(
        order("ecs.g7.large", VSW_HANGZHOU).query("DryRun", "true"),
        400,
        "DryRunOperation",
    )
    .await;
    emu.admin(
        "POST",
        "/_emulator/alibaba/ecs/stock",
        Some(json!({"zone_id": "cn-hangzhou-h", "instance_type": "ecs.g7.large", "available": 1})),
    )
    .await;
    emu.lifecycle_mode("ecs.instance.create", "immediate").await;
    let one = emu.ok(order("ecs.g7.large", VSW_HANGZHOU)).await;
    emu.fails(
        order("ecs.g7.large", VSW_HANGZHOU),
        403,
        "OperationDenied.NoStock",
    )
    .await;
    let id = one["InstanceIdSets"]["InstanceIdSet"][0]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let running = emu
        .ok(hz(&emu, "DescribeInstances").query("InstanceIds", &json!([id]).to_string()))
        .await;
    assert_eq!(instance_status(&running), "Running", "immediate mode");
    emu.ok(hz(&emu, "DeleteInstances")
        .query("InstanceId.1", &id)
        .query("Force", "true"))
        .await;
    emu.ok(order("ecs.g7.large", VSW_HANGZHOU).query("DryRun", "false"))
        .await;
    let created = emu.created_resources().await;
    assert_eq!(
        created.iter().filter(|r| r["type"] == "instance").count(),
        1,
        "the release gave the stock back: {created:?}"
    );
}
