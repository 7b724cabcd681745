//! A pull-request comment in GitHub-flavoured markdown: a title with the counts, a table
//! of rules, then each finding with its statement, why, and the fix as SQL, then the lock
//! timeline of each migration that blocks reads or writes of an existing relation, as
//! Mermaid gantt charts (GitHub draws them in comments).

use super::human::summary_line;
use super::timeline::{MigrationTimeline, mermaid};
use super::{CheckReport, plural, rule_url, split_fix};
use crate::rules::{Finding, Severity};
use std::collections::HashMap;
use std::fmt::Write;

/// Findings shown before the rest is folded into a `<details>` block.
const SHOWN_FINDINGS: usize = 10;
/// GitHub rejects comments over 65,536 characters; stop adding findings well before.
const COMMENT_BUDGET: usize = 60_000;
/// With timelines to show, findings stop earlier, leaving at least this much for them.
const TIMELINE_RESERVE: usize = 12_000;
/// Timelines stop here (the last line saying what was left out fits in the rest).
const TIMELINE_BUDGET: usize = 64_000;
/// Migrations named in the line saying which timelines were left out.
const NAMED_LEFT_OUT: usize = 5;
/// Statements longer than this many lines are shortened in the code frame.
const FRAME_LINES: usize = 12;

/// Renders a `check` report. `sources` maps a file's display name to its text.
pub fn render(report: &CheckReport, sources: &HashMap<String, String>) -> String {
    render_with_timelines(report, sources, &[])
}

/// Renders a `check` report followed by the lock timelines of the migrations among
/// `timelines` that block reads or writes of a relation that existed before them, those
/// with errors, then warnings, first, as many as fit under GitHub's comment limit (a
/// last line names those left out).
pub fn render_with_timelines(
    report: &CheckReport,
    sources: &HashMap<String, String>,
    timelines: &[MigrationTimeline],
) -> String {
    // migrations with an error first, then with a warning, then the rest, each in apply
    // order: when the comment is full, the left-out ones are the least worrying
    let worst: HashMap<&str, Severity> =
        report.findings.iter().fold(HashMap::new(), |mut worst, f| {
            let w = worst.entry(f.file.as_str()).or_insert(f.severity);
            *w = (*w).max(f.severity);
            worst
        });
    let mut shown_timelines: Vec<&MigrationTimeline> =
        timelines.iter().filter(|t| t.blocks_traffic()).collect();
    shown_timelines.sort_by_key(|t| {
        std::cmp::Reverse(
            worst
                .get(t.file.as_str())
                .filter(|s| **s > Severity::Hint)
                .copied(),
        )
    });
    let findings_budget = if shown_timelines.is_empty() {
        COMMENT_BUDGET
    } else {
        COMMENT_BUDGET - TIMELINE_RESERVE
    };
    let mut out = format!("### schemaguard: {}\n", summary_line(&report.summary));
    if !report.input_errors.is_empty() {
        let _ = write!(
            out,
            "\n**Could not read {}:**\n\n",
            plural(report.input_errors.len(), "file")
        );
        for (file, message) in report.input_errors {
            let _ = writeln!(out, "- {}: {}", code_span(file), escape(message));
        }
    }
    if !report.findings.is_empty() {
        out.push('\n');
        out.push_str(&rule_table(report.findings));
    }
    let mut omitted = 0;
    for (i, f) in report.findings.iter().enumerate() {
        if i == SHOWN_FINDINGS {
            let _ = write!(
                out,
                "\n<details><summary>{}</summary>\n",
                plural(report.findings.len() - SHOWN_FINDINGS, "more finding")
            );
        }
        let block = finding(f, sources.get(&f.file).map(String::as_str));
        if out.len() + block.len() > findings_budget {
            omitted = report.findings.len() - i;
            break;
        }
        out.push('\n');
        out.push_str(&block);
    }
    if omitted > 0 {
        let _ = write!(
            out,
            "\n_{} not shown: the comment would be too long for GitHub; run `schemaguard check` to see all._\n",
            plural(omitted, "more finding")
        );
    }
    if report.findings.len() > SHOWN_FINDINGS {
        out.push_str("\n</details>\n");
    }
    if !report.notes.is_empty() {
        let _ = write!(
            out,
            "\n<details><summary>{}</summary>\n\n",
            plural(report.notes.len(), "note")
        );
        for n in report.notes {
            let _ = writeln!(
                out,
                "- {}: {}",
                code_span(&format!("{}:{}", n.file, n.line)),
                escape(&n.message)
            );
        }
        out.push_str("\n</details>\n");
    }
    if !shown_timelines.is_empty() {
        timeline_section(&mut out, &shown_timelines);
    }
    out
}

/// Each timeline as a Mermaid chart in a `<details>` block (the first one open), until
/// the budget is spent; then a line saying how many were left out and which.
fn timeline_section(out: &mut String, timelines: &[&MigrationTimeline]) {
    let _ = write!(
        out,
        "\n#### Lock timeline\n\nRows are relations, the axis counts statements; red: reads and writes wait, blue: writes wait, grey: only other schema changes wait, or the relation is new in the migration.\n"
    );
    let mut left_out: Vec<&str> = Vec::new();
    for (i, t) in timelines.iter().enumerate() {
        let chart = mermaid(t);
        let block = format!(
            "\n<details{}><summary><code>{}</code></summary>\n\n{}\n\n</details>\n",
            if i == 0 { " open" } else { "" },
            super::html::esc(&t.file),
            fenced("mermaid", chart.trim_end())
        );
        if !left_out.is_empty() || out.len() + block.len() > TIMELINE_BUDGET {
            left_out.push(&t.file);
            continue;
        }
        out.push_str(&block);
    }
    if !left_out.is_empty() {
        let named: Vec<String> = left_out
            .iter()
            .take(NAMED_LEFT_OUT)
            .map(|f| code_span(f))
            .collect();
        let _ = write!(
            out,
            "\n_Timelines of {} left out to keep the comment under GitHub's limit: {}{}; `schemaguard plan --format html` draws them all._\n",
            plural(left_out.len(), "more migration"),
            named.join(", "),
            if left_out.len() > NAMED_LEFT_OUT {
                ", ..."
            } else {
                ""
            }
        );
    }
}

/// One row per rule and severity: errors first, then by count.
fn rule_table(findings: &[Finding]) -> String {
    let mut counts: HashMap<(&str, Severity), usize> = HashMap::new();
    for f in findings {
        *counts.entry((f.rule, f.severity)).or_default() += 1;
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|((ra, sa), na), ((rb, sb), nb)| (sb, nb, ra).cmp(&(sa, na, rb)));
    let mut out = String::from("| rule | severity | findings |\n|---|---|---:|\n");
    for ((rule, severity), n) in rows {
        let _ = writeln!(out, "| [{rule}]({}) | {severity} | {n} |", rule_url(rule));
    }
    out
}

fn finding(f: &Finding, source: Option<&str>) -> String {
    let mut out = format!(
        "**{}** [{}]({}) in {}\n\n{}\n",
        f.severity,
        f.rule,
        rule_url(f.rule),
        code_span(&format!("{}:{}", f.file, f.span.start_pos.line)),
        escape(&f.message)
    );
    if let Some(frame) = source.and_then(|text| code_frame(text, f)) {
        let _ = write!(out, "\n{}\n", fenced("sql", &frame));
    }
    if let Some(why) = &f.why {
        let _ = write!(out, "\n**Why:** {}\n", escape(why));
    }
    if let Some(fix) = &f.fix {
        let (advice, sql) = split_fix(fix);
        let _ = write!(out, "\n**Fix:** {}\n", escape(advice));
        if let Some(sql) = sql {
            let _ = write!(out, "\n{}\n", sql_block(sql));
        }
    }
    out
}

/// The statement's lines with their numbers, long statements shortened.
fn code_frame(text: &str, f: &Finding) -> Option<String> {
    let first = f.span.start_pos.line.max(1) as usize;
    let last = if f.span.is_empty() {
        first
    } else {
        (f.span.end_pos.line as usize).max(first)
    };
    let lines: Vec<&str> = text
        .lines()
        .skip(first - 1)
        .take(last - first + 1)
        .collect();
    if lines.is_empty() {
        return None;
    }
    let width = last.to_string().len();
    let mut out = Vec::new();
    let shown = if lines.len() > FRAME_LINES {
        FRAME_LINES - 2
    } else {
        lines.len()
    };
    for (i, line) in lines.iter().take(shown).enumerate() {
        out.push(format!("{:>width$} | {}", first + i, line.trim_end()));
    }
    if shown < lines.len() {
        out.push(format!(
            "{:>width$} | ... ({})",
            "",
            plural(lines.len() - shown, "more line")
        ));
    }
    Some(out.join("\n"))
}

/// An SQL code block, fenced so that no backticks inside can end it.
pub fn sql_block(sql: &str) -> String {
    fenced("sql", sql)
}

fn fenced(lang: &str, body: &str) -> String {
    let fence = "`".repeat(longest_backtick_run(body).max(2) + 1);
    format!("{fence}{lang}\n{body}\n{fence}")
}

fn code_span(text: &str) -> String {
    let ticks = "`".repeat(longest_backtick_run(text) + 1);
    if text.starts_with('`') || text.ends_with('`') {
        format!("{ticks} {text} {ticks}")
    } else {
        format!("{ticks}{text}{ticks}")
    }
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// Inline text safe for markdown: `code spans` written by the rules stay code; elsewhere
/// characters that markdown or HTML would interpret are backslash-escaped.
pub fn escape(text: &str) -> String {
    let pieces: Vec<&str> = text.split('`').collect();
    let balanced = pieces.len() % 2 == 1;
    let mut out = String::with_capacity(text.len());
    for (i, piece) in pieces.iter().enumerate() {
        if i > 0 {
            out.push_str(if balanced { "`" } else { "\\`" });
        }
        if balanced && i % 2 == 1 {
            out.push_str(piece);
        } else {
            let chars: Vec<char> = piece.chars().collect();
            for (j, &c) in chars.iter().enumerate() {
                // `_` inside a word (`lock_timeout`) is never emphasis in GitHub's markdown
                let in_word = c == '_'
                    && j > 0
                    && chars[j - 1].is_alphanumeric()
                    && chars.get(j + 1).is_some_and(|n| n.is_alphanumeric());
                if "\\*_[]<>|~#&!".contains(c) && !in_word {
                    out.push('\\');
                }
                out.push(c);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_keeps_code_spans_and_escapes_the_rest() {
        assert_eq!(
            escape("`a_b` is not a rule; see <stdin> | *x* _y_ lock_timeout"),
            "`a_b` is not a rule; see \\<stdin\\> \\| \\*x\\* \\_y\\_ lock_timeout"
        );
        assert_eq!(escape("one ` tick"), "one \\` tick");
    }

    #[test]
    fn fences_outlast_backticks_inside() {
        assert_eq!(sql_block("SELECT 1;"), "```sql\nSELECT 1;\n```");
        assert_eq!(
            sql_block("SELECT '````';"),
            "`````sql\nSELECT '````';\n`````"
        );
        assert_eq!(code_span("a`b"), "``a`b``");
    }
}
