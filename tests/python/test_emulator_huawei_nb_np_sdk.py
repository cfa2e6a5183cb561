"""ModelArts part 2, notebook and node-pool side, answers the OFFICIAL SDKs: huaweicloudsdkmodelarts
for notebook tags, clusters, a mount's detail and features, the image registry and node pools
(merge-patch labels, plugins, node-config templates), and the official OBS client
(`esdk-obs-python`) for buckets: listed, created, refused twice, deleted, a non-empty one refused
with 409 BucketNotEmpty and a wrong secret with 403 SignatureDoesNotMatch. The OBS client pointed
at the emulator's IP signs in path style (`AWS <AK>:...`), which the emulator verifies exactly.
"""

from __future__ import annotations

import pytest
from huawei_emulator import REGION, client, emulator  # noqa: F401 (fixtures)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkmodelarts.v1 import (
    CreateNotebookTagsRequest,
    CreatePoolPluginRequest,
    DeleteImageRequest,
    DeleteNotebookTagsRequest,
    ListAuthoringClustersRequest,
    ListFeaturesRequest,
    ListImageGroupRequest,
    ListPoolPluginsRequest,
    PatchNodePoolRequest,
    RegisterImageRequest,
    ShowClusterRequest,
    ShowDynamicStorageRequest,
    ShowNodeConfigTemplateRequest,
    ShowNodePoolRequest,
    ShowNotebookTagsRequest,
    SyncImageRequest,
)
from obs import ObsClient

RUNNING_NOTEBOOK = "5eed0001-0000-4000-8000-000000000000"
SEED_STORAGE = "5eed0003-0000-4000-8000-000000000000"
BUILT_IN_IMAGE = "e1a07296-22a8-4f05-8bc8-e936c8e54202"
DEMO_POOL = "pool-democnnorth4"


def test_notebook_tags_clusters_mounts_and_features(client):
    client.create_notebook_tags(
        CreateNotebookTagsRequest(resource_id=RUNNING_NOTEBOOK, body={"tags": [{"key": "owner", "value": "sdk"}]})
    )
    tags = {t.key: t.values for t in client.show_notebook_tags(ShowNotebookTagsRequest()).tags}
    assert tags["owner"] == ["sdk"] and "env" in tags
    client.delete_notebook_tags(DeleteNotebookTagsRequest(resource_id=RUNNING_NOTEBOOK, body={"tags": [{"key": "owner"}]}))
    tags = {t.key for t in client.show_notebook_tags(ShowNotebookTagsRequest()).tags}
    assert "owner" not in tags

    clusters = client.list_authoring_clusters(ListAuthoringClustersRequest(type="DEDICATED"))
    assert DEMO_POOL in [c.pool_id for c in clusters.data]
    ours = next(c for c in clusters.data if c.pool_id == DEMO_POOL)
    shown = client.show_cluster(ShowClusterRequest(cluster_id=ours.logic_cluster_id))
    assert shown.pool_id == DEMO_POOL and shown.type == "DEDICATED"

    mount = client.show_dynamic_storage(ShowDynamicStorageRequest(instance_id=RUNNING_NOTEBOOK, storage_id=SEED_STORAGE))
    assert mount.status == "MOUNTED" and mount.uri.startswith("obs://")
    feature = client.list_features(ListFeaturesRequest(feature="NOTEBOOK"))
    assert feature.enabled is True and feature.quota >= feature.used
    with pytest.raises(ClientRequestException):
        client.list_features(ListFeaturesRequest(feature="NO_SUCH_FEATURE"))


def test_an_image_is_registered_grouped_synced_and_deleted_but_not_a_built_in_one(client):
    made = client.register_image(
        RegisterImageRequest(body={"swr_path": "swr.cn-north-4.myhuaweicloud.com/demo-team/sdk-reg:v1", "arch": "X86_64"})
    )
    assert made.type == "DEDICATED" and made.name == "sdk-reg"
    groups = client.list_image_group(ListImageGroupRequest(name="sdk-reg"))
    assert [(g.namespace, g.version_count) for g in groups.data] == [("demo-team", 1)]
    synced = client.sync_image(SyncImageRequest(image_id=made.id))
    assert synced.status == "ACTIVE" and synced.size > 0
    client.delete_image(DeleteImageRequest(id=made.id, body={"is_force": False}))
    with pytest.raises(ClientRequestException) as refused:
        client.delete_image(DeleteImageRequest(id=BUILT_IN_IMAGE, body={}))
    assert refused.value.status_code == 403


def test_a_node_pool_takes_merged_labels_and_a_pool_a_plugin(client):
    current = client.show_node_pool(ShowNodePoolRequest(pool_name=DEMO_POOL, nodepool_name="nodepool-1"))
    count = current.spec.resources.count
    client.patch_node_pool(
        PatchNodePoolRequest(
            pool_name=DEMO_POOL,
            nodepool_name="nodepool-1",
            body={"spec": {"resources": {"labels": {"team": "sdk"}}}},
        )
    )
    after = client.show_node_pool(ShowNodePoolRequest(pool_name=DEMO_POOL, nodepool_name="nodepool-1"))
    assert after.spec.resources.labels == {"team": "sdk"} and after.spec.resources.count == count

    client.create_pool_plugin(
        CreatePoolPluginRequest(
            pool_name=DEMO_POOL,
            body={"apiVersion": "v2", "kind": "Plugin", "spec": {"template": {"name": "log-agent"}}},
        )
    )
    plugins = client.list_pool_plugins(ListPoolPluginsRequest(pool_name=DEMO_POOL))
    assert [p.spec.template.name for p in plugins.items] == ["log-agent"]
    with pytest.raises(ClientRequestException):
        client.create_pool_plugin(
            CreatePoolPluginRequest(
                pool_name=DEMO_POOL,
                body={"apiVersion": "v2", "kind": "Plugin", "spec": {"template": {"name": "no-such-plugin"}}},
            )
        )
    template = client.show_node_config_template(ShowNodeConfigTemplateRequest(nodeconfigtemplate_name="default"))
    assert template.spec.docker_base_size == 50


def obs_client(emulator, secret=None) -> ObsClient:
    hw = emulator["huawei"]
    return ObsClient(
        access_key_id=hw["access_key"],
        secret_access_key=secret or hw["secret_key"],
        server=emulator["endpoint"],
    )


def test_the_official_obs_client_lists_creates_and_deletes_buckets(emulator):
    obs = obs_client(emulator)
    listed = obs.listBuckets(isQueryLocation=True)
    assert listed.status == 200
    assert {b.name for b in listed.body.buckets} >= {"demo-bucket", "demo-empty-bucket"}

    made = obs.createBucket("sdk-bucket", location="cn-east-3")
    assert made.status == 200, made.errorMessage
    again = obs.createBucket("sdk-bucket")
    assert (again.status, again.errorCode) == (409, "BucketAlreadyOwnedByYou")
    bad = obs.createBucket("Bad_Name")
    assert (bad.status, bad.errorCode) == (400, "InvalidBucketName")
    located = {b.name: b.location for b in obs.listBuckets(isQueryLocation=True).body.buckets}
    assert located["sdk-bucket"] == "cn-east-3"

    usage = obs.getBucketStorageInfo("demo-bucket")
    assert usage.status == 200 and usage.body.objectNumber == 2 and usage.body.size > 0
    empty = obs.getBucketStorageInfo("demo-empty-bucket")
    assert empty.body.objectNumber == 0
    full = obs.deleteBucket("demo-bucket")
    assert (full.status, full.errorCode) == (409, "BucketNotEmpty")
    gone = obs.deleteBucket("sdk-bucket")
    assert gone.status == 204
    missing = obs.deleteBucket("sdk-bucket")
    assert (missing.status, missing.errorCode) == (404, "NoSuchBucket")


def test_a_wrong_obs_secret_is_signature_does_not_match(emulator):
    denied = obs_client(emulator, secret="not-the-secret").listBuckets()
    assert (denied.status, denied.errorCode) == (403, "SignatureDoesNotMatch")
