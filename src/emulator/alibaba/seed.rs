//! The demo account: its ids, its regions, its RAM users, and the seed of every service.
//!
//! The ids are fixed (not random) so scenario tests and docs can name them; every
//! service's seed constants are re-exported here (`use ...::alibaba::seed::*`). PAI and
//! AIWorkSpace live in [`REGION`]; ECS and OOS in [`REGION`] and `cn-shanghai`: the demo
//! instances and what each is for are listed in `ecs::seed`, the past OOS executions in
//! `oos::seed`.

use time::OffsetDateTime;

use crate::emulator::alibaba::PROVIDER;
use crate::emulator::core::world::World;

pub use crate::emulator::alibaba::aiworkspace::seed::*;
pub use crate::emulator::alibaba::cs::seed::*;
pub use crate::emulator::alibaba::dlc::seed::*;
pub use crate::emulator::alibaba::ecs::seed::*;
pub use crate::emulator::alibaba::fc::seed::*;
pub use crate::emulator::alibaba::oos::seed::*;
pub use crate::emulator::alibaba::pai::seed::*;
pub use crate::emulator::alibaba::vpc::seed::*;

/// The region the demo data lives in.
pub const REGION: &str = "cn-hangzhou";
/// The demo Alibaba Cloud account (owner) id.
pub const ACCOUNT_ID: &str = "1557702098194904";

/// RAM user `alice.chen`.
pub const USER_ALICE: (&str, &str) = ("203701542331208977", "alice.chen");
/// RAM user `bob.li`.
pub const USER_BOB: (&str, &str) = ("270154233120897711", "bob.li");

/// Loads the demo seed of every service for the access key `access_key_id`.
pub fn load(world: &mut World, access_key_id: &str, now: OffsetDateTime) {
    let services = world.region_mut(PROVIDER, access_key_id, REGION);
    services.insert(demo_pai(now));
    services.insert(demo_workspaces(now));
    services.insert(demo_dlc(now));
    let ecs = demo_hangzhou(now);
    services.insert(demo_oos_hangzhou(now, &ecs));
    services.insert(ecs);
    services.insert(demo_vpc_hangzhou(now));
    services.insert(demo_fc_hangzhou(now));
    services.insert(demo_cs_hangzhou(access_key_id, now));
    let shanghai = world.region_mut(PROVIDER, access_key_id, REGION_SHANGHAI);
    let ecs = demo_shanghai(now);
    shanghai.insert(demo_oos_shanghai(now, &ecs));
    shanghai.insert(ecs);
    shanghai.insert(demo_vpc_shanghai(now));
}
