//! The edges: turning parsed command lines into running servers. `anyhow` lives here.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use serde_json::json;

use crate::audit::AuditLog;
use crate::catalog::{Catalog, Selection};
use crate::cli::{EmulatorArgs, ServeArgs, ToolsArgs, Transport, parse_duration};
use crate::emulator::{self, EmulatorOptions};
use crate::engine::{Engine, EngineSettings};
use crate::gate::{Gate, MemoryPlanStore};
use crate::providers::alibaba::{AlibabaClient, AlibabaClientConfig, AlibabaCredentials};
use crate::server::{HttpOptions, ServerSettings, Shared, serve_http, serve_stdio};

/// The default plan lifetime.
const DEFAULT_PLAN_TTL: Duration = Duration::from_secs(600);

fn load_catalog(dir: Option<&PathBuf>) -> anyhow::Result<Catalog> {
    let registry = crate::workflows::registry();
    let catalog = match dir {
        Some(dir) => Catalog::from_dir(dir, &registry)?,
        None => Catalog::embedded(&registry)?,
    };
    Ok(catalog)
}

fn default_audit_path() -> Option<PathBuf> {
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(data.join("skillgate").join("audit.jsonl"))
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
    let catalog = load_catalog(args.catalog_dir.as_ref())?;
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
    let user_agent = catalog
        .toolsets
        .first()
        .map(|(set, _)| set.user_agent.clone())
        .unwrap_or_default();

    // Keep the emulator handle alive for as long as we serve.
    let mut _emulator = None;
    let (credentials, endpoint) = if args.emulator {
        let options = EmulatorOptions {
            time_scale: args.emulator_time_scale.unwrap_or(1.0).max(1.0),
            seed_demo: true,
        };
        let handle = emulator::start(([127, 0, 0, 1], 0).into(), options).await?;
        tracing::info!(endpoint = %handle.endpoint, "built-in emulator started; results are emulated");
        let credentials = AlibabaCredentials::new(
            handle.alibaba.access_key_id.clone(),
            handle.alibaba.access_key_secret.expose(),
            None,
            "emulator",
        );
        let endpoint = handle.endpoint.clone();
        _emulator = Some(handle);
        (Some(credentials), Some(endpoint))
    } else {
        let env = |name: &str| std::env::var(name).ok();
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let credentials = AlibabaCredentials::from_default_chain(&env, home.as_deref())?;
        (credentials, args.alibaba_endpoint.clone())
    };
    let client = credentials
        .map(|credentials| {
            AlibabaClient::new(AlibabaClientConfig {
                credentials,
                endpoint_override: endpoint.clone(),
                timeout: Duration::from_secs(30),
                max_attempts: 4,
                user_agent_suffix: format!("{user_agent}/{}", uuid::Uuid::new_v4().simple()),
            })
        })
        .transpose()?;
    if client.is_none() {
        tracing::warn!(
            "no Alibaba Cloud credentials found; tools will answer with a configuration error (try --emulator)"
        );
    }
    let confirm = args.confirm.unwrap_or_default();
    if args.confirm_url && args.transport.unwrap_or_default() != Transport::Http {
        anyhow::bail!(
            "--confirm-url needs --transport http: the confirmation page is served by the HTTP server"
        );
    }
    let engine = Engine::new(
        catalog,
        selection,
        client,
        Gate::new(Arc::new(MemoryPlanStore::default()), plan_ttl),
        audit,
        EngineSettings {
            default_region: region,
            emulator: args.emulator || endpoint.as_deref().is_some_and(is_loopback_url),
        },
    );
    let shared = Shared::new(
        engine,
        ServerSettings {
            confirm,
            state_key: state_key()?,
            confirmation_timeout: plan_ttl,
            confirm_url: args.confirm_url,
        },
    )?;
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
    let catalog = load_catalog(None)?;
    let text = if args.json {
        let tools: Vec<serde_json::Value> = catalog
            .tools()
            .map(|(set, tool)| json!({"name": tool.name, "effect": tool.effect.as_str(), "toolset": set.name, "title": tool.title, "default": set.default}))
            .chain(crate::catalog::BUILTIN_TOOLS.iter().map(|name| json!({"name": name, "effect": if *name == "list_plans" { "read" } else { "gate" }, "toolset": "builtin"})))
            .collect();
        serde_json::to_string_pretty(&tools)?
    } else if args.markdown {
        crate::docs::tool_reference(&catalog)
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
        lines.join("\n")
    };
    use std::io::Write;
    writeln!(std::io::stdout().lock(), "{text}")?;
    Ok(())
}

/// `skillgate status`: what a server started here would use, with the key id masked and the
/// secret never read out. Sends no request.
pub fn status() -> anyhow::Result<()> {
    let env = |name: &str| std::env::var(name).ok();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let credentials = match AlibabaCredentials::from_default_chain(&env, home.as_deref()) {
        Ok(Some(found)) => {
            json!({"source": found.source, "access_key_id": found.masked_key_id(), "sts": found.security_token.is_some()})
        }
        Ok(None) => {
            json!({"source": null, "hint": "set ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET or run `skillgate serve --emulator`"})
        }
        Err(error) => json!({"error": error.to_string()}),
    };
    let catalog = load_catalog(None)?;
    let report = json!({
        "version": env!("CARGO_PKG_VERSION"),
        "alibaba": {
            "credentials": credentials,
            "endpoint": std::env::var("SKILLGATE_ALIBABA_ENDPOINT").unwrap_or_else(|_| "https://pai.<region>.aliyuncs.com, https://aiworkspace.<region>.aliyuncs.com".into()),
        },
        "toolsets": catalog.toolsets.iter().map(|(set, tools)| json!({"name": set.name, "default": set.default, "tools": tools.len()})).collect::<Vec<_>>(),
        "audit_log": std::env::var("SKILLGATE_AUDIT_LOG").ok().or_else(|| default_audit_path().map(|p| p.display().to_string())),
    });
    use std::io::Write;
    writeln!(
        std::io::stdout().lock(),
        "{}",
        serde_json::to_string_pretty(&report)?
    )?;
    Ok(())
}
