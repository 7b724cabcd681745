//! `--format html`: one self-contained page (inline CSS and a small inline script, no
//! network, no external file) for `check` and `plan`. `check` shows the findings, each
//! with its code frame, why and fix, then the lock timeline of every migration that locks
//! a relation; `plan` shows the timelines alone. Readable with JavaScript off: the script
//! only adds the severity and rule filters. A finding links to its statement's column in
//! the timeline (`#stmt-N`, N its position in the plan).

use super::human::summary_line;
use super::timeline::{Cell, MigrationTimeline, Row, mode_caption};
use super::{CheckReport, plural, rule_url, split_fix};
use crate::rules::{Finding, Severity};
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write;

/// Statements longer than this many lines are shortened in the code frame.
const FRAME_LINES: usize = 12;

const STYLE: &str = r#"
:root { --reads: #d7263d; --writes: #f49d37; --ddl: #8fb8de; --new: #c9c9c9; --fg: #1d1d1f; --muted: #5f6368; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); margin: 0 auto; max-width: 1200px; padding: 1rem 1.5rem 4rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; } h3 { font-size: 1rem; margin: 1.5rem 0 .4rem; }
code, pre { font: 13px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
pre { background: #f6f8fa; padding: .6rem .8rem; overflow-x: auto; border-radius: 4px; }
.finding { border-left: 4px solid var(--muted); padding: .2rem 0 .2rem 1rem; margin: 1.2rem 0; }
.finding.error { border-color: var(--reads); } .finding.warning { border-color: var(--writes); } .finding.hint { border-color: var(--ddl); }
.finding header { font-weight: 600; } .sev { text-transform: uppercase; font-size: .8rem; padding: 0 .35rem; border-radius: 3px; color: #fff; background: var(--muted); }
.error .sev { background: var(--reads); } .warning .sev { background: #b86e00; } .hint .sev { background: #3f72a8; }
.frame .mark { background: #fff3c4; display: inline-block; min-width: 100%; }
.filters { display: flex; flex-wrap: wrap; gap: .4rem 1rem; padding: .5rem .8rem; background: #f6f8fa; border-radius: 4px; }
.filters fieldset { border: 0; margin: 0; padding: 0; } .filters legend { font-weight: 600; float: left; margin-right: .5rem; }
.legend span { display: inline-block; padding: 0 .4rem; margin-right: .4rem; border-radius: 3px; }
table.timeline { border-collapse: collapse; margin: .4rem 0 1rem; font-size: 12px; }
table.timeline th, table.timeline td { border: 1px solid #e1e4e8; padding: 2px 4px; text-align: center; white-space: nowrap; }
table.timeline th.rel { text-align: left; font-weight: 600; }
table.timeline th.rel small { font-weight: 400; color: var(--muted); }
table.timeline thead th a { color: inherit; text-decoration: none; }
table.timeline thead th:target { outline: 3px solid #0366d6; }
td.reads { background: var(--reads); color: #fff; } td.writes { background: var(--writes); }
td.ddl { background: var(--ddl); } td.new { background: var(--new); }
td.held { opacity: .6; font-style: italic; }
td .mark { font-weight: 700; }
.stmts { font-size: 12px; color: var(--muted); list-style: none; padding-left: 0; } .stmts li { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.hidden { display: none; }
"#;

/// Adds the filters: shows the form, hides findings whose severity or rule is unticked.
const SCRIPT: &str = r#"
(function () {
  var form = document.getElementById('filters');
  if (!form) { document.documentElement.setAttribute('data-ready', 'yes'); return; }
  form.hidden = false;
  function apply() {
    var on = {};
    form.querySelectorAll('input[type=checkbox]').forEach(function (box) {
      on[box.name + ':' + box.value] = box.checked;
    });
    var shown = 0;
    document.querySelectorAll('article.finding').forEach(function (f) {
      var visible = on['severity:' + f.dataset.severity] && on['rule:' + f.dataset.rule];
      f.classList.toggle('hidden', !visible);
      if (visible) { shown += 1; }
    });
    document.getElementById('shown').textContent = shown + ' shown';
  }
  form.addEventListener('change', apply);
  apply();
  document.documentElement.setAttribute('data-ready', 'yes');
})();
"#;

/// The page of a `check` run.
pub fn render_check(
    report: &CheckReport,
    sources: &HashMap<String, String>,
    timelines: &[MigrationTimeline],
) -> String {
    let title = summary_line(&report.summary);
    let mut body = String::new();
    let _ = writeln!(body, "<h1>schemaguard: {}</h1>", esc(&title));
    if let Some(live) = report.database {
        let _ = writeln!(
            body,
            "<p>Checked against {} (PostgreSQL {}): {} pending.</p>",
            esc(&live.target),
            live.server_version_num / 10_000,
            plural(live.pending.len(), "migration")
        );
    }
    if !report.input_errors.is_empty() {
        body.push_str("<h2>Unreadable files</h2>\n<ul>\n");
        for (file, message) in report.input_errors {
            let _ = writeln!(
                body,
                "<li><code>{}</code>: {}</li>",
                esc(file),
                esc(message)
            );
        }
        body.push_str("</ul>\n");
    }
    let statement_of = statement_index(timelines);
    if !report.findings.is_empty() {
        let _ = writeln!(
            body,
            "<h2 id=\"findings\">Findings</h2>\n{}",
            filters(report.findings)
        );
        for (i, f) in report.findings.iter().enumerate() {
            finding(
                &mut body,
                i,
                f,
                sources.get(&f.file).map(String::as_str),
                statement_of.find(f),
            );
        }
    }
    if !report.notes.is_empty() {
        body.push_str("<h2>Notes</h2>\n<ul>\n");
        for n in report.notes {
            let _ = writeln!(
                body,
                "<li><code>{}:{}</code>: {}</li>",
                esc(&n.file),
                n.line,
                esc(&n.message)
            );
        }
        body.push_str("</ul>\n");
    }
    timeline_section(&mut body, timelines);
    page(&title, &body)
}

/// The page of a `plan` run: the timelines of every migration. `blockers` is the text of
/// who would block the statements now, with a live database.
pub fn render_plan(
    timelines: &[MigrationTimeline],
    pg_version: u32,
    statements: usize,
    blockers: Option<&str>,
) -> String {
    let title = format!(
        "plan of {} ({}) for PostgreSQL {pg_version}",
        plural(timelines.len(), "migration"),
        plural(statements, "statement")
    );
    let mut body = format!("<h1>schemaguard: {}</h1>\n", esc(&title));
    if let Some(text) = blockers {
        let _ = writeln!(
            body,
            "<h2>Sessions in the way now</h2>\n<pre>{}</pre>",
            esc(text.trim())
        );
    }
    timeline_section(&mut body, timelines);
    page(&title, &body)
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n<title>schemaguard: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}<script>{SCRIPT}</script>\n</body>\n</html>\n",
        esc(title)
    )
}

/// The severity and rule checkboxes (hidden until the script shows them: without
/// JavaScript every finding is listed).
fn filters(findings: &[Finding]) -> String {
    let mut severities: Vec<Severity> = findings.iter().map(|f| f.severity).collect();
    severities.sort_by(|a, b| b.cmp(a));
    severities.dedup();
    let rules: BTreeSet<&str> = findings.iter().map(|f| f.rule).collect();
    let mut out = String::from(
        "<form id=\"filters\" class=\"filters\" hidden>\n<fieldset><legend>Severity</legend>",
    );
    for s in severities {
        let n = findings.iter().filter(|f| f.severity == s).count();
        let _ = write!(
            out,
            " <label><input type=\"checkbox\" name=\"severity\" value=\"{s}\" checked> {s} ({n})</label>"
        );
    }
    out.push_str("</fieldset>\n<fieldset><legend>Rule</legend>");
    for r in rules {
        let n = findings.iter().filter(|f| f.rule == r).count();
        let _ = write!(
            out,
            " <label><input type=\"checkbox\" name=\"rule\" value=\"{r}\" checked> {r} ({n})</label>"
        );
    }
    out.push_str("</fieldset>\n<span id=\"shown\"></span>\n</form>\n");
    out
}

fn finding(out: &mut String, i: usize, f: &Finding, source: Option<&str>, stmt: Option<usize>) {
    let severity = f.severity.as_str();
    let _ = writeln!(
        out,
        "<article class=\"finding {severity}\" id=\"finding-{i}\" data-severity=\"{severity}\" data-rule=\"{}\">",
        esc(f.rule)
    );
    let _ = write!(
        out,
        "<header><span class=\"sev\">{severity}</span> <a href=\"{}\">{}</a> in <code>{}:{}</code>",
        esc(&rule_url(f.rule)),
        esc(f.rule),
        esc(&f.file),
        f.span.start_pos.line
    );
    if let Some(n) = stmt {
        let _ = write!(out, " · <a href=\"#stmt-{n}\">in the timeline</a>");
    }
    out.push_str("</header>\n");
    let _ = writeln!(out, "<p>{}</p>", esc(&f.message));
    if let Some(frame) = source.and_then(|text| code_frame(text, f)) {
        let _ = writeln!(out, "<pre class=\"frame\">{frame}</pre>");
    }
    if !f.related.is_empty() {
        out.push_str("<p>Also:</p>\n<ul>\n");
        for r in &f.related {
            let _ = writeln!(out, "<li>line {}: {}</li>", r.line, esc(&r.message));
        }
        out.push_str("</ul>\n");
    }
    if let Some(why) = &f.why {
        let _ = writeln!(out, "<p><strong>Why:</strong> {}</p>", esc(why));
    }
    if let Some(fix) = &f.fix {
        let (advice, sql) = split_fix(fix);
        let _ = writeln!(out, "<p><strong>Fix:</strong> {}</p>", esc(advice));
        if let Some(sql) = sql {
            let _ = writeln!(out, "<pre><code>{}</code></pre>", esc(sql));
        }
    }
    out.push_str("</article>\n");
}

/// The statement's lines with their numbers (escaped HTML), long statements shortened;
/// the lines of the finding's span marked.
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
    let shown = if lines.len() > FRAME_LINES {
        FRAME_LINES - 2
    } else {
        lines.len()
    };
    let mut out = Vec::new();
    for (i, line) in lines.iter().take(shown).enumerate() {
        out.push(format!(
            "<span class=\"mark\">{:>width$} | {}</span>",
            first + i,
            esc(line.trim_end())
        ));
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

/// Finds the timeline column of a finding's statement: its file's statements by line.
struct StatementIndex<'a> {
    by_file: HashMap<&'a str, Vec<(u32, u32, usize)>>,
}

impl StatementIndex<'_> {
    fn find(&self, f: &Finding) -> Option<usize> {
        let line = f.span.start_pos.line;
        self.by_file
            .get(f.file.as_str())?
            .iter()
            .find(|(start, end, _)| *start <= line && line <= *end)
            .map(|&(_, _, i)| i)
    }
}

/// Only migrations drawn in the page (those that lock a relation) are linked to.
fn statement_index(timelines: &[MigrationTimeline]) -> StatementIndex<'_> {
    let mut by_file: HashMap<&str, Vec<(u32, u32, usize)>> = HashMap::new();
    for t in timelines.iter().filter(|t| !t.rows.is_empty()) {
        by_file.insert(
            &t.file,
            t.columns
                .iter()
                .map(|c| (c.line, c.end_line, c.plan_index))
                .collect(),
        );
    }
    StatementIndex { by_file }
}

/// The timelines, one table each; migrations that lock nothing are counted, not drawn.
fn timeline_section(out: &mut String, timelines: &[MigrationTimeline]) {
    out.push_str("<h2 id=\"timeline\">Lock timeline</h2>\n");
    out.push_str(
        "<p class=\"legend\">Rows are relations, columns statements; each cell is the strongest lock held on the relation at that statement (held: taken earlier and kept until the transaction commits). \
<span style=\"background:var(--reads);color:#fff\">reads and writes wait</span>\
<span style=\"background:var(--writes)\">writes wait</span>\
<span style=\"background:var(--ddl)\">only schema changes wait</span>\
<span style=\"background:var(--new)\">new in this migration</span> \
<b>R</b> rewrite, <b>S</b> full scan.</p>\n",
    );
    let mut quiet = 0;
    for t in timelines {
        if t.rows.is_empty() {
            quiet += 1;
            continue;
        }
        migration(out, t);
    }
    if quiet > 0 {
        let _ = writeln!(
            out,
            "<p>Not drawn: {} without a lock on any relation.</p>",
            plural(quiet, "migration")
        );
    }
}

fn migration(out: &mut String, t: &MigrationTimeline) {
    let _ = writeln!(
        out,
        "<section class=\"migration\">\n<h3><code>{}</code> <small>({}, {})</small></h3>",
        esc(&t.file),
        mode_caption(t.mode),
        plural(t.columns.len(), "statement")
    );
    out.push_str("<table class=\"timeline\">\n<thead><tr><th>relation \\ line</th>");
    for c in &t.columns {
        let _ = write!(
            out,
            "<th id=\"stmt-{}\" title=\"{}\"><a href=\"#stmt-{}\">{}</a></th>",
            c.plan_index,
            esc(&c.sql),
            c.plan_index,
            c.line
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for r in &t.rows {
        row(out, t, r);
    }
    out.push_str("</tbody>\n</table>\n<ul class=\"stmts\">\n");
    for c in &t.columns {
        let _ = writeln!(
            out,
            "<li>line {}: <code>{}</code></li>",
            c.line,
            esc(&c.sql)
        );
    }
    out.push_str("</ul>\n</section>\n");
}

fn row(out: &mut String, t: &MigrationTimeline, r: &Row) {
    let mut label = esc(&r.relation);
    let mut notes = Vec::new();
    if r.created_here {
        notes.push("new".to_string());
    }
    if let Some(size) = &r.size {
        notes.push(esc(size));
    }
    if !notes.is_empty() {
        let _ = write!(label, " <small>{}</small>", notes.join(", "));
    }
    let _ = write!(out, "<tr><th class=\"rel\">{label}</th>");
    for (cell, column) in r.cells.iter().zip(&t.columns) {
        match cell {
            None => out.push_str("<td></td>"),
            Some(c) => {
                let _ = write!(
                    out,
                    "<td class=\"{}\" title=\"{}\">{}</td>",
                    cell_class(r, c),
                    esc(&cell_title(r, c, column.line)),
                    cell_text(c)
                );
            }
        }
    }
    out.push_str("</tr>\n");
}

fn cell_class(r: &Row, c: &Cell) -> String {
    let kind = if r.created_here {
        "new"
    } else if c.mode.blocks_reads() {
        "reads"
    } else if c.mode.blocks_writes() {
        "writes"
    } else {
        "ddl"
    };
    if c.taken_here {
        kind.to_string()
    } else {
        format!("{kind} held")
    }
}

fn cell_text(c: &Cell) -> String {
    let mut text = c.mode.as_str().to_string();
    if c.rewrite {
        text.push_str(" <span class=\"mark\">R</span>");
    }
    if c.scan {
        text.push_str(" <span class=\"mark\">S</span>");
    }
    text
}

fn cell_title(r: &Row, c: &Cell, line: u32) -> String {
    // a held cell says only until when (a long transaction repeats it in every column)
    if !c.taken_here {
        return match c.held_until_line {
            Some(until) => format!("held until line {until}"),
            None => "held".to_string(),
        };
    }
    let mut title = format!("{} on {}", c.mode.as_str(), r.relation);
    let _ = write!(title, ", taken at line {line}");
    if let Some(until) = c.held_until_line {
        let _ = write!(title, ", held until line {until} (commit)");
    }
    if !r.created_here {
        let _ = write!(title, "; {} wait", c.mode.blocked_traffic());
    }
    if c.rewrite {
        title.push_str("; rewrites the table");
    }
    if c.scan {
        title.push_str("; reads every row");
    }
    title
}

/// Text safe in HTML content and in double-quoted attributes.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_html_would_read() {
        assert_eq!(
            esc("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }
}
