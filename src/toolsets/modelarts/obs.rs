//! OBS buckets (seed-operations.md 6.1): a create with every problem of the name reported at
//! once, refused when the account already has the bucket, its location set from the region;
//! a delete of an empty bucket the account has (a non-empty one is refused before a plan, from
//! its storage info; OBS itself answers 409 `BucketNotEmpty` to one that filled up since); and
//! the buckets a notebook can mount as `obs://` URIs.

use serde_json::{Map, Value, json};

use super::api::{declared, text};
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::toolsets::GuardContext;

pub(crate) const LIST_BUCKETS: &str = "ma_obs_list_buckets";
pub(crate) const BUCKET_STORAGE: &str = "ma_obs_get_bucket_storage";

/// Every problem of an OBS bucket name (3-63 lower-case letters, digits, '-' and '.', a letter
/// or digit at both ends, no `..`/`.-`/`-.`, not an IP address).
pub(crate) fn bucket_name_problems(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    if !(3..=63).contains(&name.len()) {
        out.push(format!("is {} characters long, not 3-63", name.len()));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
    {
        out.push("may hold only lower-case letters, digits, '-' and '.'".to_owned());
    }
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !edge(name.chars().next()) || !edge(name.chars().last()) {
        out.push("must start and end with a letter or digit".to_owned());
    }
    if name.contains("..") || name.contains(".-") || name.contains("-.") {
        out.push("must not contain '..', '.-' or '-.'".to_owned());
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        out.push("must not be an IP address".to_owned());
    }
    out
}

/// The account's buckets as `ListAllMyBucketsResult` lists them.
async fn buckets(ctx: &GuardContext<'_>) -> Result<Vec<Value>, ToolFailure> {
    let answer = ctx.read(&declared(LIST_BUCKETS, json!({}))).await?;
    Ok(answer
        .body
        .pointer("/ListAllMyBucketsResult/Buckets/Bucket")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default())
}

fn names(buckets: &[Value]) -> Vec<String> {
    buckets
        .iter()
        .map(|b| text(b, "/Name").to_owned())
        .collect()
}

/// `ma.obs_create_bucket`: a valid name the account does not have yet; the location is the
/// call's region.
pub(crate) async fn obs_create_bucket(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let name = ctx.arg_str("bucket").unwrap_or_default();
    let problems = bucket_name_problems(&name);
    if !problems.is_empty() {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!("bucket `{name}` {}", problems.join("; ")),
        ));
    }
    let existing = buckets(ctx).await?;
    if let Some(found) = existing.iter().find(|b| text(b, "/Name") == name) {
        return Err(ToolFailure::new(
            FailureKind::InUse,
            format!(
                "this account already has bucket `{name}` (in {})",
                text(found, "/Location")
            ),
        )
        .with_hint("ma_obs_list_buckets lists the buckets; nothing was planned"));
    }
    let region = ctx.arg_str("region_id").unwrap_or_default();
    if !region.is_empty() {
        ctx.args
            .insert("configuration".into(), json!({"Location": region}));
    }
    ctx.checks.push(Check::ok(
        "cost",
        json!({"note": "an empty bucket costs nothing; objects stored in it are billed per GB-month, requests per call"}),
    ));
    ctx.diff.insert(
        "buckets".into(),
        json!({"current": names(&existing), "target": format!("+ {name}")}),
    );
    Ok(())
}

/// `ma.obs_delete_bucket`: the account has the bucket.
pub(crate) async fn obs_delete_bucket(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let name = ctx.arg_str("bucket").unwrap_or_default();
    let existing = buckets(ctx).await?;
    let Some(found) = existing.iter().find(|b| text(b, "/Name") == name) else {
        return Err(ToolFailure::new(
            FailureKind::NotFound,
            format!("this account has no bucket `{name}`"),
        )
        .with_details(json!({"buckets": names(&existing)}))
        .with_hint("ma_obs_list_buckets lists them; nothing was planned"));
    };
    let usage = ctx
        .read(&declared(BUCKET_STORAGE, json!({"bucket": name})))
        .await?
        .body;
    let objects = text(&usage, "/GetBucketStorageInfoResult/ObjectNumber")
        .parse::<u64>()
        .unwrap_or(0);
    let size = text(&usage, "/GetBucketStorageInfoResult/Size").to_owned();
    if objects > 0 {
        return Err(ToolFailure::new(
            FailureKind::InUse,
            format!(
                "bucket `{name}` is not empty: it holds {objects} object(s), {size} bytes; OBS deletes only an empty bucket"
            ),
        )
        .with_details(json!({"bucket": name, "object_number": objects, "size_bytes": size}))
        .with_hint("empty the bucket first (delete its objects), then plan again; nothing was planned"));
    }
    let shown = json!({"bucket": name, "location": found["Location"], "created": found["CreationDate"], "object_number": objects});
    ctx.checks.push(Check::ok("bucket", shown.clone()));
    ctx.checks.push(Check::warning(
        "irreversible",
        json!({"note": "the bucket name is released; OBS still refuses the delete if objects arrive before the confirmation (BucketNotEmpty)"}),
    ));
    ctx.state.push(shown.clone());
    ctx.diff.insert(
        "bucket".into(),
        json!({"current": shown, "target": "deleted"}),
    );
    Ok(())
}

/// `ma.attachable_obs`: the account's buckets (in the call's region when it names one) as the
/// `obs://<bucket>/` URIs ma_nb_attach_obs mounts.
pub(crate) async fn attachable_obs(
    ctx: &mut GuardContext<'_>,
) -> Result<Map<String, Value>, ToolFailure> {
    let region = ctx.arg_str("region_id").unwrap_or_default();
    let all = buckets(ctx).await?;
    let listed: Vec<Value> = all
        .iter()
        .filter(|b| region.is_empty() || text(b, "/Location") == region)
        .map(|b| {
            json!({"name": b["Name"], "uri": format!("obs://{}/", text(b, "/Name")), "location": b["Location"]})
        })
        .collect();
    Ok(crate::catalog::project(
        &ctx.tool.output,
        &json!({"buckets": listed}),
    ))
}

/// Registers the OBS guards and reader.
pub(crate) fn register(registry: &mut crate::toolsets::ToolsetRegistry) {
    registry.guards(&[
        crate::guard!("ma.obs_create_bucket", needs: [], provides: [], calls: [LIST_BUCKETS], obs_create_bucket),
        crate::guard!("ma.obs_delete_bucket", needs: [], provides: [], calls: [LIST_BUCKETS, BUCKET_STORAGE], obs_delete_bucket),
    ]);
    registry.readers(&[crate::reader!("ma.attachable_obs", calls: [LIST_BUCKETS], attachable_obs)]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_report_every_problem() {
        assert!(bucket_name_problems("demo-bucket").is_empty());
        assert_eq!(bucket_name_problems("-A_").len(), 2);
        assert!(!bucket_name_problems("10.0.0.1").is_empty());
    }
}
