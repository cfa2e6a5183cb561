//! How one instance's install task will end, decided from the instance's facts when the
//! execution starts (the emulator runs nothing; the clock only decides when the outcome
//! shows). The usual real causes of a failed install: the instance is not running, its
//! Cloud Assistant agent is offline, the OS is not supported, the disk is full.

use crate::emulator::alibaba::ecs::models::{Instance, InstanceStatus};
use crate::emulator::alibaba::oos::models::{PackageAction, PackageState, TaskOutcome};
use crate::emulator::alibaba::oos::rules::start_parameters::InstallRequest;

/// The outcome of `request` on `instance`, which has the packages `installed`.
pub fn decide(
    instance: &Instance,
    request: &InstallRequest,
    installed: &[PackageState],
) -> TaskOutcome {
    let package = request.package;
    let name = package.template_name();
    let failed = |message: String| TaskOutcome::Failed { message };
    if instance.status != InstanceStatus::Running {
        return failed(format!(
            "InvalidInstance.NotRunning: the instance {} is {}; Cloud Assistant commands only run on a Running instance. Start the instance and run the installation again.",
            instance.id,
            instance.status.as_str()
        ));
    }
    if !instance.cloud_assistant.online {
        return failed(format!(
            "ClientNotRunning: the Cloud Assistant agent on {} is not running (last heartbeat {}), so the installation command could not be delivered. Restart the agent (systemctl restart aliyun.service) and retry.",
            instance.id,
            crate::emulator::core::clock::format_time(instance.cloud_assistant.last_heartbeat)
        ));
    }
    let present = installed.iter().find(|s| s.template_name == name);
    match request.action {
        PackageAction::Uninstall => TaskOutcome::Success {
            output: match present {
                Some(_) => format!("{} uninstalled", package.name_en),
                None => format!("{} is not installed; nothing to remove", package.name_en),
            },
        },
        PackageAction::Install => {
            if !package.supports(instance.os_type) {
                let supported: Vec<&str> = package.os.iter().map(|os| os.as_str()).collect();
                return failed(format!(
                    "The package {name} supports {} only, but {} runs {} ({}). Choose an instance with a supported OS.",
                    supported.join(" and "),
                    instance.id,
                    instance.os_name_en,
                    instance.os_type.as_str()
                ));
            }
            if instance.disk_used_percent >= 100 {
                return failed(format!(
                    "Installation of {name} failed on {}: No space left on device (the {} GiB system disk is {} % used; at least 512 MiB must be free on /). Free up disk space or resize the disk, then retry.",
                    instance.id, instance.system_disk_gib, instance.disk_used_percent
                ));
            }
            let settings: Vec<String> = request
                .effective
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let settings = if settings.is_empty() {
                String::new()
            } else {
                format!(" with {}", settings.join(", "))
            };
            TaskOutcome::Success {
                output: format!(
                    "{} {} installed{settings} on {}",
                    package.name_en, request.version.name, instance.id
                ),
            }
        }
    }
}
