//! The demo account's data: its IAM projects (account-wide, in the `global` region) and
//! ModelArts resources in each of its two regions.

use time::OffsetDateTime;

use crate::emulator::core::world::World;
use crate::emulator::huawei::account::{DemoAccount, REGIONS};
use crate::emulator::huawei::iam::IamBackend;
use crate::emulator::huawei::routing::GLOBAL;
use crate::emulator::huawei::{PROVIDER, kms, modelarts, swr, vpc};

/// Loads the demo seed.
pub fn load(world: &mut World, account: &DemoAccount, now: OffsetDateTime) {
    world
        .region_mut(PROVIDER, &account.domain_id, GLOBAL)
        .insert(IamBackend {
            domain_id: account.domain_id.clone(),
            domain_name: account.domain_name.clone(),
            projects: account.projects.clone(),
        });
    world
        .region_mut(PROVIDER, &account.domain_id, GLOBAL)
        .insert(crate::emulator::huawei::obs::seed(REGIONS[0], now));
    for (region, _) in &account.projects {
        world
            .region_mut(PROVIDER, &account.domain_id, region)
            .insert(modelarts::seed::backend(region, now));
        let state = world.region_mut(PROVIDER, &account.domain_id, region);
        state.insert(swr::seed(region));
        state.insert(vpc::seed(region));
        state.insert(kms::seed(region));
        modelarts::lite_state::extend(state.get_mut(), region, now);
    }
}
