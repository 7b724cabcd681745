//! Two migration files that the framework records under the same key: one of them is
//! rejected, skipped as already applied, or applied in an undefined order. The key is
//! what the framework's history table holds (`source::framework::record_key`): the
//! version for most frameworks, Prisma's whole folder name; Liquibase keys changesets,
//! not files, so it never fires there.

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
        let Some(key) = &this.record_key else {
            return;
        };
        // reported on the later file, naming the first one with that version
        let Some(first) = this.same_version_as.and_then(|i| fc.history.get(i)) else {
            return;
        };
        out.push(Violation {
            message: format!(
                "{} has version {key}, like {}",
                fc.file.display, first.display
            ),
            why: Some(format!(
                "the framework records applied migrations by version: depending on the framework the run fails (Flyway, golang-migrate and goose reject duplicate versions), or once one of the two is recorded as applied the other is skipped (dbmate, diesel, sqlx, popx), so {} may never run where {} already did",
                fc.file.display, first.display
            ).into()),
            fix: Some(format!(
                "give {} a version of its own (rename it with a new version, after every applied one)",
                fc.file.display
            )),
            ..Default::default()
        });
    }
}
