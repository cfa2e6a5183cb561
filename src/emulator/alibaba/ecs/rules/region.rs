//! The region an ECS (or OOS) RPC call works on.

use crate::emulator::alibaba::ecs::{errors, regions};
use crate::emulator::core::wire::{ApiError, ApiRequest};

/// The call's `RegionId` (mandatory for ECS) after checking that the region exists; the
/// front has already routed the call to that region's state.
pub fn required(req: &ApiRequest) -> Result<&str, ApiError> {
    let region = req
        .query_nonempty("RegionId")
        .ok_or_else(errors::missing_region_id)?;
    known(region)
}

/// The region of the call (its `RegionId`, else the host's), if it exists.
pub fn of_call(req: &ApiRequest) -> Result<&str, ApiError> {
    known(req.query_nonempty("RegionId").unwrap_or(&req.region))
}

fn known(region: &str) -> Result<&str, ApiError> {
    regions::find(region)
        .map(|r| r.id)
        .ok_or_else(|| errors::unknown_region(region))
}
