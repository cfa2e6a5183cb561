//! The demo account's OOS history: finished installer executions, so ListExecutions is
//! not empty and some instances already have packages (see the ECS seed for the ids).
//!
//! | constant | region | what | status |
//! |---|---|---|---|
//! | [`EXEC_NGINX_WEB_01`] | cn-hangzhou | Nginx on web-01, 5 days ago | Success |
//! | [`EXEC_NODE_APP_01`] | cn-hangzhou | Node.js 20 on app-01, 9 days ago | Success |
//! | [`EXEC_MYSQL_DB_01`] | cn-hangzhou | MySQL on db-01, 2 days ago | Failed (disk full) |
//! | [`EXEC_DOCKER_SH_WEB_01`] | cn-shanghai | Docker CE on sh-web-01, 3 days ago | Success |
//! | [`EXEC_REDIS_RUNNING`] | cn-hangzhou | Redis on web-01, started just now | Running until advanced (manual) or cancelled |

use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::emulator::alibaba::ecs::models::EcsBackend;
use crate::emulator::alibaba::ecs::seed::{
    I_APP_01, I_DB_01, I_SH_WEB_01, I_WEB_01, REGION_SHANGHAI,
};
use crate::emulator::alibaba::oos::catalog::{BULKY_TEMPLATE, BULKY_VERSION};
use crate::emulator::alibaba::oos::models::{Execution, OosBackend, TaskPlan};
use crate::emulator::alibaba::oos::rules::{outcome, start_parameters};
use crate::emulator::alibaba::seed::{ACCOUNT_ID, REGION};
use crate::emulator::core::lifecycle::{Mode, Progress};

/// Nginx installed on web-01.
pub const EXEC_NGINX_WEB_01: &str = "exec-7d1c0b9a4e2f43a8b511";
/// Node.js 20 installed on app-01.
pub const EXEC_NODE_APP_01: &str = "exec-2b6e9f03c7d14e5aa902";
/// MySQL on db-01, failed: disk full.
pub const EXEC_MYSQL_DB_01: &str = "exec-c40d8e1f5a3b4967bc28";
/// Docker CE installed on sh-web-01.
pub const EXEC_DOCKER_SH_WEB_01: &str = "exec-91f2a7c6d0e84b3f8d47";
/// Redis on web-01, still running: something to follow or cancel (the gate sweep's example).
pub const EXEC_REDIS_RUNNING: &str = "exec-5e3a9d27b14c4f06a1d3";

/// What a past execution installed, where and when.
struct Past<'a> {
    id: &'a str,
    region: &'a str,
    instance: &'a str,
    package: &'a str,
    parameters: Value,
    days_ago: i64,
    /// Still running: its lifecycle is manual, so it ends only when advanced or cancelled.
    running: bool,
}

/// A past execution of the installer, its outcome decided as a new one would be.
fn past(spec: Past<'_>, ecs: &EcsBackend, now: OffsetDateTime) -> Option<Execution> {
    let Past {
        id,
        region,
        instance,
        package,
        parameters,
        days_ago,
        running,
    } = spec;
    let params = json!({
        "regionId": region,
        "OOSAssumeRole": "",
        "targets": {"ResourceIds": [instance], "RegionId": region, "Type": "ResourceIds"},
        "rateControl": {"Mode": "Concurrency", "Concurrency": 1, "MaxErrors": 0},
        "action": "install",
        "packageName": package,
        "parameters": parameters,
    });
    let params = params.as_object()?.clone();
    let request = start_parameters::parse(&params, region).ok()?;
    let target = ecs.instance(instance)?;
    let created = now - Duration::days(days_ago);
    Some(Execution {
        id: id.into(),
        template_name: BULKY_TEMPLATE.into(),
        template_version: BULKY_VERSION.into(),
        mode: "Automatic".into(),
        safety_check: "ConfirmEveryHighRiskAction".into(),
        description: String::new(),
        parameters: params,
        tags: serde_json::Map::new(),
        package_name: request.package.template_name(),
        package_version: request.version.name.into(),
        action: request.action,
        executed_by: ACCOUNT_ID.into(),
        created,
        progress: if running {
            Progress::start(created, Mode::Manual)
        } else {
            Progress::timed(created)
        },
        manual_done_at: None,
        cancelled_at: None,
        tasks: vec![TaskPlan {
            id: format!("task-{}", &id[5..]),
            instance_id: instance.into(),
            outcome: outcome::decide(target, &request, &[]),
        }],
        effective_parameters: request.effective,
    })
}

/// The demo account's `cn-hangzhou` OOS state, over its ECS instances `ecs`.
pub fn demo_oos_hangzhou(now: OffsetDateTime, ecs: &EcsBackend) -> OosBackend {
    let hz = |id, instance, package, parameters, days_ago| Past {
        id,
        region: REGION,
        instance,
        package,
        parameters,
        days_ago,
        running: false,
    };
    let executions = [
        hz(
            EXEC_NODE_APP_01,
            I_APP_01,
            "ACS-Extension-node-1853370294850618",
            json!({"version": "20"}),
            9,
        ),
        hz(
            EXEC_NGINX_WEB_01,
            I_WEB_01,
            "ACS-Extension-nginx-1853370294850618",
            json!({}),
            5,
        ),
        hz(
            EXEC_MYSQL_DB_01,
            I_DB_01,
            "ACS-Extension-mysql-1853370294850618",
            json!({"version": "8.0"}),
            2,
        ),
        Past {
            running: true,
            ..hz(
                EXEC_REDIS_RUNNING,
                I_WEB_01,
                "ACS-Extension-redis-1853370294850618",
                json!({}),
                0,
            )
        },
    ];
    OosBackend {
        executions: executions
            .into_iter()
            .filter_map(|spec| past(spec, ecs, now))
            .collect(),
        ..OosBackend::default()
    }
}

/// The demo account's `cn-shanghai` OOS state.
pub fn demo_oos_shanghai(now: OffsetDateTime, ecs: &EcsBackend) -> OosBackend {
    OosBackend {
        executions: past(
            Past {
                id: EXEC_DOCKER_SH_WEB_01,
                region: REGION_SHANGHAI,
                instance: I_SH_WEB_01,
                package: "ACS-Extension-DockerCE-1853370294850618",
                parameters: json!({}),
                days_ago: 3,
                running: false,
            },
            ecs,
            now,
        )
        .into_iter()
        .collect(),
        ..OosBackend::default()
    }
}
