//! Clusters on the wire: DescribeClustersV1, DescribeClusterDetail, CreateCluster (its
//! `client_token` returns the first answer), DeleteCluster, DescribeClusterUserKubeconfig,
//! DescribeClusterNodes and DescribeRegions. Bodies and answers are snake_case.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::Ctx;
use crate::emulator::alibaba::cs::errors;
use crate::emulator::alibaba::cs::models::{
    CLUSTER_CREATE, CLUSTER_DELETE, CLUSTER_QUOTA, Cluster, NODE_QUOTA, NODEPOOL_CREATE, NodePool,
};
use crate::emulator::alibaba::vpc::rules::cidr::Cidr;
use crate::emulator::core::clock::format_time;
use crate::emulator::core::wire::{ApiError, ApiRequest, random_alnum, random_id};

/// The regions ACK is offered in (the demo subset).
pub const REGIONS: [(&str, &str); 5] = [
    ("cn-hangzhou", "华东1（杭州）"),
    ("cn-shanghai", "华东2（上海）"),
    ("cn-beijing", "华北2（北京）"),
    ("cn-shenzhen", "华南1（深圳）"),
    ("ap-southeast-1", "新加坡"),
];

/// The Kubernetes version new clusters get by default.
pub const DEFAULT_VERSION: &str = "1.31.1-aliyun.1";

/// The bearer token of a cluster's Kubernetes API: the account, region and cluster it opens
/// (so the Kubernetes server finds the state) and a random secret it must match.
pub fn new_token(account: &str, region: &str, cluster: &str) -> String {
    let route = URL_SAFE_NO_PAD.encode(format!("{account}|{region}|{cluster}"));
    format!("sgk8s.{route}.{}", random_alnum(32))
}

/// The account, region and cluster a token names, if it is one of ours.
pub fn token_route(token: &str) -> Option<(String, String, String)> {
    let mut parts = token.strip_prefix("sgk8s.")?.splitn(2, '.');
    let route = URL_SAFE_NO_PAD.decode(parts.next()?).ok()?;
    let route = String::from_utf8(route).ok()?;
    let mut fields = route.splitn(3, '|').map(str::to_owned);
    Some((fields.next()?, fields.next()?, fields.next()?))
}

fn tags_json(tags: &[(String, String)]) -> Value {
    json!(
        tags.iter()
            .map(|(k, v)| json!({"key": k, "value": v}))
            .collect::<Vec<_>>()
    )
}

/// The wire form of a cluster (DescribeClustersV1 item and DescribeClusterDetail).
pub fn render(c: &Cluster, region: &str, now: OffsetDateTime) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("cluster_id".into(), json!(c.id));
    out.insert("name".into(), json!(c.name));
    out.insert("cluster_type".into(), json!(c.cluster_type));
    out.insert("cluster_spec".into(), json!(c.cluster_spec));
    out.insert("profile".into(), json!(c.profile));
    out.insert("state".into(), json!(c.state(now)));
    out.insert("region_id".into(), json!(region));
    out.insert("zone_id".into(), json!(format!("{region}-h")));
    out.insert("vpc_id".into(), json!(c.vpc_id));
    out.insert("vswitch_ids".into(), json!(c.vswitch_ids));
    out.insert(
        "vswitch_id".into(),
        json!(c.vswitch_ids.first().cloned().unwrap_or_default()),
    );
    out.insert("container_cidr".into(), json!(c.container_cidr));
    out.insert("service_cidr".into(), json!(c.service_cidr));
    out.insert("security_group_id".into(), json!(c.security_group_id));
    out.insert("current_version".into(), json!(c.version));
    out.insert("init_version".into(), json!(c.version));
    out.insert("size".into(), json!(c.size()));
    out.insert("network_mode".into(), json!("vpc"));
    out.insert("proxy_mode".into(), json!("ipvs"));
    out.insert("deletion_protection".into(), json!(false));
    out.insert("resource_group_id".into(), json!("rg-acfmdemo0000001"));
    out.insert(
        "master_url".into(),
        json!(json!({"intranet_api_server_endpoint": format!("https://192.168.0.10:6443"),
            "api_server_endpoint": if c.endpoint_public_access { "https://47.96.0.10:6443" } else { "" }})
        .to_string()),
    );
    out.insert("meta_data".into(), json!("{}"));
    out.insert("created".into(), json!(format_time(c.created)));
    out.insert("updated".into(), json!(format_time(c.created)));
    out.insert("tags".into(), tags_json(&c.tags));
    out
}

fn text(body: &Map<String, Value>, field: &str) -> Result<Option<String>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(errors::invalid(format!("{field} must be a string"))),
    }
}

fn strings(body: &Map<String, Value>, field: &str) -> Result<Vec<String>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| errors::invalid(format!("{field} must be a list of strings")))
            })
            .collect(),
        Some(_) => Err(errors::invalid(format!(
            "{field} must be a list of strings"
        ))),
    }
}

fn int(body: &Map<String, Value>, field: &str) -> Result<Option<i64>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| errors::invalid(format!("{field} must be an integer"))),
    }
}

/// Tags as `[{key, value}]` (the SDK's lower case; `Key`/`Value` accepted too).
pub fn tags(body: &Map<String, Value>) -> Result<Vec<(String, String)>, ApiError> {
    let Some(items) = body.get("tags").filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let items = items
        .as_array()
        .ok_or_else(|| errors::invalid("tags must be a list of {key, value}"))?;
    items
        .iter()
        .map(|t| {
            let key = t
                .get("key")
                .or_else(|| t.get("Key"))
                .and_then(Value::as_str);
            let value = t
                .get("value")
                .or_else(|| t.get("Value"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            key.map(|k| (k.to_owned(), value.to_owned()))
                .ok_or_else(|| errors::invalid("every tag needs a key"))
        })
        .collect()
}

/// `GET /api/v1/clusters` (DescribeClustersV1): paged by `page_number` / `page_size`.
pub fn describe_clusters(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let number = req.query_u64("page_number")?.unwrap_or(1).max(1);
    let size = req.query_u64("page_size")?.unwrap_or(10).clamp(1, 100);
    let name = req.query_nonempty("name");
    let kind = req.query_nonempty("cluster_type");
    let spec = req.query_nonempty("cluster_spec");
    let id = req.query_nonempty("cluster_id");
    let now = ctx.now;
    let matching: Vec<&Cluster> = ctx
        .state
        .clusters
        .iter()
        .filter(|c| !c.is_deleted(now))
        .filter(|c| name.is_none_or(|n| c.name.contains(n)))
        .filter(|c| kind.is_none_or(|k| c.cluster_type == k))
        .filter(|c| spec.is_none_or(|s| c.cluster_spec == s))
        .filter(|c| id.is_none_or(|i| c.id == i))
        .collect();
    let total = matching.len();
    let start = usize::try_from((number - 1) * size).unwrap_or(usize::MAX);
    let page: Vec<Value> = matching
        .into_iter()
        .skip(start)
        .take(usize::try_from(size).unwrap_or(100))
        .map(|c| Value::Object(render(c, &req.region, now)))
        .collect();
    let mut out = Map::new();
    out.insert("clusters".into(), Value::Array(page));
    out.insert(
        "page_info".into(),
        json!({"page_number": number, "page_size": size, "total_count": total}),
    );
    Ok(out)
}

/// `GET /clusters/{ClusterId}` (DescribeClusterDetail): deleted clusters are still described
/// (`deleted`) until the account forgets them.
pub fn describe_cluster_detail(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("ClusterId")?;
    let cluster = ctx
        .state
        .cluster(id)
        .ok_or_else(|| errors::cluster_not_found(id))?;
    Ok(render(cluster, &req.region, ctx.now))
}

/// `POST /clusters` (CreateCluster).
pub fn create_cluster(ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let client_token = text(&body, "client_token")?;
    if let Some(token) = &client_token
        && let Some(first) = ctx
            .state
            .clusters
            .iter()
            .find(|c| c.client_token.as_deref() == Some(token))
    {
        return Ok(created_answer(first));
    }
    let mut problems = Vec::new();
    let name = text(&body, "name")?.unwrap_or_default();
    if name.is_empty() || name.len() > 63 {
        problems.push("name is required (1 to 63 characters)".to_owned());
    }
    let cluster_type = text(&body, "cluster_type")?.unwrap_or_else(|| "ManagedKubernetes".into());
    if !["ManagedKubernetes", "Kubernetes", "ExternalKubernetes"].contains(&cluster_type.as_str()) {
        problems.push(format!(
            "cluster_type {cluster_type} is not one of ManagedKubernetes, Kubernetes, ExternalKubernetes"
        ));
    }
    let cluster_spec = text(&body, "cluster_spec")?.unwrap_or_else(|| "ack.standard".into());
    if !(cluster_spec == "ack.standard" || cluster_spec.starts_with("ack.pro.")) {
        problems.push(format!(
            "cluster_spec {cluster_spec} is not ack.standard or ack.pro.small/xlarge/2xlarge/4xlarge"
        ));
    }
    let vpc_id = text(&body, "vpcid")?.unwrap_or_default();
    if vpc_id.is_empty() {
        problems.push("vpcid is required".to_owned());
    }
    let vswitch_ids = strings(&body, "vswitch_ids")?;
    if vswitch_ids.is_empty() {
        problems.push("vswitch_ids needs at least one VSwitch".to_owned());
    }
    let container_cidr = text(&body, "container_cidr")?.unwrap_or_else(|| "172.20.0.0/16".into());
    let service_cidr = text(&body, "service_cidr")?.unwrap_or_else(|| "172.21.0.0/20".into());
    match (Cidr::parse(&container_cidr), Cidr::parse(&service_cidr)) {
        (Some(a), Some(b)) if a.overlaps(b) => problems.push(format!(
            "container_cidr {container_cidr} overlaps service_cidr {service_cidr}"
        )),
        (Some(_), Some(_)) => {}
        _ => problems.push("container_cidr and service_cidr must be IPv4 CIDR blocks".to_owned()),
    }
    let nodes = int(&body, "num_of_nodes")?.unwrap_or(0);
    if nodes < 0 {
        problems.push("num_of_nodes must be 0 or more".to_owned());
    }
    let types = strings(&body, "worker_instance_types")?;
    if nodes > 0 && types.is_empty() {
        problems.push("worker_instance_types is required when num_of_nodes > 0".to_owned());
    }
    if nodes > 0 {
        problems.extend(node_login_problem(&body)?);
    }
    if !problems.is_empty() {
        return Err(errors::invalid(problems.join("; ")));
    }
    if nodes > NODE_QUOTA {
        return Err(errors::node_quota(NODE_QUOTA));
    }
    let now = ctx.now;
    if ctx
        .state
        .clusters
        .iter()
        .filter(|c| !c.is_deleted(now))
        .count()
        >= CLUSTER_QUOTA
    {
        return Err(errors::cluster_quota(CLUSTER_QUOTA));
    }
    let id = random_id("c", 32);
    let mut nodepools = Vec::new();
    if nodes > 0 {
        nodepools.push(NodePool {
            id: random_id("np", 32),
            name: "default-nodepool".into(),
            is_default: true,
            instance_types: types,
            desired_size: nodes,
            disk_category: text(&body, "worker_system_disk_category")?
                .unwrap_or_else(|| "cloud_essd".into()),
            disk_size: int(&body, "worker_system_disk_size")?.unwrap_or(120),
            vswitch_ids: vswitch_ids.clone(),
            progress: ctx.progress(&NODEPOOL_CREATE),
            created: now,
        });
    }
    let cluster = Cluster {
        token: new_token(&req.access_key_id, &req.region, &id),
        id,
        name,
        cluster_type,
        cluster_spec,
        profile: text(&body, "profile")?.unwrap_or_else(|| "Default".into()),
        version: text(&body, "kubernetes_version")?.unwrap_or_else(|| DEFAULT_VERSION.into()),
        vpc_id,
        vswitch_ids,
        container_cidr,
        service_cidr,
        security_group_id: text(&body, "security_group_id")?
            .unwrap_or_else(|| random_id("sg-", 20)),
        endpoint_public_access: body
            .get("endpoint_public_access")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        tags: tags(&body)?,
        progress: ctx.progress(&CLUSTER_CREATE),
        deleting: None,
        nodepools,
        client_token,
        task_id: format!("T-{}", random_alnum(20)),
        created: now,
        seeded: false,
    };
    let answer = created_answer(&cluster);
    ctx.state.clusters.push(cluster);
    Ok(answer)
}

fn created_answer(c: &Cluster) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("cluster_id".into(), json!(c.id));
    out.insert("task_id".into(), json!(c.task_id));
    out.insert("instanceId".into(), json!(c.id));
    out
}

/// `DELETE /clusters/{ClusterId}` (DeleteCluster): `running` or `failed` clusters only; a
/// cluster already `deleting` answers the same task again.
pub fn delete_cluster(ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("ClusterId")?.to_owned();
    let now = ctx.now;
    let progress = ctx.progress(&CLUSTER_DELETE);
    let cluster = ctx
        .state
        .clusters
        .iter_mut()
        .find(|c| c.id == id && !c.is_deleted(now))
        .ok_or_else(|| errors::cluster_not_found(&id))?;
    match cluster.state(now) {
        "deleting" => {}
        "initial" => {
            return Err(errors::cluster_state(
                &id,
                "initial",
                "wait until it is running before deleting it",
            ));
        }
        _ => cluster.deleting = Some(progress),
    }
    let mut out = Map::new();
    out.insert("cluster_id".into(), json!(id));
    out.insert(
        "task_id".into(),
        json!(format!("T-del-{}", &id[..8.min(id.len())])),
    );
    Ok(out)
}

/// `GET /k8s/{ClusterId}/user_config` (DescribeClusterUserKubeconfig): a kubeconfig whose
/// server is the emulator's Kubernetes API (plain HTTP on loopback) and whose user holds the
/// cluster's bearer token. Only a running cluster has one.
pub fn describe_kubeconfig(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("ClusterId")?;
    let now = ctx.now;
    let cluster = ctx
        .state
        .live(id, now)
        .ok_or_else(|| errors::cluster_not_found(id))?;
    let state = cluster.state(now);
    if state != "running" {
        return Err(errors::cluster_state(
            id,
            state,
            "its kubeconfig is available once it is running",
        ));
    }
    let server = req.kube_endpoint.clone().ok_or_else(|| {
        ApiError::new(
            501,
            "NotImplemented",
            "DescribeClusterUserKubeconfig: this emulator runs without its Kubernetes API server",
        )
    })?;
    let minutes = req.query_u64("TemporaryDurationMinutes")?.unwrap_or(0);
    let expiry = now
        + time::Duration::minutes(if minutes == 0 {
            3 * 365 * 24 * 60
        } else {
            i64::try_from(minutes).unwrap_or(60)
        });
    let user = format!(
        "{}-{}",
        req.access_key_id.to_lowercase(),
        &id[..8.min(id.len())]
    );
    let config = format!(
        "apiVersion: v1\nclusters:\n- cluster:\n    server: {server}\n  name: kubernetes\ncontexts:\n- context:\n    cluster: kubernetes\n    user: \"{user}\"\n  name: {user}-{id}\ncurrent-context: {user}-{id}\nkind: Config\npreferences: {{}}\nusers:\n- name: \"{user}\"\n  user:\n    token: {token}\n",
        token = cluster.token
    );
    let mut out = Map::new();
    out.insert("config".into(), json!(config));
    out.insert("expiration".into(), json!(format_time(expiry)));
    Ok(out)
}

/// Whether a node pool's nodes are Ready at `now` (the cluster must be running too).
pub fn pool_ready(cluster: &Cluster, pool: &NodePool, now: OffsetDateTime) -> bool {
    cluster.state(now) == "running" && NODEPOOL_CREATE.is_done(&pool.progress, now)
}

/// The nodes of a cluster: `(name, instance id, type, pool id, ready)`.
pub fn nodes(
    cluster: &Cluster,
    now: OffsetDateTime,
) -> Vec<(String, String, String, String, bool)> {
    let mut out = Vec::new();
    let mut n = 0;
    for pool in &cluster.nodepools {
        for _ in 0..pool.desired_size {
            n += 1;
            out.push((
                format!("cn-hangzhou.192.168.{}.{}", n / 200, 10 + n % 200),
                format!("i-{}{n:04}", &cluster.id[1..13.min(cluster.id.len())]),
                pool.instance_types.first().cloned().unwrap_or_default(),
                pool.id.clone(),
                pool_ready(cluster, pool, now),
            ));
        }
    }
    out
}

/// `GET /clusters/{ClusterId}/nodes` (DescribeClusterNodes).
pub fn describe_cluster_nodes(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("ClusterId")?;
    let now = ctx.now;
    let cluster = ctx
        .state
        .live(id, now)
        .ok_or_else(|| errors::cluster_not_found(id))?;
    let pool = req.query_nonempty("nodepool_id");
    let items: Vec<Value> = nodes(cluster, now)
        .into_iter()
        .filter(|n| pool.is_none_or(|p| n.3 == p))
        .map(|(name, instance, kind, pool, ready)| {
            json!({"node_name": name, "instance_id": instance, "instance_type": kind,
                "nodepool_id": pool, "state": if ready { "running" } else { "initial" },
                "node_status": if ready { "Ready" } else { "Unknown" },
                "instance_status": "Running", "instance_role": "Worker", "is_aliyun_node": true,
                "instance_charge_type": "PostPaid", "source": "ess"})
        })
        .collect();
    let total = items.len();
    let mut out = Map::new();
    out.insert("nodes".into(), Value::Array(items));
    out.insert(
        "page".into(),
        json!({"page_number": 1, "page_size": total.max(10), "total_count": total}),
    );
    Ok(out)
}

/// `GET /regions` (DescribeRegions).
pub fn describe_regions(
    _ctx: &mut Ctx<'_>,
    _req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let mut out = Map::new();
    out.insert(
        "regions".into(),
        json!(
            REGIONS
                .iter()
                .map(|(id, name)| json!({"regionId": id, "localName": name}))
                .collect::<Vec<_>>()
        ),
    );
    Ok(out)
}

/// Worker nodes need a way to log in, as the service insists: a `key_pair`, or a
/// `login_password` of 8 to 30 characters with three of upper case, lower case, digits and
/// symbols (a masked `***` from a preview is refused like any weak one).
fn node_login_problem(body: &Map<String, Value>) -> Result<Option<String>, ApiError> {
    if text(body, "key_pair")?.is_some_and(|k| !k.is_empty()) {
        return Ok(None);
    }
    let Some(password) = text(body, "login_password")? else {
        return Ok(Some(
            "login_password or key_pair is required when num_of_nodes > 0".to_owned(),
        ));
    };
    let classes = [
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| c.is_ascii_punctuation()),
    ];
    let strong = (8..=30).contains(&password.chars().count())
        && classes.iter().filter(|&&present| present).count() >= 3;
    Ok((!strong).then(|| {
        "login_password must be 8 to 30 characters with three of upper case, lower case, digits and symbols".to_owned()
    }))
}
