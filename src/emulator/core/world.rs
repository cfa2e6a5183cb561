//! State per provider, account, region and service, created lazily (moto's `BackendDict`).
//!
//! `World[(provider, account)][region]` is a [`Services`]: one typed backend per service
//! (PAI's quotas, AIWorkspace's workspaces ...), each created empty on first use. A handler
//! gets its own service's backend mutably and the other services of the same account and
//! region as siblings (AIWorkspace reads PAI's quotas to bind them).

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt::Debug;

use serde_json::{Map, Value};
use time::OffsetDateTime;

/// One service's state in one account and region.
pub trait Backend: Any + Send + Debug {
    /// The state as a JSON object, for `GET /_emulator/state`. The objects of all
    /// services of a region are merged, so field names must not collide.
    fn to_json(&self) -> Map<String, Value>;

    /// Moves the resource `id` one step along its manual lifecycle; its new status, or
    /// `None` when this backend has no such resource in a manual lifecycle.
    fn advance_lifecycle(&mut self, _id: &str, _now: OffsetDateTime) -> Option<String> {
        None
    }
}

/// A backend with a name and an empty state.
pub trait ServiceBackend: Backend + Default {
    /// The service code (`paistudio`, `aiworkspace`), unique within a provider.
    const SERVICE: &'static str;
}

/// The backends of one account in one region, by service code.
#[derive(Debug, Default)]
pub struct Services {
    backends: BTreeMap<&'static str, Box<dyn Backend>>,
}

fn downcast_ref<B: ServiceBackend>(b: &dyn Backend) -> Option<&B> {
    (b as &dyn Any).downcast_ref::<B>()
}

fn downcast_mut<B: ServiceBackend>(b: &mut dyn Backend) -> Option<&mut B> {
    (b as &mut dyn Any).downcast_mut::<B>()
}

impl Services {
    /// A service's backend, if it was created.
    pub fn get<B: ServiceBackend>(&self) -> Option<&B> {
        self.backends
            .get(B::SERVICE)
            .and_then(|b| downcast_ref::<B>(b.as_ref()))
    }

    /// A service's backend to read, empty when it was never created (reading a sibling
    /// never creates it).
    pub fn read<B: ServiceBackend + Clone>(&self) -> std::borrow::Cow<'_, B> {
        match self.get::<B>() {
            Some(b) => std::borrow::Cow::Borrowed(b),
            None => std::borrow::Cow::Owned(B::default()),
        }
    }

    /// A service's backend, created empty on first use.
    pub fn get_mut<B: ServiceBackend>(&mut self) -> &mut B {
        let slot = self
            .backends
            .entry(B::SERVICE)
            .or_insert_with(|| Box::new(B::default()));
        if downcast_mut::<B>(slot.as_mut()).is_none() {
            *slot = Box::new(B::default());
        }
        match downcast_mut::<B>(slot.as_mut()) {
            Some(b) => b,
            None => unreachable!("the slot was just filled with a {}", B::SERVICE),
        }
    }

    /// Replaces a service's backend (the demo seed uses this).
    pub fn insert<B: ServiceBackend>(&mut self, backend: B) {
        self.backends.insert(B::SERVICE, Box::new(backend));
    }

    /// Takes a service's backend out (empty if absent); [`Services::insert`] puts it back.
    /// This is how a handler holds its own backend and its siblings at once.
    pub fn take<B: ServiceBackend>(&mut self) -> B {
        match self.backends.remove(B::SERVICE) {
            Some(b) => match (b as Box<dyn Any>).downcast::<B>() {
                Ok(b) => *b,
                Err(_) => B::default(),
            },
            None => B::default(),
        }
    }

    /// Every backend, for lifecycle advances.
    pub fn backends_mut(&mut self) -> impl Iterator<Item = &mut Box<dyn Backend>> {
        self.backends.values_mut()
    }

    /// The JSON objects of all backends, merged.
    pub fn to_json(&self) -> Map<String, Value> {
        let mut out = Map::new();
        for backend in self.backends.values() {
            out.extend(backend.to_json());
        }
        out
    }
}

/// All providers, accounts and regions.
#[derive(Debug, Default)]
pub struct World {
    accounts: BTreeMap<(String, String), BTreeMap<String, Services>>,
}

impl World {
    /// The services of `account` (an access key id, a project, a token) of `provider` in
    /// `region`, created empty on first use.
    pub fn region_mut(&mut self, provider: &str, account: &str, region: &str) -> &mut Services {
        self.accounts
            .entry((provider.to_owned(), account.to_owned()))
            .or_default()
            .entry(region.to_owned())
            .or_default()
    }

    /// Every region `account` of `provider` has state in, with its services.
    pub fn account_regions_mut(
        &mut self,
        provider: &str,
        account: &str,
    ) -> impl Iterator<Item = (&str, &mut Services)> {
        self.accounts
            .get_mut(&(provider.to_owned(), account.to_owned()))
            .into_iter()
            .flat_map(|regions| regions.iter_mut().map(|(r, s)| (r.as_str(), s)))
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.accounts.clear();
    }

    /// Every region of every account of `provider`.
    pub fn regions_mut(&mut self, provider: &str) -> impl Iterator<Item = &mut Services> {
        self.accounts
            .iter_mut()
            .filter(move |((p, _), _)| p == provider)
            .flat_map(|(_, regions)| regions.values_mut())
    }

    /// `{account: {region: {merged service fields}}}` over all providers (account ids of
    /// different providers have different shapes, so they do not collide).
    pub fn to_json(&self) -> Value {
        let mut accounts = Map::new();
        for ((_, account), regions) in &self.accounts {
            let entry = accounts
                .entry(account.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(map) = entry {
                for (region, services) in regions {
                    let entry = map
                        .entry(region.clone())
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let Value::Object(fields) = entry {
                        fields.extend(services.to_json());
                    }
                }
            }
        }
        Value::Object(accounts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default)]
    struct Counter(u32);
    impl Backend for Counter {
        fn to_json(&self) -> Map<String, Value> {
            let mut m = Map::new();
            m.insert("count".into(), self.0.into());
            m
        }
    }
    impl ServiceBackend for Counter {
        const SERVICE: &'static str = "counter";
    }

    #[test]
    fn backends_are_created_lazily_per_provider_account_and_region() {
        let mut world = World::default();
        world.region_mut("p", "a1", "r1").get_mut::<Counter>().0 += 1;
        assert!(world.region_mut("p", "a2", "r1").get::<Counter>().is_none());
        assert!(world.region_mut("q", "a1", "r1").get::<Counter>().is_none());
        let services = world.region_mut("p", "a1", "r1");
        assert_eq!(services.get::<Counter>().map(|c| c.0), Some(1));
        let taken = services.take::<Counter>();
        assert!(services.get::<Counter>().is_none());
        services.insert(taken);
        assert_eq!(world.to_json()["a1"]["r1"]["count"], 1);
        world.clear();
        assert_eq!(world.to_json(), serde_json::json!({}));
    }
}
