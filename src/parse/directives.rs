//! `-- schemaguard:...` comment directives. (placeholder)

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Directive {
    /// `-- schemaguard:ignore rule-a, rule-b -- reason`: the next statement.
    Ignore {
        rules: Vec<String>,
        reason: Option<String>,
    },
    /// `-- schemaguard:ignore-file rule-a`: the whole file.
    IgnoreFile {
        rules: Vec<String>,
        reason: Option<String>,
    },
    /// `-- schemaguard:no-transaction`: the file runs statement by statement.
    NoTransaction,
}

/// Finds every directive (with its 1-based line) and every malformed one (with a message).
pub fn scan(_text: &str) -> (Vec<(u32, Directive)>, Vec<(u32, String)>) {
    (Vec::new(), Vec::new())
}
