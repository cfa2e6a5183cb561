//! Wire shapes of ECS, with the exact names of the SDK `*ResponseBody` models: every list
//! is wrapped in an object named after its item (`Instances.Instance[]`,
//! `Tags.Tag[]`), and instance times have minute precision (`2024-05-01T02:03Z`) like ECS.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::emulator::alibaba::ecs::catalog::instance_types;
use crate::emulator::alibaba::ecs::models::{
    Instance, InstanceStatus, Invocation, InvocationTarget, OsType,
};
use crate::emulator::alibaba::ecs::regions::Region;
use crate::emulator::core::clock::format_time;

/// ECS's instance time format: UTC, minute precision.
pub fn minute_time(t: OffsetDateTime) -> String {
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]Z");
    t.to_offset(time::UtcOffset::UTC)
        .format(&fmt)
        .unwrap_or_default()
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// One `Regions.Region[]` item.
pub fn region_item(region: &Region, english: bool) -> Value {
    json!({
        "RegionId": region.id,
        "LocalName": if english { region.name_en } else { region.name_zh },
        "RegionEndpoint": region.endpoint,
        "Status": "available",
    })
}

/// A stable pseudo-random hex string derived from an id (serial numbers, MACs, ENIs).
fn derived_hex(id: &str, salt: &str, len: usize) -> String {
    let digest = hex::encode(Sha256::digest(format!("{salt}:{id}").as_bytes()));
    digest[..len.min(digest.len())].to_owned()
}

/// One `Instances.Instance[]` item.
pub fn instance_item(i: &Instance) -> Value {
    let serial = derived_hex(&i.id, "serial", 32);
    let serial = format!(
        "{}-{}-{}-{}-{}",
        &serial[..8],
        &serial[8..12],
        &serial[12..16],
        &serial[16..20],
        &serial[20..]
    );
    let mac = derived_hex(&i.id, "mac", 10);
    let mac = format!("00:16:3e:{}:{}:{}", &mac[..2], &mac[2..4], &mac[4..6]);
    let eni = format!("eni-{}{}", &i.id[2..5], derived_hex(&i.id, "eni", 17));
    let tags: Vec<Value> = i
        .tags
        .iter()
        .map(|(k, v)| json!({"TagKey": k, "TagValue": v}))
        .collect();
    let public: Vec<&str> = i.public_ip.iter().map(String::as_str).collect();
    let mut out = object(json!({
        "InstanceId": i.id,
        "InstanceName": i.name,
        "Description": i.description,
        "HostName": i.host_name,
        "RegionId": i.region_id,
        "ZoneId": i.zone_id,
        "Status": i.status.as_str(),
        "OSType": i.os_type.as_str(),
        "OSName": i.os_name,
        "OSNameEn": i.os_name_en,
        "ImageId": i.image_id,
        "InstanceType": i.instance_type,
        "InstanceTypeFamily": i.instance_type_family,
        "Cpu": i.cpu,
        "Memory": i.memory_mib,
        "GPUAmount": instance_types::find(&i.instance_type).map_or(0, |t| t.gpu),
        "GPUSpec": instance_types::find(&i.instance_type).map_or("", |t| t.gpu_spec),
    }));
    out.extend(object(json!({
        "CreationTime": minute_time(i.created),
        "StartTime": minute_time(i.started),
        "ExpiredTime": "2099-12-31T15:59Z",
        "AutoReleaseTime": "",
        "InstanceChargeType": i.charge_type,
        "InternetChargeType": i.internet_charge_type,
        "InternetMaxBandwidthIn": 100,
        "InternetMaxBandwidthOut": i.internet_max_bandwidth_out,
        "InstanceNetworkType": "vpc",
        "IoOptimized": true,
        "StoppedMode": if i.status == InstanceStatus::Stopped { "KeepCharging" } else { "Not-applicable" },
    })));
    out.extend(object(json!({
        "DeletionProtection": false,
        "DeviceAvailable": true,
        "Recyclable": false,
        "SerialNumber": serial,
        "SpotStrategy": "NoSpot",
        "SpotPriceLimit": 0.0,
        "SpotDuration": 0,
        "SaleCycle": "",
        "ResourceGroupId": "",
        "KeyPairName": if i.os_type == OsType::Linux { "demo-keypair" } else { "" },
        "CreditSpecification": "",
        "DeploymentSetId": "",
        "ClusterId": "",
        "HpcClusterId": "",
        "VlanId": "",
        "LocalStorageAmount": 0,
        "LocalStorageCapacity": 0,
    })));
    out.extend(object(json!({
        "PublicIpAddress": {"IpAddress": public},
        "InnerIpAddress": {"IpAddress": []},
        "RdmaIpAddress": {"IpAddress": []},
        "EipAddress": {"AllocationId": "", "IpAddress": "", "Bandwidth": 0, "InternetChargeType": "", "IsSupportUnassociate": false},
        "VpcAttributes": {
            "VpcId": i.vpc_id,
            "VSwitchId": i.vswitch_id,
            "NatIpAddress": "",
            "PrivateIpAddress": {"IpAddress": [i.private_ip]},
        },
        "SecurityGroupIds": {"SecurityGroupId": [i.security_group_id]},
        "NetworkInterfaces": {"NetworkInterface": [{
            "NetworkInterfaceId": eni,
            "MacAddress": mac,
            "PrimaryIpAddress": i.private_ip,
            "Type": "Primary",
            "PrivateIpSets": {"PrivateIpSet": [{"PrivateIpAddress": i.private_ip, "Primary": true, "PrivateDnsName": ""}]},
            "Ipv6Sets": {"Ipv6Set": []},
            "Ipv4PrefixSets": {"Ipv4PrefixSet": []},
            "Ipv6PrefixSets": {"Ipv6PrefixSet": []},
        }]},
        "OperationLocks": {"LockReason": []},
        "Tags": {"Tag": tags},
        "CpuOptions": {"CoreCount": i.cpu.div_ceil(2), "ThreadsPerCore": 2, "Numa": "", "TopologyType": ""},
        "MetadataOptions": {"HttpEndpoint": "enabled", "HttpTokens": "optional", "HttpPutResponseHopLimit": 1},
        "DedicatedHostAttribute": {"DedicatedHostId": "", "DedicatedHostName": "", "DedicatedHostClusterId": ""},
        "DedicatedInstanceAttribute": {"Affinity": "", "Tenancy": ""},
        "EcsCapacityReservationAttr": {"CapacityReservationId": "", "CapacityReservationPreference": ""},
        "HibernationOptions": {"Configured": false},
        "ImageOptions": {"LoginAsNonRoot": false},
        "SecurityOptions": {"EnableSecureBoot": false},
    })));
    Value::Object(out)
}

/// One `InstanceCloudAssistantStatusSet.InstanceCloudAssistantStatus[]` item.
pub fn cloud_assistant_item(
    i: &Instance,
    invocation_count: usize,
    last_invoked: Option<OffsetDateTime>,
) -> Value {
    json!({
        "InstanceId": i.id,
        "CloudAssistantStatus": if i.cloud_assistant_ok() { "true" } else { "false" },
        "CloudAssistantVersion": i.cloud_assistant.version,
        "OSType": match i.os_type { OsType::Linux => "Linux", OsType::Windows => "Windows" },
        "LastHeartbeatTime": format_time(i.cloud_assistant.last_heartbeat),
        "InvocationCount": invocation_count,
        "ActiveTaskCount": 0,
        "LastInvokedTime": last_invoked.map(format_time).unwrap_or_default(),
        "SupportSessionManager": true,
    })
}

/// `PlainText` or `Base64` (the default of the Describe calls).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// As is.
    PlainText,
    /// Base64.
    Base64,
}

impl Encoding {
    /// Encodes a text for the answer.
    pub fn apply(self, text: &str) -> String {
        match self {
            Self::PlainText => text.to_owned(),
            Self::Base64 => BASE64.encode(text.as_bytes()),
        }
    }
}

/// Per-instance fields shared by `InvokeInstance` and `InvocationResult`.
struct TargetView<'a> {
    status: &'static str,
    finished: Option<OffsetDateTime>,
    target: &'a InvocationTarget,
}

fn target_view<'a>(
    inv: &Invocation,
    target: &'a InvocationTarget,
    now: OffsetDateTime,
) -> TargetView<'a> {
    let finished = inv.finished_at(now);
    let status = match finished {
        None => "Running",
        Some(_) if target.outcome.succeeded() => "Success",
        Some(_) => "Failed",
    };
    TargetView {
        status,
        finished,
        target,
    }
}

/// One `Invocations.Invocation[]` item.
pub fn invocation_item(
    inv: &Invocation,
    now: OffsetDateTime,
    include_output: bool,
    encoding: Encoding,
) -> Value {
    let status = inv.status(now);
    let invoke_status = match status {
        "Running" => "Running",
        "Success" => "Finished",
        "Failed" => "Failed",
        _ => "PartialFinished",
    };
    let instances: Vec<Value> = inv
        .targets
        .iter()
        .map(|t| {
            let v = target_view(inv, t, now);
            let mut item = object(json!({
                "InstanceId": t.instance_id,
                "CreationTime": format_time(inv.created),
                "StartTime": format_time(inv.created),
                "UpdateTime": format_time(v.finished.unwrap_or(inv.created)),
                "FinishTime": v.finished.map(format_time).unwrap_or_default(),
                "StopTime": "",
                "InvocationStatus": v.status,
                "InstanceInvokeStatus": match v.status { "Running" => "Running", "Success" => "Finished", _ => "Failed" },
                "ExitCode": if v.finished.is_some() { v.target.outcome.exit_code } else { 0 },
                "ErrorCode": if v.finished.is_some() { v.target.outcome.error_code.as_str() } else { "" },
                "ErrorInfo": if v.finished.is_some() { v.target.outcome.error_info.as_str() } else { "" },
                "Dropped": 0,
                "Repeats": 1,
                "Timed": false,
                "OssOutputStatus": "",
                "OssOutputUri": "",
                "OssOutputErrorCode": "",
                "OssOutputErrorInfo": "",
            }));
            if include_output {
                let output = if v.finished.is_some() { v.target.outcome.output.as_str() } else { "" };
                item.insert("Output".into(), json!(encoding.apply(output)));
            }
            Value::Object(item)
        })
        .collect();
    json!({
        "InvokeId": inv.invoke_id,
        "CommandId": inv.command_id,
        "CommandName": inv.name,
        "CommandDescription": inv.description,
        "CommandType": inv.command_type,
        "CommandContent": encoding.apply(&inv.content),
        "Parameters": Value::Object(inv.parameters.clone()).to_string(),
        "CreationTime": format_time(inv.created),
        "InvocationStatus": status,
        "InvokeStatus": invoke_status,
        "InvokeInstances": {"InvokeInstance": instances},
        "RepeatMode": "Once",
        "Frequency": "",
        "Timed": false,
        "Timeout": inv.timeout,
        "Username": inv.username,
        "WorkingDir": inv.working_dir,
        "TerminationMode": "Process",
        "Launcher": "",
        "ContainerId": "",
        "ContainerName": "",
        "OssOutputDelivery": "",
        "Tags": {"Tag": []},
    })
}

/// One `Invocation.InvocationResults.InvocationResult[]` item.
pub fn invocation_result_item(
    inv: &Invocation,
    target: &InvocationTarget,
    now: OffsetDateTime,
    encoding: Encoding,
) -> Value {
    let v = target_view(inv, target, now);
    let done = v.finished.is_some();
    json!({
        "InvokeId": inv.invoke_id,
        "CommandId": inv.command_id,
        "InstanceId": target.instance_id,
        "InvocationStatus": v.status,
        "InvokeRecordStatus": if done { "Finished" } else { "Running" },
        "Output": encoding.apply(if done { &target.outcome.output } else { "" }),
        "ExitCode": if done { target.outcome.exit_code } else { 0 },
        "ErrorCode": if done { target.outcome.error_code.as_str() } else { "" },
        "ErrorInfo": if done { target.outcome.error_info.as_str() } else { "" },
        "StartTime": format_time(inv.created),
        "FinishedTime": v.finished.map(format_time).unwrap_or_default(),
        "StopTime": "",
        "Dropped": 0,
        "Repeats": 1,
        "Username": inv.username,
        "TerminationMode": "Process",
        "Launcher": "",
        "ContainerId": "",
        "ContainerName": "",
        "OssOutputDelivery": "",
        "OssOutputStatus": "",
        "OssOutputUri": "",
        "OssOutputErrorCode": "",
        "OssOutputErrorInfo": "",
        "Tags": {"Tag": []},
    })
}
