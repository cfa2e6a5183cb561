//! `ListTemplates` and `GetTemplate`: the public catalog (the same in every region).

use serde_json::{Map, Value, json};

use super::Ctx;
use crate::emulator::alibaba::ecs::rules::region;
use crate::emulator::alibaba::oos::catalog::Template;
use crate::emulator::alibaba::oos::errors;
use crate::emulator::alibaba::oos::render::{template_detail, template_item};
use crate::emulator::core::paging::TokenPage;
use crate::emulator::core::wire::{ApiError, ApiRequest};

/// Templates filtered by `TemplateType`, `ShareType`, `TemplateName` (substring,
/// case-insensitive), `CreatedBy`, `Category`, `HasTrigger`; sorted by `SortField`
/// (`TotalExecutionCount` by default, also `Popularity`, `TemplateName`, `CreatedDate`)
/// and `SortOrder` (`Descending` by default); paged by `MaxResults` (1-100, default 50)
/// and `NextToken`.
pub fn list_templates(
    _ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    region::of_call(req)?;
    let page = TokenPage::from_request(req, 1, 100, 50)?;
    req.json_object("Tags")?;
    let kind = req.query_nonempty("TemplateType");
    let share = req.query_nonempty("ShareType");
    let name = req.query_nonempty("TemplateName").map(str::to_lowercase);
    let created_by = req.query_nonempty("CreatedBy");
    let category = req.query_nonempty("Category");
    let has_trigger = req.query_bool("HasTrigger")?;
    let mut selected: Vec<Template> = Template::all()
        .into_iter()
        .filter(|t| kind.is_none_or(|k| k == t.template_type()))
        .filter(|_| share.is_none_or(|s| s == "Public"))
        .filter(|_| created_by.is_none_or(|c| c == "ACS"))
        .filter(|_| has_trigger != Some(true))
        .filter(|t| {
            category.is_none_or(|c| match t {
                Template::Package(_) => c == "Package",
                Template::Bulky => c == "Other",
            })
        })
        .filter(|t| {
            name.as_ref()
                .is_none_or(|n| t.name().to_lowercase().contains(n))
        })
        .collect();
    match req
        .query_nonempty("SortField")
        .unwrap_or("TotalExecutionCount")
    {
        "TotalExecutionCount" => selected.sort_by_key(|t| t.popularity().1),
        "Popularity" => selected.sort_by_key(|t| t.popularity().0),
        "TemplateName" => selected.sort_by_key(Template::name),
        "CreatedDate" => selected.sort_by_key(|t| t.created()),
        other => {
            return Err(errors::invalid(format!(
                "SortField \"{other}\" is not valid; valid values: TotalExecutionCount, Popularity, TemplateName, CreatedDate."
            )));
        }
    }
    match req.query_nonempty("SortOrder").unwrap_or("Descending") {
        "Descending" => selected.reverse(),
        "Ascending" => {}
        other => {
            return Err(errors::invalid(format!(
                "SortOrder \"{other}\" is not valid; valid values: Ascending, Descending."
            )));
        }
    }
    let (items, next) = page.slice(&selected);
    let mut out = Map::new();
    out.insert(
        "Templates".into(),
        Value::Array(items.iter().map(template_item).collect()),
    );
    out.insert("MaxResults".into(), json!(page.size));
    if let Some(next) = next {
        out.insert("NextToken".into(), json!(next));
    }
    Ok(out)
}

/// One template: its `Content` (a JSON string) and its metadata; `TemplateVersion`
/// defaults to the latest.
pub fn get_template(_ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    region::of_call(req)?;
    let name = req
        .query_nonempty("TemplateName")
        .ok_or_else(errors::missing_template_name)?;
    let template = Template::find(name).ok_or_else(|| errors::template_not_found(name))?;
    let versions = template.versions();
    let version = match req.query_nonempty("TemplateVersion") {
        None => template.latest_version(),
        Some(v) => versions
            .iter()
            .copied()
            .find(|known| *known == v)
            .ok_or_else(|| errors::template_version_not_found(name, v, &versions))?,
    };
    let mut out = Map::new();
    out.insert("Content".into(), json!(template.content(version)));
    out.insert("Template".into(), template_detail(&template, version));
    Ok(out)
}
