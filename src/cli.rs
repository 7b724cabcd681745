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
}

/// `plan` formats (a plan is a table, not findings: no SARIF, annotations or comment).
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum PlanFormat {
    /// A table per file (the default)
    Human,
    /// The versioned JSON document (see README)
    Json,
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
        Some(Command::Graph(args)) => graph(&args),
        Some(Command::Diff(args)) => crate::diff::run(&args),
        #[cfg(unix)]
        Some(Command::Trace(args)) => crate::trace::cli::run(&args),
        Some(Command::Lsp) => match crate::lsp::run() {
            Ok(()) => exit::CLEAN,
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
        // the statements' locks, which needs them)
        skip_plan: report == Report::Findings && args.database_url.is_none(),
        overlay: None,
        no_query_text: args.no_query_text,
        refused_by_server: Default::default(),
    })
    .map(ManuallyDrop::new)
    .map_err(|e| e.to_string())
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
    let mut run = match prepare(&args.common, args.since.as_deref(), Report::Findings) {
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
    let report = CheckReport {
        findings: &findings,
        notes: &run.analysis.notes,
        input_errors: &run.input_errors,
        summary,
        pg_version: run.version.0,
        database: run.live.as_ref(),
        blockers: &blockers,
    };
    // unreadable files go to stderr too, where a user sees them first, except where the
    // output itself is read in the log (json for scripts is unchanged)
    if matches!(
        args.format,
        CheckFormat::Human | CheckFormat::Sarif | CheckFormat::Markdown
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
        CheckFormat::Human => print!(
            "{}",
            report::human::render(&report, &sources(&run), use_color(args.common.color))
        ),
        CheckFormat::Sarif => println!("{}", report::sarif::render(&report)),
        CheckFormat::Github => print!("{}", report::github::render(&report)),
        CheckFormat::Markdown => print!("{}", report::markdown::render(&report, &sources(&run))),
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
    let run = match prepare(&args.common, None, Report::Plan) {
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
            let written = report::plan::write_json(
                &mut out,
                &run.analysis.files,
                &run.analysis.plan,
                run.version.0,
                blockers.as_deref(),
            )
            .and_then(|()| writeln!(out))
            .and_then(|()| out.flush());
            if let Err(e) = written {
                return output_failed("the plan", &e);
            }
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

fn sources(run: &Run) -> HashMap<String, String> {
    run.files
        .iter()
        .map(|f| (f.display.clone(), f.text.clone()))
        .collect()
}

fn graph(args: &GraphArgs) -> i32 {
    let run = match prepare(&args.common, None, Report::Graph) {
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
    };
    print!("{out}");
    if run.input_errors.is_empty() {
        exit::CLEAN
    } else {
        exit::ERROR
    }
}
