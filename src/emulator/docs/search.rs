//! `GET /search/api/v1/search?keywords=...&product=...&page=...`: a page of documentation hits
//! (title, summary, link, product) from a fixed synthesised index, ranked by how many keywords a
//! document's title and summary contain. The answer is `{"keywords", "product", "page",
//! "total", "results": [...]}`; ten hits a page.

use serde_json::{Map, Value, json};

use crate::emulator::core::service::{Ctx, Route, ServiceDef};
use crate::emulator::core::wire::{ApiError, ApiRequest};
use crate::emulator::core::world::{Backend, ServiceBackend};
use crate::emulator_route as route;

use super::PROVIDER;

/// The search keeps no state.
#[derive(Debug, Default)]
pub struct SearchBackend;

impl Backend for SearchBackend {
    fn to_json(&self) -> Map<String, Value> {
        Map::new()
    }
}

impl ServiceBackend for SearchBackend {
    const SERVICE: &'static str = "help";
}

/// Hits per page.
const PAGE: usize = 10;

/// One indexed page: `(product, title, summary, path)`.
type Page = (&'static str, &'static str, &'static str, &'static str);

/// A small index in the shape of the help centre's pages.
const INDEX: &[Page] = &[
    (
        "ecs",
        "DescribeInstanceTypes",
        "Queries the details of ECS instance types: vCPU, memory, GPU.",
        "/zh/ecs/developer-reference/api-ecs-2014-05-26-describeinstancetypes",
    ),
    (
        "ecs",
        "RunInstances",
        "Creates one or more pay-as-you-go or subscription ECS instances.",
        "/zh/ecs/developer-reference/api-ecs-2014-05-26-runinstances",
    ),
    (
        "ecs",
        "ECS error codes: OperationDenied.NoStock",
        "The instance type is out of stock in the zone; choose another zone or type.",
        "/zh/ecs/developer-reference/error-codes",
    ),
    (
        "ecs",
        "DescribePrice",
        "Queries the price of ECS resources for pay-as-you-go or subscription billing.",
        "/zh/ecs/developer-reference/api-ecs-2014-05-26-describeprice",
    ),
    (
        "vpc",
        "CreateVSwitch",
        "Creates a vSwitch in a VPC zone; the CIDR block must be inside the VPC's.",
        "/zh/vpc/developer-reference/api-vpc-2016-04-28-createvswitch",
    ),
    (
        "fc",
        "InvokeFunction",
        "Invokes a function synchronously or asynchronously (x-fc-invocation-type).",
        "/zh/functioncompute/fc-3-0/developer-reference/api-fc-2023-03-30-invokefunction",
    ),
    (
        "fc",
        "FC error codes: AsyncTaskNotFound",
        "The async task does not exist yet or async task tracking is off for the function.",
        "/zh/functioncompute/fc-3-0/developer-reference/api-fc-2023-03-30-errorcodes",
    ),
    (
        "fc",
        "FC billing: vCPU and memory units",
        "Pay-as-you-go prices per vCPU-second, GB-second and invocation.",
        "/zh/functioncompute/fc-3-0/product-overview/billing-overview",
    ),
    (
        "ack",
        "CreateCluster",
        "Creates an ACK managed Kubernetes cluster.",
        "/zh/ack/ack-managed-and-ack-dedicated/developer-reference/api-cs-2015-12-15-createcluster",
    ),
    (
        "ack",
        "ImagePullBackOff in a pod",
        "Troubleshoot pods that cannot pull their image: registry, credentials, VPC endpoint.",
        "/zh/ack/ack-managed-and-ack-dedicated/user-guide/pod-troubleshooting",
    ),
    (
        "pai",
        "CreateJob (PAI-DLC)",
        "Creates a DLC training job: JobSpecs, image, workspace, resource quota.",
        "/zh/pai/developer-reference/api-pai-dlc-2020-12-03-createjob",
    ),
    (
        "pai",
        "DLC job states",
        "Creating, Queuing, EnvPreparing, Running, Succeeded, Failed and Stopped.",
        "/zh/pai/user-guide/dlc-job-status",
    ),
];

/// The route table.
pub static ROUTES: &[Route<SearchBackend>] = &[route!(
    SearchDocuments,
    GET,
    "/search/api/v1/search",
    false,
    search
)];

/// The search service.
pub static SERVICE: ServiceDef<SearchBackend> = ServiceDef {
    provider: PROVIDER,
    code: "help",
    product: "HelpCenter",
    version: "v1",
    routes: ROUTES,
};

fn search(
    _ctx: &mut Ctx<'_, SearchBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let keywords = req
        .query_nonempty("keywords")
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or_else(|| ApiError::new(400, "MissingKeywords", "keywords is required"))?;
    let product = req.query_nonempty("product").map(str::to_ascii_lowercase);
    let page = usize::try_from(req.query_u64("page")?.unwrap_or(1).max(1)).unwrap_or(1);
    let words: Vec<String> = keywords
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    let mut hits: Vec<(usize, &Page)> = INDEX
        .iter()
        .filter(|(p, ..)| product.as_deref().is_none_or(|want| want == *p))
        .map(|entry| {
            let text = format!("{} {}", entry.1, entry.2).to_ascii_lowercase();
            (
                words.iter().filter(|w| text.contains(w.as_str())).count(),
                entry,
            )
        })
        .filter(|(score, _)| *score > 0)
        .collect();
    hits.sort_by_key(|hit| std::cmp::Reverse(hit.0));
    let total = hits.len();
    let results: Vec<Value> = hits
        .into_iter()
        .skip((page - 1) * PAGE)
        .take(PAGE)
        .map(|(_, (p, title, summary, path))| {
            json!({"title": title, "summary": summary, "url": format!("https://help.aliyun.com{path}"), "product": p})
        })
        .collect();
    let mut out = Map::new();
    out.insert("keywords".into(), json!(keywords));
    out.insert("product".into(), json!(product));
    out.insert("page".into(), json!(page));
    out.insert("total".into(), json!(total));
    out.insert("results".into(), Value::Array(results));
    Ok(out)
}
