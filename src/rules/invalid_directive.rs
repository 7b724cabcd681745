//! A `-- schemaguard:` comment that names an unknown directive or rule. Reported by the
//! driver while it reads the file's directives; there is nothing to check per statement.

use super::{Context, Rule, Severity, Violation};

pub struct InvalidDirective;

impl Rule for InvalidDirective {
    fn id(&self) -> &'static str {
        "invalid-directive"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "a `-- schemaguard:` comment names an unknown directive or rule, so it has no effect"
    }
    fn category(&self) -> super::Category {
        super::Category::Correctness
    }
    fn check(&self, _cx: &Context, _out: &mut Vec<Violation>) {}
}
