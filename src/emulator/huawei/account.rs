//! The demo account: one domain with a permanent AK/SK, a temporary AK/SK with its security
//! token, and one IAM project in each of two regions (the second proves that a project id
//! names its region). Generated at random on every start.

use rand::Rng;
use serde_json::{Value, json};

use crate::emulator::core::wire::random_alnum;
use crate::secret::Secret;

/// The demo account's two regions: the default one first.
pub const REGIONS: [&str; 2] = ["cn-north-4", "cn-east-3"];

/// One key pair, optionally temporary.
#[derive(Debug, Clone)]
pub struct KeyPair {
    /// The access key.
    pub access_key: String,
    /// The secret key.
    pub secret_key: Secret,
    /// The security token a temporary pair must send (signed) as `X-Security-Token`.
    pub security_token: Option<Secret>,
}

/// The demo account.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    /// The domain (account) id: state is kept per domain.
    pub domain_id: String,
    /// The domain name.
    pub domain_name: String,
    /// The permanent pair.
    pub permanent: KeyPair,
    /// The temporary pair.
    pub temporary: KeyPair,
    /// `(region, project id)`, one per region of [`REGIONS`].
    pub projects: Vec<(String, String)>,
}

fn hex32() -> String {
    let mut rng = rand::rng();
    (0..32)
        .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
        .collect()
}

fn access_key() -> String {
    format!("HPUA{}", random_alnum(16).to_ascii_uppercase())
}

impl DemoAccount {
    /// A fresh random account.
    pub fn generate() -> Self {
        Self {
            domain_id: hex32(),
            domain_name: "skillgate-demo".to_owned(),
            permanent: KeyPair {
                access_key: access_key(),
                secret_key: Secret::new(random_alnum(40)),
                security_token: None,
            },
            temporary: KeyPair {
                access_key: access_key(),
                secret_key: Secret::new(random_alnum(40)),
                security_token: Some(Secret::new(format!("gQ{}", random_alnum(120)))),
            },
            projects: REGIONS
                .iter()
                .map(|region| ((*region).to_owned(), hex32()))
                .collect(),
        }
    }

    /// The pair with this access key.
    pub fn key(&self, access_key: &str) -> Option<&KeyPair> {
        [&self.permanent, &self.temporary]
            .into_iter()
            .find(|pair| pair.access_key == access_key)
    }

    /// The region of one of the account's projects.
    pub fn region_of(&self, project_id: &str) -> Option<&str> {
        self.projects
            .iter()
            .find(|(_, id)| id == project_id)
            .map(|(region, _)| region.as_str())
    }

    /// The project id of a region.
    pub fn project_of(&self, region: &str) -> Option<&str> {
        self.projects
            .iter()
            .find(|(r, _)| r == region)
            .map(|(_, id)| id.as_str())
    }

    /// The startup line's `huawei` entry (it carries the demo secrets on purpose).
    pub fn startup_entry(&self) -> Value {
        let projects: serde_json::Map<String, Value> = self
            .projects
            .iter()
            .map(|(region, id)| (region.clone(), Value::String(id.clone())))
            .collect();
        json!({
            "access_key": self.permanent.access_key,
            "secret_key": self.permanent.secret_key.expose(),
            "region": REGIONS[0],
            "domain_id": self.domain_id,
            "projects": projects,
            "temporary": {
                "access_key": self.temporary.access_key,
                "secret_key": self.temporary.secret_key.expose(),
                "security_token": self.temporary.security_token.as_ref().map(|t| t.expose().to_owned()),
            },
        })
    }
}
