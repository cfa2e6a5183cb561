//! OBS (Object Storage Service) through the Huawei client: a Huawei service on its own host
//! (`obs.{region}.myhuaweicloud.com`), signed `OBS <AK>:<signature>` ([`crate::signing::obs`])
//! instead of `SDK-HMAC-SHA256`, with XML bodies.
//!
//! A request is OBS's when its catalog endpoint is the OBS host: the service kind follows from
//! the host the catalog declares, so no catalog field or engine code knows about it. The
//! bucket goes in the path (path style, as the SDK does for an IP endpoint), so one host serves
//! every bucket and `--endpoint huawei=URL` reaches the emulator unchanged. The JSON body the
//! catalog builds (`{"CreateBucketConfiguration": {"Location": ...}}`) is written as XML, and
//! XML answers (`ListAllMyBucketsResult`, `<Error>`) are read back into JSON so the rest of the
//! client (classification, projection) works as for every Huawei service.

use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::providers::request::ProviderRequest;
use crate::signing::obs::{self as signer, Flavor};

/// The first label of the OBS host.
pub const HOST_LABEL: &str = "obs.";

/// Whether a request goes to OBS (its declared host is `obs.<region>...`).
pub fn is_obs(req: &ProviderRequest) -> bool {
    req.host.starts_with(HOST_LABEL)
}

/// The RFC 1123 `Date` OBS signs, e.g. `Thu, 03 Dec 2026 10:00:00 GMT`.
pub fn format_date(at: OffsetDateTime) -> String {
    let format = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

/// `CanonicalizedResource` of a path-style request: `/<bucket>[/<key>]` plus the signed
/// sub-resources of its query.
pub fn resource(req: &ProviderRequest) -> String {
    let path = req.path.trim_start_matches('/');
    let (bucket, key) = match path.split_once('/') {
        Some((bucket, key)) => (bucket, Some(key)),
        None => (path, None),
    };
    let query: Vec<(String, Option<String>)> = req
        .query
        .iter()
        .map(|(k, v)| (k.clone(), (!v.is_empty()).then(|| v.clone())))
        .collect();
    // The path is already encoded; the signer encodes keys itself, so decode it first.
    let key = key.map(|k| {
        percent_encoding::percent_decode_str(k)
            .decode_utf8_lossy()
            .into_owned()
    });
    signer::canonical_resource(
        (!bucket.is_empty()).then_some(bucket),
        key.as_deref(),
        &query,
        true,
        Flavor::Obs,
    )
}

/// The headers of one attempt before signing, in the order sent.
pub fn headers(
    req: &ProviderRequest,
    host: &str,
    date: &str,
    has_body: bool,
    token: Option<&str>,
    user_agent: &str,
) -> Vec<(String, String)> {
    let mut headers = vec![("Host".to_owned(), host.to_owned())];
    if has_body {
        headers.push(("Content-Type".to_owned(), "application/xml".to_owned()));
    }
    headers.push(("Date".to_owned(), date.to_owned()));
    headers.push(("User-Agent".to_owned(), user_agent.to_owned()));
    if let Some(token) = token {
        headers.push(("x-obs-security-token".to_owned(), token.to_owned()));
    }
    headers.extend(req.headers.iter().cloned());
    headers
}

/// The `Authorization` value of `headers` (the `Date` and `x-obs-*` they carry are signed).
pub fn authorization(
    req: &ProviderRequest,
    headers: &[(String, String)],
    access_key: &str,
    secret_key: &str,
) -> String {
    signer::sign(
        &req.method,
        headers,
        &resource(req),
        Flavor::Obs,
        access_key,
        secret_key,
    )
    .authorization
}

fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

fn write_element(name: &str, value: &Value, out: &mut String) {
    match value {
        Value::Array(items) => {
            for item in items {
                write_element(name, item, out);
            }
        }
        Value::Object(children) => {
            out.push_str(&format!("<{name}>"));
            for (child, value) in children {
                write_element(child, value, out);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::Null => {}
        Value::String(text) => out.push_str(&format!("<{name}>{}</{name}>", escape(text))),
        other => out.push_str(&format!("<{name}>{other}</{name}>")),
    }
}

/// The XML body of a request: each top-level key of the JSON object is a root element
/// (`{"CreateBucketConfiguration": {"Location": "cn-north-4"}}`); no body stays empty.
pub fn xml_body(req: &ProviderRequest) -> Vec<u8> {
    let Some(Value::Object(body)) = &req.body else {
        return Vec::new();
    };
    let mut out = String::new();
    for (name, value) in body {
        write_element(name, value, &mut out);
    }
    out.into_bytes()
}

/// Whether `child` is an item of `parent` (`Buckets` holds `Bucket`s): always a list, even of one.
fn is_list_item(parent: &str, child: &str) -> bool {
    parent.len() == child.len() + 1 && parent.starts_with(child) && parent.ends_with('s')
}

fn insert(map: &mut Map<String, Value>, parent: &str, name: String, value: Value) {
    match map.get_mut(&name) {
        Some(Value::Array(items)) => items.push(value),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, value]);
        }
        None if is_list_item(parent, &name) => {
            map.insert(name, Value::Array(vec![value]));
        }
        None => {
            map.insert(name, value);
        }
    }
}

/// An XML document as JSON: elements with children are objects (repeated names become lists,
/// as do the items of a plural parent), text-only elements are strings; the root is kept as
/// the single key. Empty input is `null`.
pub fn xml_to_json(bytes: &[u8]) -> Result<Value, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(true);
    // (name, children, text)
    let mut stack: Vec<(String, Map<String, Value>, String)> =
        vec![(String::new(), Map::new(), String::new())];
    loop {
        match reader
            .read_event()
            .map_err(|e| format!("invalid XML: {e}"))?
        {
            Event::Start(start) => {
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                stack.push((name, Map::new(), String::new()));
            }
            Event::Empty(empty) => {
                let name = String::from_utf8_lossy(empty.local_name().as_ref()).into_owned();
                if let Some((parent, map, _)) = stack.last_mut() {
                    let parent = parent.clone();
                    insert(map, &parent, name, Value::String(String::new()));
                }
            }
            Event::Text(content) => {
                let unescaped = content
                    .unescape()
                    .map_err(|e| format!("invalid XML: {e}"))?;
                if let Some((_, _, text)) = stack.last_mut() {
                    text.push_str(&unescaped);
                }
            }
            Event::End(_) => {
                let (name, children, text) = stack.pop().ok_or("unbalanced XML")?;
                let value = if children.is_empty() {
                    Value::String(text)
                } else {
                    Value::Object(children)
                };
                let (parent, map, _) = stack.last_mut().ok_or("unbalanced XML")?;
                let parent = parent.clone();
                insert(map, &parent, name, value);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    match stack.pop() {
        Some((_, root, _)) if stack.is_empty() => Ok(Value::Object(root)),
        _ => Err("unclosed XML element".to_owned()),
    }
}

/// An OBS `<Error>` document in the shape the Huawei error reader takes (`code`, `message`,
/// `request_id`).
pub fn error_json(body: &Value) -> Value {
    let error = body.get("Error").unwrap_or(body);
    let text = |key: &str| error.get(key).and_then(Value::as_str).unwrap_or_default();
    let mut out = Map::new();
    out.insert("code".into(), Value::String(text("Code").to_owned()));
    out.insert("message".into(), Value::String(text("Message").to_owned()));
    if !text("RequestId").is_empty() {
        out.insert(
            "request_id".into(),
            Value::String(text("RequestId").to_owned()),
        );
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn buckets_are_a_list_even_of_one() {
        let xml = br#"<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult xmlns="http://obs.myhwclouds.com/doc/2015-06-30/"><Owner><ID>d1</ID></Owner><Buckets><Bucket><Name>a&amp;b</Name><CreationDate>2026-01-01T00:00:00.000Z</CreationDate><Location>cn-north-4</Location></Bucket></Buckets></ListAllMyBucketsResult>"#;
        let value = xml_to_json(xml).expect("parses");
        assert_eq!(
            value["ListAllMyBucketsResult"]["Buckets"]["Bucket"][0]["Name"],
            "a&b"
        );
        assert_eq!(value["ListAllMyBucketsResult"]["Owner"]["ID"], "d1");
    }

    #[test]
    fn bodies_are_written_as_xml() {
        let mut req = ProviderRequest::new(
            "huawei",
            "obs",
            "v1",
            crate::providers::ApiStyle::Rest,
            "CreateBucket",
            "PUT",
            "obs.cn-north-4.myhuaweicloud.com",
        );
        req.body = Some(json!({"CreateBucketConfiguration": {"Location": "cn-north-4"}}));
        assert_eq!(
            String::from_utf8(xml_body(&req)).expect("utf-8"),
            "<CreateBucketConfiguration><Location>cn-north-4</Location></CreateBucketConfiguration>"
        );
        assert!(is_obs(&req));
    }

    #[test]
    fn errors_read_as_code_and_message() {
        let value = xml_to_json(b"<Error><Code>BucketNotEmpty</Code><Message>not empty</Message><RequestId>r1</RequestId></Error>").expect("parses");
        let error = error_json(&value);
        assert_eq!(error["code"], "BucketNotEmpty");
        assert_eq!(error["request_id"], "r1");
        assert_eq!(
            format_date(time::macros::datetime!(2026-12-03 10:00:00 UTC)),
            "Thu, 03 Dec 2026 10:00:00 GMT"
        );
    }
}
