"""The emulator answers the OFFICIAL Alibaba Cloud CS 2015-12-15 SDK (ACK clusters, node pools,
the user kubeconfig), and the OFFICIAL `kubernetes` Python client loads that kubeconfig and drives
the emulated cluster's Kubernetes API on its own loopback port: nodes, a batch Job to Complete on
the emulated clock, its pod by `job-name`, and the pod's (synthesised) log.

Run: scripts/install-test-deps && pytest tests/python/test_emulator_official_cs_sdk.py
"""

from __future__ import annotations

import base64
import json
import urllib.request

import pytest
import yaml
from alibabacloud_cs20151215 import models as cs_models
from alibabacloud_cs20151215.client import Client as CsClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.utils_models import Config
from kubernetes import client as k8s
from kubernetes import config as k8s_config

REGION = "cn-hangzhou"
ACF_CLUSTER = "c8d1a3f5e7b9c2d4e6f8a0b1c3d5e7f9a"

# `emulator` (a standalone `skillgate emulator`, one per module) comes from conftest.py.


def _advance(info: dict, seconds: int) -> None:
    request = urllib.request.Request(
        info["endpoint"] + "/_emulator/clock/advance",
        data=json.dumps({"seconds": seconds}).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


@pytest.fixture(scope="module")
def cs(emulator) -> CsClient:
    return CsClient(
        Config(
            access_key_id=emulator["alibaba"]["access_key_id"],
            access_key_secret=emulator["alibaba"]["access_key_secret"],
            endpoint=emulator["endpoint"].removeprefix("http://"),
            protocol="http",
            region_id=REGION,
        )
    )


def test_clusters_and_kubeconfig_through_the_cs_sdk(emulator, cs):
    listed = cs.describe_clusters_v1(cs_models.DescribeClustersV1Request(page_size=50)).body
    names = [c.name for c in listed.clusters]
    assert names == ["acf-cluster", "team-prod"]
    assert listed.page_info.total_count == 2
    detail = cs.describe_cluster_detail(ACF_CLUSTER).body
    assert detail.state == "running"
    assert detail.cluster_spec == "ack.standard"
    assert detail.vpc_id.startswith("vpc-")

    pools = cs.describe_cluster_node_pools(ACF_CLUSTER, cs_models.DescribeClusterNodePoolsRequest()).body
    assert pools.nodepools[0].status.healthy_nodes == 2

    kubeconfig = cs.describe_cluster_user_kubeconfig(
        ACF_CLUSTER, cs_models.DescribeClusterUserKubeconfigRequest(private_ip_address=False)
    ).body
    assert kubeconfig.expiration
    doc = yaml.safe_load(kubeconfig.config)
    assert doc["clusters"][0]["cluster"]["server"] == emulator["kubernetes"]["endpoint"]

    created = cs.create_cluster(
        cs_models.CreateClusterRequest(
            name="sdk-cluster",
            cluster_type="ManagedKubernetes",
            cluster_spec="ack.pro.small",
            vpcid=detail.vpc_id,
            vswitch_ids=detail.vswitch_ids,
            num_of_nodes=1,
            worker_instance_types=["ecs.g7.xlarge"],
            login_password="Sg-demo-Pass1",
            client_token="sdk-token-1",
        )
    ).body
    again = cs.create_cluster(
        cs_models.CreateClusterRequest(
            name="sdk-cluster",
            vpcid=detail.vpc_id,
            vswitch_ids=detail.vswitch_ids,
            client_token="sdk-token-1",
        )
    ).body
    assert again.cluster_id == created.cluster_id
    assert cs.describe_cluster_detail(created.cluster_id).body.state == "initial"
    with pytest.raises(ClientException) as error:
        cs.describe_cluster_user_kubeconfig(created.cluster_id, cs_models.DescribeClusterUserKubeconfigRequest())
    assert error.value.code == "ErrorClusterState"
    _advance(emulator, 125)
    assert cs.describe_cluster_detail(created.cluster_id).body.state == "running"
    cs.delete_cluster(created.cluster_id, cs_models.DeleteClusterRequest())
    assert cs.describe_cluster_detail(created.cluster_id).body.state == "deleting"
    with pytest.raises(ClientException) as error:
        cs.describe_cluster_detail("c-does-not-exist")
    assert error.value.code == "ErrorClusterNotFound"


def test_the_kubernetes_client_runs_a_job_with_the_emulators_kubeconfig(emulator, cs):
    kubeconfig = cs.describe_cluster_user_kubeconfig(ACF_CLUSTER, cs_models.DescribeClusterUserKubeconfigRequest()).body
    api_client = k8s_config.new_client_from_config_dict(yaml.safe_load(kubeconfig.config))
    core = k8s.CoreV1Api(api_client)
    batch = k8s.BatchV1Api(api_client)

    nodes = core.list_node().items
    assert len(nodes) == 2
    assert all(
        any(c.type == "Ready" and c.status == "True" for c in n.status.conditions) for n in nodes
    )
    system = core.list_namespaced_pod("kube-system", limit=10).items
    assert any("/acs/" in p.spec.containers[0].image for p in system)
    batch.list_namespaced_job("default")

    script = base64.b64encode(b"echo from the python client\n").decode()
    job = k8s.V1Job(
        api_version="batch/v1",
        kind="Job",
        metadata=k8s.V1ObjectMeta(name="sdk-job"),
        spec=k8s.V1JobSpec(
            backoff_limit=3,
            ttl_seconds_after_finished=300,
            template=k8s.V1PodTemplateSpec(
                spec=k8s.V1PodSpec(
                    restart_policy="Never",
                    containers=[
                        k8s.V1Container(
                            name="runner",
                            image="alpine:3.18",
                            command=["/bin/sh", "-c", f"echo '{script}' | base64 -d | sh"],
                        )
                    ],
                )
            ),
        ),
    )
    created = batch.create_namespaced_job("default", job)
    assert created.metadata.uid
    with pytest.raises(k8s.ApiException) as error:
        batch.create_namespaced_job("default", job)
    assert error.value.status == 409

    _advance(emulator, 20)
    status = batch.read_namespaced_job_status("sdk-job", "default").status
    assert status.succeeded == 1
    assert any(c.type == "Complete" and c.status == "True" for c in status.conditions)
    pods = core.list_namespaced_pod("default", label_selector="job-name=sdk-job").items
    assert len(pods) == 1
    assert pods[0].status.phase == "Succeeded"
    log = core.read_namespaced_pod_log(pods[0].metadata.name, "default", tail_lines=200)
    assert "from the python client" in log
    assert "sha256=" in log

    batch.delete_namespaced_job("sdk-job", "default", propagation_policy="Background")
    with pytest.raises(k8s.ApiException) as error:
        batch.read_namespaced_job("sdk-job", "default")
    assert error.value.status == 404

    bad = k8s_config.new_client_from_config_dict(
        {
            "apiVersion": "v1",
            "clusters": [{"name": "k", "cluster": {"server": emulator["kubernetes"]["endpoint"]}}],
            "contexts": [{"name": "c", "context": {"cluster": "k", "user": "u"}}],
            "current-context": "c",
            "users": [{"name": "u", "user": {"token": "not-the-token"}}],
        }
    )
    with pytest.raises(k8s.ApiException) as error:
        k8s.CoreV1Api(bad).list_node()
    assert error.value.status == 401
