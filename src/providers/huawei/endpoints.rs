//! Where a Huawei call goes: the SDK's region tables, its environment overrides and the
//! `--endpoint huawei=URL` override for the emulator.
//!
//! The catalog names hosts as `<service>.{region_id}.myhuaweicloud.com`; [`sdk_host`] applies
//! the SDK's exceptions (ModelArts in `ap-southeast-1` is on `myhuaweicloud.cn`). The SDK's
//! overrides, in its lookup order after an explicit endpoint list:
//! `HUAWEICLOUD_SDK_REGION_<SERVICE>_<REGION_ID upper, '-' -> '_'>` (a comma-separated list;
//! the first is used) and, for IAM, `HUAWEICLOUD_SDK_IAM_ENDPOINT`.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// The regions of the SDK's `ModelArtsRegion` table (IAM has a regional endpoint in each).
pub const SDK_REGIONS: &[&str] = &[
    "cn-north-1",
    "cn-north-2",
    "cn-north-4",
    "cn-north-9",
    "cn-north-11",
    "cn-north-12",
    "cn-east-3",
    "cn-east-4",
    "cn-south-1",
    "cn-southwest-2",
    "cn-southwest-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "af-south-1",
    "af-north-1",
    "la-south-2",
    "la-north-2",
    "sa-brazil-1",
    "tr-west-1",
    "me-east-1",
];

/// The global IAM endpoint the SDK falls back to for a region outside its table.
pub const GLOBAL_IAM_HOST: &str = "iam.myhuaweicloud.com";

/// The real host of a catalog host: the SDK's table exceptions applied.
pub fn sdk_host(host: &str) -> String {
    match host.strip_suffix(".ap-southeast-1.myhuaweicloud.com") {
        Some("modelarts") => "modelarts.ap-southeast-1.myhuaweicloud.cn".to_owned(),
        _ => host.to_owned(),
    }
}

/// The IAM host of a region.
pub fn iam_host(region: &str) -> String {
    if SDK_REGIONS.contains(&region) {
        format!("iam.{region}.myhuaweicloud.com")
    } else {
        GLOBAL_IAM_HOST.to_owned()
    }
}

/// The SDK's name of a catalog service: the id without a version suffix (`modelarts-v1`,
/// the catalog's ModelArts v1, is the SDK's `modelarts`).
pub fn sdk_service(service: &str) -> &str {
    // Catalog service ids are global, so a Huawei service whose name another provider already
    // uses carries the provider (`vpc-huawei`); the SDK knows it as `vpc`.
    let service = service.strip_suffix("-huawei").unwrap_or(service);
    match service.rsplit_once("-v") {
        Some((name, version))
            if !version.is_empty() && version.chars().all(|c| c.is_ascii_digit()) =>
        {
            name
        }
        _ => service,
    }
}

/// The name of the SDK's per-service, per-region override variable.
pub fn override_variable(service: &str, region: &str) -> String {
    format!(
        "HUAWEICLOUD_SDK_REGION_{}_{}",
        sdk_service(service).to_ascii_uppercase().replace('-', "_"),
        region.to_ascii_uppercase().replace('-', "_")
    )
}

/// A checked endpoint URL reduced to its origin and host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// `scheme://host[:port]`.
    pub origin: String,
    /// The host with its port, as a `Host` header carries it.
    pub authority: String,
    /// Whether it is this machine (proxies are bypassed, plain HTTP needs no trust store).
    pub loopback: bool,
}

/// Checks an endpoint URL: http(s), no credentials, no path beyond `/`, no query.
pub fn parse_origin(endpoint: &str) -> Result<Origin, String> {
    let url = reqwest::Url::parse(endpoint.trim()).map_err(|error| error.to_string())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("the scheme must be http or https".to_owned());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("credentials in the URL are not allowed".to_owned());
    }
    if !matches!(url.path(), "" | "/") || url.query().is_some() || url.fragment().is_some() {
        return Err("only scheme, host and port are allowed".to_owned());
    }
    let host = url.host_str().ok_or("no host")?.to_owned();
    let loopback = host == "localhost"
        || host == "[::1]"
        || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback());
    let authority = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    };
    Ok(Origin {
        origin: url.origin().ascii_serialization(),
        authority,
        loopback,
    })
}

/// The SDK overrides found in the environment, read once at startup for the catalog's
/// services in every SDK region: `(service, region) -> URL`, and the IAM endpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SdkOverrides {
    /// `HUAWEICLOUD_SDK_REGION_<SERVICE>_<REGION>`, first entry of each list.
    pub services: BTreeMap<(String, String), String>,
    /// `HUAWEICLOUD_SDK_IAM_ENDPOINT`.
    pub iam: Option<String>,
}

impl SdkOverrides {
    /// Looks the variables up for `services` (catalog service ids) in every SDK region.
    pub fn from_env<'s>(
        env: &dyn Fn(&str) -> Option<String>,
        services: impl IntoIterator<Item = &'s str>,
    ) -> Self {
        let first = |value: String| {
            value
                .split(',')
                .map(str::trim)
                .find(|entry| !entry.is_empty())
                .map(str::to_owned)
        };
        let mut out = Self {
            iam: env("HUAWEICLOUD_SDK_IAM_ENDPOINT").and_then(first),
            ..Self::default()
        };
        for service in services {
            for region in SDK_REGIONS {
                if let Some(url) = env(&override_variable(service, region)).and_then(first) {
                    out.services
                        .insert((service.to_owned(), (*region).to_owned()), url);
                }
            }
        }
        out
    }

    /// The override of a service in a region (`iam` also answers the IAM endpoint).
    pub fn get(&self, service: &str, region: &str) -> Option<&str> {
        self.services
            .get(&(service.to_owned(), region.to_owned()))
            .map(String::as_str)
            .or_else(|| (service == "iam").then_some(self.iam.as_deref()).flatten())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sdk_table_exceptions_apply() {
        assert_eq!(
            sdk_host("modelarts.ap-southeast-1.myhuaweicloud.com"),
            "modelarts.ap-southeast-1.myhuaweicloud.cn"
        );
        assert_eq!(
            sdk_host("modelarts.cn-north-4.myhuaweicloud.com"),
            "modelarts.cn-north-4.myhuaweicloud.com"
        );
        assert_eq!(iam_host("cn-north-4"), "iam.cn-north-4.myhuaweicloud.com");
        assert_eq!(iam_host("xx-nowhere-1"), GLOBAL_IAM_HOST);
    }

    #[test]
    fn environment_overrides_follow_the_sdk_names() {
        assert_eq!(
            override_variable("modelarts", "cn-north-4"),
            "HUAWEICLOUD_SDK_REGION_MODELARTS_CN_NORTH_4"
        );
        assert_eq!(
            override_variable("modelarts-v1", "cn-north-4"),
            "HUAWEICLOUD_SDK_REGION_MODELARTS_CN_NORTH_4"
        );
        assert_eq!(sdk_service("swr"), "swr");
        assert_eq!(sdk_service("vpc-huawei"), "vpc");
        let env = |name: &str| match name {
            "HUAWEICLOUD_SDK_REGION_MODELARTS_CN_NORTH_4" => {
                Some(" http://127.0.0.1:9,http://127.0.0.1:10".to_owned())
            }
            "HUAWEICLOUD_SDK_IAM_ENDPOINT" => Some("http://127.0.0.1:11".to_owned()),
            _ => None,
        };
        let found = SdkOverrides::from_env(&env, ["modelarts"]);
        assert_eq!(
            found.get("modelarts", "cn-north-4"),
            Some("http://127.0.0.1:9")
        );
        assert_eq!(found.get("modelarts", "cn-east-3"), None);
        assert_eq!(found.get("iam", "cn-east-3"), Some("http://127.0.0.1:11"));
    }

    #[test]
    fn origins_are_checked() {
        let origin = parse_origin("http://127.0.0.1:8081").expect("origin");
        assert_eq!(origin.authority, "127.0.0.1:8081");
        assert!(origin.loopback);
        assert!(parse_origin("ftp://x").is_err());
        assert!(parse_origin("http://u:p@x").is_err());
        assert!(parse_origin("http://x/path").is_err());
    }
}
