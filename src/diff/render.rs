//! `diff` output: a structured list and a unified diff of canonical DDL (human, with
//! colours on a terminal only), or the versioned JSON document (documented in README).

use super::canonical::ObjectKind;
use super::compare::{BlockDiff, Difference, DifferenceKind, SchemaDiff};
use serde::Serialize;
use std::fmt::Write;

/// One side as the output names it.
#[derive(Clone, Debug, Serialize)]
pub struct SideInfo {
    /// `migrations`, `database` or `dump`.
    pub kind: &'static str,
    /// The path(s) or the redacted URL.
    pub source: String,
    /// `16 files`, `PostgreSQL 15.4`, ...
    pub detail: String,
}

/// ANSI styles, used only when colour is on.
struct Paint(bool);

impl Paint {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn red(&self, t: &str) -> String {
        self.paint("31", t)
    }
    fn green(&self, t: &str) -> String {
        self.paint("32", t)
    }
    fn yellow(&self, t: &str) -> String {
        self.paint("33", t)
    }
    fn cyan(&self, t: &str) -> String {
        self.paint("36", t)
    }
    fn bold(&self, t: &str) -> String {
        self.paint("1", t)
    }
}

fn value(v: &Option<String>) -> String {
    match v {
        Some(v) if v.is_empty() => "(empty)".to_string(),
        Some(v) => v.clone(),
        None => "(none)".to_string(),
    }
}

/// `column public.users.email`, `constraint c on public.t`.
fn subject(d: &Difference) -> String {
    match (&d.table, d.object) {
        (Some(t), ObjectKind::Constraint | ObjectKind::Trigger | ObjectKind::Index) => {
            format!("{} {} on {t}", d.object.as_str(), d.name)
        }
        _ => format!("{} {}", d.object.as_str(), d.name),
    }
}

/// One line per difference: `- index ...`, `+ column ...`, `~ column ...: type a -> b`.
fn line(d: &Difference, left: &SideInfo, right: &SideInfo, p: &Paint) -> String {
    match d.kind {
        DifferenceKind::Missing => format!(
            "{} {}  {}",
            p.red("-"),
            p.bold(&subject(d)),
            format_args!("only in {}", left.source)
        ),
        DifferenceKind::Extra => format!(
            "{} {}  {}",
            p.green("+"),
            p.bold(&subject(d)),
            format_args!("only in {}", right.source)
        ),
        DifferenceKind::Changed => {
            let what: Vec<String> = d
                .changes
                .iter()
                .map(|c| format!("{} {} -> {}", c.attribute, value(&c.left), value(&c.right)))
                .collect();
            format!(
                "{} {}: {}",
                p.yellow("~"),
                p.bold(&subject(d)),
                what.join("; ")
            )
        }
    }
}

/// The unified diff of one block, with `diff -u` headers naming side and object.
fn unified(b: &BlockDiff, left: &SideInfo, right: &SideInfo) -> String {
    let l = b.left.as_deref().unwrap_or("");
    let r = b.right.as_deref().unwrap_or("");
    let what = format!("{} {}", b.kind.as_str(), b.name);
    let diff = similar::TextDiff::from_lines(l, r);
    diff.unified_diff()
        .context_radius(3)
        .header(
            &format!("{} ({what})", left.source),
            &format!("{} ({what})", right.source),
        )
        .to_string()
}

/// Every differing block's unified diff, one after the other.
pub fn unified_diff(d: &SchemaDiff, left: &SideInfo, right: &SideInfo) -> String {
    d.blocks.iter().map(|b| unified(b, left, right)).collect()
}

fn summary(d: &SchemaDiff) -> String {
    let n = d.differences.len();
    format!(
        "{n} difference{} ({} missing, {} extra, {} changed)",
        if n == 1 { "" } else { "s" },
        d.count(DifferenceKind::Missing),
        d.count(DifferenceKind::Extra),
        d.count(DifferenceKind::Changed)
    )
}

/// Human output.
pub fn human(
    d: &SchemaDiff,
    left: &SideInfo,
    right: &SideInfo,
    excluded: &[String],
    color: bool,
) -> String {
    let p = Paint(color);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        p.bold(&format!(
            "--- {} ({}: {})",
            left.source, left.kind, left.detail
        ))
    );
    let _ = writeln!(
        out,
        "{}",
        p.bold(&format!(
            "+++ {} ({}: {})",
            right.source, right.kind, right.detail
        ))
    );
    out.push('\n');
    for diff in &d.differences {
        let _ = writeln!(out, "{}", line(diff, left, right, &p));
    }
    if !d.differences.is_empty() {
        out.push('\n');
    }
    for b in &d.blocks {
        for l in unified(b, left, right).lines() {
            let styled = if l.starts_with("---") || l.starts_with("+++") {
                p.bold(l)
            } else if l.starts_with("@@") {
                p.cyan(l)
            } else if l.starts_with('-') {
                p.red(l)
            } else if l.starts_with('+') {
                p.green(l)
            } else {
                l.to_string()
            };
            let _ = writeln!(out, "{styled}");
        }
        out.push('\n');
    }
    for n in &d.notes {
        let _ = writeln!(out, "note: {n}");
    }
    if !excluded.is_empty() {
        let _ = writeln!(out, "note: not compared: {}", excluded.join(", "));
    }
    if !d.notes.is_empty() || !excluded.is_empty() {
        out.push('\n');
    }
    if d.is_empty() {
        let _ = writeln!(out, "no differences ({} objects compared)", d.objects);
    } else {
        let _ = writeln!(out, "{}", summary(d));
    }
    out
}

#[derive(Serialize)]
struct SummaryJson {
    missing: usize,
    extra: usize,
    changed: usize,
    objects_compared: usize,
}

#[derive(Serialize)]
struct DiffJson<'a> {
    schema_version: u32,
    tool: &'static str,
    tool_version: &'static str,
    left: &'a SideInfo,
    right: &'a SideInfo,
    equal: bool,
    summary: SummaryJson,
    differences: &'a [Difference],
    unified_diff: String,
    notes: &'a [String],
    excluded: &'a [String],
}

/// The versioned JSON document.
pub fn json(d: &SchemaDiff, left: &SideInfo, right: &SideInfo, excluded: &[String]) -> String {
    let doc = DiffJson {
        schema_version: crate::report::json::SCHEMA_VERSION,
        tool: "schemaguard",
        tool_version: env!("CARGO_PKG_VERSION"),
        left,
        right,
        equal: d.is_empty(),
        summary: SummaryJson {
            missing: d.count(DifferenceKind::Missing),
            extra: d.count(DifferenceKind::Extra),
            changed: d.count(DifferenceKind::Changed),
            objects_compared: d.objects,
        },
        differences: &d.differences,
        unified_diff: unified_diff(d, left, right),
        notes: &d.notes,
        excluded,
    };
    serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
