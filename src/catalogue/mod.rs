//! The statement catalogue: statement forms that matter for migration safety, each with
//! a small setup, kept as data in `catalogue/forms.toml`. [`run`] runs every form on a
//! real server of one major version and lines up what the server did with what
//! `effects` predicts for that version (the same pipeline as `plan --pg-version N`);
//! [`docs`] renders what the servers did as `docs/locks.md`.
//!
//! A form's `min_version` is the first version where its statement exists. Below it the
//! form still runs: the server must refuse it, and schemaguard must say it fails on that
//! version. `skip_below` is for forms whose *setup* needs a newer server (a function
//! that is not built in before that version): they are not run below it. A form whose
//! failure depends on its data rather than on the version says so with `expect_error`
//! (the SQLSTATE): the server must fail with it, and schemaguard need not predict it.

pub mod docs;
#[cfg(unix)]
pub mod run;

use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// The catalogue file as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    /// Named setups that forms share (`uses = ["t"]`), run in the order a form lists them.
    #[serde(default)]
    pub setups: BTreeMap<String, String>,
    #[serde(rename = "form")]
    pub forms: Vec<Form>,
}

/// One statement form.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Form {
    /// Stable, kebab-case.
    pub id: String,
    /// The section of `docs/locks.md` it belongs to.
    pub group: String,
    /// What it is, in a few words.
    pub title: String,
    /// Shared setups, in order.
    #[serde(default)]
    pub uses: Vec<String>,
    /// More setup of its own, after the shared ones.
    #[serde(default)]
    pub setup: String,
    /// The statement (one).
    pub sql: String,
    /// The first major version with this statement form; below it the server refuses
    /// it and schemaguard must predict that.
    pub min_version: Option<u32>,
    /// Not run below this version (the setup needs it).
    pub skip_below: Option<u32>,
    /// The SQLSTATE the server raises for this form because of its data or setup (a
    /// NOT NULL column added to a table with rows): not a version fact, so schemaguard
    /// need not predict it; the server must raise exactly this.
    pub expect_error: Option<String>,
    /// What the form shows, for the reference page.
    #[serde(default)]
    pub notes: String,
    /// Rules whose `schemaguard explain` page links to this form.
    #[serde(default)]
    pub rules: Vec<String>,
}

/// The catalogue as built into the binary (for `schemaguard explain`).
pub const EMBEDDED: &str = include_str!("../../catalogue/forms.toml");

/// Where the reference page lives in the repository.
pub const DOCS_PAGE: &str = "docs/locks.md";

/// `(anchor, title)` of the catalogue forms a rule's page links to.
pub fn forms_for_rule(rule: &str) -> Vec<(String, String)> {
    let Ok(cat) = Catalogue::parse(EMBEDDED) else {
        return Vec::new();
    };
    cat.forms
        .into_iter()
        .filter(|f| f.rules.iter().any(|r| r == rule))
        .map(|f| (f.id, f.title))
        .collect()
}

impl Form {
    /// Whether the form runs on `major` at all.
    pub fn runs_on(&self, major: u32) -> bool {
        self.skip_below.is_none_or(|v| major >= v)
    }

    /// Whether the statement exists on `major` (else it must fail there).
    pub fn exists_on(&self, major: u32) -> bool {
        self.min_version.is_none_or(|v| major >= v)
    }
}

/// Why the catalogue file is not usable.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What reading said.
        source: std::io::Error,
    },
    /// An error in the file, with its path.
    #[error("{}: {source}", path.display())]
    In {
        /// The file.
        path: PathBuf,
        /// What is wrong in it.
        source: Box<CatalogueError>,
    },
    /// Not TOML of the catalogue's shape (the parser's message names the line).
    #[error(transparent)]
    Toml(#[from] toml::de::Error),
    /// Two forms with one id.
    #[error("form `{0}` is listed twice")]
    Duplicate(String),
    /// An id that is not kebab-case.
    #[error("form id `{0}` is not kebab-case")]
    NotKebabCase(String),
    /// `uses` names no setup.
    #[error("form `{form}` uses an unknown setup `{setup}`")]
    UnknownSetup {
        /// The form.
        form: String,
        /// The setup named.
        setup: String,
    },
    /// A form's SQL is not one statement.
    #[error("form `{form}` must hold one statement, not {count}")]
    NotOneStatement {
        /// The form.
        form: String,
        /// How many it holds.
        count: usize,
    },
    /// `rules` names no rule.
    #[error("form `{form}` names an unknown rule `{rule}`")]
    UnknownRule {
        /// The form.
        form: String,
        /// The rule named.
        rule: String,
    },
    /// A version outside the supported ones.
    #[error("form `{form}`: version {version} is not known")]
    UnknownVersion {
        /// The form.
        form: String,
        /// The version given.
        version: u32,
    },
}

impl Catalogue {
    /// Reads and checks the catalogue: unique ids, known setups, one statement per form.
    pub fn load(path: &Path) -> Result<Catalogue, CatalogueError> {
        let text = std::fs::read_to_string(path).map_err(|source| CatalogueError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Catalogue::parse(&text).map_err(|e| CatalogueError::In {
            path: path.to_path_buf(),
            source: Box::new(e),
        })
    }

    /// Parses and checks a catalogue's text.
    pub fn parse(text: &str) -> Result<Catalogue, CatalogueError> {
        let cat: Catalogue = toml::from_str(text)?;
        let mut ids = HashSet::new();
        for f in &cat.forms {
            if !ids.insert(f.id.as_str()) {
                return Err(CatalogueError::Duplicate(f.id.clone()));
            }
            if f.id.is_empty()
                || !f
                    .id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                return Err(CatalogueError::NotKebabCase(f.id.clone()));
            }
            for u in &f.uses {
                if !cat.setups.contains_key(u) {
                    return Err(CatalogueError::UnknownSetup {
                        form: f.id.clone(),
                        setup: u.clone(),
                    });
                }
            }
            let pieces = crate::parse::split::split(&f.sql);
            if pieces.len() != 1 {
                return Err(CatalogueError::NotOneStatement {
                    form: f.id.clone(),
                    count: pieces.len(),
                });
            }
            for r in &f.rules {
                if crate::rules::page(r).is_none() {
                    return Err(CatalogueError::UnknownRule {
                        form: f.id.clone(),
                        rule: r.clone(),
                    });
                }
            }
            for v in [f.min_version, f.skip_below].into_iter().flatten() {
                if !crate::effects::PgVersion::SUPPORTED.contains(&v) {
                    return Err(CatalogueError::UnknownVersion {
                        form: f.id.clone(),
                        version: v,
                    });
                }
            }
        }
        Ok(cat)
    }

    /// The whole setup SQL of a form: its shared setups, then its own.
    pub fn setup_of(&self, form: &Form) -> String {
        let mut out = String::new();
        for u in &form.uses {
            if let Some(sql) = self.setups.get(u) {
                out.push_str(sql.trim_end());
                out.push('\n');
            }
        }
        out.push_str(form.setup.trim_end());
        if !out.is_empty() {
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_with_two_statements_is_refused() {
        let err = Catalogue::parse(
            r#"
[[form]]
id = "two"
group = "g"
title = "t"
sql = "SELECT 1; SELECT 2"
"#,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("one statement"), "{err}");
    }

    #[test]
    fn unknown_setups_and_duplicates_are_refused() {
        let err = Catalogue::parse(
            r#"
[[form]]
id = "a"
group = "g"
title = "t"
uses = ["nope"]
sql = "SELECT 1"
"#,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("unknown setup"), "{err}");
        let err = Catalogue::parse(
            r#"
[[form]]
id = "a"
group = "g"
title = "t"
sql = "SELECT 1"
[[form]]
id = "a"
group = "g"
title = "t"
sql = "SELECT 1"
"#,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("twice"), "{err}");
    }

    #[test]
    fn the_repository_catalogue_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("catalogue/forms.toml");
        let cat = Catalogue::load(&path).expect("catalogue/forms.toml");
        assert!(cat.forms.len() >= 100, "{} forms", cat.forms.len());
    }

    #[test]
    fn explain_links_reach_the_page() {
        let forms = forms_for_rule("create-index-non-concurrently");
        assert!(
            forms
                .iter()
                .any(|(id, _)| id == "create-index-concurrently"),
            "{forms:?}"
        );
        let page = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(DOCS_PAGE))
            .expect("docs/locks.md");
        let cat = Catalogue::parse(EMBEDDED).expect("the embedded catalogue");
        for f in &cat.forms {
            assert!(
                page.contains(&format!("<a id=\"{}\"></a>", f.id)),
                "docs/locks.md has no row for `{}`: regenerate it (README: the version test)",
                f.id
            );
        }
    }
}
