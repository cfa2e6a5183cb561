//! The catalog readers: every package (all pages), search with plain "not supported" answers,
//! and one package's installation parameters without its template body.

use serde_json::{Map, Value, json};

use super::api::{CATALOG_REGION, GET_EXTENSION, all_packages, declared};
use super::packages::{self, Package, Resolution};
use crate::failure::{FailureKind, ToolFailure};
use crate::toolsets::GuardContext;

/// `ecsext_list_extensions`.
pub(crate) async fn list_extensions(
    ctx: &mut GuardContext<'_>,
) -> Result<Map<String, Value>, ToolFailure> {
    let category = ctx.arg_str("category").map(|c| c.to_lowercase());
    let packages: Vec<Value> = all_packages(ctx)
        .await?
        .iter()
        .filter(|p| {
            category
                .as_ref()
                .is_none_or(|c| p.categories.iter().any(|pc| pc.to_lowercase() == *c))
        })
        .map(Package::view)
        .collect();
    let mut out = Map::new();
    out.insert("total_count".into(), json!(packages.len()));
    out.insert("extensions".into(), Value::Array(packages));
    Ok(out)
}

/// `ecsext_search_extensions`.
pub(crate) async fn search_extensions(
    ctx: &mut GuardContext<'_>,
) -> Result<Map<String, Value>, ToolFailure> {
    let keyword = ctx.arg_str("keyword").unwrap_or_default();
    let catalog = all_packages(ctx).await?;
    let found = packages::search(&catalog, &keyword);
    let mut out = Map::new();
    out.insert("supported".into(), json!(!found.is_empty()));
    if found.is_empty() {
        let near = packages::nearest(&catalog, &keyword);
        out.insert(
            "message".into(),
            json!(format!(
                "`{keyword}` is not supported as an ECS extension: no public package matches it{}",
                if near.is_empty() {
                    String::new()
                } else {
                    format!("; the nearest are {}", near.join(", "))
                }
            )),
        );
        out.insert("suggestions".into(), json!(near));
    } else {
        out.insert(
            "message".into(),
            json!(format!(
                "{} package(s) match `{keyword}`; install with ecsext_install and the exact package_name",
                found.len()
            )),
        );
        out.insert("suggestions".into(), json!([]));
    }
    out.insert(
        "matches".into(),
        Value::Array(found.iter().map(Package::view).collect()),
    );
    Ok(out)
}

/// Resolves a vague package name to exactly one package, or fails listing the candidates.
pub(crate) async fn resolve_package(
    ctx: &GuardContext<'_>,
    wanted: &str,
) -> Result<Package, ToolFailure> {
    let catalog = all_packages(ctx).await?;
    match packages::resolve(&catalog, wanted) {
        Resolution::One(package) => Ok(package),
        Resolution::Several(candidates) => {
            let names: Vec<Value> = candidates
                .iter()
                .map(|p| json!({"package_name": p.name, "display_name": p.display_name}))
                .collect();
            Err(ToolFailure::new(
                FailureKind::AmbiguousMatch,
                format!(
                    "`{wanted}` matches {} packages; name one exactly",
                    candidates.len()
                ),
            )
            .with_details(json!({"candidates": names}))
            .with_hint("pass one package_name from the candidates; nothing was planned"))
        }
        Resolution::None(near) => Err(ToolFailure::new(
            FailureKind::NotFound,
            format!("no public extension package is named `{wanted}`"),
        )
        .with_details(json!({"nearest": near}))
        .with_hint("ecsext_search_extensions lists what is supported; nothing was planned")),
    }
}

/// GetTemplate for an exact package name: the package and its declared parameters.
pub(crate) async fn load_template(
    ctx: &GuardContext<'_>,
    package_name: &str,
    version: Option<&str>,
) -> Result<(Package, Vec<packages::TemplateParameter>), ToolFailure> {
    let mut args = json!({"package_name": package_name, "region_id": CATALOG_REGION});
    if let Some(version) = version {
        args["version"] = json!(version);
    }
    let answer = ctx.read(&declared(GET_EXTENSION, args)).await?;
    let template = answer.body.get("Template").cloned().unwrap_or(Value::Null);
    let package = Package::from_template(&template).ok_or_else(|| {
        ToolFailure::new(
            FailureKind::ProviderUnavailable,
            format!("GetTemplate answered without the template `{package_name}`"),
        )
    })?;
    let parameters = packages::template_parameters(answer.body.get("Content")).map_err(|why| {
        ToolFailure::new(
            FailureKind::ProviderUnavailable,
            format!("the template of `{package_name}` cannot be read: {why}"),
        )
    })?;
    Ok((package, parameters))
}

/// `ecsext_get_extension`: resolves a display name first, then reads the template.
pub(crate) async fn get_extension(
    ctx: &mut GuardContext<'_>,
) -> Result<Map<String, Value>, ToolFailure> {
    let wanted = ctx.arg_str("package_name").unwrap_or_default();
    let version = ctx.arg_str("version");
    let result = load_template(ctx, &wanted, version.as_deref()).await;
    let (package, parameters) = match result {
        Ok(found) => found,
        Err(failure) if failure.kind == FailureKind::NotFound => {
            let package = resolve_package(ctx, &wanted).await?;
            load_template(ctx, &package.name, version.as_deref()).await?
        }
        Err(failure) => return Err(failure),
    };
    let mut out = match package.view() {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    out.insert(
        "parameters".into(),
        Value::Array(
            parameters
                .iter()
                .map(packages::TemplateParameter::view)
                .collect(),
        ),
    );
    Ok(out)
}
