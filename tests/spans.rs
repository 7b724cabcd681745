//! Findings about one column, constraint, `DEFAULT` or action span that clause, not the
//! whole statement: for every rule that narrows, the exact span (`line:column-line:column`,
//! the end inclusive) of its finding on a multi-clause statement written over several
//! lines, and the text it frames; and the human code frame underlining just the clause.

mod common;

use common::TempDir;
use serde_json::Value;

/// The tables the cases change: created by an earlier migration, so they pre-exist.
const BASE: &str = "\
CREATE TABLE owners (id bigint PRIMARY KEY, name text);
CREATE TABLE accounts (
  id bigint PRIMARY KEY,
  email text,
  price numeric(10, 2),
  owner_id bigint REFERENCES owners (id),
  status text NOT NULL DEFAULT 'new',
  note text,
  legacy text,
  code int
);
CREATE INDEX accounts_owner_id_idx ON accounts (owner_id);
CREATE TRIGGER audit AFTER INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger();
";

/// The file each case is written to, after [`BASE`].
const CASE: &str = "0002_case.sql";

/// `(span, framed text)` of each finding of `rule` in the case file, in order.
fn spans(case: &str, rule: &str) -> Vec<(String, String)> {
    let dir = TempDir::new("spans");
    dir.write("0001_base.sql", BASE);
    dir.write(CASE, case);
    let doc = common::json(&["check", "--format", "json", dir.path()]);
    findings(&doc, case, rule)
}

fn findings(doc: &Value, case: &str, rule: &str) -> Vec<(String, String)> {
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == rule && f["file"].as_str().is_some_and(|p| p.ends_with(CASE)))
        .map(|f| {
            let n = |k: &str| f[k].as_u64().expect("a position") as usize;
            let (line, column, end_line, end_column) =
                (n("line"), n("column"), n("end_line"), n("end_column"));
            (
                format!("{line}:{column}-{end_line}:{end_column}"),
                framed(case, (line, column), (end_line, end_column)),
            )
        })
        .collect()
}

/// The text from the 1-based (line, column) `from` to `to`, both inclusive (columns in
/// characters).
fn framed(text: &str, from: (usize, usize), to: (usize, usize)) -> String {
    let offset = |(line, column): (usize, usize)| {
        let start: usize = text
            .split_inclusive('\n')
            .take(line - 1)
            .map(str::len)
            .sum();
        text[start..]
            .char_indices()
            .nth(column - 1)
            .map_or(text.len(), |(i, _)| start + i)
    };
    let start = offset(from);
    let last = offset(to);
    let end = text[last..]
        .chars()
        .next()
        .map_or(last, |c| last + c.len_utf8());
    text[start..end].to_string()
}

struct Case {
    rule: &'static str,
    sql: &'static str,
    /// Each finding of the rule in the case: span and framed text.
    want: &'static [(&'static str, &'static str)],
}

const CASES: &[Case] = &[
    Case {
        rule: "column-type-rewrite",
        sql: "ALTER TABLE accounts\n  ADD COLUMN extra text,\n  ALTER COLUMN code TYPE bigint;\n",
        want: &[("3:3-3:31", "ALTER COLUMN code TYPE bigint")],
    },
    Case {
        rule: "narrowing-column-type",
        sql: "ALTER TABLE accounts\n  ADD COLUMN extra text,\n  ALTER COLUMN price TYPE numeric(8, 2);\n",
        want: &[("3:3-3:39", "ALTER COLUMN price TYPE numeric(8, 2)")],
    },
    Case {
        rule: "set-not-null-scan",
        sql: "ALTER TABLE accounts\n  ALTER COLUMN note SET DEFAULT 'a, b',\n  ALTER COLUMN email SET NOT NULL;\n",
        want: &[("3:3-3:33", "ALTER COLUMN email SET NOT NULL")],
    },
    Case {
        rule: "add-required-column",
        sql: "ALTER TABLE accounts\n  ADD COLUMN a text, -- a comment, with a comma\n  ADD COLUMN b text NOT NULL;\n",
        want: &[("3:3-3:28", "ADD COLUMN b text NOT NULL")],
    },
    Case {
        rule: "add-column-rewrite",
        sql: "ALTER TABLE accounts\n  ADD COLUMN a text,\n  ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid(),\n  ADD COLUMN seq bigserial;\n",
        want: &[
            ("3:34-3:58", "DEFAULT gen_random_uuid()"),
            ("4:3-4:26", "ADD COLUMN seq bigserial"),
        ],
    },
    Case {
        rule: "add-unique-without-index",
        sql: "ALTER TABLE accounts\n  ADD COLUMN handle text CONSTRAINT accounts_handle_key UNIQUE,\n  ADD CONSTRAINT accounts_email_key UNIQUE (email);\n",
        want: &[
            ("2:26-2:62", "CONSTRAINT accounts_handle_key UNIQUE"),
            (
                "3:3-3:50",
                "ADD CONSTRAINT accounts_email_key UNIQUE (email)",
            ),
        ],
    },
    Case {
        rule: "add-exclusion-constraint",
        sql: "ALTER TABLE accounts\n  ADD COLUMN a text,\n  ADD CONSTRAINT no_overlap EXCLUDE USING gist (code WITH =);\n",
        want: &[(
            "3:3-3:60",
            "ADD CONSTRAINT no_overlap EXCLUDE USING gist (code WITH =)",
        )],
    },
    Case {
        rule: "constraint-not-valid-missing",
        sql: "ALTER TABLE accounts\n  ADD COLUMN qty int DEFAULT 1 CHECK (qty > 0) NOT NULL,\n  ADD CONSTRAINT accounts_owner_fk\n    FOREIGN KEY (owner_id) REFERENCES owners (id);\n",
        want: &[
            ("2:32-2:46", "CHECK (qty > 0)"),
            (
                "3:3-4:49",
                "ADD CONSTRAINT accounts_owner_fk\n    FOREIGN KEY (owner_id) REFERENCES owners (id)",
            ),
        ],
    },
    Case {
        rule: "validate-in-same-transaction",
        sql: "ALTER TABLE accounts ADD CONSTRAINT code_positive CHECK (code > 0) NOT VALID;\nALTER TABLE accounts\n  ALTER COLUMN note SET DEFAULT 'x',\n  VALIDATE CONSTRAINT code_positive;\n",
        want: &[("4:3-4:35", "VALIDATE CONSTRAINT code_positive")],
    },
    Case {
        rule: "drop-column",
        sql: "ALTER TABLE accounts\n  ADD COLUMN a text,\n  DROP COLUMN \"legacy\";\n",
        want: &[("3:3-3:22", "DROP COLUMN \"legacy\"")],
    },
    Case {
        rule: "drop-default",
        sql: "ALTER TABLE accounts\n  ALTER COLUMN note SET DEFAULT 'x',\n  ALTER COLUMN status DROP DEFAULT;\n",
        want: &[("3:3-3:34", "ALTER COLUMN status DROP DEFAULT")],
    },
    Case {
        rule: "table-rewrite",
        sql: "ALTER TABLE accounts\n  ALTER COLUMN note SET DEFAULT 'x',\n  SET UNLOGGED;\n",
        want: &[("3:3-3:14", "SET UNLOGGED")],
    },
    Case {
        rule: "create-trigger-locks",
        sql: "ALTER TABLE accounts\n  DISABLE TRIGGER audit,\n  ENABLE TRIGGER audit;\n",
        want: &[("2:3-2:23", "DISABLE TRIGGER audit")],
    },
    Case {
        rule: "fk-missing-index",
        sql: "CREATE TABLE invoices (\n  id bigint PRIMARY KEY,\n  owner_id bigint NOT NULL REFERENCES owners (id) ON DELETE SET NULL,\n  account_id bigint,\n  CONSTRAINT invoices_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id)\n);\nALTER TABLE accounts\n  ADD COLUMN a text,\n  ADD FOREIGN KEY (code) REFERENCES owners (id);\n",
        want: &[
            ("3:28-3:68", "REFERENCES owners (id) ON DELETE SET NULL"),
            (
                "5:3-5:82",
                "CONSTRAINT invoices_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id)",
            ),
            ("9:3-9:47", "ADD FOREIGN KEY (code) REFERENCES owners (id)"),
        ],
    },
    Case {
        rule: "unknown-object",
        sql: "ALTER TABLE accounts\n  ADD COLUMN a text,\n  ALTER COLUMN nosuch DROP NOT NULL;\n",
        want: &[("3:3-3:35", "ALTER COLUMN nosuch DROP NOT NULL")],
    },
    Case {
        rule: "drop-breaks-dependents",
        sql: "ALTER TABLE owners\n  DROP COLUMN name,\n  DROP COLUMN id;\n",
        want: &[("3:3-3:16", "DROP COLUMN id")],
    },
    Case {
        rule: "prefer-if-not-exists",
        sql: "-- migrate:up transaction:false\nALTER TABLE accounts\n  ALTER COLUMN note SET DEFAULT 'x',\n  ADD COLUMN a text;\nSELECT 1;\n",
        want: &[("4:3-4:19", "ADD COLUMN a text")],
    },
    Case {
        rule: "prefer-text",
        sql: "ALTER TABLE accounts\n  ADD COLUMN a text,\n  ADD COLUMN IF NOT EXISTS \"Nick\" varchar(20) DEFAULT 'x';\n",
        want: &[("3:28-3:57", "\"Nick\" varchar(20) DEFAULT 'x'")],
    },
];

#[test]
fn each_narrowed_rule_spans_its_clause() {
    let mut failures = Vec::new();
    for case in CASES {
        let got = spans(case.sql, case.rule);
        let want: Vec<(String, String)> = case
            .want
            .iter()
            .map(|(s, t)| (s.to_string(), t.to_string()))
            .collect();
        if got != want {
            failures.push(format!(
                "{}: want {want:?}\n  got {got:?}\n  in {}",
                case.rule, case.sql
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Where the clause cannot be found for certain, the finding keeps its statement's span.
#[test]
fn a_clause_that_cannot_be_found_leaves_the_statement() {
    // two unnamed CHECKs on one column: which one is meant is not known
    let sql =
        "ALTER TABLE accounts\n  ADD COLUMN qty int DEFAULT 1 CHECK (qty > 0) CHECK (qty < 9);\n";
    let got = spans(sql, "constraint-not-valid-missing");
    let whole = (
        "1:1-2:63".to_string(),
        "ALTER TABLE accounts\n  ADD COLUMN qty int DEFAULT 1 CHECK (qty > 0) CHECK (qty < 9);"
            .to_string(),
    );
    assert_eq!(got, vec![whole.clone(), whole]);
}

#[test]
fn the_code_frame_of_a_column_hint_underlines_just_that_column() {
    let dir = TempDir::new("spans-frame");
    dir.write(
        "0001_users.sql",
        "CREATE TABLE users (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  email varchar(255) NOT NULL,\n  name text,\n  created_at timestamptz NOT NULL DEFAULT now(),\n  age int,\n  active boolean DEFAULT true,\n  bio text\n);\n",
    );
    let out = common::schemaguard(&["check", "--color", "never", dir.path()]);
    let frame: Vec<&str> = out
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("hint[prefer-text]"))
        .take(5)
        .collect();
    assert_eq!(
        frame,
        vec![
            "hint[prefer-text]: users.email is VARCHAR(255): prefer text",
            &format!(" --> {}/0001_users.sql:3:3", dir.path()),
            "  |",
            "3 |   email varchar(255) NOT NULL,",
            "  |   ^^^^^^^^^^^^^^^^^^^^^^^^^^^",
        ],
        "{}",
        out.stdout
    );
}

/// An ignore comment silences a statement: a finding about a clause on a later line of
/// it is silenced from the line before the statement, as before it spanned the clause
/// (for statement rules and for rules that judge the whole file alike).
#[test]
fn an_ignore_above_the_statement_silences_its_clause_findings() {
    let sql = "-- schemaguard:ignore drop-default, column-type-rewrite -- reviewed\nALTER TABLE accounts\n  ALTER COLUMN code TYPE bigint,\n  ALTER COLUMN status DROP DEFAULT;\n";
    assert_eq!(spans(sql, "drop-default"), vec![]);
    assert_eq!(spans(sql, "column-type-rewrite"), vec![]);
    // without the comment both are reported, on their clauses
    let bare = sql.split_once('\n').map_or(sql, |(_, rest)| rest);
    assert_eq!(
        spans(bare, "drop-default"),
        vec![(
            "3:3-3:34".to_string(),
            "ALTER COLUMN status DROP DEFAULT".to_string()
        )]
    );
    assert_eq!(
        spans(bare, "column-type-rewrite"),
        vec![(
            "2:3-2:31".to_string(),
            "ALTER COLUMN code TYPE bigint".to_string()
        )]
    );
}

/// SARIF and GitHub annotations carry the clause's span too (SARIF's end column is
/// exclusive, GitHub's the last character).
#[test]
fn sarif_and_github_positions_are_the_clause() {
    let dir = TempDir::new("spans-ci");
    dir.write("0001_base.sql", BASE);
    dir.write(
        CASE,
        "ALTER TABLE accounts\n  ADD COLUMN extra text,\n  ALTER COLUMN code TYPE bigint;\n",
    );
    let sarif = common::json(&["check", "--format", "sarif", dir.path()]);
    let region = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["ruleId"] == "column-type-rewrite")
        .map(|r| r["locations"][0]["physicalLocation"]["region"].clone())
        .unwrap_or(Value::Null);
    assert_eq!(
        region,
        serde_json::json!({"startLine": 3, "startColumn": 3, "endLine": 3, "endColumn": 32})
    );
    let github = common::schemaguard(&["check", "--format", "github", dir.path()]).stdout;
    assert!(
        github.lines().any(|l| l.starts_with("::error file=")
            && l.contains(&format!(
                "{CASE},line=3,col=3,endLine=3,endColumn=31,title=column-type-rewrite::"
            ))),
        "{github}"
    );
}
