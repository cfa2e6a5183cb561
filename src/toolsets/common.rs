//! Guards that need no provider: argument combinations, named with the parameters they apply to
//! (`exactly_one_of(a, b)`).

use super::{GuardContext, ToolsetRegistry};
use crate::failure::{FailureKind, ToolFailure};
use crate::guard;

fn given(ctx: &GuardContext<'_>, names: &[String]) -> Vec<String> {
    names
        .iter()
        .filter(|n| ctx.args.get(n.as_str()).is_some_and(|v| !v.is_null()))
        .cloned()
        .collect()
}

fn listing(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Registers the argument guards.
pub fn register(registry: &mut ToolsetRegistry) {
    registry.guards(&[
        guard!("exactly_one_of", needs: [], provides: [], calls: [], exactly_one_of),
        guard!("at_least_one_of", needs: [], provides: [], calls: [], at_least_one_of),
    ]);
}

/// Exactly one of the named arguments must be given.
pub async fn exactly_one_of(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let names = &ctx.guard_args;
    let present = given(ctx, names);
    if present.len() == 1 {
        return Ok(());
    }
    Err(ToolFailure::new(
        FailureKind::ValidationError,
        format!(
            "give exactly one of {}; got {}",
            listing(names),
            if present.is_empty() {
                "none".into()
            } else {
                listing(&present)
            }
        ),
    ))
}

/// At least one of the named arguments must be given (an empty update is refused).
pub async fn at_least_one_of(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let names = &ctx.guard_args;
    if given(ctx, names).is_empty() {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!("nothing to change: give at least one of {}", listing(names)),
        ));
    }
    Ok(())
}
