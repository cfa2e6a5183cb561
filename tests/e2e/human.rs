//! The human channel, from the gate's side: a client that declares elicitation gets a
//! confirmation form (inside the call for 2025-06-18, as an input-required result for
//! 2026-07-28). While the form is open the plan exists, and the model, which can see it with
//! `list_plans`, must not be able to confirm it with the `confirm` tool: only the human's answer
//! counts.

use std::sync::{Arc, Mutex};

use rmcp::model::{
    CallToolRequestParams, ClientConfig, ElicitRequestParams, ElicitResult, ElicitationAction,
    ElicitationCapability, FormElicitationCapability, ProtocolVersion,
};
use rmcp::service::RequestContext;
use rmcp::{ClientHandler, ErrorData, RoleClient, ServiceExt};
use serde_json::{Value, json};

use crate::both_transports;
use crate::common::seed::*;
use crate::common::{ServerSpec, Transport, decisions, lines_of, str_of};

/// What the human does with the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Human {
    /// Types the phrase shown in the form.
    TypesThePhrase,
    /// Declines.
    Declines,
}

/// A client whose "model" tries to confirm the plan itself while the human's form is open, and
/// whose "human" then answers. Records what the model's attempts got back.
#[derive(Clone)]
struct ModelBehindTheForm {
    protocol: ProtocolVersion,
    human: Human,
    forms: Arc<Mutex<Vec<String>>>,
    attempts: Arc<Mutex<Vec<Value>>>,
}

impl ClientHandler for ModelBehindTheForm {
    fn get_info(&self) -> ClientConfig {
        let mut info = ClientConfig::default();
        info.protocol_version = self.protocol.clone();
        info.capabilities.elicitation =
            Some(ElicitationCapability::new().with_form(FormElicitationCapability::default()));
        info
    }

    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        let ElicitRequestParams::FormElicitationParams { message, .. } = request else {
            return Ok(ElicitResult::new(ElicitationAction::Decline));
        };
        self.forms.lock().expect("forms").push(message.clone());
        // The model sees the pending plan and its phrase, and tries to confirm it.
        let listed = context
            .peer
            .call_tool(CallToolRequestParams::new("list_plans"))
            .await
            .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
        let plans = listed
            .structured_content
            .map(|s| s["plans"].clone())
            .unwrap_or_default();
        for plan in plans.as_array().into_iter().flatten() {
            // The listing hides the phrase of a plan that awaits the human, but phrases are
            // predictable: the model guesses it right, and also tries a wrong one.
            assert!(plan["confirm_phrase"].is_null(), "{plan:#}");
            let guessed = format!("CONFIRM {QUOTA_LINGJUN}");
            for phrase in [json!(guessed), json!("yes")] {
                let arguments = json!({"plan_id": plan["plan_id"], "phrase": phrase});
                let attempt = context
                    .peer
                    .call_tool(
                        CallToolRequestParams::new("confirm")
                            .with_arguments(arguments.as_object().cloned().unwrap_or_default()),
                    )
                    .await
                    .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
                self.attempts
                    .lock()
                    .expect("attempts")
                    .push(serde_json::to_value(&attempt).unwrap_or_default());
            }
        }
        Ok(match self.human {
            Human::TypesThePhrase => {
                let phrase = message
                    .rsplit("type exactly: ")
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_string();
                ElicitResult::new(ElicitationAction::Accept).with_content(json!({"phrase": phrase}))
            }
            Human::Declines => ElicitResult::new(ElicitationAction::Decline),
        })
    }
}

both_transports!(
    the_model_cannot_confirm_a_plan_awaiting_the_human,
    human_only
);

async fn human_only(transport: Transport) {
    for (protocol, human) in [
        (ProtocolVersion::V_2025_06_18, Human::Declines),
        (ProtocolVersion::V_2025_06_18, Human::TypesThePhrase),
        (ProtocolVersion::V_2026_07_28, Human::Declines),
        (ProtocolVersion::V_2026_07_28, Human::TypesThePhrase),
    ] {
        let what = format!("{protocol} {human:?}");
        let client = ModelBehindTheForm {
            protocol,
            human,
            forms: Arc::default(),
            attempts: Arc::default(),
        };
        let factory = client.clone();
        let h = ServerSpec::new(transport)
            .client(move || factory.clone().into_dyn())
            .start()
            .await;
        let before = h.emu.snapshot().await;
        let result = h
            .call(
                "pai_quota_update",
                json!({"quota_id": QUOTA_LINGJUN, "description": "only if the human says so"}),
            )
            .await;
        let forms = client.forms.lock().expect("forms").clone();
        assert_eq!(forms.len(), 1, "{what}: one form for the human: {forms:?}");
        assert!(
            forms[0].contains(&format!("CONFIRM {QUOTA_LINGJUN}")),
            "the form shows the phrase: {}",
            forms[0]
        );
        let attempts = client.attempts.lock().expect("attempts").clone();
        assert_eq!(
            attempts.len(),
            2,
            "{what}: the model saw the plan: {attempts:#?}"
        );
        for attempt in &attempts {
            assert_eq!(attempt["isError"], true, "{attempt:#}");
            assert_eq!(
                attempt["structuredContent"]["error"]["type"], "confirmation_human_only",
                "{attempt:#}"
            );
        }
        let structured = result.structured_content.clone().unwrap_or_default();
        match human {
            Human::Declines => {
                assert_eq!(result.is_error, Some(true), "{what}: {structured:#}");
                assert_eq!(structured["error"]["type"], "confirmation_declined");
                h.emu
                    .assert_unchanged(&before, "a declined form and the model's attempts")
                    .await;
            }
            Human::TypesThePhrase => {
                assert_ne!(result.is_error, Some(true), "{what}: {structured:#}");
                assert_eq!(structured["status"], "executed");
                let quota = h.emu.quota(QUOTA_LINGJUN).await.expect("quota");
                assert_eq!(quota["description"], "only if the human says so");
                assert_eq!(h.emu.mutating_requests().await.len(), 1, "executed once");
            }
        }
        assert!(h.plans().await.is_empty(), "nothing left pending");
        let finished = h.finish().await;
        let plan_id = finished
            .audit
            .iter()
            .find(|l| l["decision"] == "planned")
            .map(|l| str_of(&l["plan_id"]))
            .expect("a planned line");
        let refused = lines_of(&finished.audit, &plan_id)
            .into_iter()
            .filter(|l| l["decision"] == "refused" && l["tool"] == "confirm")
            .count();
        assert_eq!(refused, 2, "the model's attempts are audited as refusals");
        let executed = decisions(&finished.audit, "executed").len();
        assert_eq!(executed, usize::from(human == Human::TypesThePhrase));
    }
}
