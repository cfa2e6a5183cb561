//! Every entry of `tests/vectors/acs3.json` (recorded from the official Python SDK),
//! checked stage by stage with exact equality, plus server-side verification of each
//! positive vector's wire form and rejection of each negative case.

use serde_json::Value;
use skillgate::signing::acs1;
use skillgate::signing::acs3::{self, SignableRequest, WireRequest};
use skillgate::signing::encoding::{form_urlencode_pairs, parse_raw_query};

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/acs3.json");
    let text = std::fs::read_to_string(path).expect("read acs3.json");
    serde_json::from_str(&text).expect("parse acs3.json")
}

fn text<'v>(value: &'v Value, pointer: &str) -> &'v str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("missing string at {pointer}"))
}

/// A JSON object of strings as ordered pairs (serde_json keeps file order).
fn pairs(value: &Value, pointer: &str) -> Vec<(String, String)> {
    value
        .pointer(pointer)
        .and_then(Value::as_object)
        .unwrap_or_else(|| panic!("missing object at {pointer}"))
        .iter()
        .map(|(key, value)| {
            let value = value
                .as_str()
                .unwrap_or_else(|| panic!("non-string value for {key} at {pointer}"));
            (key.clone(), value.to_owned())
        })
        .collect()
}

fn without_authorization(headers: &[(String, String)]) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(name, _)| !name.eq_ignore_ascii_case("authorization"))
        .cloned()
        .collect()
}

/// Splits `https://host/path?query` into (path, query).
fn split_wire_url<'u>(wire_url: &'u str, host: &str) -> (&'u str, &'u str) {
    let prefix = format!("https://{host}");
    let target = wire_url
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{wire_url} does not start with {prefix}"));
    target.split_once('?').unwrap_or((target, ""))
}

fn wire_url(host: &str, pathname: &str, query: &[(String, String)]) -> String {
    if query.is_empty() {
        format!("https://{host}{pathname}")
    } else {
        format!("https://{host}{pathname}?{}", form_urlencode_pairs(query))
    }
}

fn secret_lookup(ak: &str, secret: &str) -> impl Fn(&str) -> Option<String> {
    let (ak, secret) = (ak.to_owned(), secret.to_owned());
    move |candidate: &str| (candidate == ak).then(|| secret.clone())
}

fn replace_header(headers: &mut Vec<(String, String)>, name: &str, value: &str) {
    headers.retain(|(existing, _)| !existing.eq_ignore_ascii_case(name));
    headers.push((name.to_owned(), value.to_owned()));
}

#[test]
fn v3_vectors_every_stage() {
    let file = vectors();
    let list = file["vectors"].as_array().expect("vectors array");
    assert_eq!(list.len(), 7, "the file documents 7 V3 vectors");
    for v in list {
        let name = text(v, "/name");
        let ak = text(v, "/credentials/access_key_id");
        let secret = text(v, "/credentials/access_key_secret");
        let method = text(v, "/request/method");
        let host = text(v, "/request/host");
        let pathname = text(v, "/request/pathname");
        let body = text(v, "/request/body").as_bytes();
        let query = pairs(v, "/request/query");
        let all_headers = pairs(v, "/request/headers");
        let headers = without_authorization(&all_headers);

        assert_eq!(
            acs3::hashed_payload(body),
            text(v, "/hashed_payload"),
            "{name}: hashed payload"
        );
        assert_eq!(
            acs3::canonical_query_string(&query),
            text(v, "/canonical_query_string"),
            "{name}: canonical query"
        );
        let (canonical_headers, signed_headers) = acs3::canonical_headers(&headers);
        assert_eq!(
            canonical_headers,
            text(v, "/canonical_headers"),
            "{name}: canonical headers"
        );
        assert_eq!(
            signed_headers,
            text(v, "/signed_headers"),
            "{name}: signed headers"
        );
        let req = SignableRequest {
            method,
            canonical_uri: pathname,
            query: &query,
            headers: &headers,
            body,
        };
        let canonical_request = acs3::canonical_request(&req);
        assert_eq!(
            canonical_request,
            text(v, "/canonical_request"),
            "{name}: canonical request"
        );
        let string_to_sign = acs3::string_to_sign(&canonical_request);
        assert_eq!(
            string_to_sign,
            text(v, "/string_to_sign"),
            "{name}: string to sign"
        );
        assert_eq!(
            string_to_sign.strip_prefix("ACS3-HMAC-SHA256\n"),
            Some(text(v, "/hashed_canonical_request")),
            "{name}: hashed canonical request"
        );
        assert_eq!(
            acs3::signature(secret, &string_to_sign),
            text(v, "/signature"),
            "{name}: signature"
        );
        let signed = acs3::sign(&req, ak, secret);
        assert_eq!(
            signed.authorization,
            text(v, "/authorization"),
            "{name}: authorization"
        );
        assert_eq!(
            signed.authorization,
            text(v, "/request/headers/Authorization"),
            "{name}: authorization header as sent"
        );
        assert_eq!(
            signed.signed_headers,
            text(v, "/signed_headers"),
            "{name}: sign() signed headers"
        );
        assert_eq!(
            wire_url(host, pathname, &query),
            text(v, "/request/wire_url"),
            "{name}: wire url"
        );

        // Server side: verify the wire form as the SDK sent it.
        let (raw_path, raw_query) = split_wire_url(text(v, "/request/wire_url"), host);
        assert_eq!(
            parse_raw_query(raw_query),
            query,
            "{name}: wire query decodes back to the signed pairs"
        );
        let wire = WireRequest {
            method,
            raw_path,
            raw_query,
            headers: &all_headers,
            body,
        };
        assert_eq!(
            acs3::verify(&wire, secret_lookup(ak, secret)),
            Ok(ak.to_owned()),
            "{name}: verify accepts the SDK wire form"
        );

        check_minimal_variant(v, name, &req, ak, secret, &all_headers, raw_path, raw_query);
    }
}

/// The same request signed over host + content-type + x-acs-* only (what our client
/// does, minus `accept`): every stage, then server-side verification with the
/// unsigned `accept`/`user-agent` still on the wire.
#[allow(clippy::too_many_arguments)]
fn check_minimal_variant(
    v: &Value,
    name: &str,
    full: &SignableRequest,
    ak: &str,
    secret: &str,
    all_headers: &[(String, String)],
    raw_path: &str,
    raw_query: &str,
) {
    let minimal_headers: Vec<(String, String)> = full
        .headers
        .iter()
        .filter(|(header, _)| {
            let lower = header.to_ascii_lowercase();
            lower == "host" || lower == "content-type" || lower.starts_with("x-acs-")
        })
        .cloned()
        .collect();
    let req = SignableRequest {
        headers: &minimal_headers,
        ..*full
    };
    let signed = acs3::sign(&req, ak, secret);
    let stage = |field: &str| text(v, &format!("/minimal_signed_headers_variant/{field}"));
    assert_eq!(
        signed.signed_headers,
        stage("signed_headers"),
        "{name}: minimal variant signed headers"
    );
    assert_eq!(
        signed.canonical_request,
        stage("canonical_request"),
        "{name}: minimal variant canonical request"
    );
    assert_eq!(
        signed.string_to_sign,
        stage("string_to_sign"),
        "{name}: minimal variant string to sign"
    );
    assert_eq!(
        signed.signature,
        stage("signature"),
        "{name}: minimal variant signature"
    );
    assert_eq!(
        signed.authorization,
        stage("authorization"),
        "{name}: minimal variant authorization"
    );

    let mut wire_headers = all_headers.to_vec();
    replace_header(&mut wire_headers, "Authorization", &signed.authorization);
    let wire = WireRequest {
        method: full.method,
        raw_path,
        raw_query,
        headers: &wire_headers,
        body: full.body,
    };
    assert_eq!(
        acs3::verify(&wire, secret_lookup(ak, secret)),
        Ok(ak.to_owned()),
        "{name}: verify accepts the minimal variant"
    );
}

#[test]
fn doc_cross_check_every_stage() {
    let file = vectors();
    let v = &file["doc_cross_check"];
    let name = "doc_cross_check";
    let ak = text(v, "/credentials/access_key_id");
    let secret = text(v, "/credentials/access_key_secret");
    let method = text(v, "/request/method");
    let pathname = text(v, "/request/pathname");
    let raw_query = text(v, "/request/query_string");
    let body = text(v, "/request/body").as_bytes();
    let headers = pairs(v, "/request/headers");
    let query = parse_raw_query(raw_query);

    assert_eq!(
        acs3::hashed_payload(body),
        text(v, "/request/headers/x-acs-content-sha256"),
        "{name}: hashed payload"
    );
    assert_eq!(
        form_urlencode_pairs(&query),
        raw_query,
        "{name}: wire query string"
    );
    let req = SignableRequest {
        method,
        canonical_uri: pathname,
        query: &query,
        headers: &headers,
        body,
    };
    let signed = acs3::sign(&req, ak, secret);
    assert_eq!(
        signed.canonical_request,
        text(v, "/canonical_request"),
        "{name}: canonical request"
    );
    assert_eq!(
        signed.signed_headers,
        "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version",
        "{name}: signed headers"
    );
    assert_eq!(
        signed.string_to_sign,
        text(v, "/string_to_sign"),
        "{name}: string to sign"
    );
    assert_eq!(
        signed.signature,
        text(v, "/signature"),
        "{name}: signature (the published value)"
    );
    assert_eq!(
        signed.authorization,
        text(v, "/authorization"),
        "{name}: authorization"
    );

    let mut wire_headers = headers.clone();
    wire_headers.push(("Authorization".to_owned(), signed.authorization.clone()));
    let wire = WireRequest {
        method,
        raw_path: pathname,
        raw_query,
        headers: &wire_headers,
        body,
    };
    assert_eq!(
        acs3::verify(&wire, secret_lookup(ak, secret)),
        Ok(ak.to_owned()),
        "{name}: verify accepts the doc example"
    );
}

#[test]
fn v1_vectors_every_stage() {
    let file = vectors();
    let list = file["v1_vectors"].as_array().expect("v1_vectors array");
    assert_eq!(list.len(), 2, "the file documents 2 V1 vectors");
    let mut seen = Vec::new();
    for v in list {
        let name = text(v, "/name");
        let ak = text(v, "/credentials/access_key_id");
        let secret = text(v, "/credentials/access_key_secret");
        let method = text(v, "/request/method");
        let host = text(v, "/request/host");
        let pathname = text(v, "/request/pathname");
        let query = pairs(v, "/request/query");
        let headers = pairs(v, "/request/headers");
        let wire = text(v, "/request/wire_url");
        assert_eq!(wire_url(host, pathname, &query), wire, "{name}: wire url");
        let (raw_path, raw_query) = split_wire_url(wire, host);
        let lookup = secret_lookup(ak, secret);
        match name {
            "v1_rpc_hmac_sha1" => {
                let canonical = acs1::rpc_canonicalized_query(&query);
                assert_eq!(
                    canonical,
                    text(v, "/canonicalized_query_string"),
                    "{name}: canonicalized query"
                );
                let string_to_sign = acs1::rpc_string_to_sign(method, &canonical);
                assert_eq!(
                    string_to_sign,
                    text(v, "/string_to_sign"),
                    "{name}: string to sign"
                );
                let signature = acs1::rpc_signature(secret, &string_to_sign);
                assert_eq!(signature, text(v, "/signature"), "{name}: signature");
                assert_eq!(
                    signature,
                    text(v, "/request/query/Signature"),
                    "{name}: Signature query param"
                );
                assert_eq!(
                    acs1::verify_rpc(method, raw_query, None, &lookup),
                    Ok(ak.to_owned()),
                    "{name}: verify_rpc accepts the wire form"
                );
                let tampered = raw_query.replace("zh-CN", "en-US");
                assert_eq!(
                    acs1::verify_rpc(method, &tampered, None, &lookup).map_err(|e| e.code()),
                    Err("SignatureDoesNotMatch"),
                    "{name}: verify_rpc rejects a tampered query"
                );
            }
            "v1_roa_hmac_sha1" => {
                let string_to_sign = acs1::roa_string_to_sign(method, pathname, &query, &headers);
                assert_eq!(
                    string_to_sign,
                    text(v, "/string_to_sign"),
                    "{name}: string to sign"
                );
                let signature = acs1::roa_signature(secret, &string_to_sign);
                assert_eq!(signature, text(v, "/signature"), "{name}: signature");
                let authorization = acs1::roa_authorization(ak, &signature);
                assert_eq!(
                    authorization,
                    text(v, "/authorization"),
                    "{name}: authorization"
                );
                assert_eq!(
                    authorization,
                    text(v, "/request/headers/authorization"),
                    "{name}: authorization header as sent"
                );
                assert_eq!(
                    acs1::verify_roa(method, raw_path, raw_query, &headers, &lookup),
                    Ok(ak.to_owned()),
                    "{name}: verify_roa accepts the wire form"
                );
                assert_eq!(
                    acs1::verify_roa(method, raw_path, "NeedDetail=False", &headers, &lookup)
                        .map_err(|e| e.code()),
                    Err("SignatureDoesNotMatch"),
                    "{name}: verify_roa rejects a tampered query"
                );
            }
            other => panic!("unknown V1 vector {other}: add a check for it"),
        }
        seen.push(name.to_owned());
    }
    assert_eq!(seen, ["v1_rpc_hmac_sha1", "v1_roa_hmac_sha1"]);
}

/// Headers of the vector a negative case was derived from.
///
/// `body_tampered_content_sha_mismatch` names `rpc_post_form_body`, which the file
/// does not contain. Any correctly signed POST reaches the same check, because the body
/// hash is compared before the signature, so its sibling `rpc_post_typed_sdk_query`
/// (also `POST /`, empty-body hash) stands in.
fn base_headers(file: &Value, base: &str) -> Vec<(String, String)> {
    let list = file["vectors"].as_array().expect("vectors array");
    let wanted = if base == "rpc_post_form_body" {
        "rpc_post_typed_sdk_query"
    } else {
        base
    };
    let v = list
        .iter()
        .find(|v| v["name"] == wanted)
        .unwrap_or_else(|| panic!("base vector {wanted} not in file"));
    pairs(v, "/request/headers")
}

#[test]
fn negative_cases_are_rejected_with_their_codes() {
    let file = vectors();
    let list = file["negative_cases"]
        .as_array()
        .expect("negative_cases array");
    assert_eq!(list.len(), 4, "the file documents 4 negative cases");
    let ak = "LTAI5tTestAccessKeyId0001";
    let secret = "TestAccessKeySecret0123456789abcd";
    for case in list {
        let name = text(case, "/name");
        let mut headers = base_headers(&file, text(case, "/base_vector"));
        for (header, value) in pairs(case, "/headers_changed") {
            replace_header(&mut headers, &header, &value);
        }
        let target = text(case, "/target");
        let (raw_path, raw_query) = target.split_once('?').unwrap_or((target, ""));
        let wire = WireRequest {
            method: text(case, "/method"),
            raw_path,
            raw_query,
            headers: &headers,
            body: text(case, "/body").as_bytes(),
        };
        let result = acs3::verify(&wire, secret_lookup(ak, secret));
        let error = result.expect_err(name);
        assert_eq!(
            error.code(),
            text(case, "/expected_code"),
            "{name}: error code ({error:?})"
        );
    }
}

#[test]
fn verify_rejects_a_vector_signed_with_another_secret() {
    let file = vectors();
    let v = &file["vectors"][0];
    let host = text(v, "/request/host");
    let headers = pairs(v, "/request/headers");
    let (raw_path, raw_query) = split_wire_url(text(v, "/request/wire_url"), host);
    let wire = WireRequest {
        method: text(v, "/request/method"),
        raw_path,
        raw_query,
        headers: &headers,
        body: b"",
    };
    let error = acs3::verify(&wire, |_| Some("another-secret".to_owned()))
        .expect_err("wrong secret must not verify");
    assert_eq!(error.code(), "SignatureDoesNotMatch");
    assert!(error.message().ends_with(text(v, "/string_to_sign")));
}
