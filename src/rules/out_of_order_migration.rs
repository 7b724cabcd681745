//! A migration added since the `--since` ref whose version sorts before migrations that
//! already existed: databases that applied those skip it, or refuse to run.

use super::{Category, FileCheck, Rule, Severity, Violation};
use std::cmp::Ordering;

pub struct OutOfOrderMigration;

impl Rule for OutOfOrderMigration {
    fn id(&self) -> &'static str {
        "out-of-order-migration"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "a new migration's version sorts before migrations that were already there (at the --since ref, or applied to the live database)"
    }
    fn category(&self) -> Category {
        Category::Correctness
    }
    fn check(&self, _cx: &super::Context, _out: &mut Vec<Violation>) {}
    fn check_file(&self, cx: &FileCheck, out: &mut Vec<Violation>) {
        let Some(me) = cx.history.get(cx.file.index) else {
            return;
        };
        let Some(version) = me.version.as_deref().filter(|_| me.new_since_ref) else {
            return;
        };
        let newer: Vec<&str> = cx
            .history
            .iter()
            .filter(|f| !f.new_since_ref)
            .filter(|f| {
                f.version
                    .as_deref()
                    .is_some_and(|v| compare(v, version) == Ordering::Greater)
            })
            .map(|f| f.display.as_str())
            .collect();
        let Some(latest) = newer.last() else {
            return;
        };
        out.push(Violation {
            message: format!(
                "{} is new, but its version {version} sorts before {} migration(s) that {}, the latest {latest}",
                cx.file.display,
                newer.len(),
                cx.baseline
            ),
            why: Some(
                "databases that already applied the later migrations treat this one as missing: golang-migrate and goose refuse to go on (or skip it), Flyway ignores it unless outOfOrder=true, and where it does run it runs after schema changes it may not expect".into(),
            ),
            fix: Some(format!(
                "give it a version after {latest} (rename the file), so every database applies it last"
            )),
            ..Default::default()
        });
    }
}

/// Compares normalised versions (`2`, `20240101120000`, `1.1`) part by part, numerically.
fn compare(a: &str, b: &str) -> Ordering {
    let mut pa = a.split(['.', '_']);
    let mut pb = b.split(['.', '_']);
    loop {
        match (pa.next(), pb.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
                match x.len().cmp(&y.len()).then_with(|| x.cmp(y)) {
                    Ordering::Equal => continue,
                    other => return other,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::compare;
    use std::cmp::Ordering;

    #[test]
    fn versions_compare_numerically_by_part() {
        assert_eq!(compare("2", "10"), Ordering::Less);
        assert_eq!(compare("0002", "2"), Ordering::Equal);
        assert_eq!(compare("1.10", "1.9"), Ordering::Greater);
        assert_eq!(
            compare("20240101120000", "20231231235959"),
            Ordering::Greater
        );
    }
}
