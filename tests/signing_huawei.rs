//! Every entry of `tests/vectors/huawei-sdk-hmac.json` (recorded from the official
//! `huaweicloudsdkcore` 3.1.219 signer), checked stage by stage with exact equality, then
//! verified server-side from its wire form, and refused once tampered with.

use serde_json::Value;
use skillgate::signing::huawei::{
    self, EMPTY_BODY_SHA256, SignableRequest, VerifyError, WireRequest,
};

fn vectors() -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/huawei-sdk-hmac.json"
    );
    let text = std::fs::read_to_string(path).expect("read huawei-sdk-hmac.json");
    let file: Value = serde_json::from_str(&text).expect("parse huawei-sdk-hmac.json");
    file["vectors"].as_array().expect("vectors").clone()
}

fn text<'v>(value: &'v Value, pointer: &str) -> &'v str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("missing string at {pointer}"))
}

/// The headers the SDK set, in file order, with or without `Authorization`.
fn headers(vector: &Value, with_authorization: bool) -> Vec<(String, String)> {
    vector["expected"]["headers"]
        .as_object()
        .expect("headers")
        .iter()
        .filter(|(name, _)| with_authorization || !name.eq_ignore_ascii_case("authorization"))
        .map(|(name, value)| (name.clone(), value.as_str().expect("string").to_owned()))
        .collect()
}

fn body(vector: &Value) -> Vec<u8> {
    let expected = &vector["expected"];
    if let Some(hex_body) = expected["body_hex"].as_str() {
        return hex::decode(hex_body).expect("body_hex");
    }
    expected["body"]
        .as_str()
        .unwrap_or_default()
        .as_bytes()
        .to_vec()
}

fn secret_for(vector: &Value) -> impl Fn(&str) -> Option<String> + '_ {
    move |ak| (ak == text(vector, "/input/ak")).then(|| text(vector, "/input/sk").to_owned())
}

#[test]
fn the_file_holds_the_eleven_vectors() {
    assert_eq!(vectors().len(), 11);
}

#[test]
fn every_vector_signs_stage_by_stage() {
    for vector in vectors() {
        let id = text(&vector, "/id");
        let expected = &vector["expected"];
        let query = huawei::decode_query(text(&vector, "/expected/wire_query"));
        let body = body(&vector);
        let headers = headers(&vector, false);
        let req = SignableRequest {
            method: text(&vector, "/expected/method"),
            path: text(&vector, "/expected/wire_path"),
            query: &query,
            headers: &headers,
            body: &body,
        };
        // The wire query is the canonical query: already sorted and encoded.
        assert_eq!(
            huawei::canonical_query(&query),
            text(&vector, "/expected/wire_query"),
            "{id}: canonical query"
        );
        let path = text(&vector, "/expected/wire_path");
        assert!(!path.ends_with('/'), "{id}: the wire path has no slash");
        assert_eq!(
            huawei::canonical_uri(path),
            format!("{path}/"),
            "{id}: canonical uri"
        );
        let url = if query.is_empty() {
            format!("https://{}{path}", text(&vector, "/expected/host"))
        } else {
            format!(
                "https://{}{path}?{}",
                text(&vector, "/expected/host"),
                huawei::canonical_query(&query)
            )
        };
        assert_eq!(url, text(&vector, "/expected/url"), "{id}: url");
        let declared = headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(huawei::CONTENT_SHA256_HEADER))
            .map(|(_, value)| value.as_str());
        let payload = huawei::hashed_payload(declared, &body);
        if body.is_empty() {
            assert_eq!(payload, EMPTY_BODY_SHA256, "{id}: empty payload");
        } else if declared.is_none() {
            assert_eq!(
                payload,
                text(&vector, "/expected/body_sha256"),
                "{id}: payload"
            );
        }
        let signed = huawei::sign(&req, text(&vector, "/input/ak"), text(&vector, "/input/sk"));
        assert_eq!(
            signed.canonical_request,
            text(&vector, "/expected/canonical_request"),
            "{id}: canonical request"
        );
        assert!(
            signed.canonical_request.ends_with(&payload),
            "{id}: payload line"
        );
        assert_eq!(
            signed.string_to_sign,
            text(&vector, "/expected/string_to_sign"),
            "{id}: string to sign"
        );
        assert_eq!(
            signed.signed_headers,
            text(&vector, "/expected/signed_headers"),
            "{id}: signed headers"
        );
        assert_eq!(
            signed.signature,
            text(&vector, "/expected/signature"),
            "{id}: signature"
        );
        assert_eq!(
            signed.authorization,
            text(&vector, "/expected/authorization"),
            "{id}: authorization"
        );
        assert_eq!(
            expected["headers"]["Authorization"].as_str(),
            Some(signed.authorization.as_str()),
            "{id}: the header sent"
        );
        // The `Authorization` separators are ", ", unlike ACS3.
        assert!(
            signed.authorization.contains(", SignedHeaders=")
                && signed.authorization.contains(", Signature="),
            "{id}: separators"
        );
    }
}

#[test]
fn the_stages_the_coverage_table_names_hold() {
    let all = vectors();
    let find = |prefix: &str| {
        all.iter()
            .find(|v| text(v, "/id").starts_with(prefix))
            .unwrap_or_else(|| panic!("no vector {prefix}"))
    };
    // v07: the security token is signed.
    assert!(text(find("v07"), "/expected/signed_headers").contains("x-security-token"));
    // v14: IAM, no Content-Type and no X-Project-Id.
    assert_eq!(
        text(find("v14"), "/expected/signed_headers"),
        "host;user-agent;x-sdk-date"
    );
    // v15: UNSIGNED-PAYLOAD is the payload hash and `x_ignored_header` is not signed.
    let v15 = find("v15");
    assert!(huawei::needs_unsigned_payload(Some(
        "application/octet-stream"
    )));
    assert!(text(v15, "/expected/canonical_request").ends_with("\nUNSIGNED-PAYLOAD"));
    assert!(!text(v15, "/expected/signed_headers").contains("x_ignored"));
    // v11: camelCase keys sorted by byte, `=` and `/` encoded.
    assert_eq!(
        text(find("v11"), "/expected/wire_query"),
        "labelSelector=os.modelarts%2Fname%3Dmy%20pool&status=created&workspaceId=0"
    );
    // v01: typed SDK query values become the same canonical string.
    let input = find("v01")["input"]["query"].as_object().expect("query");
    let pairs: Vec<(String, String)> = input
        .iter()
        .map(|(k, v)| {
            let value = match v {
                Value::String(s) => s.clone(),
                Value::Bool(b) => b.to_string(),
                other => other.to_string(),
            };
            (k.clone(), value)
        })
        .collect();
    assert_eq!(
        huawei::canonical_query(&pairs),
        text(find("v01"), "/expected/wire_query")
    );
}

fn wire<'a>(vector: &'a Value, headers: &'a [(String, String)], body: &'a [u8]) -> WireRequest<'a> {
    WireRequest {
        method: text(vector, "/expected/method"),
        raw_path: text(vector, "/expected/wire_path"),
        raw_query: text(vector, "/expected/wire_query"),
        headers,
        body,
    }
}

#[test]
fn every_vector_verifies_from_its_wire_form() {
    for vector in vectors() {
        let id = text(&vector, "/id");
        let headers = headers(&vector, true);
        let body = body(&vector);
        let verified = huawei::verify(&wire(&vector, &headers, &body), secret_for(&vector));
        assert_eq!(
            verified.map(|v| (v.access_key, huawei::format_sdk_date(v.date))),
            Ok((
                text(&vector, "/input/ak").to_owned(),
                text(&vector, "/input/sdk_date").to_owned()
            )),
            "{id}"
        );
        // Host with a port (the SDK pointed at 127.0.0.1:PORT) is what gets signed.
        let mut lowered: Vec<(String, String)> = headers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
            .collect();
        lowered.reverse();
        assert!(
            huawei::verify(&wire(&vector, &lowered, &body), secret_for(&vector)).is_ok(),
            "{id}: header case and order do not matter"
        );
    }
}

#[test]
fn tampered_requests_are_refused() {
    for vector in vectors() {
        let id = text(&vector, "/id");
        let headers = headers(&vector, true);
        let body = body(&vector);
        let base = wire(&vector, &headers, &body);
        let mismatch = Err(VerifyError::SignatureMismatch);
        let wrong_secret = |_: &str| Some("not-the-secret".to_owned());
        assert_eq!(
            huawei::verify(&base, wrong_secret).map(|v| v.access_key),
            mismatch,
            "{id}: secret"
        );
        assert_eq!(
            huawei::verify(&base, |_| None).map(|v| v.access_key),
            Err(VerifyError::UnknownAccessKey(
                text(&vector, "/input/ak").to_owned()
            )),
            "{id}: unknown key"
        );
        let other_path = format!("{}x", base.raw_path);
        let moved = WireRequest {
            raw_path: &other_path,
            ..base
        };
        assert_eq!(
            huawei::verify(&moved, secret_for(&vector)).map(|v| v.access_key),
            mismatch,
            "{id}: path"
        );
        let extra_query = if base.raw_query.is_empty() {
            "a=1".to_owned()
        } else {
            format!("{}&a=1", base.raw_query)
        };
        let queried = WireRequest {
            raw_query: &extra_query,
            ..base
        };
        assert_eq!(
            huawei::verify(&queried, secret_for(&vector)).map(|v| v.access_key),
            mismatch,
            "{id}: query"
        );
        let declared_unsigned = headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(huawei::CONTENT_SHA256_HEADER));
        let mut other_body = body.clone();
        other_body.extend_from_slice(b" ");
        let rebodied = WireRequest {
            body: &other_body,
            ..base
        };
        let outcome = huawei::verify(&rebodied, secret_for(&vector)).map(|v| v.access_key);
        if declared_unsigned {
            // UNSIGNED-PAYLOAD: the body is not covered, by design.
            assert!(outcome.is_ok(), "{id}: unsigned body");
        } else {
            assert_eq!(outcome, mismatch, "{id}: body");
        }
        let mut dateless = headers.clone();
        dateless.retain(|(n, _)| !n.eq_ignore_ascii_case("x-sdk-date"));
        assert_eq!(
            huawei::verify(&wire(&vector, &dateless, &body), secret_for(&vector))
                .map(|v| v.access_key),
            Err(VerifyError::MissingSignedHeader("x-sdk-date".into())),
            "{id}: date removed"
        );
        // A header outside SignedHeaders may change freely.
        let mut unsigned_extra = headers.clone();
        unsigned_extra.push(("x_ignored_header".into(), "anything".into()));
        unsigned_extra.push(("Accept-Encoding".into(), "gzip".into()));
        assert!(
            huawei::verify(&wire(&vector, &unsigned_extra, &body), secret_for(&vector)).is_ok(),
            "{id}: unsigned headers"
        );
    }
}
