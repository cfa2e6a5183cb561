//! The AutoDL front over plain HTTP, as the skill's `queue_submit.py` drives it: the raw token,
//! the `{code, msg, data}` envelope with business errors on HTTP 200, both stock shapes, GPU
//! stock that falls and recovers on the clock, ReplicaSet / Job / Container semantics, the
//! blacklist's expiry, and the host-based and loopback-claimed dispatch.

use serde_json::{Value, json};

use crate::support::Emu;

struct Autodl {
    emu: Emu,
    token: String,
}

impl Autodl {
    async fn start() -> Self {
        let emu = Emu::start().await;
        let line: Value = serde_json::from_str(&emu.handle.startup_line()).expect("startup line");
        let token = line["autodl"]["token"]
            .as_str()
            .expect("an AutoDL token")
            .to_string();
        Self { emu, token }
    }

    async fn raw(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
        host: Option<&str>,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self
            .emu
            .http
            .request(method, format!("{}{path}", self.emu.handle.endpoint));
        if let Some(token) = token {
            request = request.header("authorization", token);
        }
        if let Some(host) = host {
            request = request.header("host", host);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let body: Value = response.json().await.expect("every answer is JSON");
        (status, body)
    }

    async fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let body = (method != "GET").then_some(body);
        let (status, answer) = self.raw(method, path, body, Some(&self.token), None).await;
        assert_eq!(status, 200, "{answer}");
        answer
    }

    async fn ok(&self, method: &str, path: &str, body: Value) -> Value {
        let answer = self.call(method, path, body).await;
        assert_eq!(answer["code"], "Success", "{answer}");
        answer["data"].clone()
    }

    async fn advance(&self, seconds: u64) {
        self.emu
            .admin(
                "POST",
                "/_emulator/clock/advance",
                Some(json!({"seconds": seconds})),
            )
            .await;
    }
}

fn template(gpu: &str, price_to: u64) -> Value {
    json!({"gpu_name_set": [gpu], "gpu_num": 1, "cuda_v": 118, "cpu_num_from": 1, "cpu_num_to": 64,
           "memory_size_from": 1, "memory_size_to": 256, "price_from": 100, "price_to": price_to,
           "image_uuid": "image-4f1c2b9d8e", "cmd": "cd /root && python app.py"})
}

#[tokio::test]
async fn the_raw_token_authenticates_and_errors_are_json() {
    let a = Autodl::start().await;
    let (status, body) = a
        .raw("GET", "/api/v1/dev/machine/gpu_stock", None, None, None)
        .await;
    assert_eq!((status, body["code"].as_str()), (401, Some("Unauthorized")));
    let bearer = format!("Bearer {}", a.token);
    let (status, body) = a
        .raw(
            "GET",
            "/api/v1/dev/machine/gpu_stock",
            None,
            Some(&bearer),
            None,
        )
        .await;
    assert_eq!(status, 401);
    assert!(
        body["msg"]
            .as_str()
            .is_some_and(|m| m.contains("without `Bearer`"))
    );
    let (status, body) = a
        .raw(
            "GET",
            "/api/v1/dev/machine/gpu_stock",
            None,
            Some(&a.token),
            Some("private.autodl.com"),
        )
        .await;
    assert_eq!((status, body["code"].as_str()), (200, Some("Success")));
    let (status, body) = a
        .raw(
            "POST",
            "/api/v1/dev/nowhere",
            Some(json!({})),
            Some(&a.token),
            None,
        )
        .await;
    assert_eq!((status, body["code"].as_str()), (404, Some("NotFound")));
}

#[tokio::test]
async fn stock_is_served_in_both_shapes_and_falls_and_recovers() {
    let a = Autodl::start().await;
    let stock = a
        .ok("GET", "/api/v1/dev/machine/gpu_stock", json!({}))
        .await;
    for gpu in ["RTX 4090", "RTX 3090", "A100", "H800"] {
        assert!(
            stock[gpu]["total_gpu_num"].as_u64().is_some_and(|t| t > 0),
            "{gpu}: {stock}"
        );
    }
    assert_eq!(
        stock["H800"]["idle_gpu_num"], 0,
        "other tenants hold the H800s at first"
    );
    let list = a
        .ok(
            "POST",
            "/api/v1/dev/machine/region/gpu_stock",
            json!({"gpu_name_set": ["A100"]}),
        )
        .await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    let idle = stock["A100"]["idle_gpu_num"].as_u64().unwrap_or(0);
    let (_, taken) = a
        .emu
        .admin(
            "POST",
            "/_emulator/autodl/occupy",
            Some(json!({"gpu_name": "A100", "gpus": idle, "seconds": 120})),
        )
        .await;
    assert_eq!(taken["taken"], idle);
    let now = a
        .ok("GET", "/api/v1/dev/machine/gpu_stock", json!({}))
        .await;
    assert_eq!(now["A100"]["idle_gpu_num"], 0);
    a.advance(121).await;
    let later = a
        .ok("GET", "/api/v1/dev/machine/gpu_stock", json!({}))
        .await;
    assert_eq!(
        later["A100"]["idle_gpu_num"], idle,
        "the stock recovers on the clock"
    );
    a.advance(20 * 60).await;
    let h800 = a
        .ok("GET", "/api/v1/dev/machine/gpu_stock", json!({}))
        .await;
    assert_eq!(h800["H800"]["idle_gpu_num"], 8);
}

#[tokio::test]
async fn creates_refuse_with_business_errors_on_200() {
    let a = Autodl::start().await;
    let mut bad_image = template("RTX 4090", 9000);
    bad_image["image_uuid"] = json!("image-nope");
    let answer = a.call("POST", "/api/v1/dev/deployment", json!({"name": "x", "deployment_type": "ReplicaSet", "replica_num": 1, "container_template": bad_image})).await;
    assert_eq!(answer["code"], "ImageNotFound");
    let answer = a.call("POST", "/api/v1/dev/deployment", json!({"name": "x", "deployment_type": "ReplicaSet", "replica_num": 1, "container_template": template("RTX 4090", 150)})).await;
    assert_eq!(answer["code"], "NoMatchingMachine");
    assert!(
        answer["msg"].as_str().is_some_and(|m| m.contains("price")),
        "{answer}"
    );
    let answer = a.call("POST", "/api/v1/dev/deployment", json!({"name": "x", "deployment_type": "ReplicaSet", "replica_num": 1, "container_template": template("H800", 20000)})).await;
    assert_eq!(
        answer["code"], "ResourceNotEnough",
        "no queue on the platform: {answer}"
    );
    let answer = a.call("POST", "/api/v1/dev/deployment", json!({"name": "x", "deployment_type": "Pod", "container_template": template("A100", 9000)})).await;
    assert_eq!(answer["code"], "RequestParameterIsWrong");
}

#[tokio::test]
async fn replica_sets_scale_jobs_finish_and_containers_move_on_the_clock() {
    let a = Autodl::start().await;
    let created = a.ok("POST", "/api/v1/dev/deployment", json!({"name": "rs", "deployment_type": "ReplicaSet", "replica_num": 2, "container_template": template("RTX 4090", 9000)})).await;
    let rs = created["deployment_uuid"]
        .as_str()
        .expect("uuid")
        .to_string();
    let list = a
        .ok(
            "POST",
            "/api/v1/dev/deployment/container/list",
            json!({"deployment_uuid": rs, "page_index": 1, "page_size": 10}),
        )
        .await;
    assert_eq!(list["list"][0]["status"], "creating");
    assert_eq!(
        list["list"][0]["memory_size"],
        64u64 * 1024 * 1024 * 1024,
        "bytes out, one 4090 unit"
    );
    a.advance(30).await;
    let list = a
        .ok(
            "POST",
            "/api/v1/dev/deployment/container/list",
            json!({"deployment_uuid": rs, "page_index": 1, "page_size": 10}),
        )
        .await;
    assert!(
        list["list"]
            .as_array()
            .is_some_and(|l| l.len() == 2 && l.iter().all(|c| c["status"] == "running")),
        "{list}"
    );
    let events = a
        .ok(
            "POST",
            "/api/v1/dev/deployment/container/event/list",
            json!({"deployment_uuid": rs, "page_index": 1, "page_size": 50}),
        )
        .await;
    let statuses: Vec<&str> = events["list"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["status"].as_str())
        .collect();
    assert_eq!(
        &statuses[..4],
        ["creating", "creating", "created", "created"],
        "{events}"
    );
    let tail = a
        .ok(
            "POST",
            "/api/v1/dev/deployment/container/event/list",
            json!({"deployment_uuid": rs, "page_index": 1, "page_size": 50, "offset": 6}),
        )
        .await;
    assert_eq!(
        tail["list"].as_array().map(Vec::len),
        Some(2),
        "offset tails the stream"
    );
    a.ok(
        "PUT",
        "/api/v1/dev/deployment/replica_num",
        json!({"deployment_uuid": rs, "replica_num": 1}),
    )
    .await;
    let job = "2c8e4b6a9d1f3e7";
    let refused = a
        .call(
            "PUT",
            "/api/v1/dev/deployment/replica_num",
            json!({"deployment_uuid": job, "replica_num": 5}),
        )
        .await;
    assert_eq!(refused["code"], "RequestParameterIsWrong");
    let first = list["list"][0]["uuid"]
        .as_str()
        .expect("container")
        .to_string();
    a.ok(
        "POST",
        "/api/v1/dev/deployment/blacklist",
        json!({"deployment_container_uuid": first, "comment": "slow"}),
    )
    .await;
    let listed = a
        .ok("GET", "/api/v1/dev/deployment/blacklist", json!({}))
        .await;
    assert_eq!(listed["list"].as_array().map(Vec::len), Some(1));
    for _ in 0..4 {
        a.advance(200).await;
        a.ok(
            "POST",
            "/api/v1/dev/deployment/list",
            json!({"page_index": 1, "page_size": 10}),
        )
        .await;
    }
    let jobs = a
        .ok(
            "POST",
            "/api/v1/dev/deployment/list",
            json!({"deployment_uuid": job, "page_index": 1, "page_size": 10}),
        )
        .await;
    assert_eq!(
        jobs["list"][0]["finished_num"], 6,
        "the Job ran its 6 runs: {jobs}"
    );
    assert_eq!(
        jobs["list"][0]["status"], "running",
        "a finished Job still says running"
    );
    a.advance(24 * 3600).await;
    let listed = a
        .ok("POST", "/api/v1/dev/deployment/blacklist/list", json!({}))
        .await;
    assert_eq!(
        listed["list"].as_array().map(Vec::len),
        Some(0),
        "the blacklist expires after 24 h"
    );
    a.ok(
        "PUT",
        "/api/v1/dev/deployment/operate",
        json!({"deployment_uuid": rs, "operate": "stop"}),
    )
    .await;
    a.ok(
        "DELETE",
        "/api/v1/dev/deployment",
        json!({"deployment_uuid": rs}),
    )
    .await;
    let gone = a
        .call(
            "DELETE",
            "/api/v1/dev/deployment",
            json!({"deployment_uuid": rs}),
        )
        .await;
    assert_eq!(gone["code"], "DeploymentNotFound");
}
