//! The ModelArts skill's rules (seed-operations.md section 6): billable creates that name their
//! flavor and image explicitly (nothing is auto-selected), every input problem reported at once,
//! state checks before stops and deletes, notebooks and training jobs followed as long
//! operations, and authorizations limited to agencies (raw access keys are refused by the
//! catalog's hidden parameters).

mod api;
mod core_more;
mod inference_more;
mod lite;
mod lite_more;
mod lookups;
mod management_more;
mod nb_np;
mod node_pools;
mod notebooks;
mod obs;
mod pools;
mod pools_more;
mod services;
mod services_more;
mod training;
mod waits;

use api::{
    GET_JOB, GET_NOTEBOOK, LIST_ENGINES, LIST_IMAGES, LIST_JOBS, LIST_NB_FLAVORS, LIST_STORAGE,
    LIST_TRAIN_FLAVORS, SWR_IMAGES,
};

use super::ToolsetRegistry;
use crate::{guard, reader};

/// Registers the ModelArts guards, readers and long-operation kinds.
pub fn register(registry: &mut ToolsetRegistry) {
    pools::register(registry);
    pools_more::register(registry);
    inference_more::register(registry);
    management_more::register(registry);
    core_more::register(registry);
    node_pools::register(registry);
    services::register(registry);
    services_more::register(registry);
    lite::register(registry);
    lite_more::register(registry);
    nb_np::register(registry);
    obs::register(registry);
    registry.guards(&[
        guard!("ma.check_notebook_create", needs: [], provides: [], calls: [LIST_NB_FLAVORS, LIST_IMAGES, api::LIST_NOTEBOOKS], notebooks::check_create),
        guard!("ma.load_notebook", needs: [], provides: [], calls: [GET_NOTEBOOK], notebooks::load_notebook),
        guard!("ma.load_storage", needs: [], provides: [], calls: [LIST_STORAGE], notebooks::load_storage),
        guard!("ma.check_training_create", needs: [], provides: [], calls: [LIST_TRAIN_FLAVORS, LIST_ENGINES], training::check_create),
        guard!("ma.load_training_job", needs: [], provides: [], calls: [GET_JOB], training::load_job),
    ]);
    registry.readers(&[
        reader!("ma.list_training_jobs", calls: [LIST_JOBS], training::list_jobs),
        reader!("ma.swr_train_images", calls: [SWR_IMAGES], lookups::train_images),
    ]);
    registry.executors(&[crate::executor!(
        "ma.create_notebook",
        notebooks::create_notebook,
        read_back: notebooks::notebook_created
    )]);
    registry.operations(&[waits::notebook_kind(), waits::training_kind()]);
}
