//! The emulator's request parsing behind each provider's authentication: every route it serves,
//! reached with a valid signature (or token) and fuzzed parameters, path segments and bodies,
//! answers with a status below 500 and a JSON body, and never drops the connection (which is
//! what a panicking handler does). The routes come from the emulator itself, so a new route is
//! fuzzed the day it is added.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;
use skillgate::emulator::{self, EmulatorHandle, EmulatorOptions, RouteInfo};
use skillgate::signing::acs3::{self, SignableRequest as AcsRequest};
use skillgate::signing::encoding::{encode_path_segment, form_urlencode_pairs};
use skillgate::signing::huawei::{self, SignableRequest as HwRequest};
use skillgate::signing::obs;
use time::OffsetDateTime;
use time::macros::format_description;

use super::input::Cursor;

struct Target {
    runtime: tokio::runtime::Runtime,
    handle: EmulatorHandle,
    accounts: Value,
    routes: Vec<RouteInfo>,
    http: reqwest::Client,
}

fn target() -> &'static Target {
    static TARGET: OnceLock<Target> = OnceLock::new();
    TARGET.get_or_init(|| {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let handle = runtime
            .block_on(emulator::start(
                ([127, 0, 0, 1], 0).into(),
                EmulatorOptions::default(),
            ))
            .expect("emulator starts");
        let accounts: Value = serde_json::from_str(&handle.startup_line()).expect("startup line");
        let routes = handle
            .state()
            .fronts()
            .flat_map(|front| front.routes())
            .collect();
        Target {
            runtime,
            handle,
            accounts,
            routes,
            http: reqwest::Client::new(),
        }
    })
}

/// Parameter names the APIs use, so fuzzed requests get past "unknown parameter" often.
const KEYS: &[&str] = &[
    "RegionId",
    "QuotaId",
    "QuotaIds",
    "ResourceType",
    "PageNumber",
    "PageSize",
    "NextToken",
    "MaxResults",
    "InstanceId",
    "InstanceIds",
    "TemplateName",
    "Parameters",
    "ExecutionId",
    "Status",
    "Name",
    "name",
    "limit",
    "offset",
    "flavor",
    "image",
    "metadata",
    "spec",
    "replica_num",
    "deployment_uuid",
    "WorkspaceId",
    "Min",
    "Max",
    "NodeSpecs",
    "Labels",
];
const WORDS: &[&str] = &[
    "cn-hangzhou",
    "cn-north-4",
    "",
    "0",
    "-1",
    "999999999999",
    "[]",
    "{}",
    "[\"a\"]",
    "{\"Type\":\"ecs.g7.large\",\"Count\":1}",
    "true",
    "null",
    "Running",
    "../x",
    "中文",
];

fn loopback_authority(handle: &EmulatorHandle) -> String {
    handle.endpoint.trim_start_matches("http://").to_owned()
}

/// The route's path with each `{param}` filled: the account's project where one is named,
/// otherwise a fuzzed segment.
fn fill_path(route: &RouteInfo, input: &mut Cursor<'_>, project: &str) -> String {
    let mut path = String::new();
    for segment in route.path.split('/').filter(|s| !s.is_empty()) {
        path.push('/');
        if segment.starts_with('{') {
            if segment.contains("project") {
                path.push_str(project);
            } else {
                path.push_str(&encode_path_segment(&input.text(WORDS)));
            }
        } else {
            path.push_str(segment);
        }
    }
    if path.is_empty() { "/".into() } else { path }
}

/// The RFC 1123 date OBS signs.
fn obs_date() -> String {
    let format = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default()
}

fn now_acs() -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default()
}

fn request(target: &Target, route: &RouteInfo, input: &mut Cursor<'_>) -> reqwest::RequestBuilder {
    let query: Vec<(String, String)> = (0..input.below(6))
        .map(|_| (input.text(KEYS), input.text(WORDS)))
        .filter(|(k, _)| !k.is_empty())
        .collect();
    let body: Vec<u8> = match input.below(3) {
        0 => Vec::new(),
        1 => Value::Object(input.object(3, KEYS, WORDS))
            .to_string()
            .into_bytes(),
        _ => input.rest().iter().copied().take(512).collect(),
    };
    let text = |pointer: &str| {
        target
            .accounts
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let project = text("/huawei/projects/cn-north-4");
    let path = fill_path(route, input, &project);
    let mut headers: Vec<(String, String)>;
    let url_query;
    match route.provider {
        "alibaba" => {
            headers = vec![
                ("host".into(), loopback_authority(&target.handle)),
                ("x-acs-action".into(), route.action.into()),
                ("x-acs-version".into(), route.version.into()),
                ("x-acs-date".into(), now_acs()),
                ("x-acs-signature-nonce".into(), acs3::signature_nonce()),
                ("x-acs-content-sha256".into(), acs3::hashed_payload(&body)),
                (
                    "content-type".into(),
                    "application/json; charset=utf-8".into(),
                ),
            ];
            let signature = acs3::sign(
                &AcsRequest {
                    method: route.method,
                    canonical_uri: &path,
                    query: &query,
                    headers: &headers,
                    body: &body,
                },
                &text("/alibaba/access_key_id"),
                &text("/alibaba/access_key_secret"),
            );
            headers.push(("authorization".into(), signature.authorization));
            url_query = form_urlencode_pairs(&query);
        }
        "huawei" if route.service == "obs" => {
            // OBS signs its own way (`OBS <AK>:<signature>`), the bucket in the path.
            headers = vec![
                ("Date".into(), obs_date()),
                ("Host".into(), "obs.cn-north-4.myhuaweicloud.com".into()),
            ];
            let (bucket, key) = match path.trim_start_matches('/').split_once('/') {
                Some((bucket, key)) => (bucket.to_owned(), Some(key.to_owned())),
                None => (path.trim_start_matches('/').to_owned(), None),
            };
            let bucket = percent_encoding::percent_decode_str(&bucket)
                .decode_utf8_lossy()
                .into_owned();
            let signed_query: Vec<(String, Option<String>)> = query
                .iter()
                .map(|(k, v)| (k.clone(), (!v.is_empty()).then(|| v.clone())))
                .collect();
            let resource = obs::canonical_resource(
                (!bucket.is_empty()).then_some(bucket.as_str()),
                key.as_deref(),
                &signed_query,
                true,
                obs::Flavor::Obs,
            );
            let signed = obs::sign(
                route.method,
                &headers,
                &resource,
                obs::Flavor::Obs,
                &text("/huawei/access_key"),
                &text("/huawei/secret_key"),
            );
            headers.push(("Authorization".into(), signed.authorization));
            url_query = form_urlencode_pairs(&query);
        }
        "huawei" => {
            headers = vec![
                ("Content-Type".into(), "application/json".into()),
                ("X-Project-Id".into(), project.clone()),
                (
                    "X-Sdk-Date".into(),
                    huawei::format_sdk_date(OffsetDateTime::now_utc()),
                ),
                (
                    "Host".into(),
                    format!("{}.cn-north-4.myhuaweicloud.com", route.service),
                ),
            ];
            let signature = huawei::sign(
                &HwRequest {
                    method: route.method,
                    path: &path,
                    query: &query,
                    headers: &headers,
                    body: &body,
                },
                &text("/huawei/access_key"),
                &text("/huawei/secret_key"),
            );
            headers.push(("Authorization".into(), signature.authorization));
            url_query = huawei::canonical_query(&query);
        }
        _ => {
            headers = vec![
                (
                    "Authorization".into(),
                    text(&format!("/{}/token", route.provider)),
                ),
                ("Content-Type".into(), "application/json".into()),
            ];
            url_query = form_urlencode_pairs(&query);
        }
    }
    let url = if url_query.is_empty() {
        format!("{}{path}", target.handle.endpoint)
    } else {
        format!("{}{path}?{url_query}", target.handle.endpoint)
    };
    let method =
        reqwest::Method::from_bytes(route.method.as_bytes()).unwrap_or(reqwest::Method::GET);
    let mut builder = target.http.request(method, url);
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    builder.body(body)
}

/// How many cases got past authentication and routing to a handler's own answer (2xx, or a
/// 4xx that is not a signature or routing refusal), so the target shows it reaches the parsers.
static HANDLED: AtomicUsize = AtomicUsize::new(0);

fn check(bytes: &[u8]) {
    let target = target();
    let mut input = Cursor::new(bytes);
    let route = &target.routes[input.below(target.routes.len())];
    let builder = request(target, route, &mut input);
    let (status, body) = target.runtime.block_on(async {
        let response = builder.send().await.unwrap_or_else(|error| {
            panic!(
                "{} {} {}: no answer ({error})",
                route.provider, route.method, route.path
            )
        });
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    });
    assert!(
        status < 500,
        "{} {} {} ({}): {status} {body}",
        route.provider,
        route.method,
        route.path,
        route.action
    );
    // OBS answers XML: its `<Error><Code>` stands for the JSON code of the others.
    let xml_code = (route.service == "obs")
        .then(|| {
            body.split_once("<Code>")
                .and_then(|(_, rest)| rest.split_once("</Code>"))
                .map(|(code, _)| serde_json::json!({"Code": code}))
        })
        .flatten();
    let answer: Value =
        xml_code.unwrap_or_else(|| serde_json::from_str(&body).unwrap_or(Value::Null));
    let code = ["/Code", "/code", "/error_code"]
        .iter()
        .find_map(|p| answer.pointer(p).and_then(Value::as_str))
        .unwrap_or_default();
    let refused_before_handler = code.contains("Signature")
        || code.starts_with("APIG")
        || code == "InvalidAction.NotFound"
        || status == 404 && code.is_empty();
    if status < 300 || !refused_before_handler {
        HANDLED.fetch_add(1, Ordering::Relaxed);
    }
    if route.service == "obs" {
        assert!(
            body.is_empty() || body.starts_with("<?xml"),
            "{} {}: an OBS answer is XML or empty: {body}",
            route.method,
            route.path
        );
        return;
    }
    assert!(
        serde_json::from_str::<Value>(&body).is_ok(),
        "{} {}: the answer is not JSON: {body}",
        route.method,
        route.path
    );
}

#[test]
fn emulator_requests_on_every_route() {
    bolero::check!()
        .with_iterations(3_000)
        .for_each(|bytes: &[u8]| check(bytes));
    let handled = HANDLED.load(Ordering::Relaxed);
    assert!(
        handled >= 1_000,
        "only {handled} cases reached a handler: the signing or routing of the cases is wrong"
    );
}
