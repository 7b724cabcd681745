//! SARIF 2.1.0 for code scanning (GitHub, GitLab, IDE viewers): one run, every rule with
//! its page, one result per finding, unreadable files and notes as tool notifications.
//!
//! GitHub code scanning shows a result's `message.text` only (not `message.markdown`,
//! `fixes` or `properties`), so the text carries the message, why and the fix; viewers
//! that render markdown get the same with the fix as an SQL block. The fix is not a SARIF
//! `fixes` entry: those are byte-exact replacements of a region, and our fixes are advice
//! plus SQL that often belongs in another migration (or at the top of the file).

use super::{CheckReport, markdown, rule_url, split_fix};
use crate::rules::{self, Finding, Severity};
use serde_json::{Value, json};
use serde_sarif::sarif as s;
use std::collections::BTreeMap;

/// `$schema` as GitHub's documentation gives it.
const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// GitHub limits `fullDescription.text` (and `shortDescription.text`) to 1024 characters.
const DESCRIPTION_LIMIT: usize = 1024;

/// The SARIF log of a `check` run.
pub fn render(report: &CheckReport) -> String {
    let builder = s::Run::builder()
        .tool(s::Tool::from(driver()))
        .column_kind(json!("unicodeCodePoints"))
        .invocations(vec![invocation(report)])
        .results(report.findings.iter().map(result).collect::<Vec<_>>());
    // the same as fields, for tools that read them: `properties.database`
    let run = match report.database {
        Some(db) => builder
            .properties(
                s::PropertyBag::builder()
                    .additional_properties(BTreeMap::from([(
                        "database".to_string(),
                        json!({
                            "target": db.target,
                            "blockers": report.blockers,
                            "traffic_window_s": db.activity.traffic_window_s,
                            "queues": report.queues,
                        }),
                    )]))
                    .build(),
            )
            .build(),
        None => builder.build(),
    };
    let log = s::Sarif::builder()
        .schema(SCHEMA_URI)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build();
    serde_json::to_string_pretty(&log).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn driver() -> s::ToolComponent {
    s::ToolComponent::builder()
        .name("schemaguard")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(super::REPOSITORY_URL)
        .rules(
            rules::all()
                .iter()
                .map(|r| descriptor(*r))
                .collect::<Vec<_>>(),
        )
        .build()
}

fn descriptor(rule: &dyn rules::Rule) -> s::ReportingDescriptor {
    let id = rule.id();
    let page = rules::page(id).unwrap_or_default();
    let flags = section(page, "What it flags").unwrap_or(rule.summary());
    let help_md = [
        "What it flags",
        "Why it is dangerous",
        "Why it matters",
        "Instead",
    ]
    .iter()
    .filter_map(|h| section(page, h).map(|body| format!("## {h}\n\n{body}")))
    .collect::<Vec<_>>()
    .join("\n\n");
    let help_md = format!(
        "{help_md}\n\nThe whole page, with examples: [{id}]({}) (or `schemaguard explain {id}`).",
        rule_url(id)
    );
    let mut problem = BTreeMap::new();
    problem.insert(
        "problem.severity".to_string(),
        json!(match rule.default_severity() {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Hint => "recommendation",
        }),
    );
    s::ReportingDescriptor::builder()
        .id(id)
        .short_description(text_only(truncate(rule.summary(), DESCRIPTION_LIMIT)))
        .full_description(text_only(truncate(
            &markdown_to_text(flags),
            DESCRIPTION_LIMIT,
        )))
        .help(
            s::MultiformatMessageString::builder()
                .text(markdown_to_text(&help_md))
                .markdown(help_md)
                .build(),
        )
        .help_uri(rule_url(id))
        .default_configuration(
            s::ReportingConfiguration::builder()
                .level(level(rule.default_severity()))
                .build(),
        )
        .properties(
            s::PropertyBag::builder()
                .tags(vec![
                    "postgresql".to_string(),
                    "migrations".to_string(),
                    rule.category().as_str().to_string(),
                ])
                .additional_properties(problem)
                .build(),
        )
        .build()
}

fn result(f: &Finding) -> s::Result {
    let mut text = f.message.clone();
    if !text.ends_with(['.', '!', '?', ':', ';']) {
        text.push('.');
    }
    let mut md = markdown::escape(&text);
    if let Some(why) = &f.why {
        text.push_str(&format!("\nWhy: {why}"));
        md.push_str(&format!("\n\n**Why:** {}", markdown::escape(why)));
    }
    if let Some(fix) = &f.fix {
        text.push_str(&format!("\nFix: {fix}"));
        let (advice, sql) = split_fix(fix);
        md.push_str(&format!("\n\n**Fix:** {}", markdown::escape(advice)));
        if let Some(sql) = sql {
            md.push_str(&format!("\n\n{}", markdown::sql_block(sql)));
        }
    }
    let mut props = BTreeMap::new();
    if let Some(rel) = &f.relation {
        props.insert("relation".to_string(), json!(rel.to_string()));
    }
    if let Some(mode) = f.lock_mode {
        props.insert("lockMode".to_string(), json!(mode.as_str()));
    }
    if let Some(fix) = &f.fix {
        props.insert("fix".to_string(), json!(fix));
    }
    let message = s::Message::builder().text(text).markdown(md).build();
    let location = s::Location::builder()
        .physical_location(
            s::PhysicalLocation::builder()
                .artifact_location(artifact(&f.file))
                .region(region(f))
                .build(),
        )
        .build();
    let related: Vec<s::Location> = f
        .related
        .iter()
        .map(|r| {
            s::Location::builder()
                .physical_location(
                    s::PhysicalLocation::builder()
                        .artifact_location(artifact(&f.file))
                        .region(
                            s::Region::builder()
                                .start_line(i64::from(r.line.max(1)))
                                .end_line(i64::from(r.end_line.max(r.line).max(1)))
                                .build(),
                        )
                        .build(),
                )
                .message(s::Message::builder().text(r.message.clone()).build())
                .build()
        })
        .collect();
    let result = s::Result::builder()
        .rule_id(f.rule)
        .level(match f.severity {
            Severity::Error => s::ResultLevel::Error,
            Severity::Warning => s::ResultLevel::Warning,
            Severity::Hint => s::ResultLevel::Note,
        })
        .message(message)
        .locations(vec![location])
        .properties(
            s::PropertyBag::builder()
                .additional_properties(props)
                .build(),
        );
    match (
        rules::all().iter().position(|r| r.id() == f.rule),
        related.is_empty(),
    ) {
        (Some(index), true) => result.rule_index(index as i64).build(),
        (Some(index), false) => result
            .rule_index(index as i64)
            .related_locations(related)
            .build(),
        (None, true) => result.build(),
        (None, false) => result.related_locations(related).build(),
    }
}

/// SARIF regions count like ours (1-based lines, columns in characters) except that
/// `endColumn` is the column after the last character. A finding without extent (a
/// directive line) marks its whole line.
fn region(f: &Finding) -> s::Region {
    let (start, end) = (f.span.start_pos, f.span.end_pos);
    let line = i64::from(start.line.max(1));
    if f.span.is_empty() || end < start {
        return s::Region::builder().start_line(line).build();
    }
    s::Region::builder()
        .start_line(line)
        .start_column(i64::from(start.column.max(1)))
        .end_line(i64::from(end.line))
        .end_column(i64::from(end.column) + 1)
        .build()
}

fn invocation(report: &CheckReport) -> s::Invocation {
    let mut notifications: Vec<s::Notification> = report
        .input_errors
        .iter()
        .map(|(file, message)| {
            s::Notification::builder()
                .level(json!("error"))
                .message(s::Message::from(format!("{file}: {message}").as_str()))
                .locations(vec![
                    s::Location::builder()
                        .physical_location(
                            s::PhysicalLocation::builder()
                                .artifact_location(artifact(file))
                                .build(),
                        )
                        .build(),
                ])
                .build()
        })
        .collect();
    notifications.extend(report.notes.iter().map(|n| {
        s::Notification::builder()
            .level(json!("note"))
            .message(s::Message::from(n.message.as_str()))
            .locations(vec![
                s::Location::builder()
                    .physical_location(
                        s::PhysicalLocation::builder()
                            .artifact_location(artifact(&n.file))
                            .region(
                                s::Region::builder()
                                    .start_line(i64::from(n.line.max(1)))
                                    .build(),
                            )
                            .build(),
                    )
                    .build(),
            ])
            .build()
    }));
    // against a live database: who would block each pending statement now, and what
    // would queue behind its locks, at the statement
    let at = |file: &str, line: u32, level: &str, text: String| {
        s::Notification::builder()
            .level(json!(level))
            .message(s::Message::from(text.as_str()))
            .locations(vec![
                s::Location::builder()
                    .physical_location(
                        s::PhysicalLocation::builder()
                            .artifact_location(artifact(file))
                            .region(
                                s::Region::builder()
                                    .start_line(i64::from(line.max(1)))
                                    .build(),
                            )
                            .build(),
                    )
                    .build(),
            ])
            .build()
    };
    notifications.extend(report.blockers.iter().map(|b| {
        at(
            &b.file,
            b.line,
            "warning",
            crate::live::activity::describe(b),
        )
    }));
    notifications.extend(report.queues.iter().map(|q| {
        at(
            &q.file,
            q.line,
            "note",
            crate::live::activity::describe_queue(q),
        )
    }));
    let invocation = s::Invocation::builder().execution_successful(report.input_errors.is_empty());
    if notifications.is_empty() {
        invocation.build()
    } else {
        invocation
            .tool_execution_notifications(notifications)
            .build()
    }
}

/// The file as reported: a relative path (to the directory schemaguard ran in, which code
/// scanning takes as the repository root) under `%SRCROOT%`, or an absolute `file:` URI.
fn artifact(display: &str) -> s::ArtifactLocation {
    let uri = file_uri(display);
    if uri.starts_with("file:") {
        s::ArtifactLocation::builder().uri(uri).build()
    } else {
        s::ArtifactLocation::builder()
            .uri(uri)
            .uri_base_id("%SRCROOT%")
            .build()
    }
}

/// A URI reference for a displayed path: `/` separators, characters outside RFC 3986's
/// path characters percent-encoded; absolute paths become `file:` URIs.
pub fn file_uri(display: &str) -> String {
    let path = display.replace('\\', "/");
    let bytes = path.as_bytes();
    let windows_drive =
        bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    let (prefix, rest) = if windows_drive {
        ("file:///", path.as_str())
    } else if path.starts_with('/') {
        ("file://", path.as_str())
    } else {
        ("", path.as_str())
    };
    let mut out = String::from(prefix);
    for (i, b) in rest.bytes().enumerate() {
        let keep = b.is_ascii_alphanumeric()
            || b"-._~/!$&'()*+,;=@".contains(&b)
            // the drive's colon in `file:///C:/...`; elsewhere a colon could read as a scheme
            || (b == b':' && windows_drive && i == 1);
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn level(severity: Severity) -> Value {
    json!(match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Hint => "note",
    })
}

fn text_only(text: String) -> s::MultiformatMessageString {
    s::MultiformatMessageString::builder().text(text).build()
}

fn truncate(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_string();
    }
    let mut out: String = text.chars().take(limit - 3).collect();
    out.push_str("...");
    out
}

/// The body of a `## heading` section of a rule page (up to the next `## `), trimmed.
fn section<'p>(page: &'p str, heading: &str) -> Option<&'p str> {
    let marker = format!("\n## {heading}\n");
    let start = page.find(&marker)? + marker.len();
    let rest = &page[start..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    Some(rest[..end].trim())
}

/// Rule-page markdown as plain text: fences dropped (code indented instead), inline code
/// and emphasis markers removed, headings as plain lines, wrapped lines joined into one
/// line per paragraph or list item.
fn markdown_to_text(md: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut in_code = false;
    // the last line pushed is prose that the next line continues
    let mut open_paragraph = false;
    for line in md.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            open_paragraph = false;
            continue;
        }
        if in_code {
            out.push(format!("    {line}"));
            continue;
        }
        let text = line.replace('`', "").replace("**", "");
        let text = text.trim();
        let starts_item = text.starts_with("- ") || text.starts_with("* ");
        if let Some(heading) = text.strip_prefix("## ") {
            out.push(heading.to_string());
            open_paragraph = false;
        } else if text.is_empty() {
            out.push(String::new());
            open_paragraph = false;
        } else if open_paragraph && !starts_item {
            if let Some(last) = out.last_mut() {
                last.push(' ');
                last.push_str(text);
            }
        } else {
            out.push(text.to_string());
            open_paragraph = true;
        }
    }
    out.join("\n").trim_matches('\n').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_are_relative_references_or_file_uris() {
        assert_eq!(file_uri("migrations/0001_a.sql"), "migrations/0001_a.sql");
        assert_eq!(
            file_uri("my migrations/a#1.sql"),
            "my%20migrations/a%231.sql"
        );
        assert_eq!(file_uri("<stdin>"), "%3Cstdin%3E");
        assert_eq!(file_uri("a:b.sql"), "a%3Ab.sql");
        assert_eq!(file_uri("/srv/app/x.sql"), "file:///srv/app/x.sql");
        assert_eq!(file_uri("C:\\app\\x.sql"), "file:///C:/app/x.sql");
        assert_eq!(file_uri("../up/ü.sql"), "../up/%C3%BC.sql");
    }

    #[test]
    fn page_sections_end_at_the_next_heading() {
        let page = "# r\n\n## What it flags\n\nA `b`\nwrapped.\n- one\n  two\n\n## Instead\n\n```sql\nSELECT 1;\n```\n";
        assert_eq!(
            section(page, "What it flags"),
            Some("A `b`\nwrapped.\n- one\n  two")
        );
        assert_eq!(
            markdown_to_text(section(page, "What it flags").unwrap_or_default()),
            "A b wrapped.\n- one two"
        );
        assert_eq!(
            markdown_to_text(section(page, "Instead").unwrap_or_default()),
            "    SELECT 1;"
        );
        assert_eq!(section(page, "Versions"), None);
    }
}
