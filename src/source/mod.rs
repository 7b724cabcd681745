//! TEMPORARY stub (replaced by the real discovery module).
use std::path::PathBuf;

pub struct MigrationFile {
    pub path: PathBuf,
    pub display: String,
    pub version: Option<String>,
    pub text: String,
}
pub struct InputError {
    pub path: PathBuf,
    pub display: String,
    pub message: String,
}
impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.display, self.message)
    }
}
pub struct SourceOptions {
    pub max_file_bytes: u64,
    pub stdin_filename: Option<String>,
}
impl Default for SourceOptions {
    fn default() -> Self {
        SourceOptions {
            max_file_bytes: 10 << 20,
            stdin_filename: None,
        }
    }
}
#[derive(Default)]
pub struct Collected {
    pub files: Vec<MigrationFile>,
    pub errors: Vec<InputError>,
    pub skipped_down: Vec<PathBuf>,
}
pub fn collect(paths: &[PathBuf], _opts: &SourceOptions) -> Collected {
    let mut out = Collected::default();
    let mut all = Vec::new();
    for p in paths {
        walk(p, &mut all, &mut out);
    }
    all.sort();
    for p in all {
        match std::fs::read_to_string(&p) {
            Ok(text) => out.files.push(MigrationFile {
                display: p.display().to_string(),
                path: p,
                version: None,
                text,
            }),
            Err(e) => out.errors.push(InputError {
                display: p.display().to_string(),
                path: p,
                message: e.to_string(),
            }),
        }
    }
    out
}
fn walk(p: &PathBuf, all: &mut Vec<PathBuf>, out: &mut Collected) {
    if p.is_dir() {
        if let Ok(rd) = std::fs::read_dir(p) {
            for e in rd.flatten() {
                let q = e.path();
                if q.is_dir() || q.extension().is_some_and(|e| e == "sql") {
                    walk(&q, all, out);
                }
            }
        }
    } else if p.exists() {
        all.push(p.clone());
    } else {
        out.errors.push(InputError {
            path: p.clone(),
            display: p.display().to_string(),
            message: "no such file or directory".into(),
        });
    }
}
