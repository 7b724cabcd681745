//! `schemaguard.toml`: found upward from the working directory, or given with `--config`.
//!
//! ```toml
//! pg_version = 15                 # target PostgreSQL major version (10-18)
//! assume_in_transaction = true    # the framework wraps each file in a transaction
//! max_file_size_kib = 10240       # larger files are reported and skipped
//! paths = ["migrations"]         # what to check when no paths are given
//! timezone = "UTC"                # the session TimeZone the migrations run with
//! framework = "goose"             # detected per file when unset
//! partial_history = false         # true: the migrations do not create everything they use
//! small_table_rows = 10000        # with --database-url: lock findings on smaller tables are hints
//! large_table_bytes = 10737418240 # with --database-url: lock warnings on bigger tables are errors
//!
//! [rules]
//! prefer-text = "off"             # off, hint, warning or error
//! drop-column = "error"
//!
//! [fix]
//! lock_timeout = "2s"             # the lock_timeout `schemaguard fix` sets (default 2s)
//! statement_timeout = "5min"      # unset: `fix` leaves missing-statement-timeout alone
//! ```

use crate::rules::{self, Severity};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "schemaguard.toml";

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub pg_version: Option<u32>,
    pub assume_in_transaction: Option<bool>,
    pub max_file_size_kib: Option<u64>,
    /// The session TimeZone migrations run with (default UTC, as on most managed
    /// services); `timestamp` <-> `timestamptz` changes rewrite unless it is UTC.
    pub timezone: Option<String>,
    /// The migration framework (`goose`, `dbmate`, `sqlx`, `flyway`, `diesel`, `prisma`,
    /// `liquibase`, `golang-migrate`, `popx`, `plain`); detected per file when unset.
    pub framework: Option<String>,
    /// The migrations do not create every object they use (tables made by another tool,
    /// a squashed history): turns `unknown-object` off.
    pub partial_history: Option<bool>,
    /// Migration files or directories checked when none are given on the command line.
    pub paths: Option<Vec<String>>,
    /// With a live database: tables with fewer rows (and under 100 MB) are small, and
    /// lock findings on them become hints [default: 10000].
    pub small_table_rows: Option<u64>,
    /// With a live database: tables of at least this many bytes (with indexes and TOAST)
    /// are large, and lock warnings on them become errors [default: 10 GiB].
    pub large_table_bytes: Option<u64>,
    #[serde(default)]
    pub rules: BTreeMap<String, String>,
    /// What `schemaguard fix` writes.
    #[serde(default)]
    pub fix: FixConfig,
    /// Where the file was read from (not a setting).
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

/// `[fix]`: values `schemaguard fix` writes.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixConfig {
    /// The `lock_timeout` set at the top of a migration [default: 2s].
    pub lock_timeout: Option<String>,
    /// The `statement_timeout` set at the top of a migration that misses it; unset: not
    /// written.
    pub statement_timeout: Option<String>,
}

/// Why the configuration could not be used. Each message starts with the file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{}: cannot read the configuration: {source}", path.display())]
    Read {
        /// The configuration file.
        path: PathBuf,
        /// What reading it said.
        source: std::io::Error,
    },
    /// Not TOML, or not the keys and types of a configuration (the TOML parser's message
    /// names the line and what it expected).
    #[error("{}: invalid configuration: {message}", path.display())]
    Invalid {
        /// The configuration file.
        path: PathBuf,
        /// The TOML parser's message, trimmed.
        message: String,
    },
    /// `framework` names no supported framework.
    #[error("{at}: framework = \"{value}\" is not one of {expected}")]
    Framework {
        /// The configuration file, as shown.
        at: String,
        /// The value given.
        value: String,
        /// The framework names accepted, comma-separated.
        expected: String,
    },
    /// `pg_version` outside 10 to 18.
    #[error("{at}: pg_version = {version} is not supported (10 to 18)")]
    PgVersion {
        /// The configuration file, as shown.
        at: String,
        /// The version given.
        version: u32,
    },
    /// `[rules]` names no rule.
    #[error(
        "{at}: [rules] names `{id}`, which is not a schemaguard rule (`schemaguard rules` lists them)"
    )]
    UnknownRule {
        /// The configuration file, as shown.
        at: String,
        /// The rule id given.
        id: String,
    },
    /// `[rules]` gives a rule a value that is no severity.
    #[error(
        "{at}: [rules] {id} = \"{value}\": expected \"off\", \"hint\", \"warning\" or \"error\""
    )]
    Severity {
        /// The configuration file, as shown.
        at: String,
        /// The rule id.
        id: String,
        /// The value given.
        value: String,
    },
    /// `[fix]` gives a timeout that is no duration.
    #[error("{at}: [fix] {key} = \"{value}\": expected a duration such as \"2s\" or \"500ms\"")]
    FixDuration {
        /// The configuration file, as shown.
        at: String,
        /// `lock_timeout` or `statement_timeout`.
        key: &'static str,
        /// The value given.
        value: String,
    },
}

impl Config {
    /// Reads `explicit`, or the nearest `schemaguard.toml` upward from `start`.
    pub fn load(explicit: Option<&Path>, start: &Path) -> Result<Config, ConfigError> {
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => find_upward(start),
        };
        let Some(path) = path else {
            return Ok(Config::default());
        };
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        let mut config: Config = toml::from_str(&text).map_err(|e| ConfigError::Invalid {
            path: path.clone(),
            message: e.to_string().trim().to_string(),
        })?;
        config.path = Some(path);
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let at = self
            .path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| FILE_NAME.to_string());
        if let Some(f) = &self.framework {
            if crate::source::framework::Framework::parse(f).is_none() {
                let names: Vec<&str> = crate::source::framework::Framework::ALL
                    .iter()
                    .map(|f| f.name())
                    .collect();
                return Err(ConfigError::Framework {
                    at,
                    value: f.clone(),
                    expected: names.join(", "),
                });
            }
        }
        if let Some(v) = self.pg_version {
            if !crate::effects::PgVersion::SUPPORTED.contains(&v) {
                return Err(ConfigError::PgVersion { at, version: v });
            }
        }
        for (key, value) in [
            ("lock_timeout", &self.fix.lock_timeout),
            ("statement_timeout", &self.fix.statement_timeout),
        ] {
            if let Some(v) = value {
                let ok = !v.is_empty()
                    && v.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == ' ');
                if !ok {
                    return Err(ConfigError::FixDuration {
                        at,
                        key,
                        value: v.clone(),
                    });
                }
            }
        }
        for (id, value) in &self.rules {
            if rules::by_id(id).is_none() {
                return Err(ConfigError::UnknownRule { at, id: id.clone() });
            }
            if value != "off" && Severity::parse(value).is_none() {
                return Err(ConfigError::Severity {
                    at,
                    id: id.clone(),
                    value: value.clone(),
                });
            }
        }
        Ok(())
    }

    /// Rule id -> severity override (`None`: the rule is off).
    pub fn rule_overrides(&self) -> BTreeMap<String, Option<Severity>> {
        let partial =
            self.partial_history == Some(true) && !self.rules.contains_key("unknown-object");
        let implied = partial.then(|| ("unknown-object".to_string(), None));
        self.rules
            .iter()
            .map(|(id, v)| {
                (
                    id.clone(),
                    if v == "off" { None } else { Severity::parse(v) },
                )
            })
            .chain(implied)
            .collect()
    }
}

fn find_upward(start: &Path) -> Option<PathBuf> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_rules_and_bad_severities_are_rejected() {
        let c: Config = toml::from_str("[rules]\nno-such-rule = \"off\"").expect("parses");
        assert!(matches!(
            c.validate(),
            Err(ConfigError::UnknownRule { id, .. }) if id == "no-such-rule"
        ));
        let c: Config = toml::from_str("[rules]\ndrop-column = \"loud\"").expect("parses");
        let err = c.validate().map_err(|e| e.to_string());
        assert!(matches!(&err, Err(m) if m.contains("loud")), "{err:?}");
        let c: Config = toml::from_str("pg_version = 9").expect("parses");
        assert!(matches!(
            c.validate(),
            Err(ConfigError::PgVersion { version: 9, .. })
        ));
    }

    #[test]
    fn overrides_map_off_to_none() {
        let c: Config = toml::from_str("[rules]\nprefer-text = \"off\"\ndrop-column = \"error\"")
            .expect("parses");
        let o = c.rule_overrides();
        assert_eq!(o.get("prefer-text"), Some(&None));
        assert_eq!(o.get("drop-column"), Some(&Some(Severity::Error)));
    }

    #[test]
    fn unknown_keys_are_errors() {
        assert!(toml::from_str::<Config>("pg_versoin = 15").is_err());
    }
}
