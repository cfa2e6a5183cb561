//! Loading and validating catalog files. Every rule here exists so that a broken catalog fails at
//! startup with the file, the tool and the field, instead of misbehaving at the first call.

use std::collections::HashSet;

use super::{CatalogFile, Effect, Location, ParamType, ToolSpec, ToolsetSpec};

/// The catalog files compiled into the binary, so that `skillgate` runs from any directory
/// (Claude Desktop starts it with an arbitrary working directory). `--catalog-dir` overrides them.
pub const EMBEDDED_TOOLSETS: &[(&str, &str)] = &[
    (
        "tools/pai-quota/tools.toml",
        include_str!("../../tools/pai-quota/tools.toml"),
    ),
    (
        "tools/pai-quota-extra/tools.toml",
        include_str!("../../tools/pai-quota-extra/tools.toml"),
    ),
];

/// A broken catalog: where and what.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The file is not valid TOML or does not match the catalog format.
    #[error("{file}: {message}")]
    Parse {
        /// Catalog file.
        file: String,
        /// What the parser said.
        message: String,
    },
    /// A rule was broken.
    #[error("{file}: tool `{tool}`, field `{field}`: {message}")]
    Invalid {
        /// Catalog file.
        file: String,
        /// Tool name (or the toolset name for toolset-level errors).
        tool: String,
        /// Offending field.
        field: String,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// A catalog directory could not be read.
    #[error("cannot read catalog `{path}`: {source}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// What the engine can do, so the catalog can be checked against it: every named guard, executor
/// and product must exist.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    /// Guard names (without arguments).
    pub guards: HashSet<&'static str>,
    /// Executor names.
    pub executors: HashSet<&'static str>,
    /// Product ids the provider clients know.
    pub products: HashSet<&'static str>,
}

/// The loaded, validated catalog.
#[derive(Clone, Debug)]
pub struct Catalog {
    /// Toolsets with their tools, in file order.
    pub toolsets: Vec<(ToolsetSpec, Vec<ToolSpec>)>,
}

/// A guard reference as written in the catalog: `name` or `name(arg, arg)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuardCall {
    /// Registered guard name.
    pub name: String,
    /// Parameter names it applies to.
    pub args: Vec<String>,
}

impl GuardCall {
    /// Parses `name(a, b)`; `None` when the text is not of that form.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        match text.split_once('(') {
            None => valid_ident(text).then(|| Self {
                name: text.to_string(),
                args: Vec::new(),
            }),
            Some((name, rest)) => {
                let inner = rest.strip_suffix(')')?;
                let args: Vec<String> = inner
                    .split(',')
                    .map(|a| a.trim().to_string())
                    .filter(|a| !a.is_empty())
                    .collect();
                (valid_ident(name.trim()) && args.iter().all(|a| valid_ident(a))).then(|| Self {
                    name: name.trim().to_string(),
                    args,
                })
            }
        }
    }
}

fn valid_ident(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

impl Catalog {
    /// Loads the catalog compiled into the binary.
    pub fn embedded(registry: &Registry) -> Result<Self, CatalogError> {
        Self::from_sources(
            EMBEDDED_TOOLSETS
                .iter()
                .map(|(file, text)| (file.to_string(), text.to_string())),
            registry,
        )
    }

    /// Loads every `<dir>/<toolset>/tools.toml`.
    pub fn from_dir(dir: &std::path::Path, registry: &Registry) -> Result<Self, CatalogError> {
        let io = |path: &std::path::Path, source| CatalogError::Io {
            path: path.display().to_string(),
            source,
        };
        let mut sources = Vec::new();
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| io(dir, e))?
            .filter_map(Result::ok)
            .map(|e| e.path().join("tools.toml"))
            .filter(|p| p.is_file())
            .collect();
        entries.sort();
        for path in entries {
            let text = std::fs::read_to_string(&path).map_err(|e| io(&path, e))?;
            sources.push((path.display().to_string(), text));
        }
        Self::from_sources(sources, registry)
    }

    /// Parses and validates catalog sources `(file name, text)`.
    pub fn from_sources(
        sources: impl IntoIterator<Item = (String, String)>,
        registry: &Registry,
    ) -> Result<Self, CatalogError> {
        let mut toolsets = Vec::new();
        let mut tool_names = HashSet::new();
        let mut toolset_names = HashSet::new();
        for (file, text) in sources {
            let parsed: CatalogFile = toml::from_str(&text).map_err(|e| CatalogError::Parse {
                file: file.clone(),
                message: e.to_string().trim().replace('\n', " "),
            })?;
            let toolset = &parsed.toolset;
            if !toolset_names.insert(toolset.name.clone()) {
                return Err(invalid(
                    &file,
                    &toolset.name,
                    "toolset.name",
                    "duplicate toolset",
                ));
            }
            let prefix = toolset
                .prefix
                .clone()
                .unwrap_or_else(|| format!("{}_", toolset.name.replace('-', "_")));
            for tool in &parsed.tools {
                if !tool_names.insert(tool.name.clone()) {
                    return Err(invalid(&file, &tool.name, "name", "duplicate tool name"));
                }
                validate_tool(&file, &prefix, tool, registry)?;
            }
            toolsets.push((parsed.toolset, parsed.tools));
        }
        Ok(Self { toolsets })
    }

    /// Every tool with its toolset.
    pub fn tools(&self) -> impl Iterator<Item = (&ToolsetSpec, &ToolSpec)> {
        self.toolsets
            .iter()
            .flat_map(|(set, tools)| tools.iter().map(move |t| (set, t)))
    }
}

fn invalid(file: &str, tool: &str, field: &str, message: impl Into<String>) -> CatalogError {
    CatalogError::Invalid {
        file: file.to_string(),
        tool: tool.to_string(),
        field: field.to_string(),
        message: message.into(),
    }
}

/// Names inside `{...}` of a template.
pub fn template_fields(template: &str) -> Vec<&str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name))
        .collect()
}

fn validate_tool(
    file: &str,
    prefix: &str,
    tool: &ToolSpec,
    registry: &Registry,
) -> Result<(), CatalogError> {
    let fail = |field: &str, message: String| Err(invalid(file, &tool.name, field, message));
    let name_ok = tool.name.len() <= 64
        && tool.name.starts_with(prefix)
        && tool
            .name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !name_ok {
        return fail(
            "name",
            format!("must be snake_case, at most 64 characters, and start with `{prefix}`"),
        );
    }
    if tool.description.trim().is_empty() || tool.description.len() > 240 {
        return fail("description", "must be 1 to 240 characters".into());
    }
    if !registry.products.contains(tool.call.product.as_str()) {
        return fail(
            "call.product",
            format!("unknown product `{}`", tool.call.product),
        );
    }
    if !["GET", "POST", "PUT", "DELETE"].contains(&tool.call.method.as_str()) {
        return fail("call.method", "must be GET, POST, PUT or DELETE".into());
    }
    validate_params(tool).or_else(|(field, message)| fail(&field, message))?;
    let param_names: HashSet<&str> = tool.params.iter().map(|p| p.name.as_str()).collect();
    for guard in &tool.guards {
        let Some(call) = GuardCall::parse(guard) else {
            return fail(
                "guards",
                format!("`{guard}` is not `name` or `name(param, ...)`"),
            );
        };
        if !registry.guards.contains(call.name.as_str()) {
            return fail("guards", format!("unknown guard `{}`", call.name));
        }
        if let Some(arg) = call.args.iter().find(|a| !param_names.contains(a.as_str())) {
            return fail(
                "guards",
                format!("guard `{}` names unknown parameter `{arg}`", call.name),
            );
        }
    }
    if let Some(executor) = &tool.execute
        && !registry.executors.contains(executor.as_str())
    {
        return fail("execute", format!("unknown executor `{executor}`"));
    }
    match (&tool.confirm, tool.effect) {
        (None, effect) if effect.is_mutation() => {
            return fail(
                "confirm",
                "a write or destroy tool needs a confirm rule".into(),
            );
        }
        (Some(_), Effect::Read) => {
            return fail("confirm", "a read tool takes no confirm rule".into());
        }
        (Some(confirm), _) => {
            let templates = [
                Some(&confirm.phrase),
                confirm.force_phrase.as_ref(),
                Some(&confirm.target),
                Some(&confirm.summary),
            ];
            for template in templates.into_iter().flatten() {
                if let Some(name) = template_fields(template)
                    .into_iter()
                    .find(|n| !param_names.contains(n))
                {
                    return fail(
                        "confirm",
                        format!("`{template}` names unknown parameter `{name}`"),
                    );
                }
            }
        }
        (None, _) => {}
    }
    let output = &tool.output;
    if output.list.is_some() != output.key.is_some() {
        return fail("output", "`list` and `key` go together".into());
    }
    let mut seen = HashSet::new();
    if let Some(dup) = output
        .fields
        .iter()
        .chain(&output.extra)
        .find(|f| !seen.insert(f.name.as_str()))
    {
        return fail(
            "output.fields",
            format!("duplicate output field `{}`", dup.name),
        );
    }
    Ok(())
}

fn validate_params(tool: &ToolSpec) -> Result<(), (String, String)> {
    let mut names = HashSet::new();
    let mut wire_names = HashSet::new();
    for param in &tool.params {
        let field = format!("params.{}", param.name);
        if !names.insert(param.name.as_str()) || param.name == "region_id" {
            return Err((
                field,
                "duplicate parameter (region_id is added to every tool)".into(),
            ));
        }
        if !param
            .name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err((field, "parameter names are snake_case".into()));
        }
        if param.hidden && param.required {
            return Err((field, "a hidden parameter cannot be required".into()));
        }
        if param.allowed.as_ref().is_some_and(|a| a.is_empty()) {
            return Err((field, "`enum` needs at least one value".into()));
        }
        if param.allowed.is_some() && param.kind != ParamType::String {
            return Err((field, "`enum` applies to strings".into()));
        }
        if let Some(wire) = &param.wire
            && !wire_names.insert((wire.location, wire.name.clone()))
        {
            return Err((field, format!("wire name `{}` used twice", wire.name)));
        }
    }
    let path_params: Vec<&str> = template_fields(&tool.call.path);
    for field in &path_params {
        let found = tool.params.iter().any(|p| {
            p.wire
                .as_ref()
                .is_some_and(|w| w.location == Location::Path && w.name == *field)
        });
        if !found {
            return Err((
                "call.path".into(),
                format!("`{{{field}}}` has no path parameter"),
            ));
        }
    }
    for param in &tool.params {
        if let Some(wire) = &param.wire
            && wire.location == Location::Path
        {
            if !path_params.contains(&wire.name.as_str()) {
                return Err((
                    format!("params.{}", param.name),
                    format!("path parameter `{}` is not in the path", wire.name),
                ));
            }
            if !param.required {
                return Err((
                    format!("params.{}", param.name),
                    "path parameters are required".into(),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_calls_parse_with_and_without_arguments() {
        assert_eq!(
            GuardCall::parse("pai.load_quota").map(|g| g.args.len()),
            Some(0)
        );
        let call = GuardCall::parse("exactly_one_of(a, b_c)").expect("parses");
        assert_eq!(call.name, "exactly_one_of");
        assert_eq!(call.args, vec!["a", "b_c"]);
        assert!(GuardCall::parse("broken(a").is_none());
        assert!(GuardCall::parse("sp ace").is_none());
    }

    #[test]
    fn template_fields_are_found_in_order() {
        assert_eq!(
            template_fields("CONFIRM {quota_id} {x}"),
            vec!["quota_id", "x"]
        );
        assert!(template_fields("none").is_empty());
    }
}
