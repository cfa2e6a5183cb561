//! Shared helpers for the emulator HTTP tests: a tiny ACS3 client built only from
//! `skillgate::signing` (never the provider clients), so the tests exercise the emulator
//! exactly as any SDK on the wire would.

use serde_json::Value;
use skillgate::emulator::{self, EmulatorHandle, EmulatorOptions};
use skillgate::signing::acs3::{SignableRequest, hashed_payload, sign, signature_nonce};
use skillgate::signing::encoding::{encode_path_segment, form_urlencode_pairs};
use time::OffsetDateTime;
use time::macros::format_description;

pub const PAI: &str = "2022-01-12";
pub const AIWS: &str = "2021-02-04";
pub const OOS: &str = "2019-06-01";
pub const ECS: &str = "2014-05-26";
pub const VPC: &str = "2016-04-28";
pub const STS: &str = "2015-04-01";
pub const FC: &str = "2023-03-30";
pub const CS: &str = "2015-12-15";

/// A running emulator plus an HTTP client.
pub struct Emu {
    pub handle: EmulatorHandle,
    pub http: reqwest::Client,
}

/// One API call to build, sign and send.
#[derive(Clone, Debug)]
pub struct Call {
    pub action: String,
    pub version: String,
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    pub host: Option<String>,
    pub access_key_id: Option<String>,
    pub secret: Option<String>,
    pub date: Option<String>,
    pub nonce: Option<String>,
    pub content_type: Option<String>,
    /// Extra signed headers (FC's `x-fc-invocation-type`, `x-fc-async-task-id`).
    pub headers: Vec<(String, String)>,
}

impl Call {
    pub fn query(mut self, key: &str, value: &str) -> Self {
        self.query.push((key.to_owned(), value.to_owned()));
        self
    }

    /// An extra signed header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body.to_string().into_bytes());
        self
    }

    /// RPC parameters in an `application/x-www-form-urlencoded` body instead of the query.
    pub fn form(mut self, pairs: &[(&str, &str)]) -> Self {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.body = Some(form_urlencode_pairs(&pairs).into_bytes());
        self.content_type = Some("application/x-www-form-urlencoded".to_owned());
        self
    }

    pub fn raw_body(mut self, body: &str) -> Self {
        self.body = Some(body.as_bytes().to_vec());
        self
    }

    pub fn host(mut self, host: &str) -> Self {
        self.host = Some(host.to_owned());
        self
    }

    pub fn access_key_id(mut self, ak: &str) -> Self {
        self.access_key_id = Some(ak.to_owned());
        self
    }

    pub fn secret(mut self, secret: &str) -> Self {
        self.secret = Some(secret.to_owned());
        self
    }

    pub fn date(mut self, date: &str) -> Self {
        self.date = Some(date.to_owned());
        self
    }

    pub fn nonce(mut self, nonce: &str) -> Self {
        self.nonce = Some(nonce.to_owned());
        self
    }
}

/// A signed request ready to send (possibly twice, for replay tests).
#[derive(Clone, Debug)]
pub struct Prepared {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// An answer.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub body: Value,
    pub request_id_header: Option<String>,
}

impl Resp {
    /// The error code, or "" on success.
    pub fn code(&self) -> &str {
        self.body["Code"].as_str().unwrap_or_default()
    }

    /// The error message.
    pub fn message(&self) -> &str {
        self.body["Message"].as_str().unwrap_or_default()
    }
}

/// `/api/v1/quotas/{id}` style paths with the id encoded like the SDK does.
pub fn path(template: &str, params: &[&str]) -> String {
    let mut out = template.to_owned();
    for p in params {
        out = out.replacen("{}", &encode_path_segment(p), 1);
    }
    out
}

pub fn now_date() -> String {
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    OffsetDateTime::now_utc().format(&fmt).unwrap_or_default()
}

impl Emu {
    pub async fn start() -> Emu {
        Self::start_with(EmulatorOptions::default()).await
    }

    pub async fn start_with(options: EmulatorOptions) -> Emu {
        let handle = emulator::start(([127, 0, 0, 1], 0).into(), options)
            .await
            .expect("emulator starts");
        Emu {
            handle,
            http: reqwest::Client::new(),
        }
    }

    pub fn authority(&self) -> String {
        self.handle
            .endpoint
            .trim_start_matches("http://")
            .to_owned()
    }

    fn call(&self, action: &str, version: &str, method: &str, path: &str) -> Call {
        Call {
            action: action.into(),
            version: version.into(),
            method: method.into(),
            path: path.into(),
            query: Vec::new(),
            body: None,
            host: None,
            access_key_id: None,
            secret: None,
            date: None,
            nonce: None,
            content_type: None,
            headers: Vec::new(),
        }
    }

    /// A PAI Studio 2022-01-12 call.
    pub fn pai(&self, action: &str, method: &str, path: &str) -> Call {
        self.call(action, PAI, method, path)
    }

    /// A PAI-DLC 2020-12-03 call.
    pub fn dlc(&self, action: &str, method: &str, path: &str) -> Call {
        self.call(action, "2020-12-03", method, path)
    }

    /// An AIWorkSpace 2021-02-04 call.
    pub fn ws(&self, action: &str, method: &str, path: &str) -> Call {
        self.call(action, AIWS, method, path)
    }

    /// An OOS 2019-06-01 RPC call: `POST /`, parameters in the query.
    pub fn oos(&self, action: &str) -> Call {
        self.call(action, OOS, "POST", "/")
    }

    /// An ECS 2014-05-26 RPC call: `POST /`, parameters in the query.
    pub fn ecs(&self, action: &str) -> Call {
        self.call(action, ECS, "POST", "/")
    }

    /// A VPC 2016-04-28 RPC call.
    pub fn vpc(&self, action: &str) -> Call {
        self.call(action, VPC, "POST", "/")
    }

    /// An FC 2023-03-30 ROA call signed with `x-acs-action: anonymous`, as the generic Tea
    /// client sends it.
    pub fn fc(&self, method: &str, path: &str) -> Call {
        self.call("anonymous", FC, method, path)
    }

    /// A CS 2015-12-15 ROA call signed with `x-acs-action: anonymous`, as the compute skill's
    /// generic Tea client sends it.
    pub fn cs(&self, method: &str, path: &str) -> Call {
        self.call("anonymous", CS, method, path)
    }

    /// An STS 2015-04-01 RPC call.
    pub fn sts(&self, action: &str) -> Call {
        self.call(action, STS, "POST", "/")
    }

    /// The account's resources the demo seed did not make (`/_emulator/alibaba/resources`).
    pub async fn created_resources(&self) -> Vec<Value> {
        let (status, body) = self
            .admin("GET", "/_emulator/alibaba/resources?created=true", None)
            .await;
        assert_eq!(status, 200, "{body}");
        body["resources"].as_array().cloned().unwrap_or_default()
    }

    /// Signs a call the way the official SDK does (host, x-acs-*, content-type signed).
    pub fn prepare(&self, call: Call) -> Prepared {
        let body = call.body.clone().unwrap_or_default();
        let host = call.host.clone().unwrap_or_else(|| self.authority());
        let mut signed = vec![
            ("host".to_owned(), host),
            ("x-acs-action".to_owned(), call.action.clone()),
            ("x-acs-version".to_owned(), call.version.clone()),
            (
                "x-acs-date".to_owned(),
                call.date.clone().unwrap_or_else(now_date),
            ),
            (
                "x-acs-signature-nonce".to_owned(),
                call.nonce.clone().unwrap_or_else(signature_nonce),
            ),
            ("x-acs-content-sha256".to_owned(), hashed_payload(&body)),
        ];
        signed.extend(call.headers.iter().cloned());
        if call.body.is_some() {
            signed.push((
                "content-type".to_owned(),
                call.content_type
                    .clone()
                    .unwrap_or_else(|| "application/json; charset=utf-8".to_owned()),
            ));
        }
        let ak = call
            .access_key_id
            .clone()
            .unwrap_or_else(|| self.handle.alibaba.access_key_id.clone());
        let secret = call
            .secret
            .clone()
            .unwrap_or_else(|| self.handle.alibaba.access_key_secret.expose().to_owned());
        let signature = sign(
            &SignableRequest {
                method: &call.method,
                canonical_uri: &call.path,
                query: &call.query,
                headers: &signed,
                body: &body,
            },
            &ak,
            &secret,
        );
        let mut headers = signed;
        headers.push(("authorization".to_owned(), signature.authorization));
        headers.push((
            "user-agent".to_owned(),
            "AlibabaCloud (Linux; x86_64) Rust/skillgate-tests TeaDSL/2".to_owned(),
        ));
        headers.push(("accept".to_owned(), "application/json".to_owned()));
        let query = form_urlencode_pairs(&call.query);
        let url = if query.is_empty() {
            format!("{}{}", self.handle.endpoint, call.path)
        } else {
            format!("{}{}?{}", self.handle.endpoint, call.path, query)
        };
        Prepared {
            method: call.method,
            url,
            headers,
            body,
        }
    }

    pub async fn execute(&self, prepared: &Prepared) -> Resp {
        let method = reqwest::Method::from_bytes(prepared.method.as_bytes()).expect("method");
        let mut request = self.http.request(method, &prepared.url);
        for (name, value) in &prepared.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        if !prepared.body.is_empty() {
            request = request.body(prepared.body.clone());
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let request_id_header = response
            .headers()
            .get("x-acs-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Resp {
            status,
            body,
            request_id_header,
        }
    }

    pub async fn send(&self, call: Call) -> Resp {
        let prepared = self.prepare(call);
        self.execute(&prepared).await
    }

    /// Sends and asserts a 200, returning the body.
    pub async fn ok(&self, call: Call) -> Value {
        let what = format!("{} {}", call.action, call.path);
        let resp = self.send(call).await;
        assert_eq!(resp.status, 200, "{what}: {}", resp.body);
        resp.body
    }

    /// Sends and asserts an error status and code, returning the answer.
    pub async fn fails(&self, call: Call, status: u16, code: &str) -> Resp {
        let what = format!("{} {}", call.action, call.path);
        let resp = self.send(call).await;
        assert_eq!(
            (resp.status, resp.code()),
            (status, code),
            "{what}: {}",
            resp.body
        );
        resp
    }

    /// Moves the emulated clock forward.
    pub async fn advance_clock(&self, seconds: u64) {
        let (status, _) = self
            .admin(
                "POST",
                "/_emulator/clock/advance",
                Some(serde_json::json!({"seconds": seconds})),
            )
            .await;
        assert_eq!(status, 200);
    }

    /// Sets a lifecycle's mode (`timed`, `immediate`, `manual`).
    pub async fn lifecycle_mode(&self, name: &str, mode: &str) {
        let (status, body) = self
            .admin(
                "POST",
                "/_emulator/lifecycles",
                Some(serde_json::json!({"name": name, "mode": mode})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }

    pub async fn admin(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self
            .http
            .request(method, format!("{}{}", self.handle.endpoint, path));
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.expect("admin request");
        let status = response.status().as_u16();
        let text = response.text().await.expect("admin body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// The actions of the API calls logged so far.
    pub async fn logged_actions(&self) -> Vec<String> {
        let (_, log) = self.admin("GET", "/_emulator/requests", None).await;
        log["requests"]
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .filter_map(|e| e["action"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The quota names of a ListQuotas answer.
pub fn quotas(body: &serde_json::Value) -> Vec<String> {
    body["Quotas"]
        .as_array()
        .map(|qs| {
            qs.iter()
                .filter_map(|q| q["QuotaName"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
