//! The regions ECS answers in `DescribeRegions`, with their Chinese and English local
//! names and their endpoints (cn-hangzhou's is the SDK's `ecs-cn-hangzhou.aliyuncs.com`).
//! OOS calls are checked against the same list.

/// One region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// `cn-hangzhou`.
    pub id: &'static str,
    /// The name for `AcceptLanguage=zh-CN` (the default).
    pub name_zh: &'static str,
    /// The name for `AcceptLanguage=en-US`.
    pub name_en: &'static str,
    /// The public ECS endpoint.
    pub endpoint: &'static str,
}

const fn region(
    id: &'static str,
    name_zh: &'static str,
    name_en: &'static str,
    endpoint: &'static str,
) -> Region {
    Region {
        id,
        name_zh,
        name_en,
        endpoint,
    }
}

/// Every region, in the order ECS lists them.
pub static REGIONS: &[Region] = &[
    region(
        "cn-qingdao",
        "华北1（青岛）",
        "China (Qingdao)",
        "ecs.cn-qingdao.aliyuncs.com",
    ),
    region(
        "cn-beijing",
        "华北2（北京）",
        "China (Beijing)",
        "ecs.cn-beijing.aliyuncs.com",
    ),
    region(
        "cn-zhangjiakou",
        "华北3（张家口）",
        "China (Zhangjiakou)",
        "ecs.cn-zhangjiakou.aliyuncs.com",
    ),
    region(
        "cn-huhehaote",
        "华北5（呼和浩特）",
        "China (Hohhot)",
        "ecs.cn-huhehaote.aliyuncs.com",
    ),
    region(
        "cn-wulanchabu",
        "华北6（乌兰察布）",
        "China (Ulanqab)",
        "ecs.cn-wulanchabu.aliyuncs.com",
    ),
    region(
        "cn-hangzhou",
        "华东1（杭州）",
        "China (Hangzhou)",
        "ecs-cn-hangzhou.aliyuncs.com",
    ),
    region(
        "cn-shanghai",
        "华东2（上海）",
        "China (Shanghai)",
        "ecs.cn-shanghai.aliyuncs.com",
    ),
    region(
        "cn-nanjing",
        "华东5（南京-本地地域）",
        "China (Nanjing - Local Region)",
        "ecs.cn-nanjing.aliyuncs.com",
    ),
    region(
        "cn-shenzhen",
        "华南1（深圳）",
        "China (Shenzhen)",
        "ecs.cn-shenzhen.aliyuncs.com",
    ),
    region(
        "cn-heyuan",
        "华南2（河源）",
        "China (Heyuan)",
        "ecs.cn-heyuan.aliyuncs.com",
    ),
    region(
        "cn-guangzhou",
        "华南3（广州）",
        "China (Guangzhou)",
        "ecs.cn-guangzhou.aliyuncs.com",
    ),
    region(
        "cn-chengdu",
        "西南1（成都）",
        "China (Chengdu)",
        "ecs.cn-chengdu.aliyuncs.com",
    ),
    region(
        "cn-hongkong",
        "中国香港",
        "China (Hong Kong)",
        "ecs.cn-hongkong.aliyuncs.com",
    ),
    region(
        "ap-northeast-1",
        "日本（东京）",
        "Japan (Tokyo)",
        "ecs.ap-northeast-1.aliyuncs.com",
    ),
    region(
        "ap-southeast-1",
        "新加坡",
        "Singapore",
        "ecs.ap-southeast-1.aliyuncs.com",
    ),
    region(
        "ap-southeast-3",
        "马来西亚（吉隆坡）",
        "Malaysia (Kuala Lumpur)",
        "ecs.ap-southeast-3.aliyuncs.com",
    ),
    region(
        "ap-southeast-5",
        "印度尼西亚（雅加达）",
        "Indonesia (Jakarta)",
        "ecs.ap-southeast-5.aliyuncs.com",
    ),
    region(
        "us-east-1",
        "美国（弗吉尼亚）",
        "US (Virginia)",
        "ecs.us-east-1.aliyuncs.com",
    ),
    region(
        "us-west-1",
        "美国（硅谷）",
        "US (Silicon Valley)",
        "ecs.us-west-1.aliyuncs.com",
    ),
    region(
        "eu-central-1",
        "德国（法兰克福）",
        "Germany (Frankfurt)",
        "ecs.eu-central-1.aliyuncs.com",
    ),
    region(
        "eu-west-1",
        "英国（伦敦）",
        "UK (London)",
        "ecs.eu-west-1.aliyuncs.com",
    ),
    region(
        "me-east-1",
        "阿联酋（迪拜）",
        "UAE (Dubai)",
        "ecs.me-east-1.aliyuncs.com",
    ),
];

/// A region by id.
pub fn find(id: &str) -> Option<&'static Region> {
    REGIONS.iter().find(|r| r.id == id)
}

/// The short code that ECS puts in Cloud Assistant ids (`t-hz...`, `c-sh...`).
pub fn short_code(id: &str) -> &'static str {
    match id {
        "cn-hangzhou" => "hz",
        "cn-shanghai" => "sh",
        "cn-beijing" => "bj",
        "cn-shenzhen" => "sz",
        "cn-qingdao" => "qd",
        _ => "xx",
    }
}

/// The three characters ECS and VPC put after the prefix of a resource id in a region
/// (`i-bp1...` in cn-hangzhou, `vpc-uf6...` in cn-shanghai).
pub fn id_prefix(id: &str) -> &'static str {
    match id {
        "cn-hangzhou" => "bp1",
        "cn-shanghai" => "uf6",
        "cn-beijing" => "2ze",
        "cn-shenzhen" => "wz9",
        "cn-qingdao" => "m5e",
        "cn-zhangjiakou" => "8vb",
        "ap-southeast-1" => "t4n",
        _ => "gw8",
    }
}

/// A new resource id: `<kind>-<region prefix><random>`, `len` characters after the dash.
pub fn new_id(kind: &str, region: &str, len: usize) -> String {
    let prefix = id_prefix(region);
    crate::emulator::core::wire::random_id(
        &format!("{kind}-{prefix}"),
        len.saturating_sub(prefix.len()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_demo_regions_are_listed_once() {
        assert_eq!(
            find("cn-hangzhou").map(|r| r.endpoint),
            Some("ecs-cn-hangzhou.aliyuncs.com")
        );
        assert!(find("cn-shanghai").is_some());
        assert!(find("cn-nowhere").is_none());
        let mut ids: Vec<&str> = REGIONS.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), REGIONS.len());
    }
}
