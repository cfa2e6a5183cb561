//! Readers: reads whose answer is more than the projection of one call.
//!
//! A reader gets the same [`GuardContext`] a guard gets (validated arguments, the declared calls
//! in the call's scope) and returns the tool's structured answer. It sends only declared calls,
//! so every request still comes from one catalog declaration.

use serde_json::{Map, Value};

use super::GuardContext;
use crate::failure::ToolFailure;
use crate::providers::BoxFuture;

/// A reader's code.
pub type ReaderFn = for<'r, 's> fn(
    &'r mut GuardContext<'s>,
) -> BoxFuture<'r, Result<Map<String, Value>, ToolFailure>>;

/// One registered reader.
#[derive(Clone, Copy)]
pub struct Reader {
    /// The name catalogs use (`ecsext.list_extensions`).
    pub name: &'static str,
    /// Catalog tools whose declared calls it sends.
    pub calls: &'static [&'static str],
    /// The code.
    pub run: ReaderFn,
}

/// Declares a reader from an async function `fn(&mut GuardContext) -> Result<Map, ToolFailure>`.
#[macro_export]
macro_rules! reader {
    ($name:literal, calls: [$($call:expr),*], $run:path) => {{
        fn run<'r, 's>(
            ctx: &'r mut $crate::toolsets::GuardContext<'s>,
        ) -> $crate::providers::BoxFuture<
            'r,
            Result<serde_json::Map<String, serde_json::Value>, $crate::failure::ToolFailure>,
        > {
            Box::pin($run(ctx))
        }
        $crate::toolsets::Reader {
            name: $name,
            calls: &[$($call),*],
            run,
        }
    }};
}
