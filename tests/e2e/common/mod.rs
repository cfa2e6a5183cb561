//! The end-to-end harness: a standalone `skillgate emulator` process, a `skillgate serve` process
//! talking to it over HTTP with real signing, and an rmcp client speaking to that server over stdio
//! or streamable HTTP. Everything the server says (tool results, errors, stderr, the audit log) is
//! collected so [`Harness::finish`] can prove no credential leaked.

#![allow(dead_code)]

pub mod seed;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::{DynService, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Map, Value, json};

/// The binary under test, built once by cargo for every test of this target.
pub const BIN: &str = env!("CARGO_BIN_EXE_skillgate");

/// How long one MCP call may take before the test fails instead of hanging.
const CALL_TIMEOUT: Duration = Duration::from_secs(90);

/// Which MCP transport a scenario runs over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// The server is a child process speaking MCP on stdin/stdout.
    Stdio,
    /// The server listens on loopback and serves streamable HTTP at `/mcp`.
    Http,
}

/// Runs one async scenario `fn(Transport)` over stdio and over streamable HTTP, each with a
/// fresh emulator and server: `both_transports!(module_name, scenario_fn);`. A scenario that shows
/// a known bug is kept, ignored: `both_transports!(module_name, scenario_fn, ignore = "bug: ...");`.
#[macro_export]
macro_rules! both_transports {
    ($name:ident, $scenario:ident, ignore = $reason:literal) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = $reason]
            async fn stdio() {
                super::$scenario($crate::common::Transport::Stdio).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = $reason]
            async fn http() {
                super::$scenario($crate::common::Transport::Http).await;
            }
        }
    };
    ($name:ident, $scenario:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn stdio() {
                super::$scenario($crate::common::Transport::Stdio).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn http() {
                super::$scenario($crate::common::Transport::Http).await;
            }
        }
    };
}

// ------------------------------------------------------------------------------------ emulator

/// A standalone `skillgate emulator` process, killed on drop.
pub struct Emulator {
    _child: KillOnDrop,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// The demo account's access key id.
    pub key_id: String,
    /// The demo account's access key secret.
    pub secret: String,
    /// Every other provider's demo account from the startup line (`{"autodl": {"token": ...}}`).
    pub accounts: Value,
    http: reqwest::Client,
}

/// One value a server is handed from a provider's demo account in the startup line.
struct ProviderEnv {
    /// The startup line's provider key; the server also gets `--endpoint <provider>=<emulator>`.
    provider: &'static str,
    /// The field of the demo account: a JSON pointer below the provider's entry.
    field: &'static str,
    /// The field used instead when the spec asks for temporary credentials, if any.
    temporary: Option<&'static str>,
    /// The environment variable the provider reads it from.
    var: &'static str,
    /// Whether it is a credential, which must never appear in anything the server says.
    secret: bool,
}

/// How a server is pointed at the emulator for each provider other than Alibaba.
const PROVIDER_ENV: &[ProviderEnv] = &[
    ProviderEnv {
        provider: "autodl",
        field: "/token",
        temporary: None,
        var: "AUTODL_TOKEN",
        secret: true,
    },
    ProviderEnv {
        provider: "huawei",
        field: "/access_key",
        temporary: Some("/temporary/access_key"),
        var: "HUAWEICLOUD_SDK_AK",
        secret: true,
    },
    ProviderEnv {
        provider: "huawei",
        field: "/secret_key",
        temporary: Some("/temporary/secret_key"),
        var: "HUAWEICLOUD_SDK_SK",
        secret: true,
    },
    ProviderEnv {
        provider: "huawei",
        field: "/region",
        temporary: Some("/region"),
        var: "HUAWEICLOUD_SDK_REGION",
        secret: false,
    },
];

/// Credentials of the demo accounts that a server is handed only in some specs (temporary
/// pairs and their tokens), which must never leak either.
const PROVIDER_SECRETS: &[(&str, &str)] = &[
    ("huawei", "/temporary/access_key"),
    ("huawei", "/temporary/secret_key"),
    ("huawei", "/temporary/security_token"),
];

/// What a temporary-credentials spec hands a server beyond [`PROVIDER_ENV`]: the security token.
const TEMPORARY_ENV: &[(&str, &str, &str)] = &[(
    "huawei",
    "/temporary/security_token",
    "HUAWEICLOUD_SDK_SECURITY_TOKEN",
)];

impl Emulator {
    /// Starts an emulator on an ephemeral loopback port and reads its one startup line.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Starts an emulator with extra flags (`--emulator-time-scale 30`).
    pub fn start_with(extra: &[String]) -> Self {
        let mut child = KillOnDrop(
            Command::new(BIN)
                .args(["emulator", "--listen", "127.0.0.1:0"])
                .args(extra)
                .env_clear()
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn `skillgate emulator`"),
        );
        let stdout = child.0.stdout.take().expect("emulator stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the emulator's startup line");
        let startup: Value = serde_json::from_str(line.trim())
            .unwrap_or_else(|e| panic!("emulator startup line is not JSON ({e}): {line:?}"));
        let text = |pointer: &str| {
            startup
                .pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("emulator startup line lacks {pointer}: {line}"))
                .to_string()
        };
        Self {
            endpoint: text("/endpoint"),
            key_id: text("/alibaba/access_key_id"),
            secret: text("/alibaba/access_key_secret"),
            accounts: startup.clone(),
            _child: child,
            http: reqwest::Client::new(),
        }
    }

    /// A field of a provider's demo account in the startup line (`token`, or a JSON pointer
    /// such as `/temporary/security_token`).
    pub fn account_field(&self, provider: &str, field: &str) -> Option<String> {
        let pointer = if field.starts_with('/') {
            field.to_string()
        } else {
            format!("/{field}")
        };
        self.accounts
            .get(provider)
            .and_then(|a| a.pointer(&pointer))
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    /// Every demo secret of the other providers, which must never leak either.
    pub fn other_secrets(&self) -> Vec<String> {
        let handed = PROVIDER_ENV
            .iter()
            .filter(|entry| entry.secret)
            .map(|entry| (entry.provider, entry.field));
        handed
            .chain(PROVIDER_SECRETS.iter().copied())
            .filter_map(|(provider, field)| self.account_field(provider, field))
            .collect()
    }

    /// The demo access keys of the other providers: besides the whole key, the part a mask
    /// hides must not appear either.
    pub fn other_access_keys(&self) -> Vec<String> {
        ["/access_key", "/temporary/access_key"]
            .iter()
            .filter_map(|field| self.account_field("huawei", field))
            .collect()
    }

    /// The Huawei demo project id of a region.
    pub fn huawei_project(&self, region: &str) -> String {
        self.account_field("huawei", &format!("/projects/{region}"))
            .unwrap_or_else(|| panic!("the startup line has no Huawei project in {region}"))
    }

    /// The Huawei demo account's state in one region (`cn-north-4`, ...).
    pub async fn huawei_state(&self, region: &str) -> Value {
        let domain = self
            .account_field("huawei", "/domain_id")
            .expect("the startup line has the Huawei domain id");
        self.accounts().await[&domain][region].clone()
    }

    fn admin_url(&self, path: &str) -> String {
        format!(
            "{}/_emulator/{}",
            self.endpoint,
            path.trim_start_matches('/')
        )
    }

    /// `GET /_emulator/<path>`; panics unless it answers 2xx.
    pub async fn admin_get(&self, path: &str) -> Value {
        let response = self
            .http
            .get(self.admin_url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET /_emulator/{path}: {e}"));
        let status = response.status();
        let body: Value = response.json().await.expect("admin answer is JSON");
        assert!(
            status.is_success(),
            "GET /_emulator/{path} -> {status}: {body}"
        );
        body
    }

    /// `POST /_emulator/<path>` with a JSON body; panics unless it answers 2xx.
    pub async fn admin_post(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(self.admin_url(path))
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST /_emulator/{path}: {e}"));
        let status = response.status();
        let answer: Value = response.json().await.expect("admin answer is JSON");
        assert!(
            status.is_success(),
            "POST /_emulator/{path} {body} -> {status}: {answer}"
        );
        answer
    }

    /// The whole account map of `/_emulator/state` (no clock, no faults): what a change changes.
    pub async fn accounts(&self) -> Value {
        self.admin_get("state").await["accounts"].clone()
    }

    /// The demo account's `cn-hangzhou` state.
    pub async fn state(&self) -> Value {
        let accounts = self.accounts().await;
        accounts[&self.key_id][seed::REGION].clone()
    }

    /// A quota of the demo region by id, as the emulator keeps it.
    pub async fn quota(&self, id: &str) -> Option<Value> {
        find_by(&self.state().await["quotas"], "id", id)
    }

    /// The quotas of the demo region with this exact name.
    pub async fn quotas_named(&self, name: &str) -> Vec<Value> {
        self.state().await["quotas"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|q| q["name"] == name)
            .cloned()
            .collect()
    }

    /// Every API call the emulator received, oldest first.
    pub async fn requests(&self) -> Vec<Value> {
        array(&self.admin_get("requests").await["requests"])
    }

    /// The API calls of a routed mutating action (create, update, scale, delete, attach, detach).
    pub async fn mutating_requests(&self) -> Vec<Value> {
        array(&self.admin_get("requests?mutating=true").await["requests"])
    }

    /// The API calls of one action.
    pub async fn requests_for(&self, action: &str) -> Vec<Value> {
        array(&self.admin_get(&format!("requests?action={action}")).await["requests"])
    }

    /// Arms a fault for the next `times` calls of `action`.
    pub async fn fault(&self, action: &str, kind: &str, times: u32) -> Value {
        self.admin_post(
            "faults",
            json!({"action": action, "kind": kind, "times": times}),
        )
        .await
    }

    /// Disarms every armed fault (`DELETE /_emulator/faults`).
    pub async fn clear_faults(&self) {
        let response = self
            .http
            .delete(self.admin_url("faults"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("DELETE /_emulator/faults: {e}"));
        assert!(response.status().is_success(), "DELETE /_emulator/faults");
    }

    /// Makes RAM deny `action`.
    pub async fn forbid(&self, action: &str) -> Value {
        self.admin_post("alibaba/forbid", json!({"action": action}))
            .await
    }

    /// Adds a workload (`POST /_emulator/alibaba/workloads`).
    pub async fn add_workload(&self, workload: Value) -> Value {
        self.admin_post("alibaba/workloads", workload).await
    }

    /// Creates a quota outside skillgate, as someone using the console or an SDK would: a signed
    /// `CreateQuota` sent with the library's client. Returns the new quota id.
    pub async fn create_quota_out_of_band(&self, body: Value) -> String {
        use skillgate::providers::alibaba::{
            AlibabaClient, AlibabaClientConfig, AlibabaCredentials,
        };
        use skillgate::providers::{ApiStyle, ProviderRequest, RetryMode};
        let client = AlibabaClient::new(AlibabaClientConfig {
            credentials: AlibabaCredentials::new(
                self.key_id.clone(),
                self.secret.clone(),
                None,
                "e2e",
            ),
            endpoint_override: Some(self.endpoint.clone()),
            timeout: Duration::from_secs(30),
            max_attempts: 1,
            client_id: "e2e-console".into(),
            permission_prefixes: Default::default(),
        })
        .expect("a client for the console");
        let request = ProviderRequest::new(
            "alibaba",
            "paistudio",
            "2022-01-12",
            ApiStyle::Roa,
            "CreateQuota",
            "POST",
            format!("pai.{}.aliyuncs.com", seed::REGION),
        )
        .with_path("/api/v1/quotas", &[])
        .scoped("region_id", seed::REGION)
        .user_agent("e2e-console")
        .body(body);
        let response = client
            .call(&request, RetryMode::NotAfterSend)
            .await
            .unwrap_or_else(|e| panic!("out-of-band CreateQuota: {e}"));
        str_of(&response.body["QuotaId"])
    }

    /// What [`Emulator::assert_unchanged`] compares: the accounts and the mutating calls seen.
    pub async fn snapshot(&self) -> Snapshot {
        Snapshot {
            accounts: self.accounts().await,
            mutating: self.mutating_requests().await.len(),
        }
    }

    /// Nothing changed since `before`, and no mutating API call was sent since.
    pub async fn assert_unchanged(&self, before: &Snapshot, what: &str) {
        let now = self.snapshot().await;
        assert_eq!(
            now.mutating,
            before.mutating,
            "{what}: a mutating API call was sent: {:#}",
            Value::Array(self.mutating_requests().await)
        );
        if now.accounts != before.accounts {
            panic!(
                "{what}: the emulator state changed:\n{}",
                json_diff(&before.accounts, &now.accounts, "")
            );
        }
    }
}

/// The emulator's state and mutating-call count at one moment.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// `/_emulator/state` `accounts`.
    pub accounts: Value,
    /// How many mutating calls the request log held.
    pub mutating: usize,
}

// --------------------------------------------------------------------------------------- server

/// Everything the server told us, searched for credentials at the end.
#[derive(Clone, Default)]
pub struct Transcript(Arc<Mutex<Vec<String>>>);

impl Transcript {
    fn push(&self, text: String) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(text);
    }

    fn all(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// The client side of a session: `()` (a client that declares nothing) or a custom handler.
pub type ClientService = Box<dyn DynService<RoleClient>>;

/// Makes the client service of each new session.
pub type ClientFactory = Arc<dyn Fn() -> ClientService + Send + Sync>;

/// One MCP client session.
pub struct Session {
    client: RunningService<RoleClient, ClientService>,
    transcript: Transcript,
}

impl Session {
    /// Calls a tool; panics on a protocol failure (a refusal is a result, not a failure).
    pub async fn call(&self, name: &str, args: Value) -> CallToolResult {
        let arguments: Map<String, Value> = match args {
            Value::Object(map) => map,
            Value::Null => Map::new(),
            other => panic!("tool arguments must be an object, got {other}"),
        };
        let request = CallToolRequestParams::new(name.to_string()).with_arguments(arguments);
        let outcome = tokio::time::timeout(CALL_TIMEOUT, self.client.call_tool(request))
            .await
            .unwrap_or_else(|_| panic!("`{name}` did not answer within {CALL_TIMEOUT:?}"));
        match outcome {
            Ok(result) => {
                self.transcript
                    .push(serde_json::to_string(&result).unwrap_or_default());
                result
            }
            Err(error) => {
                self.transcript.push(error.to_string());
                panic!("`{name}` failed at the protocol level: {error}")
            }
        }
    }

    /// Calls a tool and gives up after `after`, as a client that cancels the request does
    /// (rmcp sends `notifications/cancelled` when the call is dropped). `None` when abandoned.
    pub async fn call_abandoned(
        &self,
        name: &str,
        args: Value,
        after: Duration,
    ) -> Option<CallToolResult> {
        let arguments = args.as_object().cloned().unwrap_or_default();
        let request = CallToolRequestParams::new(name.to_string()).with_arguments(arguments);
        match tokio::time::timeout(after, self.client.call_tool(request)).await {
            Ok(Ok(result)) => {
                self.transcript
                    .push(serde_json::to_string(&result).unwrap_or_default());
                Some(result)
            }
            Ok(Err(error)) => panic!("`{name}` failed at the protocol level: {error}"),
            Err(_) => None,
        }
    }

    /// Calls a tool that must succeed and returns its `structuredContent`.
    pub async fn ok(&self, name: &str, args: Value) -> Value {
        let result = self.call(name, args.clone()).await;
        assert_ne!(
            result.is_error,
            Some(true),
            "`{name}` {args} was refused: {}",
            text_of(&result)
        );
        let structured = result
            .structured_content
            .clone()
            .unwrap_or_else(|| panic!("`{name}` returned no structuredContent"));
        assert_eq!(
            structured["emulator"],
            json!(true),
            "every result against the emulator says so: {structured}"
        );
        structured
    }

    /// Calls a tool that must be refused with `kind`; returns `structuredContent.error`.
    pub async fn refused(&self, name: &str, args: Value, kind: &str) -> Value {
        let result = self.call(name, args.clone()).await;
        expect_error(&result, kind, &format!("`{name}` {args}"))
    }

    /// Calls a write or destroy tool and returns the plan it must produce.
    pub async fn plan(&self, name: &str, args: Value) -> Value {
        let plan = self.ok(name, args.clone()).await;
        assert_eq!(
            plan["status"], "confirmation_required",
            "`{name}` {args} did not plan: {plan:#}"
        );
        for field in [
            "plan_id",
            "confirm_phrase",
            "dry_run",
            "checks",
            "diff",
            "expires_at",
        ] {
            assert!(!plan[field].is_null(), "the plan lacks `{field}`: {plan:#}");
        }
        plan
    }

    /// `confirm {plan_id, phrase}`.
    pub async fn confirm(&self, plan_id: &str, phrase: &str) -> CallToolResult {
        self.call("confirm", json!({"plan_id": plan_id, "phrase": phrase}))
            .await
    }

    /// Confirms a plan with its own phrase and returns the execution result.
    pub async fn execute(&self, plan: &Value) -> Value {
        let plan_id = str_of(&plan["plan_id"]);
        let phrase = str_of(&plan["confirm_phrase"]);
        let done = self
            .ok("confirm", json!({"plan_id": plan_id, "phrase": phrase}))
            .await;
        assert_eq!(
            done["status"], "executed",
            "confirm did not execute: {done:#}"
        );
        assert_eq!(done["plan_id"], plan["plan_id"], "{done:#}");
        assert!(
            done["request_ids"]
                .as_array()
                .is_some_and(|ids| !ids.is_empty()),
            "an execution names the provider request ids: {done:#}"
        );
        done
    }

    /// `list_plans` of this session.
    pub async fn plans(&self) -> Vec<Value> {
        array(&self.ok("list_plans", json!({})).await["plans"])
    }

    /// `tools/list`, as JSON.
    pub async fn tools(&self) -> Vec<Value> {
        let tools = tokio::time::timeout(CALL_TIMEOUT, self.client.list_all_tools())
            .await
            .expect("tools/list timed out")
            .expect("tools/list");
        let tools = serde_json::to_value(&tools).expect("tools serialise");
        self.transcript.push(tools.to_string());
        array(&tools)
    }

    /// The names in `tools/list`.
    pub async fn tool_names(&self) -> Vec<String> {
        self.tools()
            .await
            .iter()
            .map(|t| str_of(&t["name"]))
            .collect()
    }

    async fn close(self) {
        let _ = tokio::time::timeout(Duration::from_secs(10), self.client.cancel()).await;
    }
}

/// A `skillgate serve` process.
enum Process {
    /// stdio: the MCP session is the process.
    Stdio(tokio::process::Child),
    /// HTTP: sessions connect to `url`.
    Http {
        child: KillOnDrop,
        url: String,
        token: Option<String>,
        client: ClientFactory,
    },
}

/// A child process that is killed (and reaped) when dropped, also when a test panics.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// How to start a server.
#[derive(Clone)]
pub struct ServerSpec {
    /// stdio or streamable HTTP.
    pub transport: Transport,
    /// Extra `serve` flags.
    pub args: Vec<String>,
    /// `SKILLGATE_LOG`.
    pub log: String,
    /// The secret to hand the server instead of the emulator's (to provoke signature errors).
    pub secret_override: Option<String>,
    /// `--auth-token` (HTTP): the server requires it and the harness's sessions send it.
    pub auth_token: Option<String>,
    /// The client handler of every session (default: `()`, which declares no capabilities).
    pub client: ClientFactory,
    /// Extra `emulator` flags.
    pub emulator_args: Vec<String>,
    /// A command the binary is started through (`sh -c '...; exec "$0" "$@"'`), when set.
    pub launcher: Vec<String>,
    /// The audit log is a symlink to `/dev/full`: every write fails with ENOSPC.
    pub audit_on_full_disk: bool,
    /// Extra environment of the first server only (a restart starts without it).
    env: Vec<(String, String)>,
    /// Providers get their demo account's temporary credentials (Huawei: the temporary AK/SK
    /// and its security token) instead of the permanent ones.
    pub temporary_credentials: bool,
}

impl ServerSpec {
    /// The default spec for a transport.
    pub fn new(transport: Transport) -> Self {
        Self {
            transport,
            args: Vec::new(),
            log: "info".into(),
            secret_override: None,
            auth_token: None,
            client: Arc::new(|| ().into_dyn()),
            emulator_args: Vec::new(),
            launcher: Vec::new(),
            audit_on_full_disk: false,
            env: Vec::new(),
            temporary_credentials: false,
        }
    }

    /// Hands the providers their temporary credentials (with the security token).
    pub fn temporary_credentials(mut self) -> Self {
        self.temporary_credentials = true;
        self
    }

    /// Starts the binary through this launcher command (it must `exec "$0" "$@"`).
    pub fn launched_by(mut self, launcher: &[&str]) -> Self {
        self.launcher = launcher.iter().map(|a| a.to_string()).collect();
        self
    }

    /// Puts the audit log on a "full disk": a symlink to `/dev/full`.
    pub fn audit_on_full_disk(mut self) -> Self {
        self.audit_on_full_disk = true;
        self
    }

    /// The program and leading arguments that start the binary.
    fn program(&self) -> (String, Vec<String>) {
        match self.launcher.split_first() {
            Some((program, rest)) => {
                let mut args = rest.to_vec();
                args.push(BIN.to_string());
                (program.clone(), args)
            }
            None => (BIN.to_string(), Vec::new()),
        }
    }

    /// Adds `emulator` flags.
    pub fn emulator_args(mut self, args: &[&str]) -> Self {
        self.emulator_args
            .extend(args.iter().map(|a| a.to_string()));
        self
    }

    /// Adds `serve` flags.
    /// An environment variable for this server (not for a restarted one), e.g. a test hook.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    pub fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(|a| a.to_string()));
        self
    }

    /// Sets `SKILLGATE_LOG`.
    pub fn log(mut self, filter: &str) -> Self {
        self.log = filter.into();
        self
    }

    /// Sessions use this client handler (e.g. one that answers elicitation forms).
    pub fn client(mut self, factory: impl Fn() -> ClientService + Send + Sync + 'static) -> Self {
        self.client = Arc::new(factory);
        self
    }

    /// Requires a bearer token over HTTP; the harness's sessions send it.
    pub fn auth_token(mut self, token: &str) -> Self {
        self.auth_token = Some(token.into());
        self
    }

    /// Hands the server this secret instead of the emulator's (every signature will be wrong).
    pub fn wrong_secret(mut self, secret: &str) -> Self {
        self.secret_override = Some(secret.into());
        self
    }

    /// Starts the harness: a fresh emulator, then the server.
    pub async fn start(self) -> Harness {
        Harness::start(self).await
    }
}

/// One server process with its first session.
pub struct Server {
    /// The first MCP session.
    pub session: Session,
    process: Process,
    transcript: Transcript,
    /// Where its stderr went.
    pub stderr: PathBuf,
    /// Its audit log.
    pub audit: PathBuf,
}

impl Server {
    async fn spawn(
        spec: &ServerSpec,
        emulator: &Emulator,
        dir: &Path,
        name: &str,
        transcript: Transcript,
    ) -> Self {
        Self::spawn_with_home(spec, emulator, dir, name, name, transcript).await
    }

    /// A server whose stderr is `<name>.stderr` and whose home, data directory and audit log are
    /// those of `home_name` (a restarted server keeps them).
    async fn spawn_with_home(
        spec: &ServerSpec,
        emulator: &Emulator,
        dir: &Path,
        name: &str,
        home_name: &str,
        transcript: Transcript,
    ) -> Self {
        let home = dir.join(format!("{home_name}-home"));
        std::fs::create_dir_all(&home).expect("home dir");
        let stderr = dir.join(format!("{name}.stderr"));
        let audit = dir.join(format!("{home_name}-audit.jsonl"));
        if spec.audit_on_full_disk {
            std::os::unix::fs::symlink("/dev/full", &audit).expect("audit log on /dev/full");
        }
        let (program, mut launch_args) = spec.program();
        let mut args: Vec<String> = vec![
            "serve".into(),
            "--alibaba-endpoint".into(),
            emulator.endpoint.clone(),
            "--audit-log".into(),
            audit.display().to_string(),
        ];
        let mut provider_env: Vec<(&str, String)> = Vec::new();
        let mut pointed: Vec<&str> = Vec::new();
        for entry in PROVIDER_ENV {
            let field = match (spec.temporary_credentials, entry.temporary) {
                (true, Some(temporary)) => temporary,
                _ => entry.field,
            };
            if let Some(value) = emulator.account_field(entry.provider, field) {
                if !pointed.contains(&entry.provider) {
                    pointed.push(entry.provider);
                    args.extend([
                        "--endpoint".to_string(),
                        format!("{}={}", entry.provider, emulator.endpoint),
                    ]);
                }
                provider_env.push((entry.var, value));
            }
        }
        if spec.temporary_credentials {
            for (provider, field, var) in TEMPORARY_ENV {
                if let Some(value) = emulator.account_field(provider, field) {
                    provider_env.push((var, value));
                }
            }
        }
        if spec.transport == Transport::Http {
            args.extend(["--transport", "http", "--listen", "127.0.0.1:0"].map(String::from));
        }
        if let Some(token) = &spec.auth_token {
            args.extend(["--auth-token".to_string(), token.clone()]);
        }
        args.extend(spec.args.iter().cloned());
        launch_args.extend(args);
        let args = launch_args;
        let secret = spec
            .secret_override
            .clone()
            .unwrap_or_else(|| emulator.secret.clone());
        let envs = [
            ("HOME", home.display().to_string()),
            ("XDG_DATA_HOME", home.join("data").display().to_string()),
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", emulator.key_id.clone()),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", secret),
            ("SKILLGATE_LOG", spec.log.clone()),
        ]
        .into_iter()
        .chain(provider_env)
        .map(|(k, v)| (k.to_string(), v))
        .chain(spec.env.iter().cloned())
        .collect::<Vec<(String, String)>>();
        let stderr_file = std::fs::File::create(&stderr).expect("stderr file");
        match spec.transport {
            Transport::Stdio => {
                let mut child = tokio::process::Command::new(&program)
                    .args(&args)
                    .env_clear()
                    .envs(envs)
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(stderr_file)
                    .kill_on_drop(true)
                    .spawn()
                    .expect("spawn `skillgate serve`");
                let stdout = child.stdout.take().expect("server stdout");
                let stdin = child.stdin.take().expect("server stdin");
                let client =
                    tokio::time::timeout(CALL_TIMEOUT, (spec.client)().serve((stdout, stdin)))
                        .await
                        .expect("initialize timed out")
                        .unwrap_or_else(|e| {
                            panic!(
                                "MCP initialize over stdio failed: {e}\nstderr:\n{}",
                                read(&stderr)
                            )
                        });
                Self {
                    session: Session {
                        client,
                        transcript: transcript.clone(),
                    },
                    process: Process::Stdio(child),
                    transcript,
                    stderr,
                    audit,
                }
            }
            Transport::Http => {
                // Owned by the guard at once, so a failing start cannot leave the server running.
                let mut child = KillOnDrop(
                    Command::new(&program)
                        .args(&args)
                        .env_clear()
                        .envs(envs)
                        .stdin(Stdio::null())
                        .stdout(Stdio::null())
                        .stderr(stderr_file)
                        .spawn()
                        .expect("spawn `skillgate serve --transport http`"),
                );
                let url = wait_for_endpoint(&mut child.0, &stderr).await;
                let session = connect_http(
                    &url,
                    spec.auth_token.as_deref(),
                    (spec.client)(),
                    transcript.clone(),
                )
                .await
                .unwrap_or_else(|e| panic!("MCP initialize over HTTP at {url} failed: {e}"));
                Self {
                    session,
                    process: Process::Http {
                        child,
                        url,
                        token: spec.auth_token.clone(),
                        client: spec.client.clone(),
                    },
                    transcript,
                    stderr,
                    audit,
                }
            }
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        match &self.process {
            Process::Stdio(child) => child.id().expect("the stdio server is running"),
            Process::Http { child, .. } => child.0.id(),
        }
    }

    /// The `/mcp` endpoint of an HTTP server (`None` over stdio), for tests that speak raw HTTP.
    pub fn mcp_url(&self) -> Option<&str> {
        match &self.process {
            Process::Http { url, .. } => Some(url),
            Process::Stdio(_) => None,
        }
    }

    /// A second MCP session to the same HTTP server (its own `mcp-session-id`).
    pub async fn new_session(&self) -> Session {
        match &self.process {
            Process::Http {
                url, token, client, ..
            } => connect_http(url, token.as_deref(), client(), self.transcript.clone())
                .await
                .unwrap_or_else(|e| panic!("MCP initialize over HTTP at {url} failed: {e}")),
            Process::Stdio(_) => panic!("a stdio server has exactly one session"),
        }
    }

    /// Tries to open an HTTP session with this bearer token (or none); the error if refused.
    pub async fn try_session(&self, token: Option<&str>) -> Result<Session, String> {
        match &self.process {
            Process::Http { url, .. } => {
                connect_http(url, token, ().into_dyn(), self.transcript.clone()).await
            }
            Process::Stdio(_) => panic!("a stdio server has no HTTP sessions"),
        }
    }

    /// Closes the sessions and stops the process, waiting until its stderr is complete.
    /// Kills the process at once (SIGKILL), as a crash would.
    async fn kill_now(&mut self) {
        match &mut self.process {
            Process::Stdio(child) => {
                let _ = child.kill().await;
            }
            Process::Http { child, .. } => {
                let _ = child.0.kill();
                let _ = child.0.wait();
            }
        }
    }

    async fn stop(self) {
        self.session.close().await;
        match self.process {
            Process::Stdio(mut child) => {
                // Closing stdin ends the server; give it a moment, then make sure.
                if tokio::time::timeout(Duration::from_secs(5), child.wait())
                    .await
                    .is_err()
                {
                    let _ = child.kill().await;
                }
            }
            Process::Http { child, .. } => drop(child),
        }
    }
}

async fn wait_for_endpoint(child: &mut Child, stderr: &Path) -> String {
    const MARK: &str = "skillgate: MCP endpoint ";
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = read(stderr);
        // Only complete lines: the server may be half-way through writing this one.
        let complete = text.rfind('\n').map_or("", |end| &text[..end]);
        if let Some(url) = complete
            .lines()
            .find_map(|line| line.split_once(MARK).map(|(_, url)| url.trim().to_string()))
        {
            return url;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("`skillgate serve --transport http` exited ({status}):\n{text}");
        }
        assert!(
            Instant::now() < deadline,
            "the HTTP server never printed its endpoint:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn connect_http(
    url: &str,
    token: Option<&str>,
    service: ClientService,
    transcript: Transcript,
) -> Result<Session, String> {
    let mut config = StreamableHttpClientTransportConfig::with_uri(url.to_string());
    if let Some(token) = token {
        config = config.auth_header(token);
    }
    let transport = StreamableHttpClientTransport::from_config(config);
    let client = tokio::time::timeout(CALL_TIMEOUT, service.serve(transport))
        .await
        .expect("initialize timed out")
        .map_err(|e| e.to_string())?;
    Ok(Session { client, transcript })
}

// -------------------------------------------------------------------------------------- harness

/// One scenario's world: an emulator, a server on it, a temp dir, and what was said.
pub struct Harness {
    /// The emulator (admin API).
    pub emu: Emulator,
    /// The transport of the main server.
    pub transport: Transport,
    /// The main server.
    pub server: Server,
    /// Servers started later on the same emulator.
    others: Vec<Server>,
    transcript: Transcript,
    dir: tempfile::TempDir,
    /// Further strings that must never appear (e.g. the HTTP bearer token).
    secrets: Vec<String>,
    /// The main server's extra flags, for a restart.
    spec_args: Vec<String>,
    /// How many times the main server was restarted.
    restarts: usize,
    /// The stderr of main servers before a restart.
    earlier_stderr: Vec<PathBuf>,
}

impl std::ops::Deref for Harness {
    type Target = Session;

    fn deref(&self) -> &Session {
        &self.server.session
    }
}

/// What a finished scenario leaves to inspect.
pub struct Finished {
    /// The main server's audit log, one JSON object per line.
    pub audit: Vec<Value>,
    /// Everything the servers said on stderr.
    pub stderr: String,
}

impl Harness {
    /// A harness with default settings.
    pub async fn new(transport: Transport) -> Self {
        ServerSpec::new(transport).start().await
    }

    /// A harness for a spec.
    pub async fn start(spec: ServerSpec) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("skillgate-e2e-")
            .tempdir()
            .expect("temp dir");
        let emu = Emulator::start_with(&spec.emulator_args);
        let transcript = Transcript::default();
        let server = Server::spawn(&spec, &emu, dir.path(), "server", transcript.clone()).await;
        Self {
            emu,
            spec_args: spec.args.clone(),
            restarts: 0,
            earlier_stderr: Vec::new(),
            transport: spec.transport,
            server,
            others: Vec::new(),
            transcript,
            dir,
            secrets: spec.auth_token.into_iter().collect(),
        }
    }

    /// Another server process on the same emulator (someone else acting on the same account).
    pub async fn other_server(&mut self, spec: ServerSpec) -> &Server {
        let name = format!("other{}", self.others.len());
        let server = Server::spawn(
            &spec,
            &self.emu,
            self.dir.path(),
            &name,
            self.transcript.clone(),
        )
        .await;
        self.others.push(server);
        self.others.last().expect("just pushed")
    }

    /// Kills the main server (SIGKILL, no goodbye) and starts it again with the same flags, home
    /// and data directory (so its state directory and audit log carry over), as after a crash.
    pub async fn restart(&mut self) {
        self.restarts += 1;
        let mut spec = ServerSpec::new(self.transport);
        spec.args = self.spec_args.clone();
        let name = format!("server-restart{}", self.restarts);
        self.server.kill_now().await;
        let fresh = Server::spawn_with_home(
            &spec,
            &self.emu,
            self.dir.path(),
            &name,
            "server",
            self.transcript.clone(),
        )
        .await;
        let old = std::mem::replace(&mut self.server, fresh);
        self.earlier_stderr.push(old.stderr.clone());
        drop(old);
    }

    /// A second session to the main (HTTP) server.
    pub async fn new_session(&self) -> Session {
        self.server.new_session().await
    }

    /// The main server's audit log so far.
    pub fn audit(&self) -> Vec<Value> {
        parse_lines(&read(&self.server.audit))
    }

    /// Stops every process, then checks that no credential of the emulator appears in any tool
    /// result, error, stderr line or audit line; returns the audit log and stderr.
    pub async fn finish(self) -> Finished {
        let Harness {
            emu,
            server,
            others,
            transcript,
            dir,
            secrets,
            earlier_stderr,
            ..
        } = self;
        let main_audit = server.audit.clone();
        let mut files: Vec<PathBuf> = vec![server.stderr.clone(), server.audit.clone()];
        files.extend(earlier_stderr);
        server.stop().await;
        for other in others {
            files.push(other.stderr.clone());
            files.push(other.audit.clone());
            other.stop().await;
        }
        let mut stderr = String::new();
        let mut haystacks: Vec<(String, String)> = transcript
            .all()
            .into_iter()
            .enumerate()
            .map(|(i, text)| (format!("tool result #{i}"), text))
            .collect();
        for file in &files {
            let text = read(file);
            if file.extension().is_some_and(|e| e == "stderr") {
                stderr.push_str(&text);
            }
            haystacks.push((file.display().to_string(), text));
        }
        assert_no_credentials(&emu.key_id, &emu.secret, &haystacks);
        for key in emu.other_access_keys() {
            assert_no_access_key(&key, &haystacks);
        }
        for secret in secrets.iter().chain(&emu.other_secrets()) {
            for (name, text) in &haystacks {
                assert!(
                    !text.contains(secret.as_str()),
                    "a bearer token leaked into {name}"
                );
            }
        }
        let audit = parse_lines(&read(&main_audit));
        drop(dir);
        Finished { audit, stderr }
    }
}

/// Fails when another provider's access key, or the part of it a mask hides, appears in any of
/// `haystacks`.
pub fn assert_no_access_key(key_id: &str, haystacks: &[(String, String)]) {
    assert!(key_id.len() > 8, "implausible access key");
    assert_absent(
        &[
            ("access key", key_id),
            ("masked part of an access key", &key_id[4..]),
        ],
        haystacks,
    );
}

/// Fails when the emulator's secret, its full access key id, or the part of the key id a mask
/// hides appears in any of `haystacks`.
pub fn assert_no_credentials(key_id: &str, secret: &str, haystacks: &[(String, String)]) {
    assert!(
        key_id.len() > 8 && secret.len() > 8,
        "implausible credentials"
    );
    let hidden_tail = &key_id[4..];
    assert_absent(
        &[
            ("access key secret", secret),
            ("access key id", key_id),
            ("masked part of the access key id", hidden_tail),
        ],
        haystacks,
    );
}

/// Fails, with some context, when one of `needles` appears in one of `haystacks`.
fn assert_absent(needles: &[(&str, &str)], haystacks: &[(String, String)]) {
    for (name, text) in haystacks {
        for &(what, needle) in needles {
            if let Some(at) = text.find(needle) {
                let start = text[..at]
                    .char_indices()
                    .rev()
                    .nth(120)
                    .map_or(0, |(i, _)| i);
                let end = (at + needle.len() + 120).min(text.len());
                let end = (end..=text.len())
                    .find(|i| text.is_char_boundary(*i))
                    .unwrap_or(text.len());
                panic!(
                    "the emulator's {what} leaked into {name}: …{}…",
                    &text[start..end]
                );
            }
        }
    }
}

// -------------------------------------------------------------------------------------- helpers

/// The text of a result's first content block.
pub fn text_of(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts a result is a refusal of `kind` with the documented shape; returns `error`.
pub fn expect_error(result: &CallToolResult, kind: &str, what: &str) -> Value {
    let structured = result.structured_content.clone().unwrap_or(Value::Null);
    assert_eq!(
        result.is_error,
        Some(true),
        "{what} should be refused with `{kind}` but succeeded: {structured:#}"
    );
    let error = structured["error"].clone();
    assert_eq!(
        error["type"],
        kind,
        "{what}: wrong refusal type; text: {}",
        text_of(result)
    );
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "a refusal says what was wrong: {error:#}"
    );
    assert!(
        text_of(result).starts_with(&format!("{kind}: ")),
        "the text of a refusal is one line starting with its type: {}",
        text_of(result)
    );
    error
}

/// A string field, or a panic saying which.
/// A server with one toolset and quick long operations (`--operation-time-scale 0.01
/// --wait-timeout 10s`), as a toolset's scenarios start it.
pub fn toolset_spec(transport: Transport, toolset: &str) -> ServerSpec {
    ServerSpec::new(transport).args(&[
        "--toolsets",
        toolset,
        "--operation-time-scale",
        "0.01",
        "--wait-timeout",
        "10s",
    ])
}

/// The check named `name` of a plan (panics, showing the plan, when it has none).
pub fn plan_check<'a>(plan: &'a Value, name: &str) -> &'a Value {
    array(&plan["checks"])
        .iter()
        .position(|c| c["check"] == name)
        .map(|i| &plan["checks"][i])
        .unwrap_or_else(|| panic!("no `{name}` check in {plan:#}"))
}

pub fn str_of(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("expected a string, got {value}"))
        .to_string()
}

/// The items of a JSON array (none for anything else).
pub fn array(value: &Value) -> Vec<Value> {
    value.as_array().cloned().unwrap_or_default()
}

/// The first item of an array whose `key` equals `value`.
pub fn find_by(list: &Value, key: &str, value: &str) -> Option<Value> {
    list.as_array()?.iter().find(|i| i[key] == value).cloned()
}

/// `min` as the emulator stores it: `{node_type: count}`.
pub fn min_of(quota: &Value) -> Vec<(String, u64)> {
    array(&quota["min"])
        .iter()
        .map(|s| (str_of(&s["node_type"]), s["count"].as_u64().unwrap_or(0)))
        .collect()
}

/// Reads a file, empty when it does not exist or is not a regular file (an audit log on
/// `/dev/full` would read as endless zeros).
pub fn read(path: &Path) -> String {
    if !path.metadata().is_ok_and(|m| m.is_file()) {
        return String::new();
    }
    std::fs::read_to_string(path).unwrap_or_default()
}

fn parse_lines(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("audit line is not JSON ({e}): {l}"))
        })
        .collect()
}

/// A readable list of the paths where two JSON values differ.
pub fn json_diff(a: &Value, b: &Value, at: &str) -> String {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut out = String::new();
            for key in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                let (va, vb) = (
                    x.get(key).unwrap_or(&Value::Null),
                    y.get(key).unwrap_or(&Value::Null),
                );
                if va != vb {
                    out.push_str(&json_diff(va, vb, &format!("{at}/{key}")));
                }
            }
            out
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .filter(|(_, (va, vb))| va != vb)
            .map(|(i, (va, vb))| json_diff(va, vb, &format!("{at}/{i}")))
            .collect(),
        _ => format!("  {at}: {a} -> {b}\n"),
    }
}

/// The audit lines with this decision.
pub fn decisions<'a>(audit: &'a [Value], decision: &str) -> Vec<&'a Value> {
    audit.iter().filter(|l| l["decision"] == decision).collect()
}

/// The audit lines about one plan.
pub fn lines_of<'a>(audit: &'a [Value], plan_id: &str) -> Vec<&'a Value> {
    audit.iter().filter(|l| l["plan_id"] == plan_id).collect()
}

/// The `{"NodeSpecs": [...]}` argument the skill writes.
pub fn min(specs: &[(&str, u64)]) -> Value {
    json!({"NodeSpecs": specs.iter().map(|(t, c)| json!({"NodeSpec": t, "Count": c})).collect::<Vec<_>>()})
}
