//! VPC 2016-04-28 and STS 2015-04-01 over real HTTP with real ACS3 signatures (RPC, as
//! the skill's generic client sends them: every parameter in the query): VPCs and
//! VSwitches on the emulated clock, CIDR checks, ClientToken, paging, deletes in the
//! wrong order, and the caller's identity.

use serde_json::{Value, json};
use skillgate::emulator::alibaba::seed::*;

use crate::support::Emu;

fn hz(emu: &Emu, action: &str) -> crate::support::Call {
    emu.vpc(action).query("RegionId", "cn-hangzhou")
}

async fn new_vpc(emu: &Emu, cidr: &str, token: &str) -> String {
    let body = emu
        .ok(hz(emu, "CreateVpc")
            .query("CidrBlock", cidr)
            .query("VpcName", "acf-vpc")
            .query("ClientToken", token))
        .await;
    body["VpcId"].as_str().unwrap_or_default().to_owned()
}

fn status_of(body: &Value, list: &str, item: &str) -> String {
    body[list][item][0]["Status"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn vpcs_and_vswitches_become_available_on_the_clock_and_check_their_blocks() {
    let emu = Emu::start().await;
    let vpc = new_vpc(&emu, "192.168.0.0/16", "plan-1-vpc").await;
    assert!(vpc.starts_with("vpc-bp1"), "{vpc}");
    assert_eq!(
        new_vpc(&emu, "192.168.0.0/16", "plan-1-vpc").await,
        vpc,
        "a repeated token creates nothing"
    );
    let described = emu.ok(hz(&emu, "DescribeVpcs").query("VpcId", &vpc)).await;
    assert_eq!(status_of(&described, "Vpcs", "Vpc"), "Pending");
    assert_eq!(described["Vpcs"]["Vpc"][0]["CidrBlock"], "192.168.0.0/16");
    let vsw = |cidr: &str, token: &str| {
        hz(&emu, "CreateVSwitch")
            .query("VpcId", &vpc)
            .query("ZoneId", "cn-hangzhou-i")
            .query("CidrBlock", cidr)
            .query("VSwitchName", "acf-vsw")
            .query("ClientToken", token)
    };
    emu.fails(vsw("192.168.1.0/24", "t1"), 400, "IncorrectVpcStatus")
        .await;
    emu.advance_clock(5).await;
    let described = emu.ok(hz(&emu, "DescribeVpcs").query("VpcId", &vpc)).await;
    assert_eq!(status_of(&described, "Vpcs", "Vpc"), "Available");
    let first = emu.ok(vsw("192.168.1.0/24", "t1")).await;
    let first = first["VSwitchId"].as_str().unwrap_or_default().to_owned();
    assert_eq!(
        emu.ok(vsw("192.168.1.0/24", "t1")).await["VSwitchId"],
        first.as_str()
    );
    emu.fails(
        vsw("192.168.1.128/25", "t2"),
        400,
        "InvalidCidrBlock.Overlapped",
    )
    .await;
    emu.fails(vsw("10.0.1.0/24", "t3"), 400, "InvalidCidrBlock.Malformed")
        .await;
    emu.fails(
        vsw("192.168.1.7/24", "t4"),
        400,
        "InvalidCidrBlock.Malformed",
    )
    .await;
    emu.fails(
        vsw("192.168.2.0/24", "t5").query("ZoneId", "cn-shanghai-l"),
        404,
        "InvalidZoneId.NotFound",
    )
    .await;
    let switches = emu
        .ok(hz(&emu, "DescribeVSwitches").query("VpcId", &vpc))
        .await;
    assert_eq!(switches["TotalCount"], 1);
    let item = &switches["VSwitches"]["VSwitch"][0];
    assert_eq!(
        (
            item["Status"].as_str(),
            item["ZoneId"].as_str(),
            item["AvailableIpAddressCount"].as_u64()
        ),
        (Some("Pending"), Some("cn-hangzhou-i"), Some(252))
    );
    emu.advance_clock(3).await;
    let switches = emu
        .ok(hz(&emu, "DescribeVSwitches").query("VSwitchId", &first))
        .await;
    assert_eq!(status_of(&switches, "VSwitches", "VSwitch"), "Available");
    emu.fails(
        hz(&emu, "CreateVpc").query("CidrBlock", "8.8.0.0/16"),
        400,
        "InvalidCidrBlock.Malformed",
    )
    .await;
    emu.fails(
        hz(&emu, "DescribeVSwitches").query("PageSize", "51"),
        400,
        "InvalidParameter.PageSize",
    )
    .await;
    let paged = emu
        .ok(hz(&emu, "DescribeVpcs")
            .query("PageSize", "1")
            .query("PageNumber", "2"))
        .await;
    assert_eq!(
        (
            paged["TotalCount"].as_u64(),
            paged["Vpcs"]["Vpc"].as_array().map(Vec::len)
        ),
        (Some(2), Some(1)),
        "the demo VPC and ours"
    );
}

#[tokio::test]
async fn deletes_in_the_wrong_order_are_refused_with_dependency_violation() {
    let emu = Emu::start().await;
    emu.lifecycle_mode("vpc.vpc.create", "immediate").await;
    emu.lifecycle_mode("vpc.vswitch.create", "immediate").await;
    let vpc = new_vpc(&emu, "10.10.0.0/16", "order-vpc").await;
    let vsw = emu
        .ok(hz(&emu, "CreateVSwitch")
            .query("VpcId", &vpc)
            .query("ZoneId", "cn-hangzhou-h")
            .query("CidrBlock", "10.10.0.0/24"))
        .await;
    let vsw = vsw["VSwitchId"].as_str().unwrap_or_default().to_owned();
    let sg = emu
        .ok(emu
            .ecs("CreateSecurityGroup")
            .query("RegionId", "cn-hangzhou")
            .query("VpcId", &vpc)
            .query("SecurityGroupName", "acf-sg"))
        .await;
    let sg = sg["SecurityGroupId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let refused = emu
        .fails(
            hz(&emu, "DeleteVpc").query("VpcId", &vpc),
            400,
            "DependencyViolation",
        )
        .await;
    assert!(
        refused.message().contains(&vsw) && refused.message().contains(&sg),
        "{}",
        refused.message()
    );
    emu.fails(
        hz(&emu, "DeleteVSwitch").query("VSwitchId", VSW_HANGZHOU),
        400,
        "DependencyViolation",
    )
    .await;
    emu.ok(hz(&emu, "DeleteVSwitch").query("VSwitchId", &vsw))
        .await;
    emu.fails(
        hz(&emu, "DeleteVpc").query("VpcId", &vpc),
        400,
        "DependencyViolation",
    )
    .await;
    emu.ok(emu
        .ecs("DeleteSecurityGroup")
        .query("RegionId", "cn-hangzhou")
        .query("SecurityGroupId", &sg))
        .await;
    emu.ok(hz(&emu, "DeleteVpc")
        .query("VpcId", &vpc)
        .query("ClientToken", "del-1"))
        .await;
    emu.ok(hz(&emu, "DeleteVpc")
        .query("VpcId", &vpc)
        .query("ClientToken", "del-1"))
        .await;
    emu.fails(
        hz(&emu, "DeleteVpc").query("VpcId", &vpc),
        404,
        "InvalidVpcId.NotFound",
    )
    .await;
    emu.fails(
        hz(&emu, "DeleteVpc").query("VpcId", VPC_HANGZHOU),
        400,
        "DependencyViolation",
    )
    .await;
    assert_eq!(
        emu.created_resources().await,
        Vec::<Value>::new(),
        "nothing left behind"
    );
}

#[tokio::test]
async fn get_caller_identity_names_the_demo_account_and_user() {
    let emu = Emu::start().await;
    let me = emu
        .ok(emu.sts("GetCallerIdentity").host("sts.aliyuncs.com"))
        .await;
    assert_eq!(me["AccountId"], ACCOUNT_ID);
    assert_eq!(me["IdentityType"], "RAMUser");
    assert_eq!(
        me["Arn"],
        json!(format!("acs:ram::{ACCOUNT_ID}:user/skillgate-demo-user"))
    );
    assert!(
        me["PrincipalId"].as_str().is_some_and(|p| !p.is_empty())
            && me["UserId"] == me["PrincipalId"]
    );
    assert!(me["RequestId"].as_str().is_some_and(|r| !r.is_empty()));
    let shanghai = emu
        .ok(emu
            .vpc("DescribeVpcs")
            .host("vpc.cn-shanghai.aliyuncs.com")
            .query("RegionId", "cn-shanghai"))
        .await;
    assert_eq!(shanghai["Vpcs"]["Vpc"][0]["VpcId"], VPC_SHANGHAI);
}
