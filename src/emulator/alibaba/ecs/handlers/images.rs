//! `DescribeImages`: the public images, by id, family, name, OS type or owner, newest
//! first, paged with `PageNumber` + `PageSize` (at most 100).

use serde_json::{Map, Value, json};

use super::Ctx;
use crate::emulator::alibaba::ecs::catalog::images::{IMAGES, Image};
use crate::emulator::alibaba::ecs::catalog::instance_types;
use crate::emulator::alibaba::ecs::errors;
use crate::emulator::alibaba::ecs::models::OsType;
use crate::emulator::alibaba::ecs::rules::region;
use crate::emulator::core::wire::{ApiError, ApiRequest, split_csv};

/// One `Images.Image[]` item.
pub fn image_item(i: &Image) -> Value {
    let mut item = json!({
        "ImageId": i.id,
        "ImageName": i.id.trim_end_matches(".vhd"),
        "ImageFamily": i.family,
        "ImageVersion": i.created.replace('-', ""),
        "ImageOwnerAlias": "system",
        "ImageOwnerId": 0,
        "Description": format!("{} (public image)", i.os_name_en),
        "OSName": i.os_name,
        "OSNameEn": i.os_name_en,
        "OSType": i.os_type.as_str(),
        "Platform": i.platform,
        "Architecture": "x86_64",
        "BootMode": "BIOS",
        "Size": i.size_gib,
        "Status": "Available",
        "Usage": "instance",
        "Progress": "100%",
        "CreationTime": format!("{}T00:00:00Z", i.created),
    });
    let more = json!({
        "IsPublic": true,
        "IsCopied": false,
        "IsSelfShared": "",
        "IsSubscribed": false,
        "IsSupportCloudinit": true,
        "IsSupportIoOptimized": true,
        "LoginAsNonRootSupported": i.os_type == OsType::Linux,
        "LicenseType": "",
        "ProductCode": "",
        "SupplierName": "",
        "ResourceGroupId": "",
        "Usable": true,
        "DiskDeviceMappings": {"DiskDeviceMapping": [{"Device": "/dev/xvda", "Size": i.size_gib.to_string(), "Type": "system", "Format": "", "SnapshotId": "", "ImportOSSBucket": "", "ImportOSSObject": "", "Progress": "100%", "RemainTime": 0, "Encrypted": false}]},
        "Features": {"NvmeSupport": "supported", "ImdsSupport": "v2", "CpuOnlineUpgrade": "", "CpuOnlineDowngrade": "", "MemoryOnlineUpgrade": "", "MemoryOnlineDowngrade": ""},
        "DetectionOptions": {"Status": "", "Items": {"Item": []}},
        "SecureBootOptions": {"SecureBootSupport": "unsupported"},
        "Tags": {"Tag": []},
    });
    if let (Value::Object(item), Value::Object(more)) = (&mut item, more) {
        item.extend(more);
    }
    item
}

/// The images matching every filter; `ImageOwnerAlias=self` (custom images) lists none.
pub fn describe_images(
    _ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let region = region::required(req)?;
    req.query_bool("DryRun")?;
    let ids = req.query_nonempty("ImageId").map(split_csv);
    let family = req.query_nonempty("ImageFamily");
    let name = req.query_nonempty("ImageName");
    let os = match req.query_nonempty("OSType") {
        None => None,
        Some(o) if o.eq_ignore_ascii_case("linux") => Some(OsType::Linux),
        Some(o) if o.eq_ignore_ascii_case("windows") => Some(OsType::Windows),
        Some(o) => {
            return Err(errors::invalid(
                "OSType",
                format!("OSType \"{o}\" is not valid; valid values: linux, windows."),
            ));
        }
    };
    if let Some(t) = req.query_nonempty("InstanceType")
        && instance_types::find(t).is_none()
    {
        return Err(errors::instance_type_not_found(t));
    }
    let owner = req.query_nonempty("ImageOwnerAlias");
    if let Some(o) = owner
        && !["system", "self", "others", "marketplace"].contains(&o)
    {
        return Err(errors::invalid(
            "ImageOwnerAlias",
            format!(
                "ImageOwnerAlias \"{o}\" is not valid; valid values: system, self, others, marketplace."
            ),
        ));
    }
    let paging = req.paging(10)?;
    let selected: Vec<&Image> = IMAGES
        .iter()
        .filter(|_| owner.is_none_or(|o| o == "system"))
        .filter(|i| {
            ids.as_ref()
                .is_none_or(|ids| ids.iter().any(|id| id == i.id))
        })
        .filter(|i| family.is_none_or(|f| i.family == f))
        .filter(|i| {
            name.is_none_or(|n| match n.strip_suffix('*') {
                Some(prefix) => i.id.starts_with(prefix),
                None => i.id.trim_end_matches(".vhd") == n || i.id == n,
            })
        })
        .filter(|i| os.is_none_or(|o| i.os_type == o))
        .collect();
    let items: Vec<Value> = paging
        .slice(&selected)
        .iter()
        .map(|i| image_item(i))
        .collect();
    let mut out = Map::new();
    out.insert("Images".into(), json!({ "Image": items }));
    out.insert("TotalCount".into(), json!(selected.len()));
    out.insert("PageNumber".into(), json!(paging.number));
    out.insert("PageSize".into(), json!(paging.size));
    out.insert("RegionId".into(), json!(region));
    Ok(out)
}
