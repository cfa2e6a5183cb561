//! The headers and URL of an outgoing call, shared by sending and previewing so the
//! dry run shows exactly what will be signed.

use time::OffsetDateTime;
use time::macros::format_description;

use crate::providers::request::ProviderRequest;
use crate::signing::encoding::form_urlencode_pairs;

/// We only accept JSON responses.
pub const ACCEPT: &str = "application/json";
/// The body type of every PAI / AI Workspace write.
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// What varies per attempt, or a stand-in for it in a preview.
pub struct AttemptStamp<'a> {
    /// `x-acs-date`.
    pub date: &'a str,
    /// `x-acs-signature-nonce`.
    pub nonce: &'a str,
    /// `x-acs-security-token` value (stand-in in previews).
    pub security_token: Option<&'a str>,
    /// `x-acs-accesskey-id` value for STS (masked in previews).
    pub access_key_id: &'a str,
}

/// The headers that are sent *and signed*, in display order.
///
/// `host`, `content-type` and every `x-acs-*` header must be signed (the docs'
/// minimum); `accept` is signed too because we set it ourselves and nothing between us
/// and the server rewrites it. `user-agent` is deliberately left unsigned: it is
/// informational and proxies are known to rewrite it. The host is the product's real
/// host even when the connection goes to an emulator, which reads the region from it.
pub fn signed_headers(
    req: &ProviderRequest,
    body_hash: &str,
    stamp: &AttemptStamp,
) -> Vec<(String, String)> {
    let mut headers = vec![
        ("host".to_owned(), req.host.clone()),
        ("x-acs-action".to_owned(), req.action.clone()),
        ("x-acs-version".to_owned(), req.version.clone()),
        ("x-acs-date".to_owned(), stamp.date.to_owned()),
        ("x-acs-signature-nonce".to_owned(), stamp.nonce.to_owned()),
        ("x-acs-content-sha256".to_owned(), body_hash.to_owned()),
        ("accept".to_owned(), ACCEPT.to_owned()),
    ];
    if req.body.is_some() {
        headers.push(("content-type".to_owned(), JSON_CONTENT_TYPE.to_owned()));
    }
    // Headers the API itself defines (FC's `x-fc-invocation-type`, ...) are signed like ours.
    for (name, value) in &req.headers {
        headers.push((name.to_ascii_lowercase(), value.clone()));
    }
    if let Some(token) = stamp.security_token {
        // The SDK sends the key id alongside an STS token; both are signed.
        headers.push((
            "x-acs-accesskey-id".to_owned(),
            stamp.access_key_id.to_owned(),
        ));
        headers.push(("x-acs-security-token".to_owned(), token.to_owned()));
    }
    headers
}

/// `x-acs-date` format: UTC `YYYY-MM-DDTHH:MM:SSZ`.
pub fn x_acs_date(now: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    now.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

/// `AlibabaCloud (<OS>; <arch>) skillgate/<version> AlibabaCloud-Agent-Skills/<suffix>`.
///
/// The prefix mirrors the official SDKs' so server-side usage statistics group us
/// with SDK traffic; the suffix names the skill that made the call.
pub fn user_agent(suffix: &str) -> String {
    let os = match std::env::consts::OS {
        "linux" => "Linux",
        "macos" => "Darwin",
        "windows" => "Windows",
        other => other,
    };
    format!(
        "AlibabaCloud ({os}; {}) skillgate/{} AlibabaCloud-Agent-Skills/{suffix}",
        std::env::consts::ARCH,
        env!("CARGO_PKG_VERSION"),
    )
}

/// `<base><path>[?<form-encoded query>]`, with the query in insertion order.
pub fn url(base: &str, req: &ProviderRequest) -> String {
    if req.query.is_empty() {
        format!("{base}{}", req.path)
    } else {
        format!("{base}{}?{}", req.path, form_urlencode_pairs(&req.query))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::request::ApiStyle;

    #[test]
    fn dates_are_second_precision_utc() {
        let at = time::macros::datetime!(2026-11-22 08:00:00.123 +02:00);
        assert_eq!(x_acs_date(at), "2026-11-22T06:00:00Z");
    }

    #[test]
    fn user_agent_names_skillgate_and_the_skill() {
        let ua = user_agent("pai-quota");
        assert!(ua.starts_with("AlibabaCloud ("), "{ua}");
        assert!(
            ua.ends_with(&format!(
                "skillgate/{} AlibabaCloud-Agent-Skills/pai-quota",
                env!("CARGO_PKG_VERSION")
            )),
            "{ua}"
        );
    }

    #[test]
    fn content_type_only_with_a_body_and_sts_headers_only_with_a_token() {
        let get = ProviderRequest::new(
            "alibaba",
            "paistudio",
            "2022-01-12",
            ApiStyle::Roa,
            "ListQuotas",
            "GET",
            "pai.cn-hangzhou.aliyuncs.com",
        )
        .with_path("/api/v1/quotas/", &[]);
        let stamp = AttemptStamp {
            date: "d",
            nonce: "n",
            security_token: None,
            access_key_id: "AK",
        };
        let names: Vec<String> = signed_headers(&get, "h", &stamp)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(
            names,
            [
                "host",
                "x-acs-action",
                "x-acs-version",
                "x-acs-date",
                "x-acs-signature-nonce",
                "x-acs-content-sha256",
                "accept"
            ]
        );
        let put = get.clone().body(serde_json::json!({}));
        let sts = AttemptStamp {
            security_token: Some("t"),
            ..stamp
        };
        let names: Vec<String> = signed_headers(&put, "h", &sts)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert!(names.ends_with(&[
            "content-type".to_owned(),
            "x-acs-accesskey-id".to_owned(),
            "x-acs-security-token".to_owned()
        ]));
        assert_eq!(
            url("https://h", &get.query("A", "x y")),
            "https://h/api/v1/quotas/?A=x+y"
        );
    }
}
