//! The declarative tool catalog: `tools/<toolset>/tools.toml`, one source for the tool list, the
//! input validation, the wire mapping, the gate's phrases, the output projection and the docs.
//!
//! The catalog knows operation names and guard names, never provider code: `load` checks that every
//! guard and executor it names exists in the registry it is given, so a typo fails at startup with the
//! file, tool and field, not at the first call.

mod load;
mod params;
mod registry;
mod request;
mod schema;
pub mod search;
mod select;

pub use load::{
    Catalog, CatalogError, EMBEDDED_PARTS, EMBEDDED_TOOLSETS, GuardCall, embedded_sources,
    template_fields,
};
pub use params::{ArgumentError, validate_arguments};
pub use registry::{GuardInfo, Registry};
pub use request::{BuildError, build_request, build_step_request};
pub use schema::{input_schema, output_schema};
pub use select::{Selection, SelectionError, Toggles};

use serde::Deserialize;
use serde_json::Value;

pub use crate::providers::ApiStyle;

/// What a tool does to the world; decides whether the gate stands in front of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    /// Looks only; runs at once.
    Read,
    /// Creates or changes something; planned, previewed and confirmed.
    Write,
    /// Removes or shrinks something, or cannot be undone; planned, previewed and confirmed.
    Destroy,
}

impl Effect {
    /// True for the effects the gate must plan and confirm.
    pub fn is_mutation(self) -> bool {
        !matches!(self, Effect::Read)
    }

    /// The lowercase name used in docs and `skillgate tools`.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Read => "read",
            Effect::Write => "write",
            Effect::Destroy => "destroy",
        }
    }
}

/// One catalog file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogFile {
    /// The toolset this file declares.
    pub toolset: ToolsetSpec,
    /// The services its tools call. A service may be declared by several files, identically.
    #[serde(default, rename = "service")]
    pub services: Vec<ServiceSpec>,
    /// Its tools, in listing order.
    #[serde(rename = "tool")]
    pub tools: Vec<ToolSpec>,
}

/// One cloud API a toolset calls: which provider sends it, and how its calls are laid out.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    /// Id the tools' `call.service` names, e.g. `paistudio`, `ecs`.
    pub id: String,
    /// The provider whose client sends the calls (`alibaba`, `huawei`, `autodl`).
    pub provider: String,
    /// The API version, e.g. `2022-01-12`.
    pub version: String,
    /// `rpc`, `roa` or `rest`.
    pub style: ApiStyle,
    /// Endpoint host template, filled from the scope: `pai.{region_id}.aliyuncs.com`.
    pub endpoint: String,
    /// The scope parameters every tool of this service takes, e.g. `["region_id"]` for
    /// Alibaba, `["project_id", "region_id"]` for Huawei, `[]` for AutoDL.
    #[serde(default)]
    pub scope: Vec<String>,
    /// Scope values the API also wants as parameters, by wire name: RPC APIs take the region
    /// in the host AND as `RegionId` (`scope_wire = { region_id = "RegionId" }`).
    #[serde(default)]
    pub scope_wire: std::collections::BTreeMap<String, String>,
    /// Prefix of the permission names, e.g. `pai` for RAM actions `pai:CreateQuota`; defaults
    /// to the id.
    #[serde(default)]
    pub permission: Option<String>,
    /// Path fields the provider fills itself when it sends a call, so no tool declares them
    /// and agents never pass them: Huawei's `["project_id"]` (`/v2/{project_id}/...`, resolved
    /// from the credentials or IAM per region). The catalog leaves `{field}` in the path.
    #[serde(default)]
    pub provider_fills: Vec<String>,
}

/// A named group of tools that is switched on or off as a whole (`--toolsets`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolsetSpec {
    /// Id used on the command line, e.g. `pai-quota`.
    pub name: String,
    /// Human title.
    pub title: String,
    /// One sentence for docs.
    pub description: String,
    /// A default toolset puts its `core` in the default tool list (every toolset is reachable
    /// through search either way); `--toolsets default` lists the default toolsets in full.
    pub default: bool,
    /// The few tools of a default toolset listed by default (the rest are found by
    /// `search_tools`, or listed with `enable_toolset`); none given lists every tool.
    #[serde(default)]
    pub core: Option<Vec<String>>,
    /// Tool-name prefix; defaults to the toolset name in snake_case plus `_`.
    #[serde(default)]
    pub prefix: Option<String>,
    /// The skill name put in the provider user agent, as the skill's observability rule asks.
    pub user_agent: String,
}

impl ToolsetSpec {
    /// The prefix every tool name of this toolset starts with.
    pub fn tool_prefix(&self) -> String {
        self.prefix
            .clone()
            .unwrap_or_else(|| format!("{}_", self.name.replace('-', "_")))
    }

    /// True when the tool is in this toolset's default-list core (all tools when no core is
    /// declared).
    pub fn is_core(&self, tool: &str) -> bool {
        self.core
            .as_ref()
            .is_none_or(|core| core.iter().any(|name| name == tool))
    }
}

/// One tool.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolSpec {
    /// MCP tool name.
    pub name: String,
    /// Human title (annotation and docs).
    pub title: String,
    /// Short, exact description: every byte costs the agent context.
    pub description: String,
    /// Read, write or destroy.
    pub effect: Effect,
    /// Overrides the default idempotency hint (reads are idempotent, mutations are not).
    #[serde(default)]
    pub idempotent: Option<bool>,
    /// The provider call this tool maps to (its first step). A read tool answered by the server
    /// itself (a planning rule, a comparison of other tools' reads) has none and names a `read`
    /// hook instead.
    #[serde(default)]
    pub call: Option<CallSpec>,
    /// The call that undoes `call` if a later step fails (e.g. deletes what it created).
    #[serde(default)]
    pub rollback: Option<StepSpec>,
    /// Further steps of a composite plan, after `call`, in order; each may use earlier steps'
    /// results (`{step.<id>.<dot.path>}` in a value).
    #[serde(default, rename = "step")]
    pub steps: Vec<StepSpec>,
    /// An example argument block: the catalog-driven gate sweep plans every mutation with it
    /// against the emulator's demo account.
    #[serde(default)]
    pub example: Option<serde_json::Map<String, Value>>,
    /// Calls the sweep makes (planned and confirmed, for mutations) before the example, when the
    /// demo seed does not already hold what the example needs (a binding to detach).
    #[serde(default)]
    pub example_setup: Vec<ExampleCall>,
    /// Parameters, in schema order.
    #[serde(default)]
    pub params: Vec<ParamSpec>,
    /// Values always sent on the wire.
    #[serde(default)]
    pub constants: Vec<ConstantSpec>,
    /// Named checks run before a plan (and again before execution), in order.
    #[serde(default)]
    pub guards: Vec<String>,
    /// The confirmation rule; required for mutations.
    #[serde(default)]
    pub confirm: Option<ConfirmSpec>,
    /// A named executor for calls that need more than one request on the wire (e.g. recovery
    /// from a lost create response); default is a plain single call.
    #[serde(default)]
    pub execute: Option<String>,
    /// A named reader for a read whose answer is more than a projection of one call (following
    /// pages to the end, parsing embedded JSON, joining two calls).
    #[serde(default)]
    pub read: Option<String>,
    /// The long-operation kind a confirmed execution starts (`ecsext.execution`): the result
    /// carries its handle at once and the engine follows it.
    #[serde(default)]
    pub operation: Option<String>,
    /// The long-operation kind this read waits on: the call watches the operation for a bounded
    /// time and answers with its state, or its report once it has ended.
    #[serde(default)]
    pub wait: Option<String>,
    /// What the agent gets back.
    pub output: OutputSpec,
    /// The scope parameters of its service (`region_id`), filled in by the loader.
    #[serde(skip)]
    pub scope: Vec<String>,
    /// The provider of its service, filled in by the loader: a scope default may be the
    /// provider's own (`huawei.region_id`, a Huawei region, beside Alibaba's `region_id`).
    #[serde(skip)]
    pub provider: String,
}

impl ToolSpec {
    /// The idempotency hint published in the tool's annotations.
    pub fn is_idempotent(&self) -> bool {
        self.idempotent.unwrap_or(!self.effect.is_mutation())
    }

    /// The parameter with this name, if any.
    pub fn param(&self, name: &str) -> Option<&ParamSpec> {
        self.params.iter().find(|p| p.name == name)
    }

    /// A composite tool: a plan of declared steps only, with no call of its own (each step may
    /// be included or left out at plan time by its `when`).
    pub fn is_composite(&self) -> bool {
        self.call.is_none() && !self.steps.is_empty()
    }

    /// The call that decides the tool's service (scope, provider): its own, or a composite's
    /// first step's.
    pub fn first_call(&self) -> Option<&CallSpec> {
        self.call
            .as_ref()
            .or_else(|| self.steps.first().map(|step| &step.call))
    }

    /// The tool's own provider call, or a failure naming the tool when it has none (the loader
    /// allows that only for read tools answered by a reader and for composite plans).
    pub fn own_call(&self) -> Result<&CallSpec, crate::failure::ToolFailure> {
        self.call.as_ref().ok_or_else(|| {
            crate::failure::ToolFailure::new(
                crate::failure::FailureKind::ConfigError,
                format!("`{}` makes no provider call of its own", self.name),
            )
        })
    }
}

/// One call of an example's setup.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleCall {
    /// The tool.
    pub tool: String,
    /// Its arguments.
    pub args: serde_json::Map<String, Value>,
    /// Emulated seconds the sweep lets pass after this call (a new instance boots before a
    /// script can run on it). The example may name this call's result as `{setup.N.<path>}`.
    #[serde(default)]
    pub advance_clock_s: Option<u64>,
}

/// The provider operation behind a tool.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallSpec {
    /// Service id, declared in a `[[service]]` block, e.g. `paistudio`.
    pub service: String,
    /// API action, e.g. `CreateQuota`.
    pub action: String,
    /// HTTP method; RPC calls default to `POST`.
    #[serde(default)]
    pub method: Option<String>,
    /// Path template with `{WireName}` fields; RPC calls default to `/`.
    #[serde(default)]
    pub path: Option<String>,
    /// Where the API takes an idempotency token (Alibaba `ClientToken`): the plan's step token
    /// goes there, so a retry can never create twice.
    #[serde(default)]
    pub client_token: Option<WireSpec>,
    /// Where the API takes tags: a provenance tag naming the plan goes there, so a lost answer
    /// can be recovered by reading back, and cleanup only touches what skillgate made.
    #[serde(default)]
    pub provenance: Option<ProvenanceSpec>,
}

impl CallSpec {
    /// The HTTP method, with the style's default.
    pub fn method(&self) -> &str {
        self.method.as_deref().unwrap_or("POST")
    }

    /// The path template, with the style's default.
    pub fn path(&self) -> &str {
        self.path.as_deref().unwrap_or("/")
    }
}

/// Where a provenance tag goes and in what shape.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvenanceSpec {
    /// Body or query.
    #[serde(rename = "in")]
    pub location: Location,
    /// The API's name for the tag list (`Labels`, `Tag`).
    pub name: String,
}

/// The tag key that records which plan made a resource.
pub const PROVENANCE_KEY: &str = "skillgate.plan";

/// A further step of a composite plan.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepSpec {
    /// Step id, unique in the tool; later steps refer to its results as `{step.<id>.<path>}`.
    pub id: String,
    /// The call.
    pub call: CallSpec,
    /// Wire values: `name = { in = "query", value = "..." }`; string values may hold
    /// `{param}` (an argument) and `{step.<id>.<path>}` (an earlier step's response).
    #[serde(default)]
    pub wire: Vec<StepValueSpec>,
    /// The call that undoes this step, if the plan fails after it (deletes what it made).
    #[serde(default)]
    pub rollback: Option<Box<StepSpec>>,
    /// A parameter (usually hidden, set by a guard at plan time) that must be truthy for the
    /// step to be part of the plan: "create the VPC" only when no usable one exists. Decided
    /// when planning, so the preview lists exactly the steps that will run.
    #[serde(default)]
    pub when: Option<String>,
    /// What the step's resource must show before the next step may use it (a new VPC is
    /// `Pending` for a while and refuses VSwitches until `Available`).
    #[serde(default)]
    pub ready: Option<ReadySpec>,
    /// A named executor for this step (as a tool's `execute`): a create with no idempotency
    /// key that must look its resource up after a lost answer before it would send again.
    #[serde(default)]
    pub execute: Option<String>,
}

/// A bounded wait after a step: a declared read, repeated until a field has a value.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadySpec {
    /// The read tool whose declared call is sent.
    pub tool: String,
    /// Its arguments; strings may hold `{step.<id>.<path>}` (the scope comes from the plan).
    pub args: serde_json::Map<String, Value>,
    /// The dot path of the field in the answer.
    pub path: String,
    /// The value that means ready.
    pub equals: Value,
    /// Seconds between reads (the skill's cadence).
    pub every_s: u64,
    /// Seconds after which the step fails (and the plan rolls back).
    pub within_s: u64,
}

/// One wire value of a step.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepValueSpec {
    /// Path, query or body.
    #[serde(rename = "in")]
    pub location: Location,
    /// The API's name.
    pub name: String,
    /// The value or a template.
    pub value: Value,
}

/// Where a value goes on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Location {
    /// A `{Name}` segment of the path.
    Path,
    /// A query parameter.
    Query,
    /// A field of the JSON body.
    Body,
    /// An HTTP header the API defines.
    Header,
}

/// How a list is written into a single query value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// As is (strings, numbers, booleans; JSON values in a body).
    #[default]
    Plain,
    /// Comma-separated, as PAI list filters take them.
    Csv,
    /// Compact JSON text in one parameter.
    Json,
    /// Alibaba RPC repeat-list flattening: `Name.1=a`, `Name.1.Key=k`, `Name.Field=v`.
    Flat,
}

/// The wire side of a parameter.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireSpec {
    /// Path, query or body.
    #[serde(rename = "in")]
    pub location: Location,
    /// The API's name for it.
    pub name: String,
    /// How it is encoded.
    #[serde(default)]
    pub encode: Encoding,
}

/// The kinds of parameter the catalog can declare.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamType {
    /// A string.
    String,
    /// A whole number.
    Integer,
    /// true or false.
    Boolean,
    /// A list of strings.
    StringArray,
    /// A JSON object passed through (PascalCase API shape).
    Object,
    /// A list of JSON objects (set by guards).
    ObjectArray,
    /// `{"NodeSpecs":[{"NodeSpec"|"Type": str, "Count": int}]}`: the skill's shape in, the SDK's out.
    NodeSpecs,
    /// `[{"Key": str, "Value": str}]`.
    Labels,
}

/// One input parameter.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamSpec {
    /// snake_case name.
    pub name: String,
    /// Its kind.
    #[serde(rename = "type")]
    pub kind: ParamType,
    /// Shown in the schema; keep it short.
    #[serde(default)]
    pub description: Option<String>,
    /// Must be given.
    #[serde(default)]
    pub required: bool,
    /// Allowed values, exact and case-sensitive.
    #[serde(default, rename = "enum")]
    pub allowed: Option<Vec<String>>,
    /// Inclusive bounds for strings.
    #[serde(default)]
    pub min_length: Option<usize>,
    /// Inclusive bounds for strings.
    #[serde(default)]
    pub max_length: Option<usize>,
    /// Inclusive bounds for integers.
    #[serde(default)]
    pub minimum: Option<i64>,
    /// Inclusive bounds for integers.
    #[serde(default)]
    pub maximum: Option<i64>,
    /// At least this many items in a list.
    #[serde(default)]
    pub min_items: Option<usize>,
    /// Used when the caller leaves it out.
    #[serde(default)]
    pub default: Option<Value>,
    /// Not part of the input schema: filled in by a guard (e.g. resolved binding IDs).
    #[serde(default)]
    pub hidden: bool,
    /// For a hidden parameter an agent may still try to pass: why it is refused and what to do.
    #[serde(default)]
    pub refuse: Option<String>,
    /// Where it goes on the wire; none for parameters only guards and phrases read.
    #[serde(default)]
    pub wire: Option<WireSpec>,
}

/// A value always sent.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConstantSpec {
    /// Query or body.
    #[serde(rename = "in")]
    pub location: Location,
    /// Wire name.
    pub name: String,
    /// The value.
    pub value: Value,
}

/// How a mutation is confirmed.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmSpec {
    /// Phrase template, e.g. `CONFIRM {quota_id}`.
    pub phrase: String,
    /// Phrase template required when a guard finds the change forceful (e.g. below usage).
    #[serde(default)]
    pub force_phrase: Option<String>,
    /// Phrase template used when a guard accepted the user's explicit waiver of the confirmation
    /// (the compute skill's "no confirmation needed"): still a confirmation step, with a phrase
    /// that puts the waiver on record. Ignored when the human confirms in the client's form.
    #[serde(default)]
    pub waived_phrase: Option<String>,
    /// Resource key template: one open plan per key.
    pub target: String,
    /// One-line summary template for previews and the audit log.
    pub summary: String,
}

/// What the agent gets back: a projection of the provider response.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSpec {
    /// Dot path of the array to project, for list operations.
    #[serde(default)]
    pub list: Option<String>,
    /// Output key of the projected array.
    #[serde(default)]
    pub key: Option<String>,
    /// Fields kept from each item (or from the object).
    pub fields: Vec<FieldSpec>,
    /// Fields kept from the top level of a list response.
    #[serde(default)]
    pub extra: Vec<FieldSpec>,
}

/// One projected field.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// Output name (snake_case).
    pub name: String,
    /// Dot path in the provider response.
    pub from: String,
    /// JSON type for the output schema.
    #[serde(rename = "type")]
    pub kind: FieldType,
    /// A value only the caller may see (a revealed password): masked in the audit log.
    #[serde(default)]
    pub secret: bool,
}

/// JSON types of projected fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    /// string
    String,
    /// integer
    Integer,
    /// number
    Number,
    /// boolean
    Boolean,
    /// array
    Array,
    /// object
    Object,
}

impl FieldType {
    /// The JSON Schema type name.
    pub fn json_type(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Integer => "integer",
            FieldType::Number => "number",
            FieldType::Boolean => "boolean",
            FieldType::Array => "array",
            FieldType::Object => "object",
        }
    }
}

/// Reads a dot path (`QuotaConfig.UserVpc`) from a JSON value; a numeric segment (`.0`) or a
/// bracket (`InstanceIdSet[0]`) indexes a list.
pub fn lookup<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |current, segment| {
        let (key, indexes) = match segment.find('[') {
            Some(at) => (&segment[..at], &segment[at..]),
            None => (segment, ""),
        };
        let mut current = match (current, key.parse::<usize>()) {
            (_, _) if key.is_empty() && !indexes.is_empty() => current,
            (Value::Array(items), Ok(index)) => items.get(index)?,
            _ => current.get(key)?,
        };
        for index in indexes.split_terminator(']') {
            let index = index.strip_prefix('[')?.parse::<usize>().ok()?;
            current = current.get(index)?;
        }
        Some(current)
    })
}

/// Reads the first present, non-null value of `a|b|c` alternatives (each a [`lookup`] path):
/// a composite plan's record takes `vpc.VpcId|arguments.vpc_id`, the new VPC or the reused one.
pub fn lookup_first<'a>(value: &'a Value, paths: &str) -> Option<&'a Value> {
    paths
        .split('|')
        .find_map(|path| lookup(value, path.trim()).filter(|v| !v.is_null()))
}

/// Projects one provider object onto the declared fields; absent fields are left out.
pub fn project_fields(source: &Value, fields: &[FieldSpec]) -> serde_json::Map<String, Value> {
    let mut out = serde_json::Map::new();
    for field in fields {
        if let Some(value) = lookup_first(source, &field.from) {
            out.insert(field.name.clone(), value.clone());
        }
    }
    out
}

/// Projects a whole provider response according to the tool's output spec.
pub fn project(output: &OutputSpec, response: &Value) -> serde_json::Map<String, Value> {
    match (&output.list, &output.key) {
        (Some(list), Some(key)) => {
            let items = lookup(response, list)
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .map(|item| Value::Object(project_fields(item, &output.fields)))
                        .collect()
                })
                .unwrap_or_default();
            let mut out = project_fields(response, &output.extra);
            out.insert(key.clone(), Value::Array(items));
            out
        }
        _ => project_fields(response, &output.fields),
    }
}

/// A projected result with every `secret` field masked, for the audit log.
pub fn redact_secrets(
    output: &OutputSpec,
    result: &serde_json::Map<String, Value>,
) -> serde_json::Map<String, Value> {
    let mask = |object: &mut serde_json::Map<String, Value>, fields: &[FieldSpec]| {
        for field in fields.iter().filter(|f| f.secret) {
            if let Some(value) = object.get_mut(&field.name) {
                *value = Value::String("****".into());
            }
        }
    };
    let mut out = result.clone();
    mask(&mut out, &output.fields);
    mask(&mut out, &output.extra);
    if let Some(Value::Array(items)) = output.key.as_ref().and_then(|key| out.get_mut(key)) {
        for item in items.iter_mut().filter_map(Value::as_object_mut) {
            mask(item, &output.fields);
        }
    }
    out
}

/// The gate's own tools, present in every toolset selection that can mutate.
pub const BUILTIN_TOOLS: [&str; 3] = ["confirm", "cancel", "list_plans"];

/// True for `confirm`, `cancel` and `list_plans`.
pub fn is_builtin(name: &str) -> bool {
    BUILTIN_TOOLS.contains(&name)
}

/// The discovery tools: tool search (always offered) and dynamic toolsets
/// (`--dynamic-toolsets`). They read the catalog or change the session's own list, never the
/// cloud.
pub const DISCOVERY_TOOLS: [&str; 5] = [
    "search_tools",
    "call_tool",
    "list_toolsets",
    "enable_toolset",
    "disable_toolset",
];

/// True for the discovery tools.
pub fn is_discovery(name: &str) -> bool {
    DISCOVERY_TOOLS.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_index_lists_and_take_the_first_alternative_present() {
        let answer = json!({"InstanceIdSets": {"InstanceIdSet": ["i-1", "i-2"]}, "arguments": {"vpc_id": "vpc-old"}});
        assert_eq!(
            lookup(&answer, "InstanceIdSets.InstanceIdSet.1"),
            Some(&json!("i-2"))
        );
        assert_eq!(
            lookup(&answer, "InstanceIdSets.InstanceIdSet[0]"),
            Some(&json!("i-1"))
        );
        assert_eq!(lookup(&answer, "InstanceIdSets.InstanceIdSet.7"), None);
        assert_eq!(
            lookup_first(&answer, "vpc.VpcId|arguments.vpc_id"),
            Some(&json!("vpc-old"))
        );
        assert_eq!(lookup_first(&answer, "vpc.VpcId|nothing"), None);
    }
}
