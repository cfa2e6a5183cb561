//! The two signature verifiers the emulator trusts (ACS3-HMAC-SHA256 for Alibaba,
//! SDK-HMAC-SHA256 for Huawei). Two properties on fuzzed requests: arbitrary headers never
//! panic a verifier and never pass it; and a request signed by the real signer passes, while
//! the same request with any one signed part changed (method, path, a query value, a signed
//! header, one body byte) fails.

use skillgate::signing::acs3::{self, SignableRequest as AcsRequest, WireRequest as AcsWire};
use skillgate::signing::encoding::form_urlencode_pairs;
use skillgate::signing::huawei::{self, SignableRequest as HwRequest, WireRequest as HwWire};

use super::input::Cursor;

const KEY_ID: &str = "LTAI5tFUZZFUZZFUZZFUZZ";
const SECRET: &str = "fuzz-secret-0123456789abcdefghij";
const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH"];
const WORDS: &[&str] = &[
    "RegionId",
    "cn-hangzhou",
    "a b",
    "%2F",
    "~",
    "*",
    "=",
    "&",
    "中文",
    "",
    "Action",
];

fn secret_for(id: &str) -> Option<String> {
    (id == KEY_ID).then(|| SECRET.to_owned())
}

/// A request's parts, chosen from the fuzzer's bytes.
struct Parts {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    body: Vec<u8>,
}

fn parts(input: &mut Cursor<'_>) -> Parts {
    let method = METHODS[input.below(METHODS.len())].to_owned();
    let segments = input.below(4);
    let path: String = (0..segments)
        .map(|_| {
            let segment = input.text(&["api", "v1", "quotas", "{id}", "a-b_c"]);
            format!(
                "/{}",
                skillgate::signing::encoding::encode_path_segment(&segment)
            )
        })
        .collect();
    let path = if path.is_empty() {
        "/".to_owned()
    } else {
        path
    };
    let pairs = input.below(5);
    let query = (0..pairs)
        .map(|_| (input.text(WORDS), input.text(WORDS)))
        .filter(|(k, _)| !k.is_empty())
        .collect();
    let body = input.rest().iter().copied().take(256).collect();
    Parts {
        method,
        path,
        query,
        body,
    }
}

/// Changes one signed part; returns which, for the failure message.
fn tamper(input: &mut Cursor<'_>, parts: &mut Parts, headers: &mut [(String, String)]) -> String {
    match input.below(5) {
        0 => {
            let other = METHODS
                .iter()
                .find(|m| **m != parts.method)
                .unwrap_or(&"GET");
            parts.method = (*other).to_owned();
            "method".into()
        }
        1 => {
            parts.path.push('x');
            "path".into()
        }
        2 if !parts.query.is_empty() => {
            let at = input.below(parts.query.len());
            parts.query[at].1.push('Z');
            format!("query value {}", parts.query[at].0)
        }
        3 if !parts.body.is_empty() => {
            let at = input.below(parts.body.len());
            parts.body[at] ^= 0x01;
            format!("body byte {at}")
        }
        _ => {
            let signed: Vec<usize> = (0..headers.len())
                .filter(|i| !headers[*i].0.eq_ignore_ascii_case("authorization"))
                .collect();
            let at = signed[input.below(signed.len())];
            headers[at].1.push('Q');
            format!("header {}", headers[at].0)
        }
    }
}

fn alibaba(bytes: &[u8]) {
    let mut input = Cursor::new(bytes);
    // Arbitrary headers first: no panic, no pass.
    let junk: Vec<(String, String)> = (0..input.below(5))
        .map(|_| {
            let name = input.text(&["authorization", "x-acs-content-sha256", "x-acs-date"]);
            let value = input.text(&[
                "ACS3-HMAC-SHA256 Credential=LTAI5tFUZZFUZZFUZZFUZZ,SignedHeaders=host,Signature=00",
                "ACS3-HMAC-SHA256 ",
                ",,,=",
            ]);
            (name, value)
        })
        .collect();
    let wire = AcsWire {
        method: "POST",
        raw_path: "/",
        raw_query: "",
        headers: &junk,
        body: input.rest(),
    };
    assert!(acs3::verify(&wire, secret_for).is_err(), "junk passed");

    let mut parts = parts(&mut input);
    let mut headers = vec![
        ("host".to_owned(), "pai.cn-hangzhou.aliyuncs.com".to_owned()),
        ("x-acs-action".to_owned(), "ListQuotas".to_owned()),
        ("x-acs-version".to_owned(), "2022-01-12".to_owned()),
        ("x-acs-date".to_owned(), "2026-12-02T05:00:00Z".to_owned()),
        ("x-acs-signature-nonce".to_owned(), "nonce-1".to_owned()),
        (
            "x-acs-content-sha256".to_owned(),
            acs3::hashed_payload(&parts.body),
        ),
    ];
    let signature = acs3::sign(
        &AcsRequest {
            method: &parts.method,
            canonical_uri: &parts.path,
            query: &parts.query,
            headers: &headers,
            body: &parts.body,
        },
        KEY_ID,
        SECRET,
    );
    headers.push(("authorization".to_owned(), signature.authorization));
    let verify = |parts: &Parts, headers: &[(String, String)]| {
        let raw_query = form_urlencode_pairs(&parts.query);
        acs3::verify(
            &AcsWire {
                method: &parts.method,
                raw_path: &parts.path,
                raw_query: &raw_query,
                headers,
                body: &parts.body,
            },
            secret_for,
        )
    };
    assert_eq!(verify(&parts, &headers).ok().as_deref(), Some(KEY_ID));
    let what = tamper(&mut input, &mut parts, &mut headers);
    assert!(
        verify(&parts, &headers).is_err(),
        "a changed {what} still verified"
    );
}

fn huawei_case(bytes: &[u8]) {
    let mut input = Cursor::new(bytes);
    let junk: Vec<(String, String)> = (0..input.below(5))
        .map(|_| {
            let name = input.text(&["authorization", "x-sdk-date", "host"]);
            let value = input.text(&[
                "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=00",
                "SDK-HMAC-SHA256",
                "20261202T050000Z",
            ]);
            (name, value)
        })
        .collect();
    let wire = HwWire {
        method: "GET",
        raw_path: "/v3/projects",
        raw_query: "",
        headers: &junk,
        body: input.rest(),
    };
    assert!(huawei::verify(&wire, secret_for).is_err(), "junk passed");

    let mut parts = parts(&mut input);
    let mut headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("X-Project-Id".to_owned(), "0123456789abcdef".to_owned()),
        ("X-Sdk-Date".to_owned(), "20261202T050000Z".to_owned()),
        (
            "Host".to_owned(),
            "modelarts.cn-north-4.myhuaweicloud.com".to_owned(),
        ),
    ];
    let signature = huawei::sign(
        &HwRequest {
            method: &parts.method,
            path: &parts.path,
            query: &parts.query,
            headers: &headers,
            body: &parts.body,
        },
        KEY_ID,
        SECRET,
    );
    headers.push(("Authorization".to_owned(), signature.authorization));
    let verify = |parts: &Parts, headers: &[(String, String)]| {
        let raw_query = huawei::canonical_query(&parts.query);
        huawei::verify(
            &HwWire {
                method: &parts.method,
                raw_path: &parts.path,
                raw_query: &raw_query,
                headers,
                body: &parts.body,
            },
            secret_for,
        )
        .map(|verified| verified.access_key)
    };
    assert_eq!(verify(&parts, &headers).ok().as_deref(), Some(KEY_ID));
    let what = tamper(&mut input, &mut parts, &mut headers);
    assert!(
        verify(&parts, &headers).is_err(),
        "a changed {what} still verified"
    );
}

#[test]
fn alibaba_acs3_verifier() {
    bolero::check!()
        .with_iterations(5_000)
        .for_each(|bytes: &[u8]| alibaba(bytes));
}

#[test]
fn huawei_sdk_hmac_verifier() {
    bolero::check!()
        .with_iterations(5_000)
        .for_each(|bytes: &[u8]| huawei_case(bytes));
}
