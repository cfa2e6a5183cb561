//! The demo resources of one region: an Active OS network; a Running Dedicate pool on it
//! with one node pool of two Available T4 nodes; a RUNNING v2 inference service on that
//! pool (so the pool has a running workload and cannot be deleted) and a STOPPED one; an idle
//! Logical pool with two nodes and no workload; a finished reboot job;
//! a running and a stopped v1 service; a RUNNING pay-per-use Lite Server.

use serde_json::{Map, Value, json};
use time::{Duration, OffsetDateTime};

use crate::emulator::core::lifecycle::Mode;
use crate::emulator::huawei::modelarts::infra::{
    DEV_SERVER_CREATE, DevServer, DevServerOperation, InferService, InfraState, NETWORK_CREATE,
    NODE_CREATE, Network, Node, NodePool, POOL_CREATE, POOL_JOB, Pool, PoolJob, SERVICE_DEPLOY,
    SERVICE_STOP, SERVICE_V1_DEPLOY, SERVICE_V1_STOP, ServiceV1,
};
use crate::emulator::huawei::modelarts::infra_catalog::{LITE_FLAVORS, LITE_IMAGES, azs};
use crate::emulator::huawei::modelarts::models::Phase;

/// A UUID that is the same on every start, so catalog examples can name demo resources.
pub fn fixed_uuid(tag: &str, region: &str) -> String {
    use sha2::{Digest, Sha256};
    let hex: String = Sha256::digest(format!("{tag}/{region}"))
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "{}-{}-4{}-8{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

/// The flavor of the demo pool's nodes.
pub const DEMO_FLAVOR: &str = "modelarts.vm.gpu.t4u8";

fn node(name: &str, az: &str, ip: &str, since: OffsetDateTime) -> Node {
    Node {
        name: name.to_owned(),
        flavor: DEMO_FLAVOR.to_owned(),
        node_pool: "nodepool-1".to_owned(),
        az: az.to_owned(),
        private_ip: ip.to_owned(),
        created: since,
        phase: Phase::enter(&NODE_CREATE, since, Mode::Timed),
        locked: Vec::new(),
        resize_from: None,
        labels: Map::new(),
    }
}

fn pool(short: &str, region: &str, network: &str, since: OffsetDateTime) -> Pool {
    let [first, second] = azs(region);
    let mut resources = Map::new();
    resources.insert("flavor".into(), Value::from(DEMO_FLAVOR));
    resources.insert("count".into(), Value::from(2));
    resources.insert("maxCount".into(), Value::from(2));
    resources.insert(
        "azs".into(),
        json!([{"az": first, "count": 1}, {"az": second, "count": 1}]),
    );
    let mut annotations = Map::new();
    annotations.insert(
        "os.modelarts/description".into(),
        Value::from("demo dedicated pool"),
    );
    annotations.insert("os.modelarts/billing.mode".into(), Value::from("0"));
    Pool {
        id: format!("pool-demo{}", short.replace('-', "")),
        display_name: format!("demo-{short}-pool"),
        workspace_id: "0".to_owned(),
        pool_type: "Dedicate".to_owned(),
        scope: vec!["Train".into(), "Infer".into(), "Notebook".into()],
        network: Some(network.to_owned()),
        annotations,
        created: since,
        phase: Phase::enter(&POOL_CREATE, since, Mode::Timed),
        node_pools: vec![NodePool {
            name: "nodepool-1".to_owned(),
            resources,
            annotations: Map::new(),
            created: since,
        }],
        nodes: vec![
            node("os-node-created-demo1", &first, "192.168.10.11", since),
            node("os-node-created-demo2", &second, "192.168.10.12", since),
        ],
    }
}

fn service(short: &str, pool_id: &str, since: OffsetDateTime, phase: Phase) -> InferService {
    let tag = if phase.lifecycle.name == SERVICE_DEPLOY.name {
        "service"
    } else {
        "service-stopped"
    };
    InferService {
        id: fixed_uuid(tag, short),
        name: format!("demo-{short}-{tag}"),
        description: "demo real-time service".to_owned(),
        version: "1.0.0".to_owned(),
        kind: "REAL_TIME".to_owned(),
        deploy_type: "SINGLE".to_owned(),
        workspace_id: "0".to_owned(),
        group_configs: json!([{
            "name": "group-1", "weight": 100, "count": 1, "pool_id": pool_id,
            "unit_configs": [{"image": {"source": "SWR", "swr_path": "swr.cn-north-4.myhuaweicloud.com/demo/infer:1.0"}, "flavor": DEMO_FLAVOR, "port": 8080}],
        }]),
        runtime_config: json!({
            "service_invoke": {"port": 8080, "protocol": "HTTP", "auth_type": "TOKEN"},
            "service_limit": {"rate_limit": {"num": 200, "unit": "SECONDS"}, "request_size_limit": 20, "request_timeout": 30},
        }),
        upgrade_config: json!({"type": "ROLLING"}),
        tags: json!([]),
        created: since,
        updated: since,
        phase,
    }
}

fn service_v1(name: &str, phase: Phase, since: OffsetDateTime) -> ServiceV1 {
    ServiceV1 {
        id: fixed_uuid(name, "v1"),
        name: name.to_owned(),
        description: "demo v1 service".to_owned(),
        infer_type: "real-time".to_owned(),
        config: json!([{"model_id": uuid::Uuid::new_v4().to_string(), "specification": "modelarts.vm.cpu.2u", "instance_count": 1, "weight": 100}]),
        workspace_id: "0".to_owned(),
        pool_name: None,
        created: since,
        phase,
    }
}

fn lite(short: &str, since: OffsetDateTime) -> DevServer {
    let flavor = LITE_FLAVORS
        .iter()
        .find(|f| !f.sold_out && f.server_type == "ECS");
    let image = LITE_IMAGES.iter().find(|i| i.2 == "ECS");
    let phase = Phase::enter(&DEV_SERVER_CREATE, since, Mode::Timed);
    DevServer {
        id: uuid::Uuid::new_v4().to_string(),
        name: format!("demo-{short}-lite"),
        flavor: flavor.map(|f| f.flavor).unwrap_or_default().to_owned(),
        image_id: image.map(|i| i.0).unwrap_or_default().to_owned(),
        server_type: "ECS".to_owned(),
        arch: "X86".to_owned(),
        charging_mode: "POST_PAID".to_owned(),
        key_pair_name: Some("demo-keypair".to_owned()),
        network: json!({"vpc_id": "vpc-demo", "subnet_id": "subnet-demo", "security_group_id": "sg-demo"}),
        root_volume: json!({"type": "SSD", "size": 100}),
        order_id: String::new(),
        created: since,
        phase,
        operations: vec![DevServerOperation {
            id: uuid::Uuid::new_v4().to_string(),
            kind: "CREATE".to_owned(),
            phase,
        }],
    }
}

/// The infra state of one demo region; `short` names the region in the resource names.
pub fn state(short: &str, now: OffsetDateTime) -> InfraState {
    let since = now - Duration::days(3);
    let network = Network {
        id: format!("network-demo-{}", short.replace('-', "")),
        display_name: format!("demo-{short}-network"),
        workspace_id: "0".to_owned(),
        cidr: "192.168.0.0/16".to_owned(),
        created: since,
        phase: Phase::enter(&NETWORK_CREATE, since, Mode::Timed),
        annotations: Map::new(),
    };
    let pool = pool(short, short, &network.id, since);
    let running = service(
        short,
        &pool.id,
        since,
        Phase::enter(&SERVICE_DEPLOY, since, Mode::Timed),
    );
    let stopped = service(
        short,
        &pool.id,
        since,
        Phase::enter(&SERVICE_STOP, since, Mode::Timed),
    );
    let mut idle = pool.clone();
    idle.id = format!("pool-idle{}", short.replace('-', ""));
    idle.display_name = format!("demo-{short}-idle-pool");
    idle.pool_type = "Logical".to_owned();
    idle.network = None;
    for (index, node) in idle.nodes.iter_mut().enumerate() {
        node.name = format!("os-node-created-idle{}", index + 1);
    }
    let job = PoolJob {
        id: uuid::Uuid::new_v4().to_string(),
        kind: "reboot-node".to_owned(),
        pool_id: pool.id.clone(),
        nodes: vec!["os-node-created-demo2".to_owned()],
        started: now - Duration::days(1),
        phase: Phase::enter(&POOL_JOB, now - Duration::days(1), Mode::Timed),
    };
    InfraState {
        networks: vec![network],
        services: vec![running, stopped],
        pool_jobs: vec![job],
        services_v1: vec![
            service_v1(
                &format!("demo-{short}-v1-running"),
                Phase::enter(&SERVICE_V1_DEPLOY, since, Mode::Timed),
                since,
            ),
            service_v1(
                &format!("demo-{short}-v1-stopped"),
                Phase::enter(&SERVICE_V1_STOP, since, Mode::Timed),
                since,
            ),
        ],
        dev_servers: vec![lite(short, since)],
        pools: vec![pool, idle],
    }
}
