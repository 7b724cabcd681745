//! A migration that was already applied was changed: databases that applied it never
//! see the change (and checksum-checking frameworks refuse to run). Known two ways: the
//! file existed at the `--since` ref and differs now, or its checksum differs from the
//! one the live database's history table recorded (Flyway, sqlx, Prisma).

use super::{Category, HistoryCheck, Rule, Severity, Violation};
use crate::span::{Position, Span};

pub struct EditedAppliedMigration;

impl Rule for EditedAppliedMigration {
    fn id(&self) -> &'static str {
        "edited-applied-migration"
    }
    fn default_severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "a migration that was already applied (it existed at the --since ref, or the live database recorded another checksum) was edited; databases that applied it never get the change"
    }
    fn category(&self) -> Category {
        Category::Correctness
    }
    fn check(&self, _cx: &super::Context, _out: &mut Vec<Violation>) {}
    fn check_history(&self, cx: &HistoryCheck, out: &mut Vec<(String, Violation)>) {
        for meta in cx.history {
            let Some(edited) = &meta.edited else {
                continue;
            };
            out.push((
                meta.display.clone(),
                Violation {
                    message: format!("{} {}", meta.display, edited.evidence),
                    // the file as a whole: its first line
                    span: Some(Span {
                        start: 0,
                        end: 0,
                        start_pos: Position { line: 1, column: 1 },
                        end_pos: Position { line: 1, column: 1 },
                    }),
                    why: Some(
                        "migration frameworks run each migration once: databases that already applied this file keep the old version, so environments drift apart; frameworks that store checksums (Flyway, sqlx, Prisma, Liquibase) refuse to continue".into(),
                    ),
                    fix: Some(format!(
                        "restore the file {} and put the change in a new migration",
                        edited.restore
                    )),
                    ..Default::default()
                },
            ));
        }
    }
}
