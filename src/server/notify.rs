//! Progress and log notifications for a tool call: the engine reports its steps (see
//! `engine::observed`), and this forwards them to the client as `notifications/progress` when the
//! request carries a progress token, and as `notifications/message` when the client asked for logs
//! (`logging/setLevel` on older protocols; `_meta` logLevel per request on 2026-07-28, and never
//! otherwise).
#![allow(deprecated)] // MCP logging is deprecated by SEP-2577 but still what 2025 clients use.

use std::future::Future;
use std::sync::{Arc, Mutex};

use rmcp::model::{
    LoggingLevel, LoggingMessageNotificationParam, ProgressNotificationParam, ProtocolVersion,
};
use rmcp::service::{Peer, RequestContext, RoleServer};
use serde_json::json;
use tokio::sync::mpsc;

use crate::engine::{Observer, observed};

/// Severity ranks, lowest first, as the MCP spec orders them.
fn rank(level: LoggingLevel) -> u8 {
    match level {
        LoggingLevel::Debug => 0,
        LoggingLevel::Info => 1,
        LoggingLevel::Notice => 2,
        LoggingLevel::Warning => 3,
        LoggingLevel::Error => 4,
        LoggingLevel::Critical => 5,
        LoggingLevel::Alert => 6,
        LoggingLevel::Emergency => 7,
    }
}

/// The level a legacy session asked for with `logging/setLevel` (none: no log notifications).
#[derive(Clone, Debug, Default)]
pub(super) struct SessionLogLevel(Arc<Mutex<Option<LoggingLevel>>>);

impl SessionLogLevel {
    pub(super) fn set(&self, level: LoggingLevel) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(level);
    }

    fn get(&self) -> Option<LoggingLevel> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct Channel(mpsc::UnboundedSender<String>);

impl Observer for Channel {
    fn step(&self, message: &str) {
        let _ = self.0.send(message.to_string());
    }
}

/// The notification side of one tool call.
pub(super) struct Notifications {
    observer: Option<Arc<dyn Observer>>,
    forwarder: Option<tokio::task::JoinHandle<()>>,
}

impl Notifications {
    /// Runs `work` with its steps observed (inside whatever task runs it).
    pub(super) async fn run<F: Future>(observer: Option<Arc<dyn Observer>>, work: F) -> F::Output {
        match observer {
            Some(observer) => observed(observer, work).await,
            None => work.await,
        }
    }

    /// The observer to install, if the client wants anything.
    pub(super) fn observer(&self) -> Option<Arc<dyn Observer>> {
        self.observer.clone()
    }

    /// Waits until every step has been sent, so notifications precede the result.
    pub(super) async fn finish(mut self) {
        self.observer = None;
        if let Some(forwarder) = self.forwarder.take() {
            let _ = forwarder.await;
        }
    }
}

/// Sets up forwarding for one call: progress when the request has a token, logs when asked for.
pub(super) fn start(
    context: &RequestContext<RoleServer>,
    session_level: &SessionLogLevel,
    tool: &str,
) -> Notifications {
    let progress_token = context.meta.get_progress_token();
    let modern = context
        .protocol_version()
        .is_some_and(|v| v >= ProtocolVersion::V_2026_07_28);
    let wanted = if modern {
        context.meta.log_level()
    } else {
        session_level.get()
    };
    let log_info = wanted.is_some_and(|level| rank(LoggingLevel::Info) >= rank(level));
    if progress_token.is_none() && !log_info {
        return Notifications {
            observer: None,
            forwarder: None,
        };
    }
    let (sender, mut receiver) = mpsc::unbounded_channel::<String>();
    let peer: Peer<RoleServer> = context.peer.clone();
    let tool = tool.to_string();
    let forwarder = tokio::spawn(async move {
        let mut done = 0u32;
        while let Some(step) = receiver.recv().await {
            done += 1;
            if let Some(token) = &progress_token {
                let _ = peer
                    .notify_progress(
                        ProgressNotificationParam::new(token.clone(), f64::from(done))
                            .with_message(step.clone()),
                    )
                    .await;
            }
            if log_info {
                let data = json!({"tool": tool, "step": step});
                let _ = peer
                    .notify_logging_message(
                        LoggingMessageNotificationParam::new(LoggingLevel::Info, data)
                            .with_logger("skillgate"),
                    )
                    .await;
            }
        }
    });
    Notifications {
        observer: Some(Arc::new(Channel(sender))),
        forwarder: Some(forwarder),
    }
}
