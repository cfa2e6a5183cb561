//! MCP over stdio: what Claude Desktop, Claude Code, Cursor and Windsurf start.

use std::sync::Arc;

use rmcp::ServiceExt;

use super::{Shared, Skillgate};

/// Serves one client on stdin/stdout until it disconnects. Logs go to stderr only: anything else
/// on stdout would break the framing.
pub async fn serve_stdio(shared: Arc<Shared>) -> anyhow::Result<()> {
    let service = Skillgate::new(shared)
        .serve(rmcp::transport::stdio())
        .await?;
    service.waiting().await?;
    Ok(())
}
