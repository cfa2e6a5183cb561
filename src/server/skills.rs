//! Each toolset's `SKILL.md` served as an MCP skill (SEP-2640) and as a resource, compiled into the
//! binary like the catalog, so what the agent reads always matches the tools it has.

use rmcp::model::{Resource, Skill, SkillFrontmatter, SkillResource, SkillResources};

/// The skill texts, by toolset: every `tools/<toolset>/SKILL.md` that build.rs embedded beside its
/// catalog, so a new toolset's skill is served without a list to keep up to date here.
fn embedded_skills() -> impl Iterator<Item = (&'static str, &'static str)> {
    crate::catalog::EMBEDDED_TOOLSETS
        .iter()
        .filter_map(|(toolset, _, skill)| Some((*toolset, (*skill)?)))
}

/// One served skill.
#[derive(Clone, Debug)]
pub(super) struct ServedSkill {
    pub(super) skill: Skill,
    pub(super) uri: String,
    pub(super) text: String,
}

/// Reads `name:` and `description:` from the YAML front matter.
fn frontmatter(text: &str) -> Option<(String, String)> {
    let body = text.strip_prefix("---\n")?;
    let (head, _) = body.split_once("\n---")?;
    let field = |key: &str| {
        head.lines()
            .find_map(|line| line.strip_prefix(key))
            .map(|v| v.trim().trim_matches('"').to_string())
    };
    Some((field("name:")?, field("description:")?))
}

/// The skills of the given toolsets.
pub(super) fn load(toolsets: &[String]) -> Vec<ServedSkill> {
    embedded_skills()
        .filter(|(toolset, _)| toolsets.iter().any(|t| t == toolset))
        .filter_map(|(toolset, text)| {
            let (name, description) = frontmatter(text)?;
            if name != *toolset {
                tracing::error!(
                    toolset,
                    name,
                    "SKILL.md name does not match its toolset; not served"
                );
                return None;
            }
            let uri = format!("skill://{name}/SKILL.md");
            let resources = SkillResources::Files(vec![SkillResource::from_bytes(
                uri.clone(),
                text.as_bytes(),
            )]);
            Some(ServedSkill {
                skill: Skill::new(
                    uri.clone(),
                    SkillFrontmatter::new(name, description),
                    resources,
                ),
                uri,
                text: (*text).to_string(),
            })
        })
        .collect()
}

/// The resource entry of a skill's `SKILL.md`.
pub(super) fn resource(served: &ServedSkill) -> Resource {
    Resource::new(served.uri.clone(), served.skill.name())
        .with_title(format!("{} skill", served.skill.name()))
        .with_description(served.skill.frontmatter.description.clone())
        .with_mime_type("text/markdown")
        .with_size(served.text.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_skill_has_front_matter_naming_its_toolset() {
        assert!(embedded_skills().count() >= 3);
        for (toolset, text) in embedded_skills() {
            let (name, description) = frontmatter(text).expect("front matter");
            assert_eq!(name, toolset);
            assert!(!description.is_empty());
        }
        let served = load(&["pai-quota".to_string()]);
        assert_eq!(served.len(), 1);
        assert!(served[0].skill.validate().is_ok());
    }
}
