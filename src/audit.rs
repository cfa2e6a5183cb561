//! The audit log: one JSON line per decision (plan, confirmation, refusal, execution, cancel),
//! appended and fsync'd before the caller hears the answer, so a crash cannot lose a record of a
//! change that happened. It is a record, never the source of truth for state. Arguments appear
//! only as a digest and credentials never at all.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;
use serde_json::Value;

/// One audit record.
#[derive(Clone, Debug, Serialize, Default)]
pub struct AuditEvent {
    /// RFC 3339 time.
    pub time: String,
    /// Who.
    pub principal: String,
    /// Which MCP session, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// The tool called (`confirm`, `cancel` for those).
    pub tool: String,
    /// The tool whose plan this is, for confirm and cancel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_tool: Option<String>,
    /// SHA-256 of the canonical arguments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arguments_digest: Option<String>,
    /// The plan concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<String>,
    /// The resource concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// `planned`, `refused`, `confirmed`, `executed`, `failed`, `cancelled`, `read`.
    pub decision: String,
    /// Why (refusals and failures).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Provider request ids of what was sent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub request_ids: Vec<String>,
    /// Short outcome (e.g. the created quota id).
    #[serde(skip_serializing_if = "Value::is_null")]
    pub outcome: Value,
    /// True when the provider was the built-in emulator.
    pub emulator: bool,
}

/// Where audit lines go.
#[derive(Debug)]
pub struct AuditLog {
    path: Option<PathBuf>,
    file: Option<Mutex<File>>,
}

/// The log file could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("cannot open audit log `{path}`: {source}")]
pub struct AuditError {
    path: String,
    source: std::io::Error,
}

impl AuditLog {
    /// Appends to `path`, creating it (and its directory) when needed.
    pub fn open(path: &Path) -> Result<Self, AuditError> {
        let error = |source| AuditError {
            path: path.display().to_string(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(error)?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(error)?;
        Ok(Self {
            path: Some(path.to_path_buf()),
            file: Some(Mutex::new(file)),
        })
    }

    /// A log that writes nowhere (for `--audit-log none` and unit tests).
    pub fn disabled() -> Self {
        Self {
            path: None,
            file: None,
        }
    }

    /// The file, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Appends one record and syncs it to disk. A failure is logged, not returned: the change
    /// already happened (or was refused) and the caller must hear that; the operator sees the
    /// audit failure on stderr.
    pub fn record(&self, mut event: AuditEvent) {
        event.time = crate::gate::now_rfc3339();
        tracing::info!(target: "audit", tool = %event.tool, decision = %event.decision, plan = ?event.plan_id, "audit");
        let Some(file) = &self.file else { return };
        let Ok(mut line) = serde_json::to_vec(&event) else {
            return;
        };
        line.push(b'\n');
        let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(error) = file.write_all(&line).and_then(|()| file.sync_data()) {
            tracing::error!(%error, "audit log write failed");
        }
    }
}
