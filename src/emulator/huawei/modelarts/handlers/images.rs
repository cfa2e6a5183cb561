//! Images v1: the built-in images and those saved from notebooks, listed with filters and
//! shown by id.

use serde_json::{Map, Value};

use super::{page, v1_page};
use crate::emulator::core::service::Ctx;
use crate::emulator::core::wire::{ApiError, ApiRequest};
use crate::emulator::huawei::errors::object;
use crate::emulator::huawei::modelarts::catalog::{IMAGES, image};
use crate::emulator::huawei::modelarts::models::ModelArtsBackend;

/// `GET /v1/{project_id}/images`: `name` (exact, or contained with `name_fuzzy_match=true`),
/// `type`, `service_type`, paged by `offset`/`limit` (default 200).
pub fn list_images(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let (offset, limit) = page(req, 200, 1000)?;
    let fuzzy = req.query_bool("name_fuzzy_match")?.unwrap_or(false);
    let name = req.query_nonempty("name");
    let kind = req.query_nonempty("type");
    let items: Vec<Value> = IMAGES
        .iter()
        .filter(|entry| {
            name.is_none_or(|n| {
                if fuzzy {
                    entry.1.contains(n)
                } else {
                    entry.1 == n
                }
            })
        })
        .filter(|_| kind.is_none_or(|k| k == "BUILD_IN"))
        .filter(|_| {
            req.query_nonempty("service_type")
                .is_none_or(|s| s == "DEV" || s == "COMMON")
        })
        .map(image)
        .chain(
            ctx.state
                .saved_images
                .iter()
                .map(|(_, _, saved)| saved.clone())
                .filter(|saved| {
                    name.is_none_or(|n| {
                        let own = saved["name"].as_str().unwrap_or_default();
                        if fuzzy { own.contains(n) } else { own == n }
                    })
                })
                .filter(|_| kind.is_none_or(|k| k == "DEDICATED")),
        )
        .collect();
    Ok(v1_page(items, offset, limit))
}

/// `GET /v1/{project_id}/images/{id}`.
pub fn show_image(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("id")?;
    IMAGES
        .iter()
        .find(|entry| entry.0 == id)
        .map(|entry| object(image(entry)))
        .or_else(|| {
            ctx.state
                .saved_images
                .iter()
                .find(|(saved, _, _)| saved == id)
                .map(|(_, _, rendered)| object(rendered.clone()))
        })
        .ok_or_else(|| ApiError::new(404, "ModelArts.6404", format!("Image {id} does not exist.")))
}
