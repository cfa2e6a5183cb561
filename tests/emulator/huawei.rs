//! The Huawei front over HTTP with real `SDK-HMAC-SHA256` signatures, made by a tiny client
//! built from `skillgate::signing::huawei` only: authentication (a wrong signature is
//! `APIG.0301`, a foreign project `ModelArts.0210`, a temporary pair needs its token), IAM
//! projects in two regions, and the notebook and training-job state machines on the clock.

use serde_json::{Value, json};
use skillgate::emulator::{self, EmulatorOptions};
use skillgate::signing::huawei::{self as signer, SignableRequest};
use time::OffsetDateTime;

pub struct Huawei {
    handle: emulator::EmulatorHandle,
    account: Value,
    http: reqwest::Client,
}

pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.body["error_code"].as_str().unwrap_or_default()
    }
}

impl Huawei {
    pub async fn start() -> Self {
        let handle = emulator::start(([127, 0, 0, 1], 0).into(), EmulatorOptions::default())
            .await
            .expect("emulator starts");
        let line: Value = serde_json::from_str(&handle.startup_line()).expect("startup line");
        Self {
            account: line["huawei"].clone(),
            handle,
            http: reqwest::Client::new(),
        }
    }

    fn project(&self, region: &str) -> String {
        self.account["projects"][region]
            .as_str()
            .expect("project")
            .to_owned()
    }

    fn text(&self, pointer: &str) -> String {
        self.account
            .pointer(pointer)
            .and_then(Value::as_str)
            .expect(pointer)
            .to_owned()
    }

    /// Signs and sends a call as the SDK does (Host = the real host, or loopback).
    #[allow(clippy::too_many_arguments)]
    async fn call_as(
        &self,
        keys: (&str, &str, Option<&str>),
        host: &str,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Value>,
        project: Option<&str>,
    ) -> Answer {
        let query: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let body_bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
        if let Some(project) = project {
            headers.push(("X-Project-Id".to_owned(), project.to_owned()));
        }
        if let Some(token) = keys.2 {
            headers.push(("X-Security-Token".to_owned(), token.to_owned()));
        }
        headers.push((
            "X-Sdk-Date".to_owned(),
            signer::format_sdk_date(OffsetDateTime::now_utc()),
        ));
        headers.push(("Host".to_owned(), host.to_owned()));
        let signature = signer::sign(
            &SignableRequest {
                method,
                path,
                query: &query,
                headers: &headers,
                body: &body_bytes,
            },
            keys.0,
            keys.1,
        );
        headers.push(("Authorization".to_owned(), signature.authorization));
        let canonical = signer::canonical_query(&query);
        let url = if canonical.is_empty() {
            format!("{}{path}", self.handle.endpoint)
        } else {
            format!("{}{path}?{canonical}", self.handle.endpoint)
        };
        let mut request = self.http.request(
            reqwest::Method::from_bytes(method.as_bytes()).expect("method"),
            url,
        );
        for (name, value) in &headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let response = request.body(body_bytes).send().await.expect("sent");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        Answer {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        }
    }

    pub async fn call(&self, method: &str, path_tail: &str, body: Option<Value>) -> Answer {
        let project = self.project("cn-north-4");
        let path = format!("/{}", path_tail.replace("{p}", &project));
        let (ak, sk) = (self.text("/access_key"), self.text("/secret_key"));
        self.call_as(
            (&ak, &sk, None),
            "modelarts.cn-north-4.myhuaweicloud.com",
            method,
            &path,
            &[],
            body,
            Some(&project),
        )
        .await
    }

    pub async fn ok(&self, method: &str, path_tail: &str, body: Option<Value>) -> Value {
        let answer = self.call(method, path_tail, body).await;
        assert_eq!(answer.status, 200, "{method} {path_tail}: {}", answer.body);
        answer.body
    }

    /// A GET with query parameters, signed with them, answering 200.
    pub async fn ok_query(&self, path_tail: &str, query: &[(&str, &str)]) -> Value {
        let project = self.project("cn-north-4");
        let path = format!("/{}", path_tail.replace("{p}", &project));
        let (ak, sk) = (self.text("/access_key"), self.text("/secret_key"));
        let host = "modelarts.cn-north-4.myhuaweicloud.com";
        let answer = self
            .call_as(
                (&ak, &sk, None),
                host,
                "GET",
                &path,
                query,
                None,
                Some(&project),
            )
            .await;
        assert_eq!(answer.status, 200, "GET {path_tail}: {}", answer.body);
        answer.body
    }

    pub async fn advance(&self, seconds: u64) {
        let response = self
            .http
            .post(format!("{}/_emulator/clock/advance", self.handle.endpoint))
            .json(&json!({"seconds": seconds}))
            .send()
            .await
            .expect("advance");
        assert_eq!(response.status().as_u16(), 200);
    }
}

#[tokio::test]
async fn signatures_are_verified_exactly_and_projects_checked() {
    let hw = Huawei::start().await;
    let (ak, sk) = (hw.text("/access_key"), hw.text("/secret_key"));
    let project = hw.project("cn-north-4");
    let path = format!("/v1/{project}/notebooks");
    let host = "modelarts.cn-north-4.myhuaweicloud.com";
    let wrong = hw
        .call_as(
            (&ak, "not-the-secret", None),
            host,
            "GET",
            &path,
            &[],
            None,
            Some(&project),
        )
        .await;
    assert_eq!(
        (wrong.status, wrong.code()),
        (401, "APIG.0301"),
        "{}",
        wrong.body
    );
    assert!(wrong.body["request_id"].is_string());
    let unknown = hw
        .call_as(
            ("HPUAUNKNOWN", &sk, None),
            host,
            "GET",
            &path,
            &[],
            None,
            Some(&project),
        )
        .await;
    assert_eq!(unknown.code(), "APIG.0301");
    let east = hw.project("cn-east-3");
    let mismatch = hw
        .call_as((&ak, &sk, None), host, "GET", &path, &[], None, Some(&east))
        .await;
    assert_eq!((mismatch.status, mismatch.code()), (403, "ModelArts.0210"));
    let foreign = format!("/v1/{}/notebooks", "f".repeat(32));
    let foreign = hw
        .call_as((&ak, &sk, None), host, "GET", &foreign, &[], None, None)
        .await;
    assert_eq!(foreign.code(), "ModelArts.0210");
    // A temporary pair must send its (signed) token.
    let (tak, tsk, token) = (
        hw.text("/temporary/access_key"),
        hw.text("/temporary/secret_key"),
        hw.text("/temporary/security_token"),
    );
    let without = hw
        .call_as(
            (&tak, &tsk, None),
            host,
            "GET",
            &path,
            &[],
            None,
            Some(&project),
        )
        .await;
    assert_eq!(without.code(), "APIG.0301");
    let with = hw
        .call_as(
            (&tak, &tsk, Some(&token)),
            host,
            "GET",
            &path,
            &[],
            None,
            Some(&project),
        )
        .await;
    assert_eq!(with.status, 200, "{}", with.body);
    // Loopback host (the official SDK pointed at 127.0.0.1): the project names the region.
    let loopback = hw.handle.endpoint.trim_start_matches("http://").to_owned();
    let east_path = format!("/v1/{east}/notebooks");
    let listed = hw
        .call_as(
            (&ak, &sk, None),
            &loopback,
            "GET",
            &east_path,
            &[],
            None,
            Some(&east),
        )
        .await;
    let names: Vec<&str> = listed.body["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|n| n["name"].as_str())
        .collect();
    assert!(
        names.iter().all(|n| n.starts_with("demo-cn-east-3")),
        "{names:?}"
    );
    let nowhere = hw
        .call_as(
            (&ak, &sk, None),
            host,
            "GET",
            &format!("/v1/{project}/nowhere"),
            &[],
            None,
            Some(&project),
        )
        .await;
    assert_eq!((nowhere.status, nowhere.code()), (404, "APIG.0101"));
}

#[tokio::test]
async fn iam_lists_one_project_per_region() {
    let hw = Huawei::start().await;
    let (ak, sk) = (hw.text("/access_key"), hw.text("/secret_key"));
    for region in ["cn-north-4", "cn-east-3"] {
        let answer = hw
            .call_as(
                (&ak, &sk, None),
                &format!("iam.{region}.myhuaweicloud.com"),
                "GET",
                "/v3/projects",
                &[("name", region)],
                None,
                None,
            )
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        let projects = answer.body["projects"].as_array().expect("projects");
        assert_eq!(projects.len(), 1);
        assert_eq!(
            projects[0]["id"].as_str(),
            Some(hw.project(region).as_str())
        );
    }
    let none = hw
        .call_as(
            (&ak, &sk, None),
            "iam.myhuaweicloud.com",
            "GET",
            "/v3/projects",
            &[("name", "cn-south-1")],
            None,
            None,
        )
        .await;
    assert_eq!(none.body["projects"], json!([]));
}

#[tokio::test]
async fn a_notebook_goes_through_its_states_on_the_clock_with_obs_mounts() {
    let hw = Huawei::start().await;
    let created = hw
        .ok("POST", "v1/{p}/notebooks", Some(json!({
            "name": "nb-test", "image_id": "e1a07296-22a8-4f05-8bc8-e936c8e54202", "flavor": "modelarts.vm.cpu.2u",
            "volume": {"category": "EVS", "ownership": "MANAGED", "capacity": 5},
        })))
        .await;
    assert_eq!(created["status"], "CREATING");
    let id = created["id"].as_str().expect("id").to_owned();
    let duplicate = hw.call("POST", "v1/{p}/notebooks", Some(json!({"name": "nb-test", "image_id": "e1a07296-22a8-4f05-8bc8-e936c8e54202", "volume": {"category": "EVS", "ownership": "MANAGED"}}))).await;
    assert_eq!(duplicate.code(), "ModelArts.6301");
    let busy = hw
        .call("POST", &format!("v1/{{p}}/notebooks/{id}/stop"), None)
        .await;
    assert_eq!(busy.code(), "ModelArts.6306");
    assert!(
        busy.body["error_message"].is_string(),
        "the notebook shape: {}",
        busy.body
    );
    hw.advance(25).await;
    assert_eq!(
        hw.ok("GET", &format!("v1/{{p}}/notebooks/{id}"), None)
            .await["status"],
        "STARTING"
    );
    hw.advance(20).await;
    assert_eq!(
        hw.ok("GET", &format!("v1/{{p}}/notebooks/{id}"), None)
            .await["status"],
        "RUNNING"
    );
    let mount = hw
        .ok(
            "POST",
            &format!("v1/{{p}}/notebooks/{id}/storage"),
            Some(json!({"category": "OBS", "mount_path": "/data/in/", "uri": "obs://bucket/in/"})),
        )
        .await;
    let storages = hw
        .ok("GET", &format!("v1/{{p}}/notebooks/{id}/storage"), None)
        .await;
    assert_eq!(storages["data"][0]["id"], mount["id"]);
    let running_delete = hw
        .call("DELETE", &format!("v1/{{p}}/notebooks/{id}"), None)
        .await;
    assert_eq!(running_delete.code(), "ModelArts.6304");
    assert_eq!(
        hw.ok("POST", &format!("v1/{{p}}/notebooks/{id}/stop"), None)
            .await["status"],
        "STOPPING"
    );
    hw.advance(11).await;
    assert_eq!(
        hw.ok("GET", &format!("v1/{{p}}/notebooks/{id}"), None)
            .await["status"],
        "STOPPED"
    );
    hw.ok("DELETE", &format!("v1/{{p}}/notebooks/{id}"), None)
        .await;
    let gone = hw
        .call("GET", &format!("v1/{{p}}/notebooks/{id}"), None)
        .await;
    assert_eq!(gone.code(), "ModelArts.6309");
}

#[tokio::test]
async fn a_training_job_runs_to_completion_or_is_terminated() {
    let hw = Huawei::start().await;
    let job = |name: &str, flavor: &str| {
        json!({
            "kind": "job",
            "metadata": {"name": name, "workspace_id": "0"},
            "algorithm": {"code_dir": "obs://b/code/", "boot_file": "obs://b/code/train.py",
                          "engine": {"engine_name": "PyTorch", "engine_version": "pytorch_2.1.0-cuda_12.1-py_3.9-ubuntu_20.04-x86_64"}},
            "spec": {"resource": {"flavor_id": flavor, "node_count": 1}},
        })
    };
    let bad = hw
        .call(
            "POST",
            "v2/{p}/training-jobs",
            Some(job("t0", "no.such.flavor")),
        )
        .await;
    assert_eq!(bad.code(), "ModelArts.2781");
    let created = hw
        .ok(
            "POST",
            "v2/{p}/training-jobs",
            Some(job("t1", "modelarts.vm.gpu.t4u8")),
        )
        .await;
    let id = created["metadata"]["id"].as_str().expect("id").to_owned();
    assert_eq!(created["status"]["phase"], "Creating");
    hw.advance(95).await;
    let done = hw
        .ok("GET", &format!("v2/{{p}}/training-jobs/{id}"), None)
        .await;
    assert_eq!(done["status"]["phase"], "Completed");
    let logs = hw
        .ok(
            "GET",
            &format!("v2/{{p}}/training-jobs/{id}/tasks/worker-0/logs/preview"),
            None,
        )
        .await;
    assert!(
        logs["content"]
            .as_str()
            .is_some_and(|c| c.contains("return code: 0"))
    );
    let late = hw
        .call(
            "POST",
            &format!("v2/{{p}}/training-jobs/{id}/actions"),
            Some(json!({"action_type": "terminate"})),
        )
        .await;
    assert_eq!((late.status, late.code()), (409, "ModelArts.2796"));
    let second = hw
        .ok(
            "POST",
            "v2/{p}/training-jobs",
            Some(job("t2", "modelarts.vm.cpu.8u")),
        )
        .await;
    let second_id = second["metadata"]["id"].as_str().expect("id").to_owned();
    let stopped = hw
        .ok(
            "POST",
            &format!("v2/{{p}}/training-jobs/{second_id}/actions"),
            Some(json!({"action_type": "terminate"})),
        )
        .await;
    assert_eq!(stopped["status"]["phase"], "Terminating");
    hw.advance(11).await;
    let search = hw
        .ok("POST", "v2/{p}/training-job-searches", Some(json!({"limit": 10, "offset": 0, "filters": [{"key": "phase", "operator": "in", "value": ["Terminated"]}]})))
        .await;
    assert_eq!(search["total"], 1);
    assert_eq!(
        search["items"][0]["metadata"]["id"].as_str(),
        Some(second_id.as_str())
    );
    hw.ok(
        "DELETE",
        &format!("v2/{{p}}/training-jobs/{second_id}"),
        None,
    )
    .await;
    let gone = hw
        .call("GET", &format!("v2/{{p}}/training-jobs/{second_id}"), None)
        .await;
    assert_eq!(gone.code(), "ModelArts.2775");
    let flavors = hw.ok("GET", "v2/{p}/training-job-flavors", None).await;
    assert!(flavors["total_count"].as_u64().is_some_and(|n| n >= 3));
    let engines = hw.ok("GET", "v2/{p}/training-job-engines", None).await;
    assert!(engines["items"].as_array().is_some_and(|e| !e.is_empty()));
    let images = hw.ok("GET", "v1/{p}/images", None).await;
    assert!(images["total"].as_u64().is_some_and(|n| n >= 2));
}
