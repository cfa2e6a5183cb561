//! Guards that need no provider: argument combinations.

use super::GuardContext;
use crate::engine::ToolFailure;

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

/// Exactly one of the named arguments must be given.
pub fn exactly_one_of(ctx: &mut GuardContext<'_>, names: &[String]) -> Result<(), ToolFailure> {
    let present = given(ctx, names);
    if present.len() == 1 {
        return Ok(());
    }
    Err(ToolFailure::new(
        "validation_error",
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
pub fn at_least_one_of(ctx: &mut GuardContext<'_>, names: &[String]) -> Result<(), ToolFailure> {
    if given(ctx, names).is_empty() {
        return Err(ToolFailure::new(
            "validation_error",
            format!("nothing to change: give at least one of {}", listing(names)),
        ));
    }
    Ok(())
}
