//! OBS on its own host (`obs.{region}.myhuaweicloud.com`, and loopback requests signed
//! `OBS <AK>:...` or, as the official SDK signs in path style, `AWS <AK>:...`): the account's
//! buckets, kept account-wide (region `global`, as OBS bucket names are) with each bucket's
//! location. Path style only: the bucket is the first path segment.
//!
//! - [`wire`]: what makes a request OBS's, its signature check (wrong: 403
//!   `SignatureDoesNotMatch`), the XML answers and `<Error>` documents.
//! - [`handlers`]: ListBuckets, GetBucketStorageInfo (`GET /{bucket}?storageinfo`), CreateBucket (409 `BucketAlreadyOwnedByYou` /
//!   `BucketAlreadyExists`), DeleteBucket (404 `NoSuchBucket`, 409 `BucketNotEmpty`).
//! - The demo data: `demo-bucket` holds objects (the notebooks' OBS examples mount it), and
//!   `demo-empty-bucket` holds none.

pub mod handlers;
pub mod wire;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::emulator::core::service::{Route, ServiceDef};
use crate::emulator::core::world::{Backend, ServiceBackend};
use crate::emulator::huawei::PROVIDER;
use crate::emulator_route as route;

/// The OBS API version (the catalog's `obs` service).
pub const VERSION: &str = "v1";

/// One object: its key and size (content is never stored).
#[derive(Debug, Clone)]
pub struct Object {
    /// The key.
    pub key: String,
    /// Bytes.
    pub size: u64,
}

/// One bucket.
#[derive(Debug, Clone)]
pub struct Bucket {
    /// The globally unique name.
    pub name: String,
    /// The region it was created in.
    pub location: String,
    /// When it was created.
    pub created: OffsetDateTime,
    /// Its objects.
    pub objects: Vec<Object>,
}

/// The buckets of one account.
#[derive(Debug, Default, Clone)]
pub struct ObsBackend {
    /// Buckets in creation order.
    pub buckets: Vec<Bucket>,
}

impl Backend for ObsBackend {
    fn to_json(&self) -> Map<String, Value> {
        let buckets: Vec<Value> = self
            .buckets
            .iter()
            .map(|b| json!({"name": b.name, "location": b.location, "objects": b.objects.len()}))
            .collect();
        let mut out = Map::new();
        out.insert("obs_buckets".into(), Value::from(buckets));
        out
    }
}

impl ServiceBackend for ObsBackend {
    const SERVICE: &'static str = "obs";
}

/// OBS: the catalog's `obs`.
pub static SERVICE: ServiceDef<ObsBackend> = ServiceDef {
    provider: PROVIDER,
    code: "obs",
    product: "OBS",
    version: VERSION,
    routes: ROUTES,
};

static ROUTES: &[Route<ObsBackend>] = &[
    route!(ListBuckets, GET, "/", false, handlers::list_buckets),
    route!(
        GetBucketStorageInfo,
        GET,
        "/{bucket}",
        false,
        handlers::bucket_storage_info
    ),
    route!(
        CreateBucket,
        PUT,
        "/{bucket}",
        true,
        handlers::create_bucket
    ),
    route!(
        DeleteBucket,
        DELETE,
        "/{bucket}",
        true,
        handlers::delete_bucket
    ),
];

/// The demo buckets: `demo-bucket` with two objects, `demo-empty-bucket` with none.
pub fn seed(region: &str, now: OffsetDateTime) -> ObsBackend {
    let created = now - time::Duration::days(20);
    ObsBackend {
        buckets: vec![
            Bucket {
                name: "demo-bucket".into(),
                location: region.into(),
                created,
                objects: vec![
                    Object {
                        key: "datasets/mnist.zip".into(),
                        size: 11_594_722,
                    },
                    Object {
                        key: "code/train.py".into(),
                        size: 2_048,
                    },
                ],
            },
            Bucket {
                name: "demo-empty-bucket".into(),
                location: region.into(),
                created,
                objects: Vec::new(),
            },
        ],
    }
}
