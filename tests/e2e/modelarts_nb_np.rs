//! ModelArts part 2, notebook and node-pool side, end to end over the real binary: notebook
//! extras (clusters from the pools, a mount's detail, tags set and removed), the image
//! registry (register -> group -> sync -> delete, a built-in image refused), OBS buckets
//! (create -> list -> attachable -> delete behind `CONFIRM <BUCKET>`, a non-empty bucket
//! refused before a plan from its storage info, nothing deleted), and node pools (`ma_np_update` for labels and a scale-down
//! with its workload check, a plugin installed once).

use serde_json::{Value, json};

use crate::both_transports;
use crate::common::{ServerSpec, Transport, array, expect_error, plan_check, str_of, toolset_spec};

const RUNNING_NOTEBOOK: &str = "5eed0001-0000-4000-8000-000000000000";
const SEED_STORAGE: &str = "5eed0003-0000-4000-8000-000000000000";
const BUILT_IN_IMAGE: &str = "e1a07296-22a8-4f05-8bc8-e936c8e54202";
const DEMO_POOL: &str = "pool-democnnorth4";

fn spec(transport: Transport) -> ServerSpec {
    toolset_spec(transport, "modelarts")
}

fn check<'a>(plan: &'a Value, name: &str) -> &'a Value {
    plan_check(plan, name)
}

fn names(list: &Value, key: &str, field: &str) -> Vec<String> {
    array(&list[key])
        .iter()
        .map(|i| str_of(&i[field]))
        .collect()
}

async fn notebook_extras(transport: Transport) {
    let h = spec(transport).start().await;
    let clusters = h.ok("ma_nb_list_clusters", json!({})).await;
    let pools: Vec<String> = names(&clusters, "clusters", "pool_id");
    assert!(pools.contains(&DEMO_POOL.to_string()), "{clusters:#}");
    let dedicated = h
        .ok("ma_nb_list_clusters", json!({"type": "DEDICATED"}))
        .await;
    let id = str_of(&array(&dedicated["clusters"])[0]["cluster_id"]);
    let cluster = h.ok("ma_nb_get_cluster", json!({"cluster_id": id})).await;
    assert_eq!(cluster["pool_id"], DEMO_POOL, "{cluster:#}");
    assert!(!array(&cluster["flavors"]).is_empty(), "{cluster:#}");

    let mount = h
        .ok(
            "ma_nb_show_attached_obs",
            json!({"notebook_id": RUNNING_NOTEBOOK, "storage_id": SEED_STORAGE}),
        )
        .await;
    assert_eq!(mount["status"], "MOUNTED", "{mount:#}");
    assert!(str_of(&mount["uri"]).starts_with("obs://"), "{mount:#}");

    let plan = h
        .plan(
            "ma_nb_create_tags",
            json!({"notebook_id": RUNNING_NOTEBOOK, "tags": [{"key": "owner", "value": "alice"}, {"key": "env", "value": "prod"}]}),
        )
        .await;
    assert_eq!(
        str_of(&plan["confirm_phrase"]),
        format!("CONFIRM {RUNNING_NOTEBOOK}")
    );
    h.execute(&plan).await;
    let tags = h.ok("ma_nb_show_tags", json!({})).await;
    let shown = tags.to_string();
    assert!(
        shown.contains("alice") && shown.contains("prod") && !shown.contains("\"demo\""),
        "the new value replaces env=demo: {tags:#}"
    );
    let plan = h
        .plan(
            "ma_nb_delete_tags",
            json!({"notebook_id": RUNNING_NOTEBOOK, "tags": [{"key": "owner"}]}),
        )
        .await;
    h.execute(&plan).await;
    let keys = names(&h.ok("ma_nb_show_tags", json!({})).await, "tags", "key");
    assert!(!keys.contains(&"owner".to_string()), "{keys:?}");
    assert!(keys.contains(&"env".to_string()), "{keys:?}");

    let feature = h
        .ok("ma_nb_list_features", json!({"feature": "NOTEBOOK"}))
        .await;
    assert_eq!(feature["enabled"], true, "{feature:#}");
    let practices = h
        .ok("ma_nb_list_practices", json!({"category": "NLP"}))
        .await;
    assert_eq!(array(&practices["practices"]).len(), 1, "{practices:#}");
}

both_transports!(notebook_clusters_mounts_tags_and_features, notebook_extras);

async fn image_registry(transport: Transport) {
    let h = spec(transport).start().await;
    let refused = h
        .call("ma_image_delete", json!({"image_id": BUILT_IN_IMAGE}))
        .await;
    expect_error(&refused, "validation_error", "a built-in image");
    let refused = h
        .call("ma_image_sync", json!({"image_id": BUILT_IN_IMAGE}))
        .await;
    expect_error(&refused, "validation_error", "syncing a built-in image");

    let path = "swr.cn-north-4.myhuaweicloud.com/demo-team/e2e-reg:v1";
    let plan = h.plan("ma_image_register", json!({"swr_path": path})).await;
    assert_eq!(
        str_of(&plan["confirm_phrase"]),
        format!("CONFIRM-CREATE {path}")
    );
    let done = h.execute(&plan).await;
    let id = str_of(&done["result"]["image_id"]);
    assert!(!id.is_empty(), "{done:#}");
    let groups = h
        .ok("ma_image_list_groups", json!({"name": "e2e-reg"}))
        .await;
    assert_eq!(array(&groups["groups"]).len(), 1, "{groups:#}");
    assert_eq!(groups["groups"][0]["namespace"], "demo-team");
    let own = h.ok("ma_image_list", json!({"type": "DEDICATED"})).await;
    assert!(
        names(&own, "images", "image_id").contains(&id),
        "a registered image is listed: {own:#}"
    );

    let plan = h.plan("ma_image_sync", json!({"image_id": id})).await;
    let synced = h.execute(&plan).await;
    assert_eq!(synced["result"]["status"], "ACTIVE", "{synced:#}");
    let plan = h.plan("ma_image_delete", json!({"image_id": id})).await;
    assert_eq!(str_of(&plan["confirm_phrase"]), format!("CONFIRM {id}"));
    h.execute(&plan).await;
    let gone = h.call("ma_image_get", json!({"image_id": id})).await;
    expect_error(&gone, "not_found", "a deleted image");
}

both_transports!(
    images_register_sync_and_delete_only_the_accounts_own,
    image_registry
);

async fn obs_buckets(transport: Transport) {
    let h = spec(transport).start().await;
    let bad = h
        .call("ma_obs_create_bucket", json!({"bucket": "Bad_Bucket-"}))
        .await;
    let refused = expect_error(&bad, "validation_error", "a bad bucket name");
    assert!(
        str_of(&refused["message"]).contains("lower-case")
            && str_of(&refused["message"]).contains("start and end"),
        "every problem at once: {refused:#}"
    );
    let taken = h
        .call("ma_obs_create_bucket", json!({"bucket": "demo-bucket"}))
        .await;
    expect_error(&taken, "in_use", "a bucket the account has");

    let plan = h
        .plan("ma_obs_create_bucket", json!({"bucket": "e2e-bucket"}))
        .await;
    assert_eq!(str_of(&plan["confirm_phrase"]), "CONFIRM-CREATE e2e-bucket");
    let preview = plan["dry_run"].to_string();
    assert!(
        preview.contains("CreateBucketConfiguration") && preview.contains("OBS "),
        "the preview shows the XML body and the OBS signature scheme: {preview}"
    );
    h.execute(&plan).await;
    let list = h.ok("ma_obs_list_buckets", json!({})).await;
    assert!(
        names(&list, "buckets", "name").contains(&"e2e-bucket".to_string()),
        "{list:#}"
    );
    let mountable = h.ok("ma_nb_list_attachable_obs", json!({})).await;
    let uris = names(&mountable, "buckets", "uri");
    assert!(uris.contains(&"obs://e2e-bucket/".to_string()), "{uris:?}");

    let plan = h
        .plan("ma_obs_delete_bucket", json!({"bucket": "e2e-bucket"}))
        .await;
    assert_eq!(str_of(&plan["confirm_phrase"]), "CONFIRM e2e-bucket");
    let wrong = h.confirm(&str_of(&plan["plan_id"]), "CONFIRM").await;
    expect_error(&wrong, "confirmation_mismatch", "a bare CONFIRM");
    let plan = h
        .plan("ma_obs_delete_bucket", json!({"bucket": "e2e-bucket"}))
        .await;
    h.execute(&plan).await;
    let list = h.ok("ma_obs_list_buckets", json!({})).await;
    assert!(
        !names(&list, "buckets", "name").contains(&"e2e-bucket".to_string()),
        "{list:#}"
    );

    let usage = h
        .ok(
            "ma_obs_get_bucket_storage",
            json!({"bucket": "demo-bucket"}),
        )
        .await;
    assert_eq!(usage["object_number"], "2", "{usage:#}");
    let full = h
        .call("ma_obs_delete_bucket", json!({"bucket": "demo-bucket"}))
        .await;
    let refused = expect_error(&full, "in_use", "a non-empty bucket");
    assert!(
        str_of(&refused["message"]).contains("not empty")
            && str_of(&refused["message"]).contains("2 object(s)"),
        "a clear refusal: {refused:#}"
    );
    let list = h.ok("ma_obs_list_buckets", json!({})).await;
    assert!(
        names(&list, "buckets", "name").contains(&"demo-bucket".to_string()),
        "nothing was deleted: {list:#}"
    );
    let missing = h
        .call("ma_obs_delete_bucket", json!({"bucket": "no-such-bucket"}))
        .await;
    expect_error(&missing, "not_found", "a bucket the account does not have");
}

both_transports!(
    obs_buckets_create_list_and_delete_behind_confirm,
    obs_buckets
);

async fn node_pools(transport: Transport) {
    let h = spec(transport).start().await;
    let none = h
        .call(
            "ma_np_update",
            json!({"pool_id": DEMO_POOL, "node_pool": "nodepool-1"}),
        )
        .await;
    expect_error(&none, "validation_error", "an update without a field");
    let plan = h
        .plan(
            "ma_np_update",
            json!({"pool_id": DEMO_POOL, "node_pool": "nodepool-1", "labels": {"team": "vision"}}),
        )
        .await;
    assert_eq!(
        str_of(&plan["confirm_phrase"]),
        format!("CONFIRM {DEMO_POOL}/nodepool-1")
    );
    assert!(plan["diff"]["labels"].is_object(), "{plan:#}");
    h.execute(&plan).await;
    let np = h
        .ok(
            "ma_np_get",
            json!({"pool_id": DEMO_POOL, "node_pool": "nodepool-1"}),
        )
        .await;
    assert_eq!(np["resources"]["labels"]["team"], "vision", "{np:#}");
    assert_eq!(
        np["resources"]["count"], 2,
        "labels leave the count: {np:#}"
    );

    let plan = h
        .plan(
            "ma_np_update",
            json!({"pool_id": DEMO_POOL, "node_pool": "nodepool-1", "node_num": 1}),
        )
        .await;
    let down = check(&plan, "scale_down");
    assert_eq!(down["result"], "warning");
    assert!(
        !array(&down["detail"]["workloads"]).is_empty(),
        "the workload check names what runs: {down:#}"
    );
    h.execute(&plan).await;
    let np = h
        .ok(
            "ma_np_get",
            json!({"pool_id": DEMO_POOL, "node_pool": "nodepool-1"}),
        )
        .await;
    assert_eq!(np["resources"]["count"], 1, "{np:#}");
    assert_eq!(np["resources"]["labels"]["team"], "vision", "{np:#}");

    let plan = h
        .plan(
            "ma_np_create_plugin",
            json!({"pool_id": DEMO_POOL, "template": "gpu-driver"}),
        )
        .await;
    h.execute(&plan).await;
    let plugins = h
        .ok("ma_np_list_plugins", json!({"pool_id": DEMO_POOL}))
        .await;
    assert_eq!(
        names(&plugins, "plugins", "template"),
        vec!["gpu-driver".to_string()]
    );
    let again = h
        .call(
            "ma_np_create_plugin",
            json!({"pool_id": DEMO_POOL, "template": "gpu-driver"}),
        )
        .await;
    expect_error(&again, "in_use", "a plugin installed twice");
    let template = h
        .ok("ma_np_get_config_template", json!({"template": "default"}))
        .await;
    assert_eq!(template["docker_base_size"], 50, "{template:#}");
}

both_transports!(
    node_pools_update_labels_and_count_and_install_a_plugin,
    node_pools
);
