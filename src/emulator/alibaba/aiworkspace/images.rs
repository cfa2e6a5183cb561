//! The official PAI images AIWorkSpace lists (`ListImages`), with the labels DLC clients filter
//! on: `system.supported.dlc=true`, `system.chipType` GPU/CPU, `system.framework`. A fixed
//! catalog: images are not created through this emulator.

use serde_json::{Map, Value, json};

use crate::emulator::alibaba::aiworkspace::handlers::Ctx;
use crate::emulator::core::paging::list_response;
use crate::emulator::core::wire::{ApiError, ApiRequest};

/// One image: id, name, URI, chip type, framework, whether DLC supports it.
struct Image {
    id: &'static str,
    name: &'static str,
    uri: &'static str,
    chip: &'static str,
    framework: &'static str,
    dlc: bool,
}

const REGISTRY: &str = "dsw-registry-vpc.cn-hangzhou.cr.aliyuncs.com/pai";

#[rustfmt::skip]
const IMAGES: &[Image] = &[
    Image { id: "image-pt23gpu", name: "pytorch-training:2.3-gpu-py310-cu121-ubuntu22.04", uri: "pytorch-training:2.3-gpu-py310-cu121-ubuntu22.04", chip: "GPU", framework: "PyTorch", dlc: true },
    Image { id: "image-pt23cpu", name: "pytorch-training:2.3-cpu-py310-ubuntu22.04", uri: "pytorch-training:2.3-cpu-py310-ubuntu22.04", chip: "CPU", framework: "PyTorch", dlc: true },
    Image { id: "image-ptaccl", name: "pytorch-training:2.3-accl-gpu-py310-cu121", uri: "pytorch-training:2.3-accl-gpu-py310-cu121", chip: "GPU", framework: "PyTorch", dlc: true },
    Image { id: "image-tf215gpu", name: "tensorflow-training:2.15-gpu-py310-cu121-ubuntu22.04", uri: "tensorflow-training:2.15-gpu-py310-cu121-ubuntu22.04", chip: "GPU", framework: "TensorFlow", dlc: true },
    Image { id: "image-tf215cpu", name: "tensorflow-training:2.15-cpu-py310-ubuntu22.04", uri: "tensorflow-training:2.15-cpu-py310-ubuntu22.04", chip: "CPU", framework: "TensorFlow", dlc: true },
    Image { id: "image-xgb17cpu", name: "xgboost-training:1.7-cpu-py310-ubuntu22.04", uri: "xgboost-training:1.7-cpu-py310-ubuntu22.04", chip: "CPU", framework: "XGBoost", dlc: true },
    Image { id: "image-base2204", name: "ubuntu:22.04-base", uri: "ubuntu:22.04-base", chip: "CPU", framework: "None", dlc: true },
    Image { id: "image-dswnb", name: "modelscope:1.14-notebook-py310", uri: "modelscope:1.14-notebook-py310", chip: "GPU", framework: "PyTorch", dlc: false },
];

fn labels(image: &Image) -> Vec<(String, String)> {
    vec![
        ("system.supported.dlc".into(), image.dlc.to_string()),
        ("system.chipType".into(), image.chip.into()),
        ("system.framework".into(), image.framework.into()),
        ("system.official".into(), "true".into()),
    ]
}

fn render(image: &Image) -> Value {
    json!({
        "ImageId": image.id,
        "Name": image.name,
        "ImageUri": format!("{REGISTRY}/{}", image.uri),
        "Description": format!("Official {} image ({})", image.framework, image.chip),
        "Accessibility": "PUBLIC",
        "SourceType": "Official",
        "SourceId": "",
        "WorkspaceId": "",
        "UserId": "",
        "ParentUserId": "",
        "Size": 12,
        "GmtCreateTime": "2024-05-01T00:00:00Z",
        "GmtModifiedTime": "2024-05-01T00:00:00Z",
        "Labels": labels(image).into_iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect::<Vec<_>>(),
    })
}

/// `Labels=k=v,k2=v2` (every pair must match), `Name` / `Query` substring filters, paging
/// (default 20).
pub fn list_images(_ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    let paging = req.paging(20)?;
    req.query_bool("Verbose")?;
    let mut wanted = Vec::new();
    for pair in req.query_csv("Labels").unwrap_or_default() {
        let Some((k, v)) = pair.split_once('=') else {
            return Err(ApiError::invalid(
                "InvalidParameter.Labels",
                format!("The label filter \"{pair}\" must be key=value."),
            ));
        };
        wanted.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    let name = req
        .query_nonempty("Name")
        .or_else(|| req.query_nonempty("Query"))
        .map(str::to_lowercase);
    let selected: Vec<&Image> = IMAGES
        .iter()
        .filter(|i| {
            let have = labels(i);
            wanted.iter().all(|w| {
                have.iter()
                    .any(|h| h.0 == w.0 && h.1.eq_ignore_ascii_case(&w.1))
            })
        })
        .filter(|i| {
            name.as_ref()
                .is_none_or(|n| i.name.to_lowercase().contains(n))
        })
        .collect();
    Ok(list_response("Images", &selected, paging, |i| render(i)))
}
