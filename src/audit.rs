//! The audit log: one JSON line per decision (plan, confirmation, refusal, execution, cancel),
//! appended and fsync'd before the caller hears the answer, so a crash cannot lose a record of a
//! change that happened. It is a record, never the source of truth for state. Arguments appear
//! only as a digest and credentials never at all.
//!
//! A record is whole or absent: it is one `write` of one line under an advisory lock (several
//! skillgate processes may share the default log), and a write or sync that fails is cut back
//! off the file. The records of a plan and of a confirmation must land before anything is sent
//! ([`AuditLog::record_required`]): when the log cannot be written, the change is refused.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
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

/// A record could not be written (full disk, read-only or failing file system); nothing of it
/// was left in the log.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the audit log `{path}`: {source}")]
pub struct AuditWriteError {
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
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(path)
            .map_err(error)?;
        drop_torn_tail(&mut file).map_err(error)?;
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
    pub fn record(&self, event: AuditEvent) {
        // `record_required` has already told the operator on stderr.
        let _ = self.record_required(event);
    }

    /// Appends one record and syncs it to disk, or says why it could not: for the records that
    /// must exist before anything is sent (a plan, a confirmation), so a change is never made
    /// without its record.
    pub fn record_required(&self, mut event: AuditEvent) -> Result<(), AuditWriteError> {
        event.time = crate::gate::now_rfc3339();
        let written = self.write(&event);
        match &written {
            Ok(()) => {
                tracing::info!(target: "audit", tool = %event.tool, decision = %event.decision, plan = ?event.plan_id, "audit");
            }
            Err(error) => {
                tracing::error!(%error, tool = %event.tool, decision = %event.decision, plan = ?event.plan_id, "audit log write failed");
            }
        }
        written
    }

    fn write(&self, event: &AuditEvent) -> Result<(), AuditWriteError> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        let error = |source| AuditWriteError {
            path: self
                .path
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            source,
        };
        let mut line = serde_json::to_vec(event).map_err(|e| error(e.into()))?;
        line.push(b'\n');
        let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
        append_whole(&mut file, &line).map_err(error)
    }
}

/// Writes `line` with one `write` and syncs it, under the file's advisory lock; when either
/// fails, the file is cut back to where it was, so no reader ever sees part of a record.
fn append_whole(file: &mut File, line: &[u8]) -> std::io::Result<()> {
    file.lock()?;
    let result = (|| {
        let start = file.metadata()?.len();
        let outcome = match file.write(line) {
            Ok(written) if written == line.len() => file.sync_data(),
            Ok(written) => Err(std::io::Error::new(
                std::io::ErrorKind::WriteZero,
                format!("only {written} of {} bytes written", line.len()),
            )),
            Err(error) => Err(error),
        };
        if outcome.is_err() && file.metadata().is_ok_and(|m| m.is_file()) {
            // Best effort: on a failing disk this may fail too, and the error above is reported.
            let _ = file.set_len(start);
        }
        outcome
    })();
    let _ = file.unlock();
    result
}

/// A process killed in the middle of a write can leave a last line without its newline; that
/// fragment was never acknowledged to anyone, so it is cut off before new records follow it.
fn drop_torn_tail(file: &mut File) -> std::io::Result<()> {
    if !file.metadata()?.is_file() {
        return Ok(());
    }
    file.lock()?;
    let result = (|| {
        let len = file.metadata()?.len();
        if len == 0 {
            return Ok(());
        }
        // Look back in chunks for the last newline.
        let mut end = len;
        let mut chunk = vec![0u8; 4096];
        while end > 0 {
            let size = chunk.len().min(end as usize);
            let from = end - size as u64;
            file.seek(SeekFrom::Start(from))?;
            file.read_exact(&mut chunk[..size])?;
            if let Some(at) = chunk[..size].iter().rposition(|b| *b == b'\n') {
                let keep = from + at as u64 + 1;
                if keep < len {
                    tracing::warn!(bytes = len - keep, "audit log: cut off a torn last line");
                    file.set_len(keep)?;
                }
                return Ok(());
            }
            end = from;
        }
        tracing::warn!(bytes = len, "audit log: cut off a torn first line");
        file.set_len(0)
    })();
    let _ = file.unlock();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(decision: &str) -> AuditEvent {
        AuditEvent {
            principal: "local".into(),
            tool: "pai_quota_update".into(),
            decision: decision.into(),
            ..AuditEvent::default()
        }
    }

    fn lines(path: &Path) -> Vec<Value> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).expect("every line is a whole record"))
            .collect()
    }

    #[test]
    fn records_are_whole_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let log = AuditLog::open(&path).unwrap();
        log.record(event("planned"));
        log.record_required(event("confirmed")).unwrap();
        let decisions: Vec<Value> = lines(&path).iter().map(|l| l["decision"].clone()).collect();
        assert_eq!(decisions, vec![Value::from("planned"), "confirmed".into()]);
    }

    #[test]
    fn a_log_that_cannot_be_written_refuses_the_record() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        std::os::unix::fs::symlink("/dev/full", &path).unwrap();
        let log = AuditLog::open(&path).unwrap();
        let error = log.record_required(event("confirmed")).unwrap_err();
        assert!(
            error.to_string().contains("cannot write the audit log"),
            "{error}"
        );
        // The best-effort form does not panic either.
        log.record(event("executed"));
    }

    #[test]
    fn a_torn_last_line_is_cut_off_when_the_log_is_opened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        std::fs::write(&path, "{\"decision\":\"planned\"}\n{\"decision\":\"conf").unwrap();
        let log = AuditLog::open(&path).unwrap();
        log.record(event("refused"));
        let decisions: Vec<Value> = lines(&path).iter().map(|l| l["decision"].clone()).collect();
        assert_eq!(decisions, vec![Value::from("planned"), "refused".into()]);

        std::fs::write(&path, "no newline at all").unwrap();
        AuditLog::open(&path).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"");
    }

    #[test]
    fn a_disabled_log_accepts_every_record() {
        assert!(
            AuditLog::disabled()
                .record_required(event("confirmed"))
                .is_ok()
        );
    }
}
