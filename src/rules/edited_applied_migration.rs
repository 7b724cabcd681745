//! A migration that existed at the `--since` ref was changed: databases that already
//! applied it never see the change (and checksum-checking frameworks refuse to run).

use super::{Category, FileCheck, Rule, Severity, Violation};

pub struct EditedAppliedMigration;

impl Rule for EditedAppliedMigration {
    fn id(&self) -> &'static str {
        "edited-applied-migration"
    }
    fn default_severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "a migration that already existed (at the --since ref) was edited; databases that applied it never get the change"
    }
    fn category(&self) -> Category {
        Category::Correctness
    }
    fn check(&self, _cx: &super::Context, _out: &mut Vec<Violation>) {}
    fn check_file(&self, cx: &FileCheck, out: &mut Vec<Violation>) {
        let Some(reference) = &cx.file.edited_since else {
            return;
        };
        out.push(Violation {
            message: format!(
                "{} existed at {reference} and has been changed since",
                cx.file.display
            ),
            why: Some(
                "migration frameworks run each migration once: databases that already applied this file keep the old version, so environments drift apart; frameworks that store checksums (Flyway, sqlx, Prisma, Liquibase) refuse to continue"
                    .to_string(),
            ),
            fix: Some(format!(
                "restore the file as it was at {reference} and put the change in a new migration"
            )),
            ..Default::default()
        });
    }
}
