//! ClientToken: the idempotency key of ECS and VPC creates and deletes. ASCII, at most 64
//! characters; a repeated token gets the first answer back (`models::Capacity`).

use crate::emulator::core::wire::{ApiError, ApiRequest};

/// The longest ClientToken accepted.
pub const MAX_LEN: usize = 64;

/// The call's ClientToken, if any, after checking its form.
pub fn client_token(req: &ApiRequest) -> Result<Option<&str>, ApiError> {
    match req.query_nonempty("ClientToken") {
        None => Ok(None),
        Some(t) if t.len() <= MAX_LEN && t.is_ascii() => Ok(Some(t)),
        Some(_) => Err(ApiError::invalid(
            "InvalidClientToken.Malformed",
            format!(
                "The specified ClientToken is not valid: use at most {MAX_LEN} ASCII characters."
            ),
        )),
    }
}
