//! The bucket operations. Answers are XML documents handed to the front through
//! [`wire::xml_answer`] (an empty answer is `204 No Content` for deletes, `200` otherwise).

use serde_json::{Map, Value};

use super::wire::{self, obs_error};
use super::{Bucket, ObsBackend};
use crate::emulator::core::service::Ctx;
use crate::emulator::core::wire::{ApiError, ApiRequest};
use crate::emulator::huawei::account::REGIONS;

/// Bucket names another account already owns (OBS names are global).
const TAKEN: &[&str] = &["obs", "public-datasets", "modelarts-public"];

/// Every problem of a bucket name: 3-63 characters of lower-case letters, digits, `-` and `.`,
/// starting and ending with a letter or digit, no `..`, `.-` or `-.`, not an IP address.
pub fn name_problems(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    if !(3..=63).contains(&name.len()) {
        out.push(format!("is {} characters, not 3-63", name.len()));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
    {
        out.push("may hold only lower-case letters, digits, '-' and '.'".into());
    }
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !edge(name.chars().next()) || !edge(name.chars().last()) {
        out.push("must start and end with a letter or digit".into());
    }
    if name.contains("..") || name.contains(".-") || name.contains("-.") {
        out.push("must not contain '..', '.-' or '-.'".into());
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        out.push("must not be an IP address".into());
    }
    out
}

/// `GET /`: `ListAllMyBucketsResult` with each bucket's name, creation date and location.
pub fn list_buckets(
    ctx: &mut Ctx<'_, ObsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListAllMyBucketsResult xmlns=\"http://obs.myhwclouds.com/doc/2015-06-30/\"><Owner><ID>{}</ID></Owner><Buckets>",
        wire::escape(&req.access_key_id)
    );
    for bucket in &ctx.state.buckets {
        xml.push_str(&format!(
            "<Bucket><Name>{}</Name><CreationDate>{}</CreationDate><Location>{}</Location><BucketType>OBJECT</BucketType></Bucket>",
            wire::escape(&bucket.name),
            wire::iso_time(bucket.created),
            wire::escape(&bucket.location),
        ));
    }
    xml.push_str("</Buckets></ListAllMyBucketsResult>");
    Ok(wire::xml_answer(200, &xml))
}

/// `GET /{bucket}?storageinfo`: the bucket's object count and total size. Without
/// `storageinfo` the call is ListObjects, which the emulator does not serve.
pub fn bucket_storage_info(
    ctx: &mut Ctx<'_, ObsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    if !req.query.iter().any(|(k, _)| k == "storageinfo") {
        return Err(obs_error(
            405,
            "MethodNotAllowed",
            "OBS ListObjects (GET /{bucket}) is not implemented in the emulator; it serves GET /{bucket}?storageinfo.",
        ));
    }
    let name = req.path("bucket")?;
    let Some(bucket) = ctx.state.buckets.iter().find(|b| b.name == name) else {
        return Err(obs_error(
            404,
            "NoSuchBucket",
            format!("The specified bucket {name} does not exist."),
        ));
    };
    let size: u64 = bucket.objects.iter().map(|o| o.size).sum();
    Ok(wire::xml_answer(
        200,
        &format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><GetBucketStorageInfoResult xmlns=\"http://obs.myhwclouds.com/doc/2015-06-30/\"><Size>{size}</Size><ObjectNumber>{}</ObjectNumber></GetBucketStorageInfoResult>",
            bucket.objects.len()
        ),
    ))
}

/// The `Location` (OBS) or `LocationConstraint` (S3 style) of a CreateBucket body.
fn location_of(body: &[u8]) -> Result<Option<String>, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| obs_error(400, "MalformedXML", "The XML body is not UTF-8."))?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    let doc = wire::parse_xml(text).map_err(|why| {
        obs_error(
            400,
            "MalformedXML",
            format!("The XML body is not well formed: {why}."),
        )
    })?;
    let Some(config) = doc.get("CreateBucketConfiguration") else {
        return Err(obs_error(
            400,
            "MalformedXML",
            "The body must be a CreateBucketConfiguration document.",
        ));
    };
    Ok(config
        .get("Location")
        .or_else(|| config.get("LocationConstraint"))
        .and_then(Value::as_str)
        .map(str::to_owned))
}

/// `PUT /{bucket}` with an optional `<CreateBucketConfiguration><Location>`: a new empty
/// bucket in that region (default: the host's, else the first demo region).
pub fn create_bucket(
    ctx: &mut Ctx<'_, ObsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let name = req.path("bucket")?.to_owned();
    let problems = name_problems(&name);
    if !problems.is_empty() {
        return Err(obs_error(
            400,
            "InvalidBucketName",
            format!("The bucket name {name} {}.", problems.join("; ")),
        ));
    }
    let location = location_of(&req.body)?.unwrap_or_else(|| REGIONS[0].to_owned());
    if !REGIONS.contains(&location.as_str()) {
        return Err(obs_error(
            400,
            "InvalidLocationConstraint",
            format!(
                "The location {location} is not a region of this account: {}.",
                REGIONS.join(", ")
            ),
        ));
    }
    if ctx.state.buckets.iter().any(|b| b.name == name) {
        return Err(obs_error(
            409,
            "BucketAlreadyOwnedByYou",
            format!(
                "Your previous request to create the named bucket {name} succeeded and you already own it."
            ),
        ));
    }
    if TAKEN.contains(&name.as_str()) {
        return Err(obs_error(
            409,
            "BucketAlreadyExists",
            format!(
                "The requested bucket name {name} is not available. The bucket namespace is shared by all users of the system."
            ),
        ));
    }
    ctx.state.buckets.push(Bucket {
        name,
        location,
        created: ctx.now,
        objects: Vec::new(),
    });
    Ok(wire::xml_answer(200, ""))
}

/// `DELETE /{bucket}`: an empty bucket of the account; `204 No Content`.
pub fn delete_bucket(
    ctx: &mut Ctx<'_, ObsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let name = req.path("bucket")?;
    let Some(index) = ctx.state.buckets.iter().position(|b| b.name == name) else {
        return Err(obs_error(
            404,
            "NoSuchBucket",
            format!("The specified bucket {name} does not exist."),
        ));
    };
    let objects = ctx.state.buckets[index].objects.len();
    if objects > 0 {
        return Err(obs_error(
            409,
            "BucketNotEmpty",
            format!(
                "The bucket {name} you tried to delete is not empty: it holds {objects} object(s)."
            ),
        ));
    }
    ctx.state.buckets.remove(index);
    Ok(wire::xml_answer(204, ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names_report_every_problem() {
        assert!(name_problems("demo-bucket.v2").is_empty());
        assert_eq!(name_problems("-Ab").len(), 2);
        assert!(!name_problems("192.168.1.1").is_empty());
    }
}
