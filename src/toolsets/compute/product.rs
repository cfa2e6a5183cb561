//! The compute skill's product choice (seed-operations.md 3.1) and its product lock (3.3).
//!
//! The tree only narrows the candidates: a product the user named wins and is locked for the
//! session; a long-running service stays on ECS or ACK; AI work goes to PAI-DLC (multi-GPU,
//! multi-node, A100 class) or to FC and PAI-DLC side by side (one GPU, short); Kubernetes means
//! ACK; ECS is the default. With two or more candidates left, a real comparison is required.

use serde_json::{Map, Value, json};

use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Memory;
use crate::toolsets::GuardContext;

/// The products of the compute skill, as the tools name them.
pub const PRODUCTS: [&str; 4] = ["ecs", "fc", "ack", "pai-dlc"];

/// The session note that holds the locked product.
pub const LOCK_NOTE: &str = "compute.product_lock";

/// What each product is like, from the skill (shown with the choice, so the agent need not recall).
fn facts(product: &str) -> &'static str {
    match product {
        "ecs" => "ECS: starts in 1-3 min; any workload; billed per hour until released",
        "fc" => {
            "FC: sub-second cold start; sync <= 600 s, async <= 86400 s; <= 16 vCPU, <= 32 GB; ephemeral disk, no persistent state"
        }
        "ack" => {
            "ACK: a cluster takes 5-15 min (reuse preferred); managed basic edition free, Pro about CNY 0.64/h plus its nodes"
        }
        _ => "PAI-DLC: starts in 1-5 min; public-pool GPUs may queue; AI/ML jobs only",
    }
}

/// The facts the tree reads, from explicit flags first and the intent's words otherwise.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Intent {
    /// What the user wants, in their words.
    pub text: String,
    /// A product the user named.
    pub user_product: Option<String>,
    /// A web site, database, API or daemon that must keep running.
    pub long_running: bool,
    /// Needs Kubernetes or containers.
    pub kubernetes: bool,
    /// AI/ML training or inference.
    pub ai: bool,
    /// More than one GPU, several nodes, or an A100-class card.
    pub large_gpu: bool,
    /// Expected runtime, when known.
    pub runtime_s: Option<i64>,
}

const LONG_RUNNING_WORDS: &[&str] = &[
    "web site",
    "website",
    "web server",
    "web app",
    "service",
    "api server",
    "daemon",
    "database",
    "keep it running",
    "keep running",
    "long-running",
    "long running",
    "always on",
    "24/7",
    "nohup",
    "systemctl",
];
const KUBERNETES_WORDS: &[&str] = &["kubernetes", "k8s", "container", "docker", "helm", "pod"];
const AI_WORDS: &[&str] = &[
    "train",
    "fine-tune",
    "finetune",
    "inference",
    "model",
    "pytorch",
    "tensorflow",
    "llm",
    "gpu",
    "deep learning",
    "machine learning",
];
const LARGE_GPU_WORDS: &[&str] = &[
    "a100",
    "h100",
    "h800",
    "h20",
    "multi-gpu",
    "multi gpu",
    "multi-node",
    "multi node",
    "distributed",
    "8 gpu",
    "4 gpu",
    "2 gpu",
];

fn mentions(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| text.contains(w))
}

impl Intent {
    /// The facts from a tool's arguments.
    pub fn from_args(args: &Map<String, Value>) -> Self {
        let text = args
            .get("intent")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let script = args
            .get("script_content")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let lower = format!("{} {}", text, script).to_lowercase();
        let flag = |name: &str| args.get(name).and_then(Value::as_bool);
        let gpus = args.get("gpu_count").and_then(Value::as_i64).unwrap_or(0);
        let multi_node = flag("multi_node").unwrap_or(false);
        Self {
            user_product: args
                .get("user_product")
                .and_then(Value::as_str)
                .map(str::to_string),
            long_running: flag("long_running")
                .unwrap_or_else(|| mentions(&lower, LONG_RUNNING_WORDS)),
            kubernetes: flag("needs_kubernetes")
                .unwrap_or_else(|| mentions(&lower, KUBERNETES_WORDS)),
            ai: gpus > 0 || mentions(&lower, AI_WORDS),
            large_gpu: gpus > 1 || multi_node || mentions(&lower, LARGE_GPU_WORDS),
            runtime_s: args.get("runtime_s").and_then(Value::as_i64),
            text,
        }
    }
}

/// The candidates the tree leaves, with the reasons, in the skill's order.
pub fn candidates(intent: &Intent) -> (Vec<&'static str>, Vec<String>) {
    if let Some(named) = &intent.user_product
        && let Some(product) = PRODUCTS.iter().find(|p| *p == named)
    {
        return (
            vec![product],
            vec![format!(
                "the user named {product}: it is used without comparison and locked for this session"
            )],
        );
    }
    if intent.long_running {
        return if intent.kubernetes {
            (
                vec!["ack"],
                vec!["a long-running service that needs Kubernetes: ACK (FC and PAI-DLC run one-shot jobs only)".into()],
            )
        } else {
            (
                vec!["ecs"],
                vec!["a long-running service: ECS (FC and PAI-DLC run one-shot jobs only)".into()],
            )
        };
    }
    if intent.ai {
        if intent.large_gpu {
            return (
                vec!["pai-dlc"],
                vec!["AI work on several GPUs or nodes, or A100-class cards: PAI-DLC".into()],
            );
        }
        let short = intent.runtime_s.is_some_and(|s| s <= 86_400);
        if short {
            return (
                vec!["fc", "pai-dlc"],
                vec!["AI work on one GPU that ends within FC's async limit (86400 s): FC (GPU) and PAI-DLC are both viable, so a comparison is mandatory".into()],
            );
        }
        return (
            vec!["pai-dlc", "ecs"],
            vec![
                "AI work on one GPU with no short runtime given: PAI-DLC or an ECS GPU family"
                    .into(),
            ],
        );
    }
    if intent.kubernetes {
        return (
            vec!["ack"],
            vec!["containerised work that needs Kubernetes: ACK".into()],
        );
    }
    (
        vec!["ecs"],
        vec!["nothing narrows it further: ECS is the default".into()],
    )
}

/// The product this session is locked to, if any.
pub fn locked(memory: Option<&Memory>) -> Option<String> {
    memory?
        .get(LOCK_NOTE)
        .and_then(|v| v.as_str().map(str::to_string))
}

fn locked_failure(locked: &str, asked: &str) -> ToolFailure {
    ToolFailure::new(
        FailureKind::ProductLocked,
        format!(
            "this session is locked to {locked} because the user named it; {asked} is not used without the user's word"
        ),
    )
    .with_details(json!({"locked_product": locked, "asked": asked}))
    .with_hint(format!(
        "stay on {locked} (other zone, other region, smaller type), or ask the user; a new session starts without a lock"
    ))
}

/// The `cp_select_product` answer; a named product is locked for the session.
pub async fn select_product(ctx: &mut GuardContext<'_>) -> Result<Map<String, Value>, ToolFailure> {
    let intent = Intent::from_args(&ctx.args);
    let lock = locked(ctx.memory.as_ref());
    if let (Some(locked), Some(named)) = (&lock, &intent.user_product)
        && locked != named
    {
        return Err(locked_failure(locked, named));
    }
    let (mut candidates, mut reasons) = candidates(&intent);
    if let Some(locked) = &lock
        && intent.user_product.is_none()
    {
        let product = PRODUCTS
            .iter()
            .copied()
            .find(|p| p == locked)
            .unwrap_or("ecs");
        reasons.insert(
            0,
            format!("the session is locked to {product} (the user named it earlier); the tree's own choice is not used"),
        );
        candidates = vec![product];
    }
    if let (Some(named), Some(memory)) = (&intent.user_product, &ctx.memory) {
        memory.set(LOCK_NOTE, json!(named));
    }
    let single = (candidates.len() == 1).then(|| candidates[0]);
    let mut out = Map::new();
    out.insert("candidates".into(), json!(candidates));
    out.insert("product".into(), json!(single));
    out.insert("comparison_required".into(), json!(single.is_none()));
    out.insert("locked_product".into(), json!(locked(ctx.memory.as_ref())));
    out.insert("reasons".into(), json!(reasons));
    out.insert(
        "facts".into(),
        json!(candidates.iter().map(|p| facts(p)).collect::<Vec<_>>()),
    );
    out.insert(
        "next".into(),
        json!(match single {
            Some(_) => "call cp_select_region with the script and the intent, and show its region and reason before any create",
            None => "call cp_compare_options with one spec per candidate (real quotes), show the table, and wait for the user's choice; never assume one is cheaper",
        }),
    );
    Ok(out)
}

/// Guard of every ECS create: refuses when the session is locked to another product.
pub async fn require_ecs(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    match locked(ctx.memory.as_ref()) {
        Some(locked) if locked != "ecs" => Err(locked_failure(&locked, "ecs")),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intent(args: Value) -> Intent {
        Intent::from_args(args.as_object().expect("object"))
    }

    #[test]
    fn the_tree_follows_the_skill() {
        let named = intent(json!({"intent": "train a model on 8 A100", "user_product": "ecs"}));
        assert_eq!(candidates(&named).0, vec!["ecs"]);
        assert_eq!(
            candidates(&intent(json!({"intent": "host my web site"}))).0,
            vec!["ecs"]
        );
        assert_eq!(
            candidates(&intent(
                json!({"intent": "run an API server in docker containers"})
            ))
            .0,
            vec!["ack"]
        );
        assert_eq!(
            candidates(&intent(json!({"intent": "distributed training on A100"}))).0,
            vec!["pai-dlc"]
        );
        assert_eq!(
            candidates(&intent(
                json!({"intent": "inference with a small model", "gpu_count": 1, "runtime_s": 600})
            ))
            .0,
            vec!["fc", "pai-dlc"]
        );
        assert_eq!(
            candidates(&intent(
                json!({"intent": "fine-tune a model", "gpu_count": 1})
            ))
            .0,
            vec!["pai-dlc", "ecs"]
        );
        assert_eq!(
            candidates(&intent(json!({"intent": "compress some log files"}))).0,
            vec!["ecs"]
        );
    }

    #[test]
    fn explicit_flags_win_over_the_words() {
        let quiet = intent(json!({"intent": "my web service", "long_running": false}));
        assert!(!quiet.long_running);
        assert_eq!(candidates(&quiet).0, vec!["ecs"]);
        let k8s = intent(json!({"intent": "batch", "needs_kubernetes": true}));
        assert_eq!(candidates(&k8s).0, vec!["ack"]);
    }
}
