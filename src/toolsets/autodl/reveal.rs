//! The confirmed reveal: the only path by which a container's root password leaves skillgate.
//! Its output field is `secret`, so the audit log records it masked.

use serde_json::{Value, json};

use super::api::page_items;
use crate::failure::{FailureKind, ToolFailure};
use crate::providers::{ProviderResponse, RetryMode};
use crate::toolsets::{ExecContext, ExecOutcome};

/// Sends the container read the plan showed and answers with the one container's access.
pub(crate) async fn reveal(ctx: &ExecContext<'_>) -> Result<ExecOutcome, ToolFailure> {
    let answer = ctx.send(RetryMode::Safe).await.map_err(ToolFailure::from)?;
    let wanted = ctx
        .arguments
        .get("deployment_container_uuid")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let container = page_items(&answer)
        .into_iter()
        .find(|c| c["uuid"].as_str() == Some(wanted))
        .ok_or_else(|| {
            ToolFailure::new(
                FailureKind::NotFound,
                format!("container `{wanted}` is gone"),
            )
        })?;
    Ok(ExecOutcome::Executed(ProviderResponse {
        status: answer.status,
        request_id: answer.request_id,
        body: json!({
            "container_uuid": wanted,
            "ssh_command": container.pointer("/info/ssh_command"),
            "root_password": container.pointer("/info/root_password"),
        }),
    }))
}

/// A read cannot have taken effect twice: nothing to read back.
pub(crate) async fn reveal_read_back(
    _ctx: &ExecContext<'_>,
) -> Result<Option<ExecOutcome>, ToolFailure> {
    Ok(None)
}
