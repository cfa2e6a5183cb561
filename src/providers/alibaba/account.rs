//! The caller's account id, which FC 3.0's account endpoint names
//! (`{account_id}.{region}.fc.aliyuncs.com`). A service lists `account_id` in `provider_fills`;
//! the catalog leaves `{account_id}` in the host and this client fills it before signing, from
//! STS `GetCallerIdentity` asked once per process and cached (the Huawei client does the same
//! for its project id). Previews show the id once known, else `{account_id}` with a note.

use serde_json::Value;

use crate::providers::request::{ApiStyle, ProviderRequest};

/// The host field the client fills.
pub const ACCOUNT_ID_FIELD: &str = "{account_id}";
/// What a preview says while the id is not known yet.
pub const NOTE: &str = "{account_id} is the caller's Alibaba Cloud account id, asked of STS GetCallerIdentity when the call is sent";

/// Whether the request's host still names the account id.
pub fn needs_account(req: &ProviderRequest) -> bool {
    req.host.contains(ACCOUNT_ID_FIELD)
}

/// STS `GetCallerIdentity` (2015-04-01, RPC), which needs no permission.
pub fn caller_identity(user_agent: &str) -> ProviderRequest {
    let mut req = ProviderRequest::new(
        super::response::PROVIDER,
        "sts",
        "2015-04-01",
        ApiStyle::Rpc,
        "GetCallerIdentity",
        "POST",
        "sts.aliyuncs.com",
    );
    req.user_agent = user_agent.to_owned();
    req
}

/// The account id of a `GetCallerIdentity` answer: digits only, since it becomes a host label.
pub fn account_of(body: &Value) -> Option<String> {
    body.get("AccountId")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_owned)
}

/// The request with the account id in its host.
pub fn filled(req: &ProviderRequest, account: &str) -> ProviderRequest {
    let mut out = req.clone();
    out.host = out.host.replace(ACCOUNT_ID_FIELD, account);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_a_numeric_account_id_fills_the_host() {
        assert_eq!(
            account_of(&json!({"AccountId": "1234567890"})),
            Some("1234567890".into())
        );
        assert_eq!(account_of(&json!({"AccountId": "12.evil.com"})), None);
        assert_eq!(account_of(&json!({})), None);
        let req = ProviderRequest::new(
            "alibaba",
            "fc",
            "2023-03-30",
            ApiStyle::Roa,
            "GetFunction",
            "GET",
            "{account_id}.cn-hangzhou.fc.aliyuncs.com",
        );
        assert!(needs_account(&req));
        let out = filled(&req, "42");
        assert_eq!(out.host, "42.cn-hangzhou.fc.aliyuncs.com");
        assert!(!needs_account(&out));
    }
}
