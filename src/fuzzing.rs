//! What the fuzz targets (`fuzz/`, `cargo +nightly fuzz run check`) run, shared with the
//! regression tests of the inputs they found (`tests/fuzz_regressions.rs`), so a crash
//! found once stays fixed. Not an API: the entry points panic on a broken invariant.

use crate::analysis::{self, FileInput, Settings};
use crate::parse::{self, split};
use crate::pipeline::segments_of;
use crate::report::{self, CheckReport, Summary};
use crate::source::{self, SourceOptions, framework};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::Tokenizer;
use std::collections::HashMap;

/// The splitter and the parser on any text: pieces in order of their start, inside the
/// text, on character boundaries, statements not overlapping one another (a psql
/// meta-command may sit inside a statement, which keeps going around it); statements
/// with positions inside the text; the fast tokenizer agreeing with sqlparser's, and the
/// first-try dialect with PostgreSQL's, on every statement.
pub fn split_and_parse(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (mut last_start, mut last_sql_end) = (0, 0);
    for p in split::split(&text) {
        assert!(
            p.start <= p.end && p.end <= text.len(),
            "piece {}..{} outside 0..{}",
            p.start,
            p.end,
            text.len()
        );
        assert!(p.start >= last_start, "pieces out of order at {}", p.start);
        assert!(text.is_char_boundary(p.start) && text.is_char_boundary(p.end));
        if p.kind == split::PieceKind::Sql {
            assert!(p.start >= last_sql_end, "statements overlap at {}", p.start);
            last_sql_end = p.end;
        }
        last_start = p.start;
        if p.kind == split::PieceKind::Sql {
            fast_tokens_agree(&text[p.start..p.end]);
            unlocated_dialect_agrees(&text[p.start..p.end]);
        }
    }
    let parsed = parse::parse_file(&text);
    let lines = text.lines().count().max(1) as u32 + 1;
    for s in &parsed.statements {
        assert!(s.span.start <= s.span.end && s.span.end <= text.len());
        assert!(s.span.start_pos.line >= 1 && s.span.end_pos.line <= lines);
        assert!(s.span.start_pos <= s.span.end_pos || s.span.is_empty());
    }
}

/// The fast tokenizer in front of sqlparser's (`parse::tokens`) on one statement's text:
/// whenever it answers, its tokens and their spans are exactly sqlparser's. Returns
/// whether it answered (`false`: the text is left to sqlparser).
pub fn fast_tokens_agree(sql: &str) -> bool {
    let Some(fast) = parse::tokens::tokenize(sql) else {
        return false;
    };
    let slow = Tokenizer::new(&PostgreSqlDialect {}, sql)
        .with_unescape(true)
        .tokenize_with_location();
    let slow = match slow {
        Ok(tokens) => tokens,
        Err(err) => panic!("the fast tokenizer answered where sqlparser fails ({err}): {sql:?}"),
    };
    if let Some(i) = (0..fast.len().max(slow.len())).find(|&i| fast.get(i) != slow.get(i)) {
        panic!(
            "the fast tokenizer disagrees with sqlparser at token {i} of {sql:?}:\n  fast:      {:?}\n  sqlparser: {:?}",
            fast.get(i),
            slow.get(i)
        );
    }
    true
}

/// The dialect statements are first parsed with (`parse::dialect::Unlocated`) against
/// sqlparser's PostgreSQL dialect on one statement's text (sqlparser's tokens for both):
/// the same tree, or both fail. Returns whether it parsed.
pub fn unlocated_dialect_agrees(sql: &str) -> bool {
    let Ok(tokens) = Tokenizer::new(&PostgreSqlDialect {}, sql)
        .with_unescape(true)
        .tokenize_with_location()
    else {
        return false;
    };
    let parse = |dialect: &dyn sqlparser::dialect::Dialect| {
        sqlparser::parser::Parser::new(dialect)
            .with_recursion_limit(parse::RECURSION_LIMIT)
            .with_tokens_with_locations(tokens.clone())
            .parse_statements()
    };
    match (
        parse(&PostgreSqlDialect {}),
        parse(&parse::dialect::Unlocated),
    ) {
        (Ok(pg), Ok(unlocated)) => {
            assert!(
                pg == unlocated,
                "the first-try dialect parses {sql:?} differently:\n  postgres:  {pg:?}\n  first-try: {unlocated:?}"
            );
            true
        }
        (Err(_), Err(_)) => false,
        (pg, unlocated) => panic!(
            "the first-try dialect and PostgreSQL's disagree on whether {sql:?} parses:\n  postgres:  {pg:?}\n  first-try: {unlocated:?}"
        ),
    }
}

/// A whole run on in-memory files: up to four migrations (the input split at NUL bytes),
/// read as standard input is (size, UTF-8 and binary checks), prepared as their framework
/// runs them, parsed, analysed in order, and rendered in every format.
pub fn check(data: &[u8]) {
    let mut files = Vec::new();
    let mut input_errors = Vec::new();
    for (i, chunk) in data.split(|&b| b == 0).take(4).enumerate() {
        let opts = SourceOptions {
            max_file_bytes: 1 << 20,
            stdin_filename: Some(format!("{:04}_fuzz.sql", i + 1)),
            overlay: None,
        };
        match source::stdin_file(chunk.to_vec(), &opts) {
            Ok(f) => files.push(f),
            Err(e) => input_errors.push((e.display, e.message)),
        }
    }
    let prepared: Vec<_> = files
        .iter()
        .map(|f| {
            let p = framework::prepare(&f.path, &f.text, None, true);
            let parsed = parse::parse_file(p.text(&f.text));
            (p, parsed)
        })
        .collect();
    let inputs: Vec<FileInput> = files
        .iter()
        .zip(&prepared)
        .map(|(f, (prep, parsed))| FileInput {
            display: f.display.clone(),
            version: f.version().map(|v| v.normalized()),
            edited_since: None,
            new_since_ref: false,
            parsed,
            segments: segments_of(prep),
            no_transaction_hint: prep.framework.no_transaction_hint().to_string(),
            framework_wraps: prep.framework != crate::source::framework::Framework::Plain,
        })
        .collect();
    let analysis = analysis::analyze(&inputs, &Settings::default());

    let sources: HashMap<String, String> = files
        .iter()
        .map(|f| (f.display.clone(), f.text.clone()))
        .collect();
    let statements = analysis.files.iter().map(|f| f.statements).sum();
    let report = CheckReport {
        findings: &analysis.findings,
        notes: &analysis.notes,
        input_errors: &input_errors,
        summary: Summary::count(
            &analysis.findings,
            analysis.files.len(),
            statements,
            analysis.suppressed,
        ),
        pg_version: 16,
        database: None,
        blockers: &[],
        queues: &[],
    };
    let timelines = report::timeline::build(&analysis.files, &analysis.plan, None);
    let rendered = [
        report::human::render(&report, &sources, false),
        report::human::render(&report, &sources, true),
        report::json::check(&report),
        report::sarif::render(&report),
        report::github::render(&report),
        report::markdown::render(&report, &sources),
        report::markdown::render_with_timelines(&report, &sources, &timelines),
        report::html::render_check(&report, &sources, &timelines),
        report::html::render_plan(&timelines, 16, analysis.plan.len(), None),
        report::graph_svg::render(&analysis.graph, None)
            .unwrap_or_else(|refused| refused.to_string()),
        report::plan::json(&analysis.files, &analysis.plan, 16),
        report::plan::human(&analysis.files, &analysis.plan, 16),
        analysis.graph.to_dot(None),
        analysis.graph.to_json(None),
        analysis.graph.to_mermaid(None),
    ];
    assert!(rendered.iter().all(|r| !r.is_empty()));
}
