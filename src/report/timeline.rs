//! The lock timeline: per migration, the relations it locks (rows) over its statements
//! (columns), each cell the strongest lock held on the relation at that statement (taken
//! there, or still held from an earlier statement of the same transaction until its
//! commit), with rewrites and scans marked and the relations the migration creates told
//! apart. Built from the plan alone (`analysis` decided every lock); rendered as Mermaid
//! gantt charts for the markdown comment ([`mermaid`]) and as tables in the HTML report.

use crate::analysis::{FileSummary, PlannedStatement, TransactionMode};
use crate::catalog::Catalog;
use crate::lock::LockMode;
use std::collections::HashMap;
use std::fmt::Write;

/// One migration's timeline.
#[derive(Clone, Debug)]
pub struct MigrationTimeline {
    pub file: String,
    pub mode: TransactionMode,
    /// The file's statements, in order.
    pub columns: Vec<Column>,
    /// The relations it locks, in the order it first locks them.
    pub rows: Vec<Row>,
}

/// One statement of the migration.
#[derive(Clone, Debug)]
pub struct Column {
    /// Its position in the run's plan.
    pub plan_index: usize,
    pub line: u32,
    pub end_line: u32,
    /// The statement, shortened to one line.
    pub sql: String,
    pub in_transaction: bool,
}

/// One relation of the migration.
#[derive(Clone, Debug)]
pub struct Row {
    pub relation: String,
    /// `r` table, `i` index, `v` view, ... (as the plan says)
    pub relkind: &'static str,
    /// Created earlier in the same migration: its locks block no one else.
    pub created_here: bool,
    /// With a live database: "48 GiB, ~310M rows".
    pub size: Option<String>,
    /// One per column.
    pub cells: Vec<Option<Cell>>,
}

/// What is held on a relation at one statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    /// The strongest lock held at this point.
    pub mode: LockMode,
    /// This statement takes a lock on the relation (else the lock is held from before).
    pub taken_here: bool,
    pub rewrite: bool,
    pub scan: bool,
    /// The line of the statement ending the transaction that holds the lock, when the
    /// lock outlives this statement's transaction-less run.
    pub held_until_line: Option<u32>,
}

impl MigrationTimeline {
    /// Whether a lock of this migration blocks reads or writes of a relation that
    /// existed before it: the migrations a reviewer must look at.
    pub fn blocks_traffic(&self) -> bool {
        self.rows
            .iter()
            .any(|r| !r.created_here && r.cells.iter().flatten().any(|c| c.mode.blocks_traffic()))
    }
}

/// The timelines of every file of the run, in apply order. `catalog` gives table sizes
/// when the run started from a live database (tables without statistics get none).
pub fn build(
    files: &[FileSummary],
    plan: &[PlannedStatement],
    catalog: Option<&Catalog>,
) -> Vec<MigrationTimeline> {
    let mut by_file: HashMap<&str, Vec<(usize, &PlannedStatement)>> = HashMap::new();
    for (i, p) in plan.iter().enumerate() {
        by_file.entry(p.file.as_str()).or_default().push((i, p));
    }
    files
        .iter()
        .map(|f| {
            let statements = by_file.get(f.file.as_str()).map_or(&[][..], Vec::as_slice);
            migration(f, statements, catalog)
        })
        .collect()
}

fn migration(
    file: &FileSummary,
    statements: &[(usize, &PlannedStatement)],
    catalog: Option<&Catalog>,
) -> MigrationTimeline {
    let mut rows: Vec<Row> = Vec::new();
    let mut row_of: HashMap<String, usize> = HashMap::new();
    // locks held by the open transaction: row -> (mode, held until line)
    let mut held: HashMap<usize, (LockMode, Option<u32>)> = HashMap::new();
    let mut open_tx: Option<u64> = None;
    let mut columns = Vec::with_capacity(statements.len());
    for (col, &(plan_index, p)) in statements.iter().enumerate() {
        columns.push(Column {
            plan_index,
            line: p.span.start_pos.line,
            end_line: p.span.end_pos.line,
            sql: one_line(&p.sql, 80),
            in_transaction: p.in_transaction,
        });
        if !p.in_transaction || open_tx != Some(p.transaction) {
            held.clear();
        }
        open_tx = p.in_transaction.then_some(p.transaction);
        let mut taken: HashMap<usize, LockMode> = HashMap::new();
        for l in &p.locks {
            // an index's lock is shown where it blocks traffic (as `plan` does)
            if l.relkind == "i" && !l.mode.blocks_traffic() {
                continue;
            }
            let name = l.relation.to_string();
            let row = *row_of.entry(name.clone()).or_insert_with(|| {
                rows.push(Row {
                    size: catalog
                        .and_then(|c| c.table(&l.relation))
                        .and_then(|t| t.stats.as_ref())
                        .map(crate::live::risk::describe),
                    relation: name,
                    relkind: l.relkind,
                    created_here: !l.preexisting,
                    cells: Vec::new(),
                });
                rows.len() - 1
            });
            let m = taken.entry(row).or_insert(l.mode);
            *m = (*m).max(l.mode);
        }
        for r in &mut rows {
            r.cells.resize(col + 1, None);
        }
        for (&row, &mode) in &taken {
            if p.in_transaction {
                let h = held.entry(row).or_insert((mode, p.held_until_line));
                h.0 = h.0.max(mode);
            }
            let strongest = held.get(&row).map_or(mode, |h| h.0.max(mode));
            let relation = &rows[row].relation;
            rows[row].cells[col] = Some(Cell {
                mode: strongest,
                taken_here: true,
                rewrite: p.rewrites.iter().any(|n| n.to_string() == *relation),
                scan: p.scans.iter().any(|s| s.relation.to_string() == *relation),
                held_until_line: if p.in_transaction {
                    p.held_until_line
                } else {
                    None
                },
            });
        }
        for (&row, &(mode, until)) in &held {
            if !taken.contains_key(&row) {
                rows[row].cells[col] = Some(Cell {
                    mode,
                    taken_here: false,
                    rewrite: false,
                    scan: false,
                    held_until_line: until,
                });
            }
        }
    }
    MigrationTimeline {
        file: file.file.clone(),
        mode: file.mode,
        columns,
        rows,
    }
}

/// A statement on one line, at most `max` characters (an ellipsis marks the cut).
pub fn one_line(sql: &str, max: usize) -> String {
    let flat: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        let mut cut: String = flat.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// How a transaction mode reads in a caption.
pub fn mode_caption(mode: TransactionMode) -> &'static str {
    match mode {
        TransactionMode::Wrapped => "one transaction",
        TransactionMode::Autocommit | TransactionMode::ImplicitMulti => "no wrapping transaction",
        TransactionMode::Mixed => "a transaction per changeset",
    }
}

/// A cell's label: the mode, then what the statement does to the relation.
pub fn cell_label(cell: &Cell) -> String {
    let mut label = cell.mode.as_str().to_string();
    if cell.rewrite {
        label.push_str(", rewrite");
    }
    if cell.scan {
        label.push_str(", scan");
    }
    if !cell.taken_here {
        label.push_str(" (held)");
    }
    label
}

/// One Mermaid gantt chart of a migration: a section per relation, a bar per run of
/// statements holding the same lock, statements numbered from 1 on the time axis (a
/// statement is a day from 2000-01-01, labelled by its day of the year: Mermaid's
/// gantt reads only dates, and its unix-seconds format starts every bar at 0). Bars
/// are `crit` (red) where reads wait, `active` where writes wait, `done` (grey) where
/// only other schema changes wait or the relation is new.
pub fn mermaid(t: &MigrationTimeline) -> String {
    let mut out = String::from("gantt\n");
    let name = t.file.rsplit('/').next().unwrap_or(&t.file);
    let _ = writeln!(
        out,
        "    title {} ({}), by statement",
        mermaid_text(name),
        mode_caption(t.mode)
    );
    // a tick per statement, or per ten on a long migration
    let tick = if t.columns.len() <= 40 { 1 } else { 10 };
    let _ = writeln!(
        out,
        "    dateFormat YYYY-MM-DD\n    axisFormat %-j\n    tickInterval {tick}day"
    );
    for row in &t.rows {
        let mut section = row.relation.clone();
        if row.created_here {
            section.push_str(" (new)");
        }
        if let Some(size) = &row.size {
            let _ = write!(section, ", {size}");
        }
        let _ = writeln!(out, "    section {}", mermaid_text(&section));
        // runs of equal cells (same mode, same marks) become one bar
        let mut col = 0;
        while col < row.cells.len() {
            let Some(cell) = row.cells[col] else {
                col += 1;
                continue;
            };
            let start = col;
            col += 1;
            while col < row.cells.len()
                && row.cells[col].is_some_and(|c| {
                    c.mode == cell.mode && !c.rewrite && !c.scan && !cell.rewrite && !cell.scan
                })
            {
                col += 1;
            }
            let tag = if row.created_here || !cell.mode.blocks_traffic() {
                "done"
            } else if cell.mode.blocks_reads() {
                "crit"
            } else {
                "active"
            };
            let first = &t.columns[start];
            let last = &t.columns[col - 1];
            let lines = if first.line == last.line {
                format!("line {}", first.line)
            } else {
                format!("lines {}-{}", first.line, last.line)
            };
            let mut label = cell.mode.as_str().to_string();
            if cell.rewrite {
                label.push_str(" + rewrite");
            }
            if cell.scan {
                label.push_str(" + scan");
            }
            let _ = writeln!(
                out,
                "    {} {lines} :{tag}, {}, {}",
                mermaid_text(&label),
                axis_date(start),
                axis_date(col)
            );
        }
    }
    out
}

/// The date standing for the start of the `n`th statement (from 0) on a chart's axis.
fn axis_date(n: usize) -> String {
    let (mut year, mut day) = (2000u32, n);
    loop {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days = if leap { 366 } else { 365 };
        if day < days {
            let months = [
                31,
                if leap { 29 } else { 28 },
                31,
                30,
                31,
                30,
                31,
                31,
                30,
                31,
                30,
                31,
            ];
            let mut month = 0;
            while day >= months[month] {
                day -= months[month];
                month += 1;
            }
            return format!("{year:04}-{:02}-{:02}", month + 1, day + 1);
        }
        day -= days;
        year += 1;
    }
}

/// Text safe inside a Mermaid gantt line: no `:` or `#` (task syntax and entities), no
/// `;` or newlines (statement ends), and nothing HTML would read.
fn mermaid_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            ':' | ';' | '#' | '<' | '>' | '&' | '"' | '`' => ' ',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{Report, RunOptions, run};

    fn timelines(sql: &[(&str, &str)]) -> Vec<MigrationTimeline> {
        let dir =
            std::env::temp_dir().join(format!("sg_timeline_{}_{}", std::process::id(), sql[0].0));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        for (name, text) in sql {
            std::fs::write(dir.join(name), text).expect("written");
        }
        let run = run(&RunOptions {
            paths: vec![dir.clone()],
            cwd: dir.clone(),
            report: Report::Plan,
            ..RunOptions::default()
        })
        .expect("the run");
        let _ = std::fs::remove_dir_all(&dir);
        build(&run.analysis.files, &run.analysis.plan, None)
    }

    #[test]
    fn a_lock_taken_in_a_transaction_is_held_until_commit() {
        let t = timelines(&[
            ("0001_t.sql", "CREATE TABLE t (id int, v text);\n"),
            (
                "0002_change.sql",
                "BEGIN;\nCREATE INDEX t_v ON t (v);\nCREATE TABLE n (id int);\nALTER TABLE t ADD COLUMN w int;\nCOMMIT;\nSELECT 1;\n",
            ),
        ]);
        let m = &t[1];
        let t_row = m.rows.iter().find(|r| r.relation == "public.t").expect("t");
        assert!(!t_row.created_here);
        let modes: Vec<Option<(LockMode, bool)>> = t_row
            .cells
            .iter()
            .map(|c| c.map(|c| (c.mode, c.taken_here)))
            .collect();
        // (the plan has no BEGIN or COMMIT) CREATE INDEX (SHARE, scan), CREATE TABLE
        // (SHARE held), ALTER (ACCESS EXCLUSIVE), SELECT after COMMIT (nothing held)
        assert_eq!(modes[0], Some((LockMode::Share, true)), "{modes:?}");
        assert!(t_row.cells[0].is_some_and(|c| c.scan));
        assert_eq!(modes[1], Some((LockMode::Share, false)), "{modes:?}");
        assert_eq!(
            modes[2],
            Some((LockMode::AccessExclusive, true)),
            "{modes:?}"
        );
        assert_eq!(modes[3], None, "{modes:?}");
        assert_eq!(t_row.cells[0].and_then(|c| c.held_until_line), Some(5));
        assert!(m.blocks_traffic());
        let chart = mermaid(m);
        assert!(chart.contains("section public.t\n"), "{chart}");
        assert!(
            chart.contains("    SHARE + scan line 2 :active, 2000-01-01, 2000-01-02\n"),
            "{chart}"
        );
        assert!(
            chart.contains("    SHARE line 3 :active, 2000-01-02, 2000-01-03\n"),
            "{chart}"
        );
        assert!(
            chart.contains("    ACCESS EXCLUSIVE line 4 :crit, 2000-01-03, 2000-01-04\n"),
            "{chart}"
        );
    }

    #[test]
    fn relations_created_in_the_migration_are_told_apart() {
        let t = timelines(&[(
            "0001_new.sql",
            "CREATE TABLE n (id int);\nCREATE INDEX n_id ON n (id);\n",
        )]);
        let row = &t[0].rows[0];
        assert_eq!(row.relation, "public.n");
        assert!(row.created_here);
        assert!(!t[0].blocks_traffic());
        assert!(mermaid(&t[0]).contains("section public.n (new)\n"));
        assert!(mermaid(&t[0]).contains(":done, 2000-01-02, 2000-01-03\n"));
    }

    #[test]
    fn without_a_transaction_a_lock_ends_with_its_statement() {
        let t = timelines(&[
            ("0001_t.sql", "CREATE TABLE t (id int);\n"),
            (
                "0002_c.sql",
                "-- schemaguard:no-transaction\nCREATE INDEX CONCURRENTLY t_id ON t (id);\nSELECT 1;\n",
            ),
        ]);
        let row = &t[1].rows[0];
        assert_eq!(
            row.cells[0].map(|c| c.mode),
            Some(LockMode::ShareUpdateExclusive)
        );
        assert_eq!(row.cells[1], None);
        assert!(!t[1].blocks_traffic());
    }

    #[test]
    fn statements_are_days_on_the_axis() {
        assert_eq!(axis_date(0), "2000-01-01");
        assert_eq!(axis_date(59), "2000-02-29");
        assert_eq!(axis_date(365), "2000-12-31");
        assert_eq!(axis_date(366), "2001-01-01");
        assert_eq!(axis_date(366 + 365), "2002-01-01");
    }

    #[test]
    fn mermaid_text_drops_what_would_end_a_task() {
        assert_eq!(mermaid_text("a:b;c#d<e>"), "a b c d e ");
        assert_eq!(one_line("SELECT\n   1,\n 2", 80), "SELECT 1, 2");
        assert_eq!(one_line("abcdef", 4), "abc…");
    }
}
