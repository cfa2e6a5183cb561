//! The command line. Every flag also reads a `SKILLGATE_*` environment variable, and `serve` can
//! take the same keys from a TOML file (`--config`); flags win over the environment, which wins over
//! the file.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use serde::Deserialize;

/// skillgate: a gated MCP server for cloud operations.
#[derive(Debug, Parser)]
#[command(name = "skillgate", version, about, long_about = None)]
pub struct Cli {
    /// What to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve MCP over stdio (default) or streamable HTTP.
    Serve(Box<ServeArgs>),
    /// Run the cloud emulator alone; prints one JSON line with its endpoint and credentials.
    Emulator(EmulatorArgs),
    /// Print the tool catalog.
    Tools(ToolsArgs),
    /// Show where credentials come from (masked), the endpoints, the audit log and the state
    /// store (and whether it answers: the only thing it sends, a Redis `PING`).
    Status(StatusArgs),
}

/// `skillgate status` options.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The shared state store to check, as `serve --state` takes it.
    #[arg(long = "state", env = "SKILLGATE_STATE")]
    pub state: Option<String>,
}

/// How MCP is served.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// stdin/stdout (Claude Desktop, Cursor, Windsurf, Claude Code).
    #[default]
    Stdio,
    /// Streamable HTTP at `/mcp`.
    Http,
}

pub use crate::config::ConfirmMode;

/// `skillgate serve`.
#[derive(Clone, Debug, Default, Args)]
pub struct ServeArgs {
    /// stdio or http.
    #[arg(long, value_enum, env = "SKILLGATE_TRANSPORT")]
    pub transport: Option<Transport>,
    /// Address for `--transport http` (default 127.0.0.1:8765).
    #[arg(long, env = "SKILLGATE_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Start the built-in emulator on an ephemeral loopback port and point every provider at it.
    #[arg(long, env = "SKILLGATE_EMULATOR")]
    pub emulator: bool,
    /// Emulated time runs this many times faster (with --emulator).
    #[arg(long, env = "SKILLGATE_EMULATOR_TIME_SCALE")]
    pub emulator_time_scale: Option<f64>,
    /// Toolsets to reach and list in full, comma-separated (`all`, `default`, or names). Without
    /// it every toolset is reachable and the small default list is served.
    #[arg(long, value_delimiter = ',', env = "SKILLGATE_TOOLSETS")]
    pub toolsets: Vec<String>,
    /// Offer list_toolsets, enable_toolset and disable_toolset, which change the session's tool
    /// list and send notifications/tools/list_changed.
    #[arg(long, env = "SKILLGATE_DYNAMIC_TOOLSETS")]
    pub dynamic_toolsets: bool,
    /// Tools to hide and refuse, comma-separated.
    #[arg(long, value_delimiter = ',', env = "SKILLGATE_EXCLUDE_TOOLS")]
    pub exclude_tools: Vec<String>,
    /// Hide and refuse every write and destroy tool.
    #[arg(long, env = "SKILLGATE_READ_ONLY")]
    pub read_only: bool,
    /// auto, token or elicit.
    #[arg(long, value_enum, env = "SKILLGATE_CONFIRM")]
    pub confirm: Option<ConfirmMode>,
    /// Confirm changes on a page this HTTP server serves, behind a one-time link (HTTP only).
    #[arg(long, env = "SKILLGATE_CONFIRM_URL")]
    pub confirm_url: bool,
    /// Base URL browsers use to reach this server, for confirmation links (default: the bound address).
    #[arg(long, env = "SKILLGATE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Serve streamable HTTP without sessions for pre-2026 clients too (plans are then bound to the principal).
    #[arg(long, env = "SKILLGATE_STATELESS")]
    pub stateless: bool,
    /// How long a plan stays valid: `600`, `90s`, `10m`, `1h` (default 10m).
    #[arg(long, env = "SKILLGATE_PLAN_TTL")]
    pub plan_ttl: Option<String>,
    /// Audit log file (JSON lines); `off` disables it. Default: the user data directory.
    #[arg(long, env = "SKILLGATE_AUDIT_LOG")]
    pub audit_log: Option<String>,
    /// Region used when a call gives none (default cn-hangzhou).
    #[arg(long, env = "SKILLGATE_REGION")]
    pub region: Option<String>,
    /// Bearer token HTTP clients must send; required for a non-loopback bind.
    #[arg(long, env = "SKILLGATE_AUTH_TOKEN", hide_env_values = true)]
    pub auth_token: Option<String>,
    /// Extra Host header values to accept over HTTP, comma-separated (e.g. a reverse proxy name).
    #[arg(long, value_delimiter = ',', env = "SKILLGATE_ALLOWED_HOSTS")]
    pub allowed_hosts: Vec<String>,
    /// Browser origins allowed over HTTP, comma-separated (e.g. http://localhost:6274).
    #[arg(long, value_delimiter = ',', env = "SKILLGATE_ALLOWED_ORIGINS")]
    pub allowed_origins: Vec<String>,
    /// Open HTTP sessions at most, streamable HTTP and legacy SSE together (default 4096); past it a new session gets 503.
    #[arg(long, env = "SKILLGATE_MAX_SESSIONS")]
    pub max_sessions: Option<usize>,
    /// Close an HTTP session unused for this long: `90s`, `10m`, `1h` (default 30m).
    #[arg(long, env = "SKILLGATE_SESSION_IDLE_TIMEOUT")]
    pub session_idle_timeout: Option<String>,
    /// Cut off an HTTP client that has not sent a request's headers within this; also how long an idle keep-alive connection stays open (default 30s).
    #[arg(long, env = "SKILLGATE_HEADER_TIMEOUT")]
    pub header_timeout: Option<String>,
    /// Answer 408 to an HTTP client that has not sent its request body within this (default 30s).
    #[arg(long, env = "SKILLGATE_BODY_TIMEOUT")]
    pub body_timeout: Option<String>,
    /// Requests each HTTP principal may make: `20/s`, `600/m`, `5000/h` (default: no limit); past it, 429 with Retry-After.
    #[arg(long, env = "SKILLGATE_RATE_LIMIT")]
    pub rate_limit: Option<String>,
    /// Requests a principal may make at once under --rate-limit (default: one second's worth).
    #[arg(long, env = "SKILLGATE_RATE_LIMIT_BURST")]
    pub rate_limit_burst: Option<u32>,
    /// Send a provider's requests to this endpoint, as `PROVIDER=URL` (repeatable, e.g.
    /// `alibaba=http://127.0.0.1:9000` for a standalone `skillgate emulator`).
    #[arg(
        long = "endpoint",
        value_name = "PROVIDER=URL",
        env = "SKILLGATE_ENDPOINTS",
        value_delimiter = ','
    )]
    pub endpoints: Vec<String>,
    /// Same as `--endpoint alibaba=URL` (kept for existing configurations).
    #[arg(long, env = "SKILLGATE_ALIBABA_ENDPOINT")]
    pub alibaba_endpoint: Option<String>,
    /// Load the catalog from this directory instead of the built-in one.
    #[arg(long, env = "SKILLGATE_CATALOG_DIR")]
    pub catalog_dir: Option<PathBuf>,
    /// Keep long operations (OOS executions, queued submits) in this directory, so they survive a
    /// restart (default: the user's data directory; in memory with --emulator).
    #[arg(long, env = "SKILLGATE_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
    /// Share plans, nonces, tool-list changes, confirmation pages and long operations with other
    /// replicas in Redis: `redis://HOST:PORT/DB` or `rediss://...` (password in the URL or in
    /// `SKILLGATE_REDIS_PASSWORD`). Without it: memory and SQLite under --state-dir.
    #[arg(long = "state", env = "SKILLGATE_STATE")]
    pub state: Option<String>,
    /// The longest one wait call (`ecsext_wait_execution`...) holds before it answers with the
    /// current state: `50s`, `2m` (default 50s).
    #[arg(long, env = "SKILLGATE_WAIT_TIMEOUT")]
    pub wait_timeout: Option<String>,
    /// Runs every long operation's polling cadence and deadline this many times faster than the
    /// skill's (1 = the skill's 20 s / 20 min; tests use 0.01 against a fast emulator clock).
    #[arg(long, env = "SKILLGATE_OPERATION_TIME_SCALE")]
    pub operation_time_scale: Option<f64>,
    /// A TOML file with any of these settings (snake_case keys).
    #[arg(long, env = "SKILLGATE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Let cp_doc_search query the vendor's documentation search (help.aliyun.com; outbound network). Off by default.
    #[arg(long, env = "SKILLGATE_ENABLE_DOC_SEARCH")]
    pub enable_doc_search: bool,
}

/// The keys a config file may set (the same names as the flags, snake_case).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    transport: Option<Transport>,
    listen: Option<SocketAddr>,
    emulator: Option<bool>,
    emulator_time_scale: Option<f64>,
    toolsets: Option<Vec<String>>,
    dynamic_toolsets: Option<bool>,
    exclude_tools: Option<Vec<String>>,
    read_only: Option<bool>,
    confirm: Option<ConfirmMode>,
    confirm_url: Option<bool>,
    public_url: Option<String>,
    stateless: Option<bool>,
    plan_ttl: Option<String>,
    audit_log: Option<String>,
    region: Option<String>,
    allowed_hosts: Option<Vec<String>>,
    allowed_origins: Option<Vec<String>>,
    max_sessions: Option<usize>,
    session_idle_timeout: Option<String>,
    header_timeout: Option<String>,
    body_timeout: Option<String>,
    rate_limit: Option<String>,
    rate_limit_burst: Option<u32>,
    endpoints: Option<Vec<String>>,
    alibaba_endpoint: Option<String>,
    catalog_dir: Option<PathBuf>,
    state_dir: Option<PathBuf>,
    state: Option<String>,
    wait_timeout: Option<String>,
    operation_time_scale: Option<f64>,
    enable_doc_search: Option<bool>,
}

impl ServeArgs {
    /// Fills what flags and environment left unset from a config file.
    pub fn merge_file(mut self) -> anyhow::Result<Self> {
        let Some(path) = &self.config else {
            return Ok(self);
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read config `{}`: {e}", path.display()))?;
        let file: ConfigFile = toml::from_str(&text).map_err(|e| {
            anyhow::anyhow!("config `{}`: {}", path.display(), e.to_string().trim())
        })?;
        self.transport = self.transport.or(file.transport);
        self.listen = self.listen.or(file.listen);
        self.emulator = self.emulator || file.emulator.unwrap_or(false);
        self.emulator_time_scale = self.emulator_time_scale.or(file.emulator_time_scale);
        if self.toolsets.is_empty() {
            self.toolsets = file.toolsets.unwrap_or_default();
        }
        self.dynamic_toolsets = self.dynamic_toolsets || file.dynamic_toolsets.unwrap_or(false);
        self.enable_doc_search = self.enable_doc_search || file.enable_doc_search.unwrap_or(false);
        if self.exclude_tools.is_empty() {
            self.exclude_tools = file.exclude_tools.unwrap_or_default();
        }
        self.read_only = self.read_only || file.read_only.unwrap_or(false);
        self.confirm = self.confirm.or(file.confirm);
        self.confirm_url = self.confirm_url || file.confirm_url.unwrap_or(false);
        self.public_url = self.public_url.or(file.public_url);
        self.stateless = self.stateless || file.stateless.unwrap_or(false);
        self.plan_ttl = self.plan_ttl.or(file.plan_ttl);
        self.audit_log = self.audit_log.or(file.audit_log);
        self.region = self.region.or(file.region);
        if self.allowed_hosts.is_empty() {
            self.allowed_hosts = file.allowed_hosts.unwrap_or_default();
        }
        if self.allowed_origins.is_empty() {
            self.allowed_origins = file.allowed_origins.unwrap_or_default();
        }
        self.max_sessions = self.max_sessions.or(file.max_sessions);
        self.session_idle_timeout = self.session_idle_timeout.or(file.session_idle_timeout);
        self.header_timeout = self.header_timeout.or(file.header_timeout);
        self.body_timeout = self.body_timeout.or(file.body_timeout);
        self.rate_limit = self.rate_limit.or(file.rate_limit);
        self.rate_limit_burst = self.rate_limit_burst.or(file.rate_limit_burst);
        if self.endpoints.is_empty() {
            self.endpoints = file.endpoints.unwrap_or_default();
        }
        self.alibaba_endpoint = self.alibaba_endpoint.or(file.alibaba_endpoint);
        self.catalog_dir = self.catalog_dir.or(file.catalog_dir);
        self.state_dir = self.state_dir.or(file.state_dir);
        self.state = self.state.or(file.state);
        self.wait_timeout = self.wait_timeout.or(file.wait_timeout);
        self.operation_time_scale = self.operation_time_scale.or(file.operation_time_scale);
        Ok(self)
    }
}

impl ServeArgs {
    /// The HTTP limits these arguments set, defaults elsewhere.
    pub fn http_limits(&self) -> anyhow::Result<crate::server::HttpLimits> {
        use crate::server::HttpLimits;
        let duration = |value: &Option<String>, flag: &str, default| match value {
            Some(text) => parse_duration(text).map_err(|e| anyhow::anyhow!("{flag}: {e}")),
            None => Ok(default),
        };
        let max_sessions = self
            .max_sessions
            .unwrap_or(HttpLimits::DEFAULT_MAX_SESSIONS);
        if max_sessions == 0 {
            anyhow::bail!(
                "--max-sessions: 0 would refuse every session; use --stateless for no sessions"
            );
        }
        Ok(HttpLimits {
            max_sessions,
            session_idle_timeout: duration(
                &self.session_idle_timeout,
                "--session-idle-timeout",
                HttpLimits::DEFAULT_SESSION_IDLE_TIMEOUT,
            )?,
            header_timeout: duration(
                &self.header_timeout,
                "--header-timeout",
                HttpLimits::DEFAULT_HEADER_TIMEOUT,
            )?,
            body_timeout: duration(
                &self.body_timeout,
                "--body-timeout",
                HttpLimits::DEFAULT_BODY_TIMEOUT,
            )?,
            rate_limit: match &self.rate_limit {
                Some(rate) => Some(
                    crate::server::RateLimit::parse(rate, self.rate_limit_burst)
                        .map_err(|e| anyhow::anyhow!("--rate-limit: {e}"))?,
                ),
                None if self.rate_limit_burst.is_some() => {
                    anyhow::bail!("--rate-limit-burst needs --rate-limit")
                }
                None => None,
            },
        })
    }
}

/// `skillgate emulator`.
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Address to listen on (loopback; port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:0", env = "SKILLGATE_EMULATOR_LISTEN")]
    pub listen: SocketAddr,
    /// Emulated time runs this many times faster.
    #[arg(long, default_value_t = 1.0, env = "SKILLGATE_EMULATOR_TIME_SCALE")]
    pub emulator_time_scale: f64,
}

/// `skillgate tools`.
#[derive(Debug, Args)]
pub struct ToolsArgs {
    /// Machine-readable JSON (with --budget: the figures as JSON).
    #[arg(long, conflicts_with_all = ["markdown", "docs"])]
    pub json: bool,
    /// The README's links to the per-toolset reference pages (Markdown).
    #[arg(long, conflicts_with_all = ["errors", "docs", "budget"])]
    pub markdown: bool,
    /// The README list of error types (Markdown).
    #[arg(long, conflicts_with_all = ["docs", "budget"])]
    pub errors: bool,
    /// Write the tool reference, one Markdown page per toolset, into this directory (`docs/tools`).
    #[arg(long, value_name = "DIR", conflicts_with = "budget")]
    pub docs: Option<PathBuf>,
    /// The tool-list budget: the default list's and each toolset's list size (what scripts/bench prints).
    #[arg(long)]
    pub budget: bool,
}

/// Parses `600`, `90s`, `10m`, `1h`.
pub fn parse_duration(text: &str) -> anyhow::Result<std::time::Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| anyhow::anyhow!("`{text}` is not a duration; use e.g. 600, 90s, 10m or 1h"))?;
    let seconds = match unit {
        "" | "s" => number,
        "m" => number * 60,
        "h" => number * 3600,
        _ => anyhow::bail!("`{text}` has unknown unit `{unit}`; use s, m or h"),
    };
    if seconds == 0 {
        anyhow::bail!("`{text}` is zero; give a positive duration");
    }
    Ok(std::time::Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(
            parse_duration("600").ok(),
            Some(std::time::Duration::from_secs(600))
        );
        assert_eq!(
            parse_duration("10m").ok(),
            Some(std::time::Duration::from_secs(600))
        );
        assert_eq!(
            parse_duration("1h").ok(),
            Some(std::time::Duration::from_secs(3600))
        );
        assert!(parse_duration("10 minutes").is_err());
        assert!(parse_duration("0").is_err());
    }

    #[test]
    fn the_cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
