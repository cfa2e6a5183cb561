//! Private images (and the private cloud's system image list).

use serde_json::{Map, Value, json};

use super::{body, fresh, page};
use crate::emulator::autodl::esd::models::EsdBackend;
use crate::emulator::core::clock::format_time;
use crate::emulator::core::service::Ctx;
use crate::emulator::core::wire::{ApiError, ApiRequest};

/// `POST /api/v1/dev/image/private/list`: both name fields, as the sources disagree.
pub fn list_private(
    ctx: &mut Ctx<'_, EsdBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let ctx = fresh(ctx);
    let b = body(req)?;
    let items = ctx
        .state
        .images
        .iter()
        .map(|i| {
            json!({
                "id": i.id, "image_uuid": i.uuid, "image_name": i.name, "name": i.name,
                "status": "finished", "image_size": i.size,
                "created_at": format_time(i.created_at), "updated_at": format_time(i.created_at),
            })
        })
        .collect();
    page(&b, items)
}

/// `POST /api/v2/image/list`: the base images every account may use.
pub fn list_system(
    _ctx: &mut Ctx<'_, EsdBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let b = body(req)?;
    let items = [
        ("image-base-torch21-cu118", "PyTorch 2.1 / CUDA 11.8", "11.8"),
        ("image-base-torch23-cu121", "PyTorch 2.3 / CUDA 12.1", "12.1"),
        ("image-base-miniconda-cu113", "Miniconda / CUDA 11.3", "11.3"),
    ]
    .iter()
    .map(|(uuid, name, cuda)| json!({"image_uuid": uuid, "name": name, "cuda_version": cuda, "chip_corp": "nvidia", "cpu_arch": "x86"}))
    .collect();
    page(&b, items)
}
