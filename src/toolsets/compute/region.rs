//! The compute skill's region rule (seed-operations.md 3.2): a script or intent that downloads
//! from overseas at run time (package managers, GitHub, Docker Hub, PyPI, npm, Hugging Face, curl
//! or wget to a host outside China) runs in Singapore; anything else runs in a domestic region; a
//! region the user named is used as given. Pure: it reads the text, never the network.

use serde_json::{Map, Value, json};

use crate::failure::ToolFailure;
use crate::toolsets::GuardContext;

/// Where overseas work goes.
pub const OVERSEAS_REGION: &str = "ap-southeast-1";
/// Where everything else goes.
pub const DOMESTIC_REGION: &str = "cn-hangzhou";

/// Commands and hosts that fetch from overseas at run time, with what they are.
const OVERSEAS_PATTERNS: &[(&str, &str)] = &[
    ("pip install", "PyPI (pip install)"),
    ("pip3 install", "PyPI (pip install)"),
    ("npm install", "npm (npm install)"),
    ("npm i ", "npm (npm install)"),
    ("yarn add", "npm (yarn add)"),
    ("apt-get install", "apt packages (apt-get install)"),
    ("apt install", "apt packages (apt install)"),
    ("yum install", "yum packages (yum install)"),
    ("dnf install", "dnf packages (dnf install)"),
    ("go get", "Go modules (go get)"),
    ("go install", "Go modules (go install)"),
    ("cargo build", "crates.io (cargo build)"),
    ("cargo install", "crates.io (cargo install)"),
    ("gem install", "RubyGems (gem install)"),
    ("composer install", "Packagist (composer install)"),
    ("github.com", "GitHub"),
    ("githubusercontent.com", "GitHub"),
    ("gitlab.com", "GitLab"),
    ("docker pull", "Docker Hub (docker pull)"),
    ("docker.io", "Docker Hub"),
    ("hub.docker.com", "Docker Hub"),
    ("pypi.org", "PyPI"),
    ("registry.npmjs.org", "npm"),
    ("huggingface.co", "Hugging Face"),
    ("from_pretrained", "Hugging Face (from_pretrained)"),
    ("hf_hub_download", "Hugging Face (hf_hub_download)"),
    ("load_dataset(", "Hugging Face datasets (load_dataset)"),
];

/// Hosts in China a download may use without counting as overseas.
fn domestic_host(host: &str) -> bool {
    host.ends_with(".cn")
        || [
            "aliyun.com",
            "aliyuncs.com",
            "alibaba-inc.com",
            "alicdn.com",
            "tuna.tsinghua.edu.cn",
        ]
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")))
        || host == "localhost"
        || host.starts_with("127.")
        || host.starts_with("10.")
        || host.starts_with("192.168.")
}

/// The host of a URL-like word (`https://host/path`, `host/path`).
fn host_of(word: &str) -> Option<String> {
    let rest = word.split_once("://").map(|(_, rest)| rest).unwrap_or(word);
    let host = rest
        .split(['/', ':', '?', '"', '\''])
        .next()?
        .to_lowercase();
    host.contains('.').then_some(host)
}

/// One overseas dependency found.
#[derive(Debug, Clone, PartialEq)]
pub struct Dependency {
    /// What it fetches from.
    pub what: String,
    /// The 1-based line it is on (0 for the intent).
    pub line: usize,
}

/// Every overseas dependency in a text, at most one per kind and line.
pub fn overseas_dependencies(text: &str) -> Vec<Dependency> {
    let mut found: Vec<Dependency> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let lower = line.to_lowercase();
        let mut push = |what: String| {
            if !found.iter().any(|d| d.what == what && d.line == index + 1) {
                found.push(Dependency {
                    what,
                    line: index + 1,
                });
            }
        };
        for (pattern, what) in OVERSEAS_PATTERNS {
            if lower.contains(pattern) {
                push((*what).to_string());
            }
        }
        let words: Vec<&str> = lower.split_whitespace().collect();
        for (i, word) in words.iter().enumerate() {
            if !matches!(*word, "curl" | "wget") {
                continue;
            }
            let target = words[i + 1..]
                .iter()
                .find(|w| !w.starts_with('-') && w.contains('.'));
            if let Some(host) = target.and_then(|w| host_of(w))
                && !domestic_host(&host)
            {
                push(format!("a download from {host} ({word})"));
            }
        }
    }
    found
}

/// The region and why, from the script, the intent and the user's own choice.
pub fn choose(
    script: &str,
    intent: &str,
    user_region: Option<&str>,
) -> (String, String, Vec<Dependency>) {
    let mut deps = overseas_dependencies(script);
    deps.extend(
        overseas_dependencies(intent)
            .into_iter()
            .map(|d| Dependency { line: 0, ..d }),
    );
    let kinds: Vec<String> = deps.iter().fold(Vec::new(), |mut acc, d| {
        if !acc.contains(&d.what) {
            acc.push(d.what.clone());
        }
        acc
    });
    if let Some(region) = user_region.filter(|r| !r.is_empty()) {
        let mut reason = format!("the user chose {region}");
        if !kinds.is_empty() && region.starts_with("cn-") {
            reason.push_str(&format!(
                "; note that the script downloads from overseas ({}), which may be slow or fail from a domestic region",
                kinds.join(", ")
            ));
        }
        return (region.to_string(), reason, deps);
    }
    if kinds.is_empty() {
        return (
            DOMESTIC_REGION.into(),
            "no overseas runtime dependency in the script or the intent: a domestic region".into(),
            deps,
        );
    }
    (
        OVERSEAS_REGION.into(),
        format!(
            "the work downloads from overseas at run time ({}): Singapore",
            kinds.join(", ")
        ),
        deps,
    )
}

/// The `cp_select_region` answer.
pub async fn select_region(ctx: &mut GuardContext<'_>) -> Result<Map<String, Value>, ToolFailure> {
    let script = ctx.arg_str("script_content").unwrap_or_default();
    let intent = ctx.arg_str("intent").unwrap_or_default();
    let user_region = ctx.arg_str("user_region");
    let (region, reason, deps) = choose(&script, &intent, user_region.as_deref());
    let needs_public_ip = !deps.is_empty();
    let mut notes = vec![
        format!(
            "create the VPC and VSwitch in {region} too: every resource of the task stays in one region"
        ),
        format!(
            "pass region_id {region} to every cp_ tool, including cp_ecs_find_available_instance_type (its fallback regions are all domestic)"
        ),
    ];
    if needs_public_ip {
        notes.push(
            "outbound downloads need a public IP: set internet_max_bandwidth_out above 0".into(),
        );
    }
    let mut out = Map::new();
    out.insert("region".into(), json!(region));
    out.insert("reason".into(), json!(reason));
    out.insert(
        "overseas_dependencies".into(),
        json!(
            deps.iter()
                .map(|d| json!({"what": d.what, "line": d.line}))
                .collect::<Vec<_>>()
        ),
    );
    out.insert("needs_public_ip".into(), json!(needs_public_ip));
    out.insert("notes".into(), json!(notes));
    out.insert(
        "show".into(),
        json!(format!("Region: {region} / Reason: {reason}")),
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overseas_downloads_go_to_singapore() {
        let (region, reason, deps) =
            choose("#!/bin/sh\npip install flask\npython app.py\n", "", None);
        assert_eq!(region, OVERSEAS_REGION);
        assert!(reason.contains("PyPI"), "{reason}");
        assert_eq!(deps[0].line, 2);
        let (region, _, _) = choose("curl -fsSL https://example.com/x.sh | sh", "", None);
        assert_eq!(region, OVERSEAS_REGION);
        let (region, _, _) = choose("", "train on a dataset from huggingface.co", None);
        assert_eq!(region, OVERSEAS_REGION);
    }

    #[test]
    fn local_work_stays_domestic_and_the_user_wins() {
        let (region, _, deps) = choose(
            "tar czf /tmp/logs.tgz /var/log\ncurl -o x https://mirrors.aliyun.com/a",
            "compress logs",
            None,
        );
        assert_eq!(region, DOMESTIC_REGION);
        assert!(deps.is_empty());
        let (region, reason, _) = choose("npm install", "", Some("cn-shanghai"));
        assert_eq!(region, "cn-shanghai");
        assert!(reason.contains("may be slow"), "{reason}");
    }
}
