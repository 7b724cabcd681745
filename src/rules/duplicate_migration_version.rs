//! Two migration files with the same version: frameworks record applied migrations by
//! version, so one of them is rejected, skipped, or applied in an undefined order.

use super::{FileCheck, Rule, Severity, Violation};

pub struct DuplicateMigrationVersion;

impl Rule for DuplicateMigrationVersion {
    fn id(&self) -> &'static str {
        "duplicate-migration-version"
    }
    fn default_severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "two migration files have the same version"
    }
    fn category(&self) -> super::Category {
        super::Category::Correctness
    }
    fn check(&self, _cx: &super::Context, _out: &mut Vec<Violation>) {}
    fn check_file(&self, fc: &FileCheck, out: &mut Vec<Violation>) {
        let Some(this) = fc.history.get(fc.file.index) else {
            return;
        };
        let Some(version) = &this.version else {
            return;
        };
        // reported on the later file, naming the first one with that version
        let Some(first) = this.same_version_as.and_then(|i| fc.history.get(i)) else {
            return;
        };
        out.push(Violation {
            message: format!(
                "{} has version {version}, like {}",
                fc.file.display, first.display
            ),
            why: Some(format!(
                "migration frameworks record applied migrations by version: depending on the framework the run fails (Flyway, golang-migrate and goose reject duplicate versions), or once one of the two is recorded as applied the other is skipped, so {} may never run where {} already did",
                fc.file.display, first.display
            )),
            fix: Some(format!(
                "give {} a version of its own (rename it with a new version, after every applied one)",
                fc.file.display
            )),
            ..Default::default()
        });
    }
}
