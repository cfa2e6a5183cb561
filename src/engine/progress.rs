//! Progress reporting without threading a parameter through every guard: the transport installs an
//! observer for the duration of one call (a tokio task-local), and the engine reports its steps to
//! whoever listens. With no observer installed, reporting does nothing.

use std::future::Future;
use std::sync::Arc;

/// Receives the steps of one tool call.
pub trait Observer: Send + Sync {
    /// One step began or finished (`checking pai.load_quota`, `sending ScaleQuota`).
    fn step(&self, message: &str);
}

tokio::task_local! {
    static OBSERVER: Arc<dyn Observer>;
}

/// Runs `work` with `observer` receiving its steps.
pub async fn observed<F: Future>(observer: Arc<dyn Observer>, work: F) -> F::Output {
    OBSERVER.scope(observer, work).await
}

/// Reports a step to the current observer, if any.
pub(crate) fn step(message: &str) {
    let _ = OBSERVER.try_with(|observer| observer.step(message));
}
