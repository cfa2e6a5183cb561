//! The public OOS templates every account sees: the extension packages
//! (`ACS-Extension-<Name>-1853370294850618`, `TemplateType=Package`) and the automation
//! template that installs them (`ACS-ECS-BulkyConfigureOOSPackageWithTemporaryURL`).
//!
//! Templates are static data, the same in every region: [`packages`] holds each package's
//! versions and installation `Parameters` (type, default, allowed values), [`content`]
//! builds the template `Content` JSON (parameters plus a plausible Tasks section that is
//! data only: nothing in it is ever run), [`probes`] says what a version check on an
//! instance with the package installed prints.

pub mod content;
pub mod packages;
pub mod probes;

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::emulator::alibaba::ecs::models::OsType;

/// The account that publishes the public extension packages.
pub const PUBLISHER_ACCOUNT: &str = "1853370294850618";
/// The automation template that installs or uninstalls a package on instances.
pub const BULKY_TEMPLATE: &str = "ACS-ECS-BulkyConfigureOOSPackageWithTemporaryURL";
/// Its current version.
pub const BULKY_VERSION: &str = "v24";
/// When it was published and last updated.
const BULKY_DATES: (&str, &str) = ("2022-04-18T02:11:36Z", "2025-08-26T09:40:12Z");

/// The type of an installation parameter, as OOS spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// A string.
    String,
    /// An integer.
    Number,
    /// `true` or `false`.
    Boolean,
}

impl ParamKind {
    /// `String`, `Number`, `Boolean`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "String",
            Self::Number => "Number",
            Self::Boolean => "Boolean",
        }
    }

    /// A value written as text in the catalog, as JSON of this type.
    pub fn typed(self, text: &str) -> Value {
        match self {
            Self::String => json!(text),
            Self::Number => text
                .parse::<i64>()
                .map_or_else(|_| json!(text), Value::from),
            Self::Boolean => json!(text == "true"),
        }
    }
}

/// One installation parameter of a package version (`Content.Parameters.<name>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamDef {
    /// The key in `parameters`.
    pub name: &'static str,
    /// Its type.
    pub kind: ParamKind,
    /// What it means.
    pub description: &'static str,
    /// The default, written as text; `None`: the parameter is required.
    pub default: Option<&'static str>,
    /// The allowed values, written as text; empty: any value of the type.
    pub allowed: &'static [&'static str],
    /// Bounds for a `Number`.
    pub range: Option<(i64, i64)>,
}

impl ParamDef {
    /// The `Content.Parameters.<name>` object.
    pub fn schema(&self) -> Value {
        let mut out = Map::new();
        out.insert("Type".into(), json!(self.kind.as_str()));
        out.insert("Description".into(), json!(self.description));
        if let Some(default) = self.default {
            out.insert("Default".into(), self.kind.typed(default));
        }
        if !self.allowed.is_empty() {
            let allowed: Vec<Value> = self.allowed.iter().map(|a| self.kind.typed(a)).collect();
            out.insert("AllowedValues".into(), Value::Array(allowed));
        }
        if let Some((min, max)) = self.range {
            out.insert("MinValue".into(), json!(min));
            out.insert("MaxValue".into(), json!(max));
        }
        Value::Object(out)
    }
}

/// One published version of a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionDef {
    /// `v27`.
    pub name: &'static str,
    /// When it was published.
    pub published: &'static str,
    /// Its installation parameters.
    pub params: &'static [ParamDef],
}

/// A public extension package.
#[derive(Debug, Clone, Copy)]
pub struct PackageDef {
    /// The `<Name>` in `ACS-Extension-<Name>-1853370294850618`.
    pub short_name: &'static str,
    /// `name-en`.
    pub name_en: &'static str,
    /// `name-zh-cn`.
    pub name_zh: &'static str,
    /// `en`.
    pub description_en: &'static str,
    /// `zh-cn`.
    pub description_zh: &'static str,
    /// `categories`.
    pub categories: &'static [&'static str],
    /// The icon folder under the public template bucket.
    pub icon: &'static str,
    /// `doc-en`, `doc-zh-cn` when the package has documentation.
    pub docs: Option<(&'static str, &'static str)>,
    /// The operating systems it installs on.
    pub os: &'static [OsType],
    /// When the template was first published.
    pub created: &'static str,
    /// Its versions, oldest first (the last is the latest).
    pub versions: &'static [VersionDef],
    /// `Popularity`.
    pub popularity: u32,
    /// `TotalExecutionCount`.
    pub executions: u32,
}

impl PackageDef {
    /// `ACS-Extension-<Name>-1853370294850618`.
    pub fn template_name(&self) -> String {
        format!("ACS-Extension-{}-{PUBLISHER_ACCOUNT}", self.short_name)
    }

    /// The latest version.
    pub fn latest(&self) -> &'static VersionDef {
        // The catalog test checks every package has a version.
        &self.versions[self.versions.len() - 1]
    }

    /// A version by name.
    pub fn version(&self, name: &str) -> Option<&'static VersionDef> {
        self.versions.iter().find(|v| v.name == name)
    }

    /// Whether it installs on `os`.
    pub fn supports(&self, os: OsType) -> bool {
        self.os.contains(&os)
    }

    /// The `Description` JSON string the console and the skill parse.
    pub fn description(&self) -> String {
        let mut out = Map::new();
        out.insert("categories".into(), json!(self.categories));
        out.insert("en".into(), json!(self.description_en));
        out.insert("zh-cn".into(), json!(self.description_zh));
        out.insert("name-en".into(), json!(self.name_en));
        out.insert("name-zh-cn".into(), json!(self.name_zh));
        out.insert(
            "image".into(),
            json!(format!(
                "https://oos-public-template.oss-cn-beijing.aliyuncs.com/{}/icon.png",
                self.icon
            )),
        );
        if let Some((en, zh)) = self.docs {
            out.insert("doc-en".into(), json!(en));
            out.insert("doc-zh-cn".into(), json!(zh));
        }
        Value::Object(out).to_string()
    }
}

/// A public template: a package or the bulky installer.
#[derive(Debug, Clone, Copy)]
pub enum Template {
    /// An extension package.
    Package(&'static PackageDef),
    /// `ACS-ECS-BulkyConfigureOOSPackageWithTemporaryURL`.
    Bulky,
}

impl Template {
    /// Every public template: the packages in catalog order, then the installer.
    pub fn all() -> Vec<Template> {
        let mut out: Vec<Template> = packages::PACKAGES.iter().map(Template::Package).collect();
        out.push(Template::Bulky);
        out
    }

    /// A template by exact name.
    pub fn find(name: &str) -> Option<Template> {
        Self::all().into_iter().find(|t| t.name() == name)
    }

    /// `TemplateName`.
    pub fn name(&self) -> String {
        match self {
            Self::Package(p) => p.template_name(),
            Self::Bulky => BULKY_TEMPLATE.to_owned(),
        }
    }

    /// `TemplateType`: `Package` or `Automation`.
    pub fn template_type(&self) -> &'static str {
        match self {
            Self::Package(_) => "Package",
            Self::Bulky => "Automation",
        }
    }

    /// Version names, oldest first.
    pub fn versions(&self) -> Vec<&'static str> {
        match self {
            Self::Package(p) => p.versions.iter().map(|v| v.name).collect(),
            Self::Bulky => vec![BULKY_VERSION],
        }
    }

    /// The latest version's name.
    pub fn latest_version(&self) -> &'static str {
        match self {
            Self::Package(p) => p.latest().name,
            Self::Bulky => BULKY_VERSION,
        }
    }

    /// `Description`: the JSON string for packages, plain text for the installer.
    pub fn description(&self) -> String {
        match self {
            Self::Package(p) => p.description(),
            Self::Bulky => "Bulk install, update or uninstall an OOS extension package on ECS instances through Cloud Assistant, downloading the package with a temporary URL.".to_owned(),
        }
    }

    /// `CreatedDate`.
    pub fn created(&self) -> &'static str {
        match self {
            Self::Package(p) => p.created,
            Self::Bulky => BULKY_DATES.0,
        }
    }

    /// `UpdatedDate` of a version (`version` must be one of [`Template::versions`]).
    pub fn updated(&self, version: &str) -> &'static str {
        match self {
            Self::Package(p) => p.version(version).map_or(p.created, |v| v.published),
            Self::Bulky => BULKY_DATES.1,
        }
    }

    /// `TemplateId`: stable per name, `t-` and 14 hex digits like the real ids.
    pub fn id(&self) -> String {
        let digest = Sha256::digest(self.name().as_bytes());
        format!("t-{}", &hex::encode(digest)[..14])
    }

    /// The `Content` JSON string of a version.
    pub fn content(&self, version: &str) -> String {
        match self {
            Self::Package(p) => {
                let v = p.version(version).unwrap_or_else(|| p.latest());
                content::package_content(p, v)
            }
            Self::Bulky => content::bulky_content(),
        }
    }

    /// `Hash`: the SHA-256 of the version's content.
    pub fn hash(&self, version: &str) -> String {
        hex::encode(Sha256::digest(self.content(version).as_bytes()))
    }

    /// `Popularity` and `TotalExecutionCount`.
    pub fn popularity(&self) -> (u32, u32) {
        match self {
            Self::Package(p) => (p.popularity, p.executions),
            Self::Bulky => (10, 2_861_407),
        }
    }
}

/// A package by its template name.
pub fn package(template_name: &str) -> Option<&'static PackageDef> {
    packages::PACKAGES
        .iter()
        .find(|p| p.template_name() == template_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_package_has_versions_a_parseable_description_and_content() {
        assert!(packages::PACKAGES.len() >= 10);
        for p in packages::PACKAGES {
            assert!(!p.versions.is_empty(), "{}", p.short_name);
            let description: Value = serde_json::from_str(&p.description()).unwrap_or(Value::Null);
            assert_eq!(description["name-en"], p.name_en);
            assert!(description["categories"].is_array());
            let template = Template::Package(p);
            for version in template.versions() {
                let content: Value =
                    serde_json::from_str(&template.content(version)).unwrap_or(Value::Null);
                assert!(content["Parameters"].is_object(), "{}", p.short_name);
                assert!(content["Tasks"].is_array());
            }
            for param in p.latest().params {
                if let Some(default) = param.default
                    && !param.allowed.is_empty()
                {
                    assert!(param.allowed.contains(&default), "{}", param.name);
                }
            }
        }
    }

    #[test]
    fn templates_are_found_by_exact_name_with_stable_ids() {
        let node = Template::find("ACS-Extension-node-1853370294850618");
        assert!(matches!(node, Some(Template::Package(_))));
        assert_eq!(node.map(|t| t.latest_version()), Some("v27"));
        assert!(matches!(
            Template::find(BULKY_TEMPLATE),
            Some(Template::Bulky)
        ));
        assert!(Template::find("ACS-Extension-node").is_none());
        let id = Template::Bulky.id();
        assert_eq!(id.len(), 16);
        assert_eq!(id, Template::Bulky.id());
    }
}
