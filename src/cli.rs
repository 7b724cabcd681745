//! Command-line interface: argument parsing, configuration, wiring the pipeline, exit
//! codes. `main.rs` only calls [`run`].

use crate::graph::ObjectKind;
use crate::pipeline::{self, Report, Run, RunOptions};
use crate::report::{self, CheckReport, Summary};
use crate::rules::{self, Severity};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::collections::HashMap;
use std::io::{IsTerminal, Write as _};
use std::mem::ManuallyDrop;
use std::path::PathBuf;

/// Exit codes (documented in README.md); they live in [`crate::exit`].
pub use crate::exit;

/// The exit code after writing the output failed: quiet [`exit::BROKEN_PIPE`] when the
/// reader went away, else a message and [`exit::ERROR`].
fn output_failed(what: &str, e: &std::io::Error) -> i32 {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return exit::BROKEN_PIPE;
    }
    eprintln!("error: cannot write {what}: {e}");
    exit::ERROR
}

#[derive(Parser, Debug)]
#[command(
    name = "schemaguard",
    version,
    about = "PostgreSQL migration safety checker: locks, rewrites and breaking changes, before they ship",
    args_conflicts_with_subcommands = true,
    after_help = "Without a command, `schemaguard PATHS` runs `check`.\nExit codes: 0 clean, 1 findings at or above --fail-on, 2 usage/input/internal error."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    check: CheckArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Report what could break the application or block traffic (the default command)
    Check(CheckArgs),
    /// Show, per statement, the locks it takes, what they block, rewrites and scans
    Plan(PlanArgs),
    /// Export the dependency graph of migrations, statements and schema objects
    Graph(GraphArgs),
    /// Compare the schema the migrations produce with a live database (or any two of
    /// migrations, databases and pg_dump files): exit 0 equal, 1 different, 2 error
    Diff(crate::diff::DiffArgs),
    /// Run the migrations on a real PostgreSQL and compare the locks and rewrites it
    /// took with the predictions
    #[cfg(unix)]
    Trace(crate::trace::cli::TraceArgs),
    /// Write the safe form of every finding that has one: a unified diff by default,
    /// the files with --write, the edits as JSON with --format json; --verify proves
    /// each fix on a throwaway PostgreSQL
    Fix(FixArgs),
    /// Serve editors: a language server over standard input and output (diagnostics,
    /// the plan on hover, "ignore with a reason")
    Lsp,
    /// List every rule with its default severity
    Rules,
    /// Print a rule's documentation page
    Explain {
        /// The rule id, e.g. create-index-non-concurrently
        rule: String,
    },
}

#[derive(Args, Debug, Clone)]
struct CommonArgs {
    /// Migration files or directories (searched recursively for .sql files), or `-` for
    /// standard input. Defaults to `paths` in schemaguard.toml.
    paths: Vec<PathBuf>,
    /// Target PostgreSQL major version (10-18) [default: 16, or pg_version in the config]
    #[arg(long, value_name = "N")]
    pg_version: Option<u32>,
    /// Configuration file [default: the nearest schemaguard.toml upward from the current directory]
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The file name to report for SQL read from standard input (`-`)
    #[arg(long, value_name = "NAME")]
    stdin_filename: Option<String>,
    /// When to use colours in human output: `auto` colours on a terminal unless NO_COLOR
    /// is set; `always` colours even then (an explicit choice overrides NO_COLOR)
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Start from this live database (read-only): its schema, its server version, its
    /// table sizes, and only the migrations its history table does not list. A
    /// `postgres://` URL or `key=value` string; parts left out come from PGHOST,
    /// PGPORT, PGUSER, PGDATABASE, PGPASSWORD, PGSSLMODE and ~/.pgpass
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// With --database-url: leave the other sessions' query texts out of the list of
    /// sessions that would block the migration now (pid, user, application, state and
    /// transaction age are still shown)
    #[arg(long)]
    no_query_text: bool,
    /// With --database-url: how long to watch the tables' traffic (pg_stat_user_tables,
    /// read at the start and again after this many seconds, the schema reads in between
    /// counting towards it) to say how many queries per second would queue behind each
    /// lock and suggest a lock_timeout; 0 turns it off
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0, value_parser = traffic_window)]
    traffic_window: f64,
}

/// `--traffic-window`: seconds, from 0 to 60.
fn traffic_window(text: &str) -> Result<f64, String> {
    let v: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("expected a number of seconds, got `{text}`"))?;
    if !(0.0..=60.0).contains(&v) {
        return Err(format!("expected 0 to 60 seconds, got {v}"));
    }
    Ok(v)
}

#[derive(Args, Debug, Clone)]
struct CheckArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    format: CheckFormat,
    /// Exit with 1 when a finding has at least this severity
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,
    /// Pre-merge review: report only migration files added or changed since this git
    /// ref (older files are still replayed); changed files that existed at the ref are
    /// reported as edited-applied-migration
    #[arg(long, value_name = "GIT-REF")]
    since: Option<String>,
}

#[derive(Args, Debug, Clone)]
struct FixArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Output format: `human` prints the fixes and a unified diff, `json` the edits
    /// (file, byte range, new text), new files and renames
    #[arg(long, value_enum, default_value_t = FixFormat::Human)]
    format: FixFormat,
    /// Write the fixes to the files (default: show them and write nothing)
    #[arg(long)]
    write: bool,
    /// Only migrations added since this git ref are rewritten; those that existed at
    /// it count as applied and are skipped
    #[arg(long, value_name = "GIT-REF")]
    since: Option<String>,
    /// When the version right after a migration is taken, renumber the later
    /// migrations (never an applied one) to make room for the new ones
    #[arg(long)]
    renumber: bool,
    /// Prove each fix on a throwaway PostgreSQL (of --pg-version when given, fetched
    /// if not installed): the original and the fixed history build equal schemas, and
    /// the fixed one takes no blocking lock the fix removed
    #[arg(long)]
    verify: bool,
    /// With --verify: SQL run on both throwaway databases before the histories (what
    /// the migrations expect to exist already: schemas, roles, extensions)
    #[arg(long, value_name = "FILE", requires = "verify")]
    verify_setup: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
struct PlanArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    format: PlanFormat,
}

#[derive(Args, Debug, Clone)]
struct GraphArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    format: GraphFormat,
    /// Only what touches this object (`public.accounts`, `accounts`, `accounts.email`):
    /// its parts, the statements that touch them, and what depends on it
    #[arg(long, value_name = "NAME")]
    object: Option<String>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum GraphFormat {
    /// Graphviz (`dot -Tsvg`)
    Dot,
    /// A Mermaid flowchart (renders in GitHub Markdown)
    Mermaid,
    /// Nodes and edges (documented in README)
    Json,
    /// An SVG picture, laid out without Graphviz (at most 250 nodes: narrow it with
    /// --object)
    Svg,
}

/// `check` formats: one per audience (terminal, scripts, code scanning, Actions
/// annotations, a PR comment).
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum CheckFormat {
    /// Code frames, like rustc (the default)
    Human,
    /// The versioned JSON document (see README)
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers
    Sarif,
    /// GitHub Actions workflow commands: annotations on the pull request
    Github,
    /// A markdown pull-request comment
    Markdown,
    /// One self-contained HTML page: findings with code frames and fixes, the lock
    /// timeline, filters by severity and rule
    Html,
}

/// `fix` formats.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum FixFormat {
    /// The fixes, a unified diff and, with --verify, what was proven (the default)
    Human,
    /// Edits, new files and renames (see README)
    Json,
}

/// `plan` formats (a plan is a table, not findings: no SARIF, annotations or comment).
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum PlanFormat {
    /// A table per file (the default)
    Human,
    /// The versioned JSON document (see README)
    Json,
    /// One self-contained HTML page: the lock timeline of every migration
    Html,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Hint,
}

impl FailOn {
    fn severity(self) -> Severity {
        match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Hint => Severity::Hint,
        }
    }
}

/// Runs the command line; returns the exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            // clap quotes the offending value, which may be a connection string
            eprint!("{}", crate::live::redact_all(&e.render().to_string()));
            return exit::ERROR;
        }
        Err(e) => {
            let _ = e.print();
            return exit::CLEAN;
        }
    };
    match cli.command {
        Some(Command::Check(args)) => check(&args),
        Some(Command::Plan(args)) => plan(&args),
        Some(Command::Fix(args)) => fix(&args),
        Some(Command::Graph(args)) => graph(&args),
        Some(Command::Diff(args)) => crate::diff::run(&args),
        #[cfg(unix)]
        Some(Command::Trace(args)) => crate::trace::cli::run(&args),
        Some(Command::Lsp) => match crate::lsp::run() {
            Ok(true) => exit::CLEAN,
            // the protocol's code for `exit` without `shutdown` first
            Ok(false) => 1,
            Err(e) => {
                eprintln!("error: {e}");
                exit::ERROR
            }
        },
        Some(Command::Rules) => list_rules(),
        Some(Command::Explain { rule }) => explain(&rule),
        None => check(&cli.check),
    }
}

fn list_rules() -> i32 {
    let width = rules::all().iter().map(|r| r.id().len()).max().unwrap_or(0);
    for r in rules::all() {
        println!(
            "{:<width$}  {:<7}  {:<11}  {}",
            r.id(),
            r.default_severity().as_str(),
            r.category().as_str(),
            r.summary()
        );
    }
    exit::CLEAN
}

fn explain(id: &str) -> i32 {
    match rules::page(id) {
        Some(page) => {
            print!("{page}");
            let forms = crate::catalogue::forms_for_rule(id);
            if !forms.is_empty() {
                println!(
                    "\n## Observed on PostgreSQL 11 to 18\n\nWhat these statements did on real servers of every version (locks per relation, rewrites, scans, transaction blocks), in {}:\n",
                    crate::catalogue::DOCS_PAGE
                );
                for (anchor, title) in forms {
                    println!("- {title}: {}#{anchor}", crate::catalogue::DOCS_PAGE);
                }
            }
            exit::CLEAN
        }
        None => {
            // echoed redacted: a connection string pasted here is still a secret
            eprintln!(
                "error: `{}` is not a schemaguard rule; `schemaguard rules` lists them",
                crate::live::redact_all(id)
            );
            exit::ERROR
        }
    }
}

/// The run is never dropped: the process exits right after reporting it, and freeing a
/// long history's statements, plan and graph piece by piece costs more than the exit.
fn prepare(
    args: &CommonArgs,
    since: Option<&str>,
    report: Report,
    keep_plan: bool,
) -> Result<ManuallyDrop<Run>, String> {
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let database = match &args.database_url {
        Some(url) => Some(
            crate::live::ConnectOptions::from_env_and_url(Some(url)).map_err(|e| e.to_string())?,
        ),
        None => None,
    };
    pipeline::run(&RunOptions {
        paths: args.paths.clone(),
        pg_version: args.pg_version,
        config: args.config.clone(),
        stdin_filename: args.stdin_filename.clone(),
        cwd,
        since: since.map(str::to_string),
        database,
        initial_catalog: None,
        report,
        keep_parsed: false,
        // check reports findings only (and, against a live database, who would block
        // the statements' locks, which needs them; the markdown comment and the HTML
        // report draw the lock timeline from the plan)
        skip_plan: report == Report::Findings && args.database_url.is_none() && !keep_plan,
        // no output reads a planned statement's whole effects
        plan_effects: false,
        overlay: None,
        no_query_text: args.no_query_text,
        traffic_window: Some(args.traffic_window),
        refused_by_server: Default::default(),
    })
    .map(ManuallyDrop::new)
    .map_err(|e| e.to_string())
}

fn fix(args: &FixArgs) -> i32 {
    let cwd = match std::env::current_dir() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: cannot read the current directory: {e}");
            return exit::ERROR;
        }
    };
    let database = match &args.common.database_url {
        Some(url) => match crate::live::ConnectOptions::from_env_and_url(Some(url)) {
            Ok(c) => Some(c),
            Err(e) => {
                eprintln!("error: {e}");
                return exit::ERROR;
            }
        },
        None => None,
    };
    let opts = RunOptions {
        paths: args.common.paths.clone(),
        pg_version: args.common.pg_version,
        config: args.common.config.clone(),
        stdin_filename: args.common.stdin_filename.clone(),
        cwd: cwd.clone(),
        since: args.since.clone(),
        database,
        report: Report::Findings,
        keep_parsed: true,
        skip_plan: true,
        no_query_text: true,
        ..RunOptions::default()
    };
    if args.common.paths.iter().any(|p| p.as_os_str() == "-") {
        eprintln!("error: fix rewrites files: give migration files or directories, not `-`");
        return exit::ERROR;
    }
    let run = match pipeline::run(&opts) {
        Ok(run) => ManuallyDrop::new(run),
        Err(e) => {
            eprintln!("error: {e}");
            return exit::ERROR;
        }
    };
    for (file, message) in &run.input_errors {
        eprintln!("error: {file}: {message}");
    }
    let frozen = match crate::fix::frozen_files(&run, args.since.as_deref(), &cwd) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::ERROR;
        }
    };
    let fix_opts = crate::fix::Options {
        lock_timeout: run
            .config
            .fix
            .lock_timeout
            .clone()
            .unwrap_or_else(|| crate::fix::DEFAULT_LOCK_TIMEOUT.to_string()),
        statement_timeout: run.config.fix.statement_timeout.clone(),
        renumber: args.renumber,
        frozen,
    };
    let plan = crate::fix::plan(&run, &fix_opts);
    let verification = if args.verify {
        #[cfg(unix)]
        {
            let root = match crate::fix::single_root(&run, &opts) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("error: {e}");
                    return exit::ERROR;
                }
            };
            let setup = match &args.verify_setup {
                Some(path) => match std::fs::read_to_string(path) {
                    Ok(sql) => Some(sql),
                    Err(e) => {
                        eprintln!("error: --verify-setup {}: {e}", path.display());
                        return exit::ERROR;
                    }
                },
                None => None,
            };
            match crate::fix::verify::verify(
                &plan,
                &root,
                &opts,
                setup.as_deref(),
                args.common.pg_version,
            ) {
                Ok(v) => Some(v),
                Err(e) => {
                    eprintln!("error: --verify: {e}");
                    return exit::ERROR;
                }
            }
        }
        #[cfg(not(unix))]
        {
            eprintln!("error: --verify needs a Unix system (a throwaway PostgreSQL)");
            return exit::ERROR;
        }
    } else {
        None
    };
    let mut stdout = std::io::stdout().lock();
    let text = match args.format {
        FixFormat::Json => crate::fix::render::json(&plan, verification.as_ref()) + "\n",
        FixFormat::Human => {
            let diff = if args.write {
                String::new()
            } else {
                match crate::fix::render::diff(&plan) {
                    Ok(d) => d,
                    Err(e) => {
                        eprintln!("error: {e}");
                        return exit::ERROR;
                    }
                }
            };
            let mut t = diff;
            t.push_str(&crate::fix::render::summary(&plan));
            if let Some(v) = &verification {
                t.push_str(&v.human());
            }
            t
        }
    };
    if let Err(e) = stdout.write_all(text.as_bytes()) {
        return output_failed("the fixes", &e);
    }
    if args.write {
        if let Err(e) = crate::fix::render::write(&plan, None) {
            eprintln!("error: {e}");
            return exit::ERROR;
        }
    }
    if verification.as_ref().is_some_and(|v| !v.all_proven()) {
        return exit::FINDINGS;
    }
    exit::CLEAN
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Never => false,
        ColorChoice::Always => true,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

fn check(args: &CheckArgs) -> i32 {
    let timeline = matches!(args.format, CheckFormat::Markdown | CheckFormat::Html);
    let mut run = match prepare(
        &args.common,
        args.since.as_deref(),
        Report::Findings,
        timeline,
    ) {
        Ok(run) => run,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::ERROR;
        }
    };
    // sorted for the report: taken, not copied (nothing else reads them)
    let mut findings = std::mem::take(&mut run.analysis.findings);
    // apply order of each file, looked up once (not a scan of the files per comparison)
    let file_order: crate::analysis::FastMap<&str, usize> = run
        .analysis
        .files
        .iter()
        .enumerate()
        .rev() // the first of two equal names wins, as a scan would find it
        .map(|(i, f)| (f.file.as_str(), i))
        .collect();
    findings.sort_by_cached_key(|f| {
        (
            file_order.get(f.file.as_str()).copied(),
            f.span.start_pos,
            f.rule,
        )
    });
    let statements = run.analysis.files.iter().map(|f| f.statements).sum();
    let summary = Summary::count(
        &findings,
        run.analysis.files.len(),
        statements,
        run.analysis.suppressed,
    );
    let blockers = run.live.as_ref().map_or_else(Vec::new, |live| {
        crate::live::activity::blockers(&run.analysis.plan, &live.activity)
    });
    let queues = run.live.as_ref().map_or_else(Vec::new, |live| {
        crate::live::activity::queues(&run.analysis.plan, &live.activity)
    });
    let sources = if matches!(
        args.format,
        CheckFormat::Human | CheckFormat::Markdown | CheckFormat::Html
    ) {
        take_sources(&mut run)
    } else {
        HashMap::new()
    };
    let report = CheckReport {
        findings: &findings,
        notes: &run.analysis.notes,
        input_errors: &run.input_errors,
        summary,
        pg_version: run.version.0,
        database: run.live.as_ref(),
        blockers: &blockers,
        queues: &queues,
    };
    // unreadable files go to stderr too, where a user sees them first, except where the
    // output itself is read in the log (json for scripts is unchanged)
    if matches!(
        args.format,
        CheckFormat::Human | CheckFormat::Sarif | CheckFormat::Markdown | CheckFormat::Html
    ) {
        for (file, message) in &run.input_errors {
            eprintln!("error: {file}: {message}");
        }
    }
    match args.format {
        CheckFormat::Json => {
            // written as produced, like the plan
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let written = report::json::write_check(&mut out, &report)
                .and_then(|()| writeln!(out))
                .and_then(|()| out.flush());
            if let Err(e) = written {
                return output_failed("the findings", &e);
            }
        }
        CheckFormat::Human => {
            // written as produced, like the JSON document
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let color = use_color(args.common.color);
            let written =
                report::human::write(&mut out, &report, &sources, color).and_then(|()| out.flush());
            if let Err(e) = written {
                return output_failed("the findings", &e);
            }
        }
        CheckFormat::Sarif => println!("{}", report::sarif::render(&report)),
        CheckFormat::Github => print!("{}", report::github::render(&report)),
        CheckFormat::Markdown => print!(
            "{}",
            report::markdown::render_with_timelines(&report, &sources, &timelines(&run))
        ),
        CheckFormat::Html => print!(
            "{}",
            report::html::render_check(&report, &sources, &timelines(&run))
        ),
    }
    if !run.input_errors.is_empty() {
        return exit::ERROR;
    }
    let threshold = args.fail_on.severity();
    if findings.iter().any(|f| f.severity >= threshold) {
        exit::FINDINGS
    } else {
        exit::CLEAN
    }
}

fn plan(args: &PlanArgs) -> i32 {
    let run = match prepare(&args.common, None, Report::Plan, true) {
        Ok(run) => run,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::ERROR;
        }
    };
    for (file, message) in &run.input_errors {
        eprintln!("error: {file}: {message}");
    }
    match args.format {
        PlanFormat::Json => {
            // written as produced: a long history's plan is tens of megabytes of JSON
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let blockers = run
                .live
                .as_ref()
                .map(|live| crate::live::activity::blockers(&run.analysis.plan, &live.activity));
            let queues = run
                .live
                .as_ref()
                .map(|live| crate::live::activity::queues(&run.analysis.plan, &live.activity));
            let written = report::plan::write_json(
                &mut out,
                &run.analysis.files,
                &run.analysis.plan,
                run.version.0,
                blockers.as_deref(),
                queues.as_deref(),
            )
            .and_then(|()| writeln!(out))
            .and_then(|()| out.flush());
            if let Err(e) = written {
                return output_failed("the plan", &e);
            }
        }
        PlanFormat::Html => {
            let blockers = run
                .live
                .as_ref()
                .map(|live| report::plan::blockers_human(live, &run.analysis.plan));
            print!(
                "{}",
                report::html::render_plan(
                    &timelines(&run),
                    run.version.0,
                    run.analysis.plan.len(),
                    blockers.as_deref()
                )
            );
        }
        PlanFormat::Human => {
            print!(
                "{}",
                report::plan::human(&run.analysis.files, &run.analysis.plan, run.version.0)
            );
            if let Some(live) = &run.live {
                print!("{}", report::plan::blockers_human(live, &run.analysis.plan));
            }
        }
    }
    if run.input_errors.is_empty() {
        exit::CLEAN
    } else {
        exit::ERROR
    }
}

/// The lock timeline of every migration of the run, with table sizes when the run
/// started from a live database.
fn timelines(run: &Run) -> Vec<report::timeline::MigrationTimeline> {
    report::timeline::build(
        &run.analysis.files,
        &run.analysis.plan,
        run.live.as_ref().map(|_| &run.analysis.catalog),
    )
}

/// The files' texts by displayed name, for code frames: taken, not copied (nothing else
/// reads them; a large file is not held twice while the report is written).
fn take_sources(run: &mut Run) -> HashMap<String, String> {
    run.files
        .iter_mut()
        .map(|f| (f.display.clone(), std::mem::take(&mut f.text)))
        .collect()
}

fn graph(args: &GraphArgs) -> i32 {
    let run = match prepare(&args.common, None, Report::Graph, false) {
        Ok(run) => run,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::ERROR;
        }
    };
    for (file, message) in &run.input_errors {
        eprintln!("error: {file}: {message}");
    }
    let g = &run.analysis.graph;
    let focus = match &args.object {
        None => None,
        Some(name) => match g.find(name).as_slice() {
            [] => {
                eprintln!("error: no object named `{name}` in these migrations");
                return exit::ERROR;
            }
            [one] => Some(one.clone()),
            many => {
                // a table and its same-named parts: prefer the relation
                let preferred = many
                    .iter()
                    .find(|o| matches!(o.kind, ObjectKind::Table | ObjectKind::View))
                    .cloned();
                match preferred {
                    Some(p) => Some(p),
                    None => {
                        let names: Vec<String> = many
                            .iter()
                            .map(|o| format!("{} {}", o.kind.as_str(), o.name))
                            .collect();
                        eprintln!("error: `{name}` is ambiguous: {}", names.join(", "));
                        return exit::ERROR;
                    }
                }
            }
        },
    };
    let out = match args.format {
        GraphFormat::Dot => g.to_dot(focus.as_ref()),
        GraphFormat::Mermaid => g.to_mermaid(focus.as_ref()),
        GraphFormat::Json => g.to_json(focus.as_ref()),
        GraphFormat::Svg => match report::graph_svg::render(g, focus.as_ref()) {
            Ok(svg) => svg,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::ERROR;
            }
        },
    };
    print!("{out}");
    if run.input_errors.is_empty() {
        exit::CLEAN
    } else {
        exit::ERROR
    }
}
