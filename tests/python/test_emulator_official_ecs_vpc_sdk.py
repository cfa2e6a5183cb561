"""The emulator answers the OFFICIAL Alibaba Cloud ECS 2014-05-26, VPC 2016-04-28 and STS
2015-04-01 SDKs, and the generic `alibabacloud_tea_openapi` client the compute-provision skill
uses (`Client.call_api`, RPC, every parameter in the query, lists JSON-encoded, bools lower case).

Walks compute provisioning: who am I, where is stock, what does it cost, which image; then a
one-shot create (VPC, VSwitch, security group, instance), a synthesised command run, and the
release in the right order, checking that nothing is left behind. Out-of-stock and
wrong-order deletes come back as the SDK's ClientException with the real codes.

Run: pip install -r tests/python/requirements.txt && pytest tests/python/test_emulator_official_ecs_vpc_sdk.py
"""

from __future__ import annotations

import base64
import json
import urllib.request

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.client import Client as OpenApiClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.utils_models import Config, OpenApiRequest, Params
from alibabacloud_vpc20160428 import models as vpc_models
from alibabacloud_vpc20160428.client import Client as VpcClient
from darabonba.runtime import RuntimeOptions

ACCOUNT_ID = "1557702098194904"
REGION = "cn-hangzhou"
IMAGE_FAMILY = "acs:alibaba_cloud_linux_3_2104_lts_x64"

# `emulator` (a standalone `skillgate emulator`, one per module) comes from conftest.py.


def _config(info: dict) -> Config:
    return Config(
        access_key_id=info["alibaba"]["access_key_id"],
        access_key_secret=info["alibaba"]["access_key_secret"],
        endpoint=info["endpoint"].removeprefix("http://"),
        protocol="http",
        region_id=REGION,
    )


def _admin(info: dict, method: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        info["endpoint"] + path,
        data=None if body is None else json.dumps(body).encode(),
        headers={"content-type": "application/json"},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _advance(info: dict, seconds: int) -> None:
    _admin(info, "POST", "/_emulator/clock/advance", {"seconds": seconds})


@pytest.fixture(scope="module")
def ecs(emulator) -> EcsClient:
    return EcsClient(_config(emulator))


@pytest.fixture(scope="module")
def vpc(emulator) -> VpcClient:
    return VpcClient(_config(emulator))


def test_sts_names_the_caller(emulator):
    body = StsClient(_config(emulator)).get_caller_identity().body
    assert body.account_id == ACCOUNT_ID
    assert body.identity_type == "RAMUser"
    assert body.arn == f"acs:ram::{ACCOUNT_ID}:user/skillgate-demo-user"
    assert body.principal_id and body.user_id == body.principal_id and body.request_id


def test_stock_prices_and_images_read_through_the_sdk(ecs):
    zones = ecs.describe_zones(ecs_models.DescribeZonesRequest(region_id=REGION)).body.zones.zone
    assert [z.zone_id for z in zones] == ["cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j", "cn-hangzhou-k"]
    recommend = ecs.describe_recommend_instance_type(
        ecs_models.DescribeRecommendInstanceTypeRequest(
            region_id=REGION, network_type="vpc", cores=2, memory=4, priority_strategy="InventoryFirst"
        )
    ).body.data.recommend_instance_type
    assert recommend and all(r.instance_type.cores == 2 and r.instance_type.memory == 4096 for r in recommend)
    assert recommend[0].zones.zone[0].zone_no == recommend[0].zone_id
    stock = ecs.describe_available_resource(
        ecs_models.DescribeAvailableResourceRequest(
            region_id=REGION, destination_resource="InstanceType", instance_type="ecs.gn7i-c8g1.2xlarge"
        )
    ).body.available_zones.available_zone
    by_zone = {
        z.zone_id: z.available_resources.available_resource[0].supported_resources.supported_resource[0].status_category
        for z in stock
    }
    assert by_zone["cn-hangzhou-h"] == "WithoutStock" and by_zone["cn-hangzhou-i"] == "WithStock"
    price = ecs.describe_price(
        ecs_models.DescribePriceRequest(
            region_id=REGION,
            instance_type="ecs.c7.large",
            price_unit="Hour",
            system_disk=ecs_models.DescribePriceRequestSystemDisk(category="cloud_essd", size=40),
        )
    ).body.price_info.price
    assert price.currency == "CNY"
    assert price.trade_price == pytest.approx(price.original_price - price.discount_price)
    assert price.trade_price == pytest.approx(0.54)
    month = ecs.describe_price(
        ecs_models.DescribePriceRequest(region_id=REGION, instance_type="ecs.c7.large", price_unit="Month", period=1)
    ).body.price_info.price
    assert month.discount_price > 0 and month.trade_price < month.original_price
    images = ecs.describe_images(ecs_models.DescribeImagesRequest(region_id=REGION, image_family=IMAGE_FAMILY)).body
    assert images.images.image[0].image_id == "aliyun_3_x64_20G_alibase_20250117.vhd"
    assert images.images.image[0].ostype == "linux"


def test_one_shot_create_run_and_release_leaves_nothing_behind(emulator, ecs, vpc):
    created = vpc.create_vpc(
        vpc_models.CreateVpcRequest(region_id=REGION, cidr_block="192.168.0.0/16", vpc_name="acf-vpc", client_token="sdk-vpc")
    ).body
    vpc_id = created.vpc_id
    again = vpc.create_vpc(vpc_models.CreateVpcRequest(region_id=REGION, cidr_block="192.168.0.0/16", client_token="sdk-vpc"))
    assert again.body.vpc_id == vpc_id
    _advance(emulator, 5)
    vpcs = vpc.describe_vpcs(vpc_models.DescribeVpcsRequest(region_id=REGION, vpc_id=vpc_id)).body.vpcs.vpc
    assert vpcs[0].status == "Available"
    vsw_id = vpc.create_vswitch(
        vpc_models.CreateVSwitchRequest(
            region_id=REGION, vpc_id=vpc_id, zone_id="cn-hangzhou-i", cidr_block="192.168.1.0/24", v_switch_name="acf-vsw"
        )
    ).body.v_switch_id
    with pytest.raises(ClientException) as err:
        vpc.create_vswitch(
            vpc_models.CreateVSwitchRequest(region_id=REGION, vpc_id=vpc_id, zone_id="cn-hangzhou-i", cidr_block="192.168.1.0/25")
        )
    assert err.value.code == "InvalidCidrBlock.Overlapped"
    _advance(emulator, 3)
    sg_id = ecs.create_security_group(
        ecs_models.CreateSecurityGroupRequest(region_id=REGION, vpc_id=vpc_id, security_group_name="acf-sg")
    ).body.security_group_id
    ecs.authorize_security_group(
        ecs_models.AuthorizeSecurityGroupRequest(
            region_id=REGION,
            security_group_id=sg_id,
            permissions=[
                ecs_models.AuthorizeSecurityGroupRequestPermissions(
                    ip_protocol="tcp", port_range="22/22", source_cidr_ip="203.0.113.7/32"
                )
            ],
        )
    )
    ecs.authorize_security_group_egress(
        ecs_models.AuthorizeSecurityGroupEgressRequest(
            region_id=REGION, security_group_id=sg_id, ip_protocol="all", port_range="-1/-1", dest_cidr_ip="0.0.0.0/0"
        )
    )
    rules = ecs.describe_security_group_attribute(
        ecs_models.DescribeSecurityGroupAttributeRequest(region_id=REGION, security_group_id=sg_id)
    ).body.permissions.permission
    assert [(r.direction, r.port_range) for r in rules] == [("ingress", "22/22"), ("egress", "-1/-1")]
    run = ecs_models.RunInstancesRequest(
        region_id=REGION,
        instance_type="ecs.c7.large",
        image_family=IMAGE_FAMILY,
        v_switch_id=vsw_id,
        security_group_id=sg_id,
        system_disk=ecs_models.RunInstancesRequestSystemDisk(category="cloud_essd", size="40"),
        instance_name="acf-instance",
        tag=[ecs_models.RunInstancesRequestTag(key="skillgate:plan", value="sdk-plan")],
        client_token="sdk-run",
    )
    ids = ecs.run_instances(run).body.instance_id_sets.instance_id_set
    assert ecs.run_instances(run).body.instance_id_sets.instance_id_set == ids
    tagged = ecs_models.DescribeInstancesRequest(
        region_id=REGION, tag=[ecs_models.DescribeInstancesRequestTag(key="skillgate:plan", value="sdk-plan")]
    )
    pending = ecs.describe_instances(tagged).body
    assert pending.total_count == 1 and pending.instances.instance[0].status == "Pending"
    with pytest.raises(ClientException) as err:
        vpc.delete_vswitch(vpc_models.DeleteVSwitchRequest(region_id=REGION, v_switch_id=vsw_id))
    assert err.value.code == "DependencyViolation"
    _advance(emulator, 30)
    assert ecs.describe_instances(tagged).body.instances.instance[0].status == "Running"
    script = base64.b64encode(b"#!/bin/bash\necho 'job finished'\n").decode()
    invoke_id = ecs.run_command(
        ecs_models.RunCommandRequest(
            region_id=REGION, type="RunShellScript", command_content=script, content_encoding="Base64", instance_id=ids
        )
    ).body.invoke_id
    _advance(emulator, 6)
    result = ecs.describe_invocation_results(
        ecs_models.DescribeInvocationResultsRequest(region_id=REGION, invoke_id=invoke_id)
    ).body.invocation.invocation_results.invocation_result[0]
    assert (result.invocation_status, base64.b64decode(result.output)) == ("Success", b"job finished\n")
    ecs.delete_instances(ecs_models.DeleteInstancesRequest(region_id=REGION, instance_id=ids, force=True, client_token="sdk-del"))
    ecs.delete_security_group(ecs_models.DeleteSecurityGroupRequest(region_id=REGION, security_group_id=sg_id))
    vpc.delete_vswitch(vpc_models.DeleteVSwitchRequest(region_id=REGION, v_switch_id=vsw_id))
    vpc.delete_vpc(vpc_models.DeleteVpcRequest(region_id=REGION, vpc_id=vpc_id))
    assert _admin(emulator, "GET", "/_emulator/alibaba/resources?created=true")["resources"] == []


def test_out_of_stock_comes_back_as_a_client_exception(ecs):
    vsw = "vsw-bp1ddbrxdlrcbim46v6j7"  # the demo VSwitch, in cn-hangzhou-h
    with pytest.raises(ClientException) as err:
        ecs.run_instances(
            ecs_models.RunInstancesRequest(
                region_id=REGION,
                instance_type="ecs.gn7i-c8g1.2xlarge",
                image_family=IMAGE_FAMILY,
                v_switch_id=vsw,
                security_group_id="sg-bp1fg655nh68xyz9i2mf",
            )
        )
    assert (err.value.code, err.value.status_code) == ("OperationDenied.NoStock", 403)


def test_the_skills_generic_client_calls_rpc_with_query_parameters(emulator):
    client = OpenApiClient(_config(emulator))

    def call(action: str, version: str, query: dict) -> dict:
        params = Params(
            action=action, version=version, protocol="HTTP", pathname="/", method="POST",
            auth_type="AK", style="RPC", body_type="json", req_body_type="json",
        )
        return client.call_api(params, OpenApiRequest(query=query), RuntimeOptions())["body"]

    ids = ["i-bp1lnpgy6293rikq0c8x", "i-bp1c215ekaig04d4edao"]
    body = call("DescribeInstances", "2014-05-26", {"RegionId": REGION, "InstanceIds": json.dumps(ids), "DryRun": "false"})
    assert sorted(i["InstanceId"] for i in body["Instances"]["Instance"]) == sorted(ids)
    vswitches = call("DescribeVSwitches", "2016-04-28", {"RegionId": REGION, "PageSize": "50"})
    assert vswitches["VSwitches"]["VSwitch"][0]["VSwitchId"] == "vsw-bp1ddbrxdlrcbim46v6j7"
    assert call("GetCallerIdentity", "2015-04-01", {})["AccountId"] == ACCOUNT_ID
