//! MCP over stdio: what Claude Desktop, Claude Code, Cursor and Windsurf start.
//!
//! The framing is newline-delimited JSON, as rmcp's own stdio transport does it, with one
//! difference: a line that is not an acceptable message is answered instead of dropped
//! ([`framing`]): `-32700` for text that is not JSON (invalid UTF-8 included), `-32600` for JSON
//! that is not a message, a line longer than [`MAX_LINE_BYTES`] or nesting deeper than
//! [`framing::MAX_DEPTH`], always with `id: null`. The server then goes on reading.
//! An echoing peer cannot start a storm: the answer is a valid JSON-RPC error response, which
//! the server accepts without answering.

use std::sync::Arc;

use rmcp::ServiceExt;
use rmcp::service::{RoleServer, RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::Mutex;

use super::framing::{self, Decoded, Rejection};
use super::{Shared, Skillgate};

/// The longest line read as one message: the HTTP body limit, so a message acceptable on one
/// transport is acceptable on the other. A longer line is skipped to its end and answered.
pub(super) const MAX_LINE_BYTES: usize = super::sse::MAX_BODY_BYTES;

/// Serves one client on stdin/stdout until it disconnects. Logs go to stderr only: anything else
/// on stdout would break the framing.
pub async fn serve_stdio(shared: Arc<Shared>) -> anyhow::Result<()> {
    let (stdin, stdout) = rmcp::transport::stdio();
    let service = Skillgate::new(Arc::clone(&shared))
        .serve(LineTransport::new(stdin, stdout))
        .await?;
    let stop = service.cancellation_token();
    tokio::select! {
        ended = service.waiting() => { ended?; }
        () = super::shutdown_signal() => {
            // A confirmation in flight runs to its end before the session closes.
            shared.engine.confirmations_done(std::time::Duration::from_secs(60)).await;
            stop.cancel();
        }
    }
    shared.wind_down().await;
    Ok(())
}

/// Newline-delimited JSON-RPC over a reader and a writer, answering what it cannot accept.
pub(super) struct LineTransport<R, W> {
    reader: BufReader<R>,
    /// The line read so far; kept across cancelled reads (rmcp polls `receive` in a `select!`).
    line: Vec<u8>,
    /// Skipping the rest of an oversized line, up to its newline.
    discarding: bool,
    writer: Arc<Mutex<W>>,
}

/// One bounded line read.
enum LineRead {
    Line,
    Oversized,
    Eof,
}

impl<R: AsyncRead + Unpin, W: AsyncWrite + Unpin + Send + 'static> LineTransport<R, W> {
    pub(super) fn new(reader: R, writer: W) -> Self {
        Self {
            reader: BufReader::new(reader),
            line: Vec::new(),
            discarding: false,
            writer: Arc::new(Mutex::new(writer)),
        }
    }

    /// Reads one `\n`-terminated line into `self.line` without letting it grow past
    /// [`MAX_LINE_BYTES`]. Cancel-safe: bytes are moved from the buffer to `self.line` and
    /// consumed with no await in between.
    async fn read_line(&mut self) -> std::io::Result<LineRead> {
        loop {
            let (consumed, done) = {
                let available = self.reader.fill_buf().await?;
                if available.is_empty() {
                    return Ok(LineRead::Eof);
                }
                let newline = available.iter().position(|b| *b == b'\n');
                let take = newline.map_or(available.len(), |at| at + 1);
                if self.discarding {
                    if newline.is_some() {
                        self.discarding = false;
                    }
                    (take, None)
                } else if self.line.len() + take > MAX_LINE_BYTES {
                    self.line.clear();
                    self.discarding = newline.is_none();
                    (take, Some(LineRead::Oversized))
                } else {
                    self.line.extend_from_slice(&available[..take]);
                    (take, newline.map(|_| LineRead::Line))
                }
            };
            self.reader.consume(consumed);
            if let Some(done) = done {
                return Ok(done);
            }
        }
    }

    /// Writes one answer on its own task, so a cancelled `receive` cannot lose it half-written.
    fn answer(&self, rejection: &Rejection) {
        tracing::debug!(code = rejection.code, message = %rejection.message, "answered an unacceptable stdio line");
        let mut bytes = rejection.to_json().to_string().into_bytes();
        bytes.push(b'\n');
        let writer = Arc::clone(&self.writer);
        tokio::spawn(async move {
            let mut writer = writer.lock().await;
            if writer.write_all(&bytes).await.is_ok() {
                let _ = writer.flush().await;
            }
        });
    }
}

impl<R, W> Transport<RoleServer> for LineTransport<R, W>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    type Error = std::io::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let writer = Arc::clone(&self.writer);
        async move {
            let mut bytes = serde_json::to_vec(&item)?;
            bytes.push(b'\n');
            let mut writer = writer.lock().await;
            writer.write_all(&bytes).await?;
            writer.flush().await
        }
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        loop {
            match self.read_line().await {
                Ok(LineRead::Line) => {}
                Ok(LineRead::Oversized) => {
                    self.answer(&Rejection::too_large(MAX_LINE_BYTES));
                    continue;
                }
                Ok(LineRead::Eof) => return None,
                Err(error) => {
                    tracing::error!(%error, "stdin failed");
                    return None;
                }
            }
            let decoded = {
                let line = self.line.strip_suffix(b"\n").unwrap_or(&self.line);
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                (!line.trim_ascii().is_empty()).then(|| framing::decode(line))
            };
            self.line.clear();
            match decoded {
                Some(Decoded::Message(message)) => return Some(*message),
                Some(Decoded::Rejected(rejection)) => self.answer(&rejection),
                Some(Decoded::Ignored) | None => {}
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        self.writer.lock().await.flush().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// Feeds `input` to a transport and returns what it delivered and what it answered.
    async fn run(input: &[u8]) -> (Vec<RxJsonRpcMessage<RoleServer>>, Vec<Value>) {
        let (mut client_out, server_out) = tokio::io::duplex(1 << 20);
        let mut transport = LineTransport::new(input, server_out);
        let mut delivered = Vec::new();
        while let Some(message) = transport.receive().await {
            delivered.push(message);
        }
        // Let the answering tasks finish, then close the writer.
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        drop(transport);
        let mut answers = Vec::new();
        let mut text = String::new();
        tokio::io::AsyncReadExt::read_to_string(&mut client_out, &mut text)
            .await
            .unwrap();
        for line in text.lines() {
            answers.push(serde_json::from_str(line).unwrap());
        }
        (delivered, answers)
    }

    #[tokio::test]
    async fn bad_lines_are_answered_and_good_ones_still_delivered() {
        let mut input = Vec::new();
        input.extend_from_slice(b"garbage{\n");
        input.extend_from_slice(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n");
        input.extend_from_slice(b"\n");
        input.extend_from_slice(b"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"p\xffng\"}\r\n");
        input.extend_from_slice(&vec![b'['; MAX_LINE_BYTES + 10]);
        input.extend_from_slice(b"\n{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}\n");
        let (delivered, answers) = run(&input).await;
        assert_eq!(delivered.len(), 2, "{delivered:?}");
        let codes: Vec<i64> = answers
            .iter()
            .map(|a| a["error"]["code"].as_i64().unwrap())
            .collect();
        assert_eq!(codes.len(), 3, "{answers:?}");
        assert_eq!(codes.iter().filter(|c| **c == -32700).count(), 2);
        assert_eq!(codes.iter().filter(|c| **c == -32600).count(), 1);
        assert!(
            answers
                .iter()
                .all(|a| a["id"].is_null() && a["jsonrpc"] == "2.0")
        );
    }
}
