//! Template `Content` (a JSON string, as GetTemplate answers it): `FormatVersion`,
//! `Parameters` (what a client may pass), and a Tasks section shaped like the real
//! package templates, with install, uninstall and verify scripts.
//!
//! The scripts are DATA: the emulator stores and serves them and never runs them (an
//! execution's outcome is decided from the instance's facts, see `rules::outcome`). They
//! make Content realistically large, which is why clients must extract `Parameters`
//! rather than show Content.

use serde_json::{Map, Value, json};

use super::{PackageDef, VersionDef};
use crate::emulator::alibaba::ecs::models::OsType;

/// The install script of a package: detect the distribution, fetch the package with the
/// temporary URL the installer passes in, install, enable.
fn install_script(p: &PackageDef, v: &VersionDef) -> String {
    let mut vars = String::new();
    for param in v.params {
        vars.push_str(&format!(
            "{}='{{{{ {} }}}}'\n",
            param.name.to_uppercase(),
            param.name
        ));
    }
    format!(
        r#"#!/bin/bash
# {name} {version}: installation script of the OOS package {template}
set -euo pipefail
{vars}LOG=/var/log/oos-package-{short}.log
exec > >(tee -a "$LOG") 2>&1
echo "[$(date -u +%FT%TZ)] installing {name} ({version})"
if [ -f /etc/os-release ]; then . /etc/os-release; else echo "unsupported OS: /etc/os-release missing"; exit 20; fi
FREE_KB=$(df -Pk / | awk 'NR==2 {{print $4}}')
if [ "$FREE_KB" -lt 524288 ]; then echo "No space left on device: at least 512 MiB must be free on /"; exit 28; fi
WORKDIR=$(mktemp -d /tmp/oos-{short}.XXXXXX)
trap 'rm -rf "$WORKDIR"' EXIT
curl -fsSL --retry 3 -o "$WORKDIR/package.tar.gz" "{{{{ packageUrl }}}}"
echo "{{{{ packageSha256 }}}}  $WORKDIR/package.tar.gz" | sha256sum -c -
tar -xzf "$WORKDIR/package.tar.gz" -C "$WORKDIR"
case "$ID" in
  alinux|centos|rhel|rocky|almalinux|anolis|fedora)
    PKG_MANAGER=dnf; command -v dnf >/dev/null 2>&1 || PKG_MANAGER=yum
    "$PKG_MANAGER" install -y "$WORKDIR"/rpm/*.rpm ;;
  ubuntu|debian)
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -y && apt-get install -y "$WORKDIR"/deb/*.deb ;;
  *)
    echo "unsupported distribution: $ID"; exit 20 ;;
esac
if [ -x "$WORKDIR/post-install.sh" ]; then "$WORKDIR/post-install.sh"; fi
echo "[$(date -u +%FT%TZ)] {name} installed"
"#,
        name = p.name_en,
        version = v.name,
        template = p.template_name(),
        short = p.short_name.to_lowercase(),
        vars = vars,
    )
}

fn uninstall_script(p: &PackageDef) -> String {
    format!(
        r#"#!/bin/bash
# {name}: uninstallation script of the OOS package {template}
set -euo pipefail
. /etc/os-release
case "$ID" in
  alinux|centos|rhel|rocky|almalinux|anolis|fedora) (command -v dnf >/dev/null && dnf remove -y oos-{short}) || yum remove -y oos-{short} ;;
  ubuntu|debian) apt-get remove -y oos-{short} ;;
esac
rm -f /var/log/oos-package-{short}.log
echo "{name} uninstalled"
"#,
        name = p.name_en,
        template = p.template_name(),
        short = p.short_name.to_lowercase(),
    )
}

fn run_command_task(name: &str, description: &str, script: String, when: &str) -> Value {
    json!({
        "Name": name,
        "Action": "ACS::ECS::RunCommand",
        "Description": description,
        "When": when,
        "Properties": {
            "regionId": "{{ ACS::RegionId }}",
            "instanceId": "{{ ACS::TaskLoopItem }}",
            "commandType": "RunShellScript",
            "commandContent": script,
            "timeout": 1800,
            "enableParameter": false,
        },
        "Outputs": {
            "commandOutput": {"Type": "String", "ValueSelector": "invocationOutput"},
        },
    })
}

/// The Content of one version of a package template.
pub fn package_content(p: &PackageDef, v: &VersionDef) -> String {
    let mut parameters = Map::new();
    for param in v.params {
        parameters.insert(param.name.to_owned(), param.schema());
    }
    let os: Vec<&str> =
        p.os.iter()
            .map(|os| match os {
                OsType::Linux => "Linux",
                OsType::Windows => "Windows",
            })
            .collect();
    let content = json!({
        "FormatVersion": "OOS-2019-06-01",
        "Description": p.description_en,
        "Parameters": parameters,
        "Package": {
            "Publisher": "Alibaba Cloud",
            "Version": v.name,
            "Platform": os,
            "Architecture": ["x86_64", "arm64"],
            "InstallTimeout": 1800,
        },
        "Tasks": [
            run_command_task("install", &format!("Install {}", p.name_en), install_script(p, v), "{{ action == 'install' }}"),
            run_command_task("uninstall", &format!("Uninstall {}", p.name_en), uninstall_script(p), "{{ action == 'uninstall' }}"),
            run_command_task(
                "verify",
                "Print the installed version",
                format!("#!/bin/bash\ncat /var/log/oos-package-{}.log | tail -n 1\n", p.short_name.to_lowercase()),
                "{{ action == 'install' }}",
            ),
        ],
        "Outputs": {
            "installLog": {"Type": "String", "Value": "{{ install.commandOutput }}"},
            "verifyOutput": {"Type": "String", "Value": "{{ verify.commandOutput }}"},
        },
    });
    content.to_string()
}

/// The Content of the bulky installer: the parameter shape StartExecution validates.
pub fn bulky_content() -> String {
    let content = json!({
        "FormatVersion": "OOS-2019-06-01",
        "Description": "Bulk configure an OOS package on ECS instances with a temporary download URL.",
        "Parameters": {
            "regionId": {"Type": "String", "Description": "The region of the instances.", "Default": "{{ ACS::RegionId }}"},
            "targets": {"Type": "Json", "Description": "The instances: {\"Type\":\"ResourceIds\",\"RegionId\":...,\"ResourceIds\":[...]}.", "AssociationProperty": "Targets", "AssociationPropertyMetadata": {"ResourceType": "ALIYUN::ECS::Instance", "RegionId": "regionId"}},
            "action": {"Type": "String", "Description": "What to do with the package.", "AllowedValues": ["install", "uninstall"]},
            "packageName": {"Type": "String", "Description": "The package template name, e.g. ACS-Extension-node-1853370294850618."},
            "packageVersion": {"Type": "String", "Description": "The package version; empty: the latest.", "Default": ""},
            "parameters": {"Type": "Json", "Description": "The package's installation parameters (its Content.Parameters).", "Default": {}},
            "rateControl": {"Type": "Json", "AssociationProperty": "RateControl", "Description": "Concurrency and error tolerance.", "Default": {"Mode": "Concurrency", "MaxErrors": 0, "Concurrency": 10}},
            "OOSAssumeRole": {"Type": "String", "Description": "The RAM role OOS assumes; empty: the caller's permissions.", "Default": ""},
        },
        "RamRole": "{{ OOSAssumeRole }}",
        "Tasks": [
            {
                "Name": "getInstance",
                "Description": "Select the target instances.",
                "Action": "ACS::SelectTargets",
                "Properties": {"ResourceType": "ALIYUN::ECS::Instance", "RegionId": "{{ regionId }}", "Filters": ["{{ targets }}"]},
                "Outputs": {"instanceIds": {"Type": "List", "ValueSelector": "Instances.Instance[].InstanceId"}},
            },
            {
                "Name": "configurePackage",
                "Description": "Install or uninstall the package on each instance.",
                "Action": "ACS::ECS::ConfigureOOSPackageWithTemporaryURL",
                "Properties": {
                    "regionId": "{{ regionId }}",
                    "instanceId": "{{ ACS::TaskLoopItem }}",
                    "action": "{{ action }}",
                    "packageName": "{{ packageName }}",
                    "packageVersion": "{{ packageVersion }}",
                    "parameters": "{{ parameters }}",
                },
                "Loop": {"RateControl": "{{ rateControl }}", "Items": "{{ getInstance.instanceIds }}", "Outputs": {"commandOutputs": {"AggregateType": "Fn::ListJoin", "AggregateField": "commandOutput"}}},
                "Outputs": {"commandOutput": {"Type": "String", "ValueSelector": "invocationOutput"}},
            },
        ],
        "Outputs": {"commandOutputs": {"Type": "List", "Value": "{{ configurePackage.commandOutputs }}"}},
    });
    content.to_string()
}
