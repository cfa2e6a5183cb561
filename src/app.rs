//! The edges: turning parsed command lines into running servers. `anyhow` lives here.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use serde_json::json;

use crate::audit::AuditLog;
use crate::catalog::{Catalog, Selection};
use crate::cli::{EmulatorArgs, ServeArgs, StatusArgs, ToolsArgs, Transport, parse_duration};
use crate::config::{ServerSettings, endpoint_overrides};
use crate::emulator::{self, EmulatorOptions};
use crate::engine::{Engine, EngineParts, EngineSettings, OperationSettings};
use crate::gate::{Gate, MemoryPlanStore, PlanStore};
use crate::operations::{OperationStore, SqliteOperationStore};
use crate::providers::{self, ProviderSetup, Providers};
use crate::server::{HttpOptions, Shared, serve_http, serve_stdio};
use crate::state::SessionStores;
use crate::state::redis::{
    RedisLink, RedisNonces, RedisOperationStore, RedisPages, RedisPlanStore, RedisToggles,
};
use crate::toolsets::ToolsetRegistry;

/// The default plan lifetime.
const DEFAULT_PLAN_TTL: Duration = Duration::from_secs(600);

fn load_catalog(dir: Option<&PathBuf>, toolsets: &ToolsetRegistry) -> anyhow::Result<Catalog> {
    let registry = toolsets.catalog_registry(providers::KINDS.iter().map(|kind| kind.id));
    let catalog = match dir {
        Some(dir) => Catalog::from_dir(dir, &registry)?,
        None => Catalog::embedded(&registry)?,
    };
    Ok(catalog)
}

/// The user's data directory for skillgate: `$XDG_DATA_HOME/skillgate` or
/// `~/.local/share/skillgate`.
fn data_dir() -> Option<PathBuf> {
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(data.join("skillgate"))
}

fn default_audit_path() -> Option<PathBuf> {
    Some(data_dir()?.join("audit.jsonl"))
}

/// Where long operations are kept: `--state-dir`, else the data directory; in memory when the
/// cloud is the in-process emulator (its resources end with the process).
fn operation_store(args: &ServeArgs) -> anyhow::Result<Arc<dyn OperationStore>> {
    let dir = match &args.state_dir {
        Some(dir) => Some(expand_home(&dir.to_string_lossy())),
        None if args.emulator => None,
        None => data_dir(),
    };
    let store = match dir {
        Some(dir) => SqliteOperationStore::open_dir(&dir)
            .with_context(|| format!("--state-dir {}", dir.display()))?,
        None => SqliteOperationStore::in_memory()?,
    };
    Ok(Arc::new(store))
}

/// `SKILLGATE_TEST_PAUSE_AT`: the crash tests' hook (`after-take`, `after-send`,
/// `before-record`), where a confirmation stops so the test can SIGKILL the process there.
fn pause_point() -> anyhow::Result<Option<crate::engine::PausePoint>> {
    match std::env::var("SKILLGATE_TEST_PAUSE_AT") {
        Ok(text) => crate::engine::PausePoint::parse(&text).map(Some).ok_or_else(|| {
            anyhow::anyhow!(
                "SKILLGATE_TEST_PAUSE_AT={text}: expected after-take, after-send or before-record"
            )
        }),
        Err(_) => Ok(None),
    }
}

fn operation_settings(args: &ServeArgs) -> anyhow::Result<OperationSettings> {
    let mut settings = OperationSettings::default();
    if let Some(text) = &args.wait_timeout {
        settings.wait_budget = parse_duration(text).context("--wait-timeout")?;
    }
    if let Some(scale) = args.operation_time_scale {
        anyhow::ensure!(
            scale.is_finite() && scale > 0.0,
            "--operation-time-scale must be a positive number, e.g. 1 or 0.01"
        );
        settings.time_scale = scale;
    }
    Ok(settings)
}

/// Every key skillgate writes in Redis starts with this.
const REDIS_PREFIX: &str = "skillgate:";

/// Where state lives: one Redis shared by every replica under `--state redis://...`, else
/// memory (plans, nonces, pages, tool lists) and SQLite (long operations).
struct StateStores {
    plans: Arc<dyn PlanStore>,
    operations: Arc<dyn OperationStore>,
    sessions: SessionStores,
}

/// The Redis link `--state` names, with `SKILLGATE_REDIS_PASSWORD` when the URL has none.
fn redis_link(url: &str) -> anyhow::Result<Arc<RedisLink>> {
    let password = std::env::var("SKILLGATE_REDIS_PASSWORD").ok();
    Ok(Arc::new(RedisLink::open(
        url,
        password.as_deref(),
        REDIS_PREFIX,
    )?))
}

fn state_stores(args: &ServeArgs, plan_ttl: Duration) -> anyhow::Result<StateStores> {
    let Some(url) = &args.state else {
        return Ok(StateStores {
            plans: Arc::new(MemoryPlanStore::default()),
            operations: operation_store(args)?,
            sessions: SessionStores::memory(plan_ttl),
        });
    };
    let link = redis_link(url)?;
    match link.ping() {
        Ok(()) => tracing::info!(store = link.describe(), "state shared in Redis"),
        Err(error) => tracing::warn!(
            store = link.describe(),
            %error,
            "Redis does not answer yet: reads work, mutations are refused until it does"
        ),
    }
    Ok(StateStores {
        plans: Arc::new(RedisPlanStore::new(Arc::clone(&link))),
        operations: Arc::new(RedisOperationStore::new(Arc::clone(&link))),
        sessions: SessionStores {
            nonces: Arc::new(RedisNonces::new(Arc::clone(&link))),
            toggles: Some(Arc::new(RedisToggles::new(Arc::clone(&link)))),
            pages: Arc::new(RedisPages::new(link, plan_ttl)),
        },
    })
}

/// The key that seals confirmation state: `SKILLGATE_STATE_KEY` (hex, at least 32 bytes; give
/// every replica the same one), else 32 random bytes for this process.
fn state_key() -> anyhow::Result<Vec<u8>> {
    match std::env::var("SKILLGATE_STATE_KEY") {
        Ok(text) => {
            let key = hex::decode(text.trim()).context("SKILLGATE_STATE_KEY must be hex")?;
            anyhow::ensure!(
                key.len() >= 32,
                "SKILLGATE_STATE_KEY must be at least 32 bytes (64 hex digits)"
            );
            Ok(key)
        }
        Err(_) => Ok(rand::random::<[u8; 32]>().to_vec()),
    }
}

/// Expands a leading `~/`, which client configs (mcp.json) pass through unexpanded.
fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// `skillgate serve`.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let args = args.merge_file()?;
    let toolsets = ToolsetRegistry::all();
    let catalog = load_catalog(args.catalog_dir.as_ref(), &toolsets)?;
    let selection = Selection::resolve(
        &catalog,
        &args.toolsets,
        &args.exclude_tools,
        args.read_only,
    )?;
    let plan_ttl = match &args.plan_ttl {
        Some(text) => parse_duration(text).context("--plan-ttl")?,
        None => DEFAULT_PLAN_TTL,
    };
    let audit = match args.audit_log.as_deref() {
        Some("off") => AuditLog::disabled(),
        Some(path) => AuditLog::open(&expand_home(path))?,
        None => match default_audit_path() {
            Some(path) => AuditLog::open(&path)?,
            None => AuditLog::disabled(),
        },
    };
    let region = args
        .region
        .clone()
        .unwrap_or_else(|| "cn-hangzhou".to_string());
    let endpoints = endpoint_overrides(&args.endpoints, args.alibaba_endpoint.as_deref())
        .map_err(anyhow::Error::msg)?;
    if let Some(unknown) = endpoints.keys().find(|id| providers::kind(id).is_none()) {
        anyhow::bail!("--endpoint names no known provider `{unknown}`");
    }

    // Keep the emulator handle alive for as long as we serve.
    let mut _emulator = None;
    let accounts = if args.emulator {
        let options = EmulatorOptions {
            time_scale: args.emulator_time_scale.unwrap_or(1.0).max(1.0),
            seed_demo: true,
        };
        let handle = emulator::start(([127, 0, 0, 1], 0).into(), options).await?;
        tracing::info!(endpoint = %handle.endpoint, "built-in emulator started; results are emulated");
        let accounts: serde_json::Value = serde_json::from_str(&handle.startup_line())?;
        _emulator = Some(handle);
        Some(accounts)
    } else {
        None
    };
    let env = |name: &str| std::env::var(name).ok();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let client_id = uuid::Uuid::new_v4().simple().to_string();
    let mut clients = Providers::default();
    for kind in providers::KINDS {
        if kind.id == providers::docs::PROVIDER && !args.enable_doc_search {
            // Off by default: its calls answer that it is disabled and how to enable it.
            continue;
        }
        let permission_prefixes = catalog
            .services
            .values()
            .filter(|service| service.provider == kind.id)
            .map(|service| {
                let prefix = service
                    .permission
                    .clone()
                    .unwrap_or_else(|| service.id.clone());
                (service.id.clone(), prefix)
            })
            .collect();
        let emulator_endpoint = accounts
            .as_ref()
            .and_then(|a| a.get("endpoint"))
            .and_then(serde_json::Value::as_str)
            .map(str::to_string);
        let setup = ProviderSetup {
            env: &env,
            home: home.as_deref(),
            endpoint: emulator_endpoint.or_else(|| endpoints.get(kind.id).cloned()),
            emulator_account: accounts.as_ref().and_then(|a| a.get(kind.id)),
            permission_prefixes,
            client_id: client_id.clone(),
        };
        match (kind.configure)(&setup)? {
            Some(client) => clients.insert(client),
            None => tracing::warn!(
                provider = kind.id,
                "no credentials found; its tools will answer with a configuration error (try --emulator)"
            ),
        }
    }
    // Huawei tools default to the Huawei region of the credentials (the SDK's and the skill's
    // variables), else the emulator's demo region, else the SDK's usual cn-north-4.
    let huawei_region = env("MODELARTS_REGION")
        .or_else(|| env("HUAWEICLOUD_SDK_REGION"))
        .filter(|r| !r.trim().is_empty())
        .or_else(|| {
            accounts
                .as_ref()
                .and_then(|a| a.pointer("/huawei/region"))
                .and_then(serde_json::Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_else(|| "cn-north-4".to_string());
    let emulated = args.emulator || endpoints.values().any(|url| is_loopback_url(url));
    let confirm = args.confirm.unwrap_or_default();
    if args.confirm_url && args.transport.unwrap_or_default() != Transport::Http {
        anyhow::bail!(
            "--confirm-url needs --transport http: the confirmation page is served by the HTTP server"
        );
    }
    let stores = state_stores(&args, plan_ttl)?;
    let engine = Engine::new(EngineParts {
        catalog,
        selection,
        providers: clients,
        registry: toolsets,
        gate: Gate::new(stores.plans, plan_ttl),
        audit,
        operations: stores.operations,
        settings: EngineSettings {
            scope_defaults: [
                ("region_id".to_string(), region),
                ("huawei.region_id".to_string(), huawei_region),
            ]
            .into_iter()
            .collect(),
            emulator: emulated,
            operations: operation_settings(&args)?,
            pause_at: pause_point()?,
        },
    });
    let shared = Shared::new(
        engine,
        ServerSettings {
            confirm,
            state_key: state_key()?,
            confirmation_timeout: plan_ttl,
            confirm_url: args.confirm_url,
            dynamic_toolsets: args.dynamic_toolsets,
        },
        stores.sessions,
    )?;
    let default_list = crate::server::economy::ListSize::of(&shared.default_tools());
    if args.toolsets.is_empty() && !default_list.within_budget() {
        tracing::warn!(
            tools = default_list.tools,
            bytes = default_list.bytes,
            "the default tool list is over its budget ({} tools, {} bytes): give the default toolsets a smaller `core`",
            crate::server::economy::BUDGET_TOOLS,
            crate::server::economy::BUDGET_BYTES
        );
    }
    match args.transport.unwrap_or_default() {
        Transport::Stdio => serve_stdio(shared).await,
        Transport::Http => {
            let options = HttpOptions {
                listen: args.listen.unwrap_or_else(|| ([127, 0, 0, 1], 8765).into()),
                auth_token: args.auth_token.clone().map(crate::secret::Secret::new),
                allowed_hosts: args.allowed_hosts.clone(),
                allowed_origins: args.allowed_origins.clone(),
                public_url: args.public_url.clone(),
                stateless: args.stateless,
                limits: args.http_limits()?,
            };
            serve_http(shared, options).await.map(|_| ())
        }
    }
}

/// True for `http://127.x.y.z:port`, `http://localhost:port` and `http://[::1]:port`: the
/// emulator's addresses. Results from such an endpoint are marked as emulated.
fn is_loopback_url(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.starts_with("127.") || rest.starts_with("localhost") || rest.starts_with("[::1]")
}

/// `skillgate emulator`.
pub async fn emulator(args: EmulatorArgs) -> anyhow::Result<()> {
    if !args.listen.ip().is_loopback() {
        anyhow::bail!("the emulator listens on loopback only; got {}", args.listen);
    }
    let handle = emulator::start(
        args.listen,
        EmulatorOptions {
            time_scale: args.emulator_time_scale.max(1.0),
            seed_demo: true,
        },
    )
    .await?;
    {
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{}", handle.startup_line())?;
        stdout.flush()?;
    }
    tokio::signal::ctrl_c().await?;
    handle.shutdown().await;
    Ok(())
}

/// `skillgate tools`.
pub fn tools(args: ToolsArgs) -> anyhow::Result<()> {
    let catalog = load_catalog(None, &ToolsetRegistry::all())?;
    let text = if args.budget {
        let figures = crate::server::economy::figures(&catalog)?;
        if args.json {
            serde_json::to_string_pretty(&figures)?
        } else {
            crate::server::economy::table(&figures)
        }
    } else if let Some(dir) = &args.docs {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let mut written = Vec::new();
        for (name, text) in crate::docs::pages(&catalog) {
            let path = dir.join(&name);
            std::fs::write(&path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            written.push(path.display().to_string());
        }
        written.join("\n")
    } else if args.json {
        let tools: Vec<serde_json::Value> = catalog
            .tools()
            .map(|(set, tool)| json!({"name": tool.name, "effect": tool.effect.as_str(), "toolset": set.name, "title": tool.title, "default": set.default}))
            .chain(crate::catalog::BUILTIN_TOOLS.iter().map(|name| json!({"name": name, "effect": if *name == "list_plans" { "read" } else { "gate" }, "toolset": "builtin"})))
            .chain(crate::catalog::DISCOVERY_TOOLS.iter().map(|name| json!({"name": name, "effect": "discovery", "toolset": "builtin"})))
            .collect();
        serde_json::to_string_pretty(&tools)?
    } else if args.markdown {
        crate::docs::readme_block(&catalog)
    } else if args.errors {
        crate::failure::error_reference()
    } else {
        let mut lines = vec![format!("{:<40} {:<8} {}", "TOOL", "EFFECT", "TOOLSET")];
        for (set, tool) in catalog.tools() {
            lines.push(format!(
                "{:<40} {:<8} {}",
                tool.name,
                tool.effect.as_str(),
                set.name
            ));
        }
        for name in crate::catalog::BUILTIN_TOOLS {
            lines.push(format!(
                "{:<40} {:<8} builtin",
                name,
                if name == "list_plans" { "read" } else { "gate" }
            ));
        }
        for name in crate::catalog::DISCOVERY_TOOLS {
            lines.push(format!("{name:<40} {:<8} builtin", "discover"));
        }
        lines.join("\n")
    };
    use std::io::Write;
    writeln!(std::io::stdout().lock(), "{text}")?;
    Ok(())
}

/// The state section of `skillgate status`: the store, and for Redis whether it answers.
fn state_status(url: Option<&str>) -> anyhow::Result<serde_json::Value> {
    let Some(url) = url else {
        return Ok(json!({
            "store": "embedded",
            "operations": std::env::var("SKILLGATE_STATE_DIR")
                .ok()
                .map(PathBuf::from)
                .or_else(data_dir)
                .map(|dir| format!("sqlite:{}", dir.join("operations.sqlite3").display())),
            "plans": "memory (this process)",
        }));
    };
    let link = redis_link(url)?;
    let answer = link.ping();
    Ok(json!({
        "store": link.describe(),
        "answers": answer.is_ok(),
        "error": answer.err().map(|e| e.to_string()),
        "plans": "redis (shared)",
        "operations": "redis (shared)",
    }))
}

/// `skillgate status`: what a server started here would use, with the key id masked and the
/// secret never read out. Sends no request.
pub fn status(args: StatusArgs) -> anyhow::Result<()> {
    let env = |name: &str| std::env::var(name).ok();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let endpoints = endpoint_overrides(
        &env("SKILLGATE_ENDPOINTS")
            .map(|v| v.split(',').map(str::to_string).collect::<Vec<_>>())
            .unwrap_or_default(),
        env("SKILLGATE_ALIBABA_ENDPOINT").as_deref(),
    )
    .map_err(anyhow::Error::msg)?;
    let catalog = load_catalog(None, &ToolsetRegistry::all())?;
    let mut report = json!({
        "version": env!("CARGO_PKG_VERSION"),
        "toolsets": catalog.toolsets.iter().map(|(set, tools)| json!({"name": set.name, "default": set.default, "tools": tools.len()})).collect::<Vec<_>>(),
        "audit_log": std::env::var("SKILLGATE_AUDIT_LOG").ok().or_else(|| default_audit_path().map(|p| p.display().to_string())),
        "state": state_status(args.state.as_deref())?,
    });
    for kind in providers::KINDS {
        let setup = ProviderSetup {
            env: &env,
            home: home.as_deref(),
            endpoint: endpoints.get(kind.id).cloned(),
            emulator_account: None,
            permission_prefixes: Default::default(),
            client_id: String::new(),
        };
        report[kind.id] = (kind.status)(&setup);
    }
    use std::io::Write;
    writeln!(
        std::io::stdout().lock(),
        "{}",
        serde_json::to_string_pretty(&report)?
    )?;
    Ok(())
}
