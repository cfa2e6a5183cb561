//! Extension packages as OOS publishes them: public `Package` templates whose `Description` is a
//! JSON string (display names, descriptions, categories, doc links) and whose `Content` is a JSON
//! string with the installation `Parameters`. Pure functions, so every rule is unit-tested.

use serde_json::{Map, Value, json};

/// One package of the catalog, as an agent sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Package {
    /// The exact template name (`ACS-Extension-node-1853370294850618`).
    pub name: String,
    /// `name-en`, else `name-zh-cn`, else the short name inside the template name.
    pub display_name: String,
    /// `name-zh-cn` when given (the skill's preferred name for Chinese users).
    pub display_name_zh: Option<String>,
    /// `en`, else `zh-cn`.
    pub description: String,
    /// `categories`.
    pub categories: Vec<String>,
    /// The template version (`v27`).
    pub version: String,
    /// `doc-en` and `doc-zh-cn`, in that order, when given.
    pub docs: Vec<String>,
}

impl Package {
    /// From one `Templates[]` item of ListTemplates (or GetTemplate's `Template`).
    pub fn from_template(template: &Value) -> Option<Self> {
        let name = template.get("TemplateName")?.as_str()?.to_string();
        let meta = description_json(template.get("Description"));
        let text = |key: &str| {
            meta.get(key)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let display_name = text("name-en")
            .or_else(|| text("name-zh-cn"))
            .unwrap_or_else(|| short_name(&name));
        let description = text("en")
            .or_else(|| text("zh-cn"))
            .or_else(|| {
                // A Description that is plain text, not JSON, is shown as it is.
                template
                    .get("Description")
                    .and_then(Value::as_str)
                    .filter(|_| meta.is_empty())
                    .map(str::to_string)
            })
            .unwrap_or_default();
        let categories = meta
            .get("categories")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let docs = ["doc-en", "doc-zh-cn"]
            .iter()
            .filter_map(|key| text(key))
            .collect();
        Some(Self {
            name,
            display_name,
            display_name_zh: text("name-zh-cn"),
            description,
            categories,
            version: template
                .get("TemplateVersion")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            docs,
        })
    }

    /// The agent-facing shape.
    pub fn view(&self) -> Value {
        let mut view = json!({
            "package_name": self.name,
            "display_name": self.display_name,
            "description": self.description,
            "categories": self.categories,
            "version": self.version,
            "docs": self.docs,
        });
        if let (Some(zh), Some(object)) = (&self.display_name_zh, view.as_object_mut())
            && zh != &self.display_name
        {
            object.insert("display_name_zh".into(), json!(zh));
        }
        view
    }

    /// Every name a person might use for it, lower-cased.
    fn names(&self) -> Vec<String> {
        let mut names = vec![
            self.name.to_lowercase(),
            self.display_name.to_lowercase(),
            short_name(&self.name).to_lowercase(),
        ];
        if let Some(zh) = &self.display_name_zh {
            names.push(zh.to_lowercase());
        }
        names
    }
}

/// The `Description` field's JSON, or an empty map when it is absent or plain text.
fn description_json(value: Option<&Value>) -> Map<String, Value> {
    match value {
        Some(Value::String(text)) => serde_json::from_str::<Value>(text)
            .ok()
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default(),
        Some(Value::Object(map)) => map.clone(),
        _ => Map::new(),
    }
}

/// `ACS-Extension-BaoTaPanelFree-One-Click-1853370294850618` -> `BaoTaPanelFree-One-Click`.
pub fn short_name(template_name: &str) -> String {
    let rest = template_name
        .strip_prefix("ACS-Extension-")
        .unwrap_or(template_name);
    match rest.rsplit_once('-') {
        Some((head, owner)) if owner.len() >= 10 && owner.chars().all(|c| c.is_ascii_digit()) => {
            head.to_string()
        }
        _ => rest.to_string(),
    }
}

/// Lower-case alphanumerics only: `BT Panel` and `bt-panel` compare equal.
fn folded(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// How a name resolves against the catalog.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolution {
    /// Exactly one package.
    One(Package),
    /// Several; none is guessed.
    Several(Vec<Package>),
    /// None; the nearest names.
    None(Vec<String>),
}

/// Resolves what a person called a package: the exact template name, else a unique package
/// whose name or display name contains it (ignoring case, spaces and dashes).
pub fn resolve(packages: &[Package], wanted: &str) -> Resolution {
    if let Some(exact) = packages.iter().find(|p| p.name == wanted) {
        return Resolution::One(exact.clone());
    }
    let key = folded(wanted);
    if key.is_empty() {
        return Resolution::None(nearest(packages, wanted));
    }
    let equal: Vec<&Package> = packages
        .iter()
        .filter(|p| p.names().iter().any(|n| folded(n) == key))
        .collect();
    if let [one] = equal.as_slice() {
        return Resolution::One((*one).clone());
    }
    let mut containing: Vec<Package> = packages
        .iter()
        .filter(|p| p.names().iter().any(|n| folded(n).contains(&key)))
        .cloned()
        .collect();
    match containing.len() {
        0 => Resolution::None(nearest(packages, wanted)),
        1 => Resolution::One(containing.remove(0)),
        _ => Resolution::Several(containing),
    }
}

/// Packages matching a keyword in a name, description or category.
pub fn search(packages: &[Package], keyword: &str) -> Vec<Package> {
    let key = folded(keyword);
    let plain = keyword.trim().to_lowercase();
    packages
        .iter()
        .filter(|p| {
            p.names().iter().any(|n| folded(n).contains(&key))
                || p.description.to_lowercase().contains(&plain)
                || p.categories.iter().any(|c| c.to_lowercase() == plain)
        })
        .cloned()
        .collect()
}

/// Up to three display names closest to `wanted` by edit distance.
pub fn nearest(packages: &[Package], wanted: &str) -> Vec<String> {
    let key = folded(wanted);
    let mut scored: Vec<(usize, String)> = packages
        .iter()
        .map(|p| {
            let distance = p
                .names()
                .iter()
                .map(|n| edit_distance(&folded(n), &key))
                .min()
                .unwrap_or(usize::MAX);
            (distance, format!("{} ({})", p.display_name, p.name))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, name)| name).collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// One installation parameter a package template declares.
#[derive(Clone, Debug, PartialEq)]
pub struct TemplateParameter {
    /// Its name.
    pub name: String,
    /// `String`, `Number`, `Boolean`, `List`, `Json`.
    pub kind: String,
    /// What it is for.
    pub description: String,
    /// The default, when it has one; without one it must be given.
    pub default: Option<Value>,
    /// The only values accepted, when listed.
    pub allowed: Vec<Value>,
}

impl TemplateParameter {
    /// Required when it has no default.
    pub fn required(&self) -> bool {
        self.default.is_none()
    }

    /// The agent-facing shape.
    pub fn view(&self) -> Value {
        json!({
            "name": self.name,
            "type": self.kind,
            "description": self.description,
            "default": self.default,
            "allowed_values": self.allowed,
            "required": self.required(),
        })
    }
}

/// The `Parameters` of GetTemplate's `Content` (a JSON string, or already an object). Only the
/// declaration is read: nothing is inferred from the scripts inside.
pub fn template_parameters(content: Option<&Value>) -> Result<Vec<TemplateParameter>, String> {
    let parsed = match content {
        Some(Value::String(text)) => serde_json::from_str::<Value>(text)
            .map_err(|e| format!("the template Content is not JSON: {e}"))?,
        Some(value @ Value::Object(_)) => value.clone(),
        _ => return Err("the template has no Content".into()),
    };
    let Some(parameters) = parsed.get("Parameters") else {
        return Ok(Vec::new());
    };
    let Some(parameters) = parameters.as_object() else {
        return Err("the template's Parameters is not an object".into());
    };
    Ok(parameters
        .iter()
        .map(|(name, spec)| {
            let text = |key: &str| {
                spec.get(key)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            TemplateParameter {
                name: name.clone(),
                kind: spec
                    .get("Type")
                    .and_then(Value::as_str)
                    .unwrap_or("String")
                    .to_string(),
                description: text("Description"),
                default: spec.get("Default").cloned(),
                allowed: spec
                    .get("AllowedValues")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
            }
        })
        .collect())
}

fn type_matches(kind: &str, value: &Value) -> bool {
    match kind.to_ascii_lowercase().as_str() {
        "string" => value.is_string(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "list" | "commadelimitedlist" => value.is_array(),
        "json" | "object" => value.is_object() || value.is_array(),
        _ => true,
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Every problem with `given` against the declared parameters, in one list: unknown keys,
/// missing required ones, wrong types, values outside AllowedValues.
pub fn parameter_problems(
    declared: &[TemplateParameter],
    given: &Map<String, Value>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let names: Vec<&str> = declared.iter().map(|p| p.name.as_str()).collect();
    for key in given.keys() {
        if !names.contains(&key.as_str()) {
            problems.push(if names.is_empty() {
                format!("`{key}` is not a parameter of this package, which takes none")
            } else {
                format!(
                    "`{key}` is not a parameter of this package; it takes: {}",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            });
        }
    }
    for parameter in declared {
        let Some(value) = given.get(&parameter.name) else {
            if parameter.required() {
                problems.push(format!(
                    "`{}` is required by this package ({}){}",
                    parameter.name,
                    parameter.kind,
                    allowed_text(&parameter.allowed)
                ));
            }
            continue;
        };
        if !type_matches(&parameter.kind, value) {
            problems.push(format!(
                "`{}` must be of type {}; got {}",
                parameter.name,
                parameter.kind,
                json_type(value)
            ));
            continue;
        }
        if !parameter.allowed.is_empty() && !parameter.allowed.iter().any(|a| same_value(a, value))
        {
            problems.push(format!(
                "`{}` = {value} is not allowed{}",
                parameter.name,
                allowed_text(&parameter.allowed)
            ));
        }
    }
    problems
}

fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn allowed_text(allowed: &[Value]) -> String {
    if allowed.is_empty() {
        return String::new();
    }
    let values: Vec<String> = allowed
        .iter()
        .map(|v| match v {
            Value::String(s) => format!("`{s}`"),
            other => format!("`{other}`"),
        })
        .collect();
    format!("; allowed: {}", values.join(", "))
}

/// The defaults OOS applies to the parameters not given, shown in the plan so nothing is assumed
/// without the human seeing it.
pub fn defaults_applied(
    declared: &[TemplateParameter],
    given: &Map<String, Value>,
) -> Map<String, Value> {
    declared
        .iter()
        .filter(|p| !given.contains_key(&p.name))
        .filter_map(|p| Some((p.name.clone(), p.default.clone()?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(name: &str, description: Value, version: &str) -> Value {
        json!({"TemplateName": name, "TemplateVersion": version, "Description": description.to_string()})
    }

    fn catalog() -> Vec<Package> {
        [
            template(
                "ACS-Extension-node-1853370294850618",
                json!({"name-en": "Node.js", "name-zh-cn": "Node.js", "en": "JavaScript runtime", "categories": ["runtime"], "doc-en": "https://help/node"}),
                "v27",
            ),
            template(
                "ACS-Extension-BaoTaPanelFree-One-Click-1853370294850618",
                json!({"name-en": "BT Panel", "name-zh-cn": "宝塔面板", "zh-cn": "服务器管理面板", "categories": ["application"]}),
                "v3",
            ),
            template(
                "ACS-Extension-python-1853370294850618",
                json!({"name-en": "Python", "en": "Python 3 runtime", "categories": ["runtime"]}),
                "v12",
            ),
            template(
                "ACS-Extension-python-Miniconda-1853370294850618",
                json!({"name-en": "Miniconda", "en": "Conda with Python", "categories": ["runtime"]}),
                "v2",
            ),
        ]
        .iter()
        .filter_map(Package::from_template)
        .collect()
    }

    #[test]
    fn the_description_json_string_is_parsed() {
        let packages = catalog();
        let node = &packages[0];
        assert_eq!(node.display_name, "Node.js");
        assert_eq!(node.description, "JavaScript runtime");
        assert_eq!(node.categories, ["runtime"]);
        assert_eq!(node.version, "v27");
        assert_eq!(node.docs, ["https://help/node"]);
        let bt = &packages[1];
        assert_eq!(bt.display_name, "BT Panel");
        assert_eq!(bt.display_name_zh.as_deref(), Some("宝塔面板"));
        assert_eq!(bt.description, "服务器管理面板", "falls back to zh-cn");
        let plain = Package::from_template(&json!({"TemplateName": "ACS-Extension-x-1853370294850618", "Description": "plain text"}))
            .expect("package");
        assert_eq!(plain.display_name, "x");
        assert_eq!(plain.description, "plain text");
    }

    #[test]
    fn vague_names_resolve_to_exactly_one_or_list_candidates() {
        let packages = catalog();
        let one = |name: &str| match resolve(&packages, name) {
            Resolution::One(p) => p.name,
            other => panic!("{name}: {other:?}"),
        };
        assert_eq!(
            one("BT Panel"),
            "ACS-Extension-BaoTaPanelFree-One-Click-1853370294850618"
        );
        assert_eq!(
            one("bt-panel"),
            "ACS-Extension-BaoTaPanelFree-One-Click-1853370294850618"
        );
        assert_eq!(
            one("宝塔面板"),
            "ACS-Extension-BaoTaPanelFree-One-Click-1853370294850618"
        );
        assert_eq!(one("node"), "ACS-Extension-node-1853370294850618");
        assert_eq!(
            one("Python"),
            "ACS-Extension-python-1853370294850618",
            "an equal name wins over containing ones"
        );
        match resolve(&packages, "pyth") {
            Resolution::Several(found) => assert_eq!(found.len(), 2),
            other => panic!("{other:?}"),
        }
        match resolve(&packages, "nodjs") {
            Resolution::None(near) => assert!(near[0].starts_with("Node.js"), "{near:?}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn search_matches_names_descriptions_and_categories() {
        let packages = catalog();
        let names = |k: &str| {
            search(&packages, k)
                .into_iter()
                .map(|p| p.display_name)
                .collect::<Vec<_>>()
        };
        assert_eq!(names("runtime"), ["Node.js", "Python", "Miniconda"]);
        assert_eq!(names("conda"), ["Miniconda"]);
        assert!(names("kubernetes").is_empty());
    }

    fn declared() -> Vec<TemplateParameter> {
        template_parameters(Some(&json!(json!({"Parameters": {
            "version": {"Type": "String", "Default": "20", "AllowedValues": ["18", "20", "22"], "Description": "major version"},
            "port": {"Type": "Number", "Description": "panel port"},
            "mirror": {"Type": "Boolean", "Default": false},
        }, "Tasks": [{"Name": "install", "Properties": {"commandContent": "echo never read"}}]}).to_string())))
        .expect("parameters")
    }

    #[test]
    fn only_declared_parameters_with_their_types_and_values_pass() {
        let declared = declared();
        assert_eq!(declared.len(), 3);
        let port = declared.iter().find(|p| p.name == "port").expect("port");
        assert!(port.required());
        let ok: Map<String, Value> =
            serde_json::from_value(json!({"version": "22", "port": 8888})).expect("map");
        assert!(parameter_problems(&declared, &ok).is_empty());
        let bad: Map<String, Value> =
            serde_json::from_value(json!({"version": "16", "mirror": "yes", "colour": "red"}))
                .expect("map");
        let problems = parameter_problems(&declared, &bad);
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(
            problems
                .iter()
                .any(|p| p.contains("`colour` is not a parameter"))
        );
        assert!(problems.iter().any(|p| p.contains("`port` is required")));
        assert!(
            problems
                .iter()
                .any(|p| p.contains("`mirror` must be of type Boolean"))
        );
        assert!(problems.iter().any(|p| p.contains("`version` = \"16\" is not allowed; allowed: `18`, `20`, `22`")));
        let defaults = defaults_applied(&declared, &ok);
        assert_eq!(Value::Object(defaults), json!({"mirror": false}));
    }

    #[test]
    fn content_that_is_not_json_is_an_error() {
        assert!(template_parameters(Some(&json!("{not json"))).is_err());
        assert!(template_parameters(None).is_err());
        assert_eq!(
            template_parameters(Some(&json!("{}"))).expect("empty"),
            Vec::new()
        );
    }

    #[test]
    fn short_names_drop_the_prefix_and_the_owner() {
        assert_eq!(
            short_name("ACS-Extension-DockerCE-1853370294850618"),
            "DockerCE"
        );
        assert_eq!(
            short_name("ACS-Extension-BaoTaPanelFree-One-Click-1853370294850618"),
            "BaoTaPanelFree-One-Click"
        );
        assert_eq!(short_name("custom"), "custom");
    }
}
