//! What a migration's name says: its version, whether it is a Flyway repeatable, whether
//! it is a down migration, and the apply order that follows. Pure functions over paths
//! and strings; no I/O.

use std::cmp::Ordering;
use std::ffi::OsStr;
use std::fmt;
use std::path::{Component, Path};

/// A migration version parsed from a file or folder name.
///
/// Keeps the text as written (`0002`, `1_1`, `2019-02-26-002946`) and compares by its
/// numeric parts: `0002 == 2`, `2 < 10`, `1.1 < 1.10`, and a prefix sorts first
/// (`1 < 1.0`). Equality is on the parts, so two files with equal versions are duplicates
/// in the frameworks' eyes even when written differently (`0002_x` and `2_y`).
#[derive(Clone, Debug)]
pub struct Version {
    raw: String,
    /// Decimal digit strings without leading zeros ("0" for zero): compared by length,
    /// then lexically, which is numeric order for numbers of any size.
    parts: Vec<String>,
}

impl Version {
    /// Parses a version written alone: digits separated by `.` or `_` (Flyway style:
    /// `1`, `0002`, `1.1`, `1_1`) or by `-` (diesel style: `2019-02-26-002946`, with an
    /// optional `-0000` suffix). `None` for anything else.
    pub fn parse(text: &str) -> Option<Version> {
        if is_dashed(text) {
            return Some(dashed_version(text));
        }
        if text.is_empty()
            || !text.starts_with(|c: char| c.is_ascii_digit())
            || !text
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == '_')
        {
            return None;
        }
        let parts: Vec<String> = text
            .split(['.', '_'])
            .filter(|p| !p.is_empty())
            .map(normalize_number)
            .collect();
        Some(Version {
            raw: text.to_string(),
            parts,
        })
    }

    /// The version as written in the name.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// A canonical spelling: the numeric parts without leading zeros, joined by `.`
    /// (`0002` -> `2`, `1_1` -> `1.1`, `2019-02-26-002946` -> `20190226002946`,
    /// `2025-09-19-132648-0000` -> `20250919132648.0`). Equal versions have equal
    /// canonical spellings.
    pub fn normalized(&self) -> String {
        self.parts.join(".")
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.parts == other.parts
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        for (a, b) in self.parts.iter().zip(&other.parts) {
            let o = a.len().cmp(&b.len()).then_with(|| a.cmp(b));
            if o != Ordering::Equal {
                return o;
            }
        }
        self.parts.len().cmp(&other.parts.len())
    }
}

/// Strips leading zeros from a digit string, keeping "0" for zero.
fn normalize_number(digits: &str) -> String {
    let t = digits.trim_start_matches('0');
    if t.is_empty() {
        "0".to_string()
    } else {
        t.to_string()
    }
}

/// Digits and dashes only, starting and ending with a digit, at least one dash, no empty
/// group: diesel's `2019-02-26-002946` style.
fn is_dashed(text: &str) -> bool {
    text.contains('-')
        && text
            .split('-')
            .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()))
}

/// Diesel compares versions as strings with the dashes removed. For its timestamp layout
/// (`YYYY-MM-DD-HHMMSS`, newer diesel adds `-0000`) the first four groups make one
/// number and each further group is its own part, so `2025-09-19-132648-0000` sorts
/// after `2025-09-19-090047` and before `2025-09-20-000000` whatever the suffix length;
/// any other dashed form is read as the number its digits make.
fn dashed_version(text: &str) -> Version {
    let groups: Vec<&str> = text.split('-').collect();
    let lens: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    let parts = if lens.len() >= 4 && lens[..4] == [4, 2, 2, 6] {
        let mut parts = vec![normalize_number(&groups[..4].concat())];
        parts.extend(groups[4..].iter().map(|g| normalize_number(g)));
        parts
    } else {
        vec![normalize_number(&groups.concat())]
    };
    Version {
        raw: text.to_string(),
        parts,
    }
}

/// How a name places a migration in the apply order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NameKind {
    /// Has a version: `V1_1__x.sql`, `0002_x.up.sql`, `20240101120000_x/up.sql`, ...
    Versioned(Version),
    /// A Flyway repeatable migration `R__<description>.sql`.
    Repeatable(String),
    /// No version in the name (nor in its folder's name).
    Unversioned,
}

/// The file name without `.sql` and then without `.up` / `.down` (case-insensitive).
/// Returns the stem and whether a `.down` suffix was removed.
fn stem(file_name: &str) -> (&str, bool) {
    let mut s = file_name;
    if let Some(rest) = strip_suffix_ci(s, ".sql") {
        s = rest;
    }
    if let Some(rest) = strip_suffix_ci(s, ".down") {
        return (rest, true);
    }
    if let Some(rest) = strip_suffix_ci(s, ".up") {
        s = rest;
    }
    (s, false)
}

fn strip_suffix_ci<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = s.len().checked_sub(suffix.len())?;
    if s.is_char_boundary(cut) && s[cut..].eq_ignore_ascii_case(suffix) {
        Some(&s[..cut])
    } else {
        None
    }
}

/// File names whose version lives in the folder name (diesel/sqlx `up.sql`, prisma
/// `migration.sql`).
fn is_folder_layout_name(stem: &str) -> bool {
    stem.eq_ignore_ascii_case("up") || stem.eq_ignore_ascii_case("migration")
}

/// Reads a version out of one name (a file stem or a folder name).
fn kind_of_name(name: &str) -> NameKind {
    // Flyway: V<ver>__desc, R__desc.
    if let Some(rest) = name.strip_prefix('V')
        && let Some(end) = rest.find("__")
        && let Some(v) = Version::parse(&rest[..end])
        && !rest[..end].contains('-')
    {
        return NameKind::Versioned(v);
    }
    if let Some(desc) = name.strip_prefix("R__") {
        return NameKind::Repeatable(desc.to_string());
    }
    // Diesel: everything up to the first '_' when it is digits and dashes.
    let head = name.split('_').next().unwrap_or(name);
    if is_dashed(head) {
        return NameKind::Versioned(dashed_version(head));
    }
    // A leading digit run ended by the end of the name or a separator (`2fa_x` is a name,
    // not version 2).
    let digits = name.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 {
        let next = name[digits..].chars().next();
        if next.is_none_or(|c| !c.is_alphanumeric()) {
            let raw = &name[..digits];
            return NameKind::Versioned(Version {
                raw: raw.to_string(),
                parts: vec![normalize_number(raw)],
            });
        }
    }
    NameKind::Unversioned
}

fn name_str(os: Option<&OsStr>) -> Option<&str> {
    os.and_then(OsStr::to_str)
}

/// Where `path` goes in the apply order, from its file name, or from its folder's name
/// when the file name carries no version (`<ts>_name/up.sql`, `<ts>_name/migration.sql`,
/// or any unversioned file inside a versioned folder).
pub fn name_kind(path: &Path) -> NameKind {
    let Some(file_name) = name_str(path.file_name()) else {
        return NameKind::Unversioned;
    };
    let (stem, _) = stem(file_name);
    let own = if is_folder_layout_name(stem) {
        NameKind::Unversioned
    } else {
        kind_of_name(stem)
    };
    if own != NameKind::Unversioned {
        return own;
    }
    match name_str(path.parent().and_then(Path::file_name)).map(kind_of_name) {
        Some(k @ NameKind::Versioned(_)) => k,
        _ => NameKind::Unversioned,
    }
}

/// Whether the file name marks a down (rollback) migration: `*.down.sql`, `down.sql`
/// (the down half of a `<ts>_name/` folder), or a Flyway undo `U<ver>__x.sql`. Files in a
/// `down/` folder are recognised by the caller, which knows where the walk started.
pub fn is_down_name(path: &Path) -> bool {
    let Some(file_name) = name_str(path.file_name()) else {
        return false;
    };
    let (stem, down_suffix) = stem(file_name);
    if down_suffix || (stem.eq_ignore_ascii_case("down") && stem.len() < file_name.len()) {
        return true;
    }
    if let Some(rest) = stem.strip_prefix('U')
        && let Some(end) = rest.find("__")
        && !rest[..end].contains('-')
        && Version::parse(&rest[..end]).is_some()
    {
        return true;
    }
    false
}

/// Whether a folder component is named `down`.
pub fn is_down_dir(component: Component<'_>) -> bool {
    matches!(component, Component::Normal(n) if n.eq_ignore_ascii_case("down"))
}

/// Sort key of one file; see [`sort_in_apply_order`].
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum SortKey<'a> {
    Versioned(&'a Version),
    Repeatable(&'a str),
    Unversioned(Option<&'a OsStr>),
}

/// Sorts items into apply order. `path` gives each item's path and `kind` its
/// [`NameKind`]. The rule (deterministic, over all items together):
/// - if no item has a version and none is repeatable: by path;
/// - otherwise versioned items first, by version; then Flyway repeatables, by
///   description; then unversioned items, by file name;
/// - ties (equal versions, equal descriptions, equal names) by path.
pub fn sort_in_apply_order<T>(
    items: &mut [T],
    path: impl Fn(&T) -> &Path,
    kind: impl Fn(&T) -> &NameKind,
) {
    let any_ordered = items.iter().any(|t| *kind(t) != NameKind::Unversioned);
    if !any_ordered {
        items.sort_by(|a, b| path(a).cmp(path(b)));
        return;
    }
    items.sort_by(|a, b| {
        sort_key(a, &path, &kind)
            .cmp(&sort_key(b, &path, &kind))
            .then_with(|| path(a).cmp(path(b)))
    });
}

fn sort_key<'a, T>(
    t: &'a T,
    path: &impl Fn(&T) -> &Path,
    kind: &impl Fn(&T) -> &NameKind,
) -> SortKey<'a> {
    match kind(t) {
        NameKind::Versioned(v) => SortKey::Versioned(v),
        NameKind::Repeatable(d) => SortKey::Repeatable(d),
        NameKind::Unversioned => SortKey::Unversioned(path(t).file_name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn v(s: &str) -> Version {
        match Version::parse(s) {
            Some(v) => v,
            None => panic!("{s} should parse as a version"),
        }
    }

    fn kind(p: &str) -> NameKind {
        name_kind(Path::new(p))
    }

    fn version_of(p: &str) -> Option<String> {
        match kind(p) {
            NameKind::Versioned(v) => Some(v.as_str().to_string()),
            _ => None,
        }
    }

    #[test]
    fn versions_compare_numerically() {
        assert!(v("2") < v("10"));
        assert_eq!(v("0002"), v("2"));
        assert!(v("1.1") < v("1.10"));
        assert_eq!(v("1_1"), v("1.1"));
        assert!(v("1") < v("1.0"));
        assert!(
            v("99999999999999999999999999999999999999999")
                < v("100000000000000000000000000000000000000000")
        );
        assert_eq!(v("0002").normalized(), "2");
        assert_eq!(v("1_1").normalized(), "1.1");
        assert_eq!(v("2019-02-26-002946").normalized(), "20190226002946");
        assert_eq!(v("0002").to_string(), "0002");
        assert!(Version::parse("").is_none());
        assert!(Version::parse("x1").is_none());
        assert!(Version::parse("1a").is_none());
    }

    #[test]
    fn diesel_suffixed_timestamps() {
        assert!(v("2025-09-19-090047") < v("2025-09-19-132648-0000"));
        assert!(v("2025-09-19-132648-0000") < v("2025-09-20-000000"));
        assert!(v("2025-09-19-132648-0000") < v("2025-09-19-132648-0001"));
        // A plain 14-digit timestamp interleaves with the dashed ones.
        assert!(v("20250101000000") < v("2025-09-19-132648-0000"));
        assert!(v("2025-09-19-132648-0000") < v("20251001000000"));
    }

    #[test]
    fn names() {
        assert_eq!(version_of("V1_1__x.sql").as_deref(), Some("1_1"));
        assert_eq!(version_of("V2__x.sql").as_deref(), Some("2"));
        assert_eq!(version_of("m/0002_x.up.sql").as_deref(), Some("0002"));
        assert_eq!(version_of("2_x.sql").as_deref(), Some("2"));
        assert_eq!(version_of("1.sql").as_deref(), Some("1"));
        assert_eq!(version_of("001-init.sql").as_deref(), Some("001"));
        assert_eq!(version_of("2fa_setup.sql"), None);
        assert_eq!(
            version_of("m/2019-02-26-002946_create_user/up.sql").as_deref(),
            Some("2019-02-26-002946")
        );
        assert_eq!(
            version_of("m/20240101120000_x/migration.sql").as_deref(),
            Some("20240101120000")
        );
        assert_eq!(
            version_of("m/0001_00000000000000_init/up.sql").as_deref(),
            Some("0001")
        );
        assert_eq!(version_of("m/0007_x/extra.sql").as_deref(), Some("0007"));
        assert_eq!(version_of("up.sql"), None);
        assert_eq!(version_of("schema.sql"), None);
        assert_eq!(kind("R__views.sql"), NameKind::Repeatable("views".into()));
        assert_eq!(
            version_of("20150100000001000000_networks.postgres.up.sql").as_deref(),
            Some("20150100000001000000")
        );
    }

    #[test]
    fn down_names() {
        for p in [
            "0001_x.down.sql",
            "x/DOWN.sql",
            "m/1_x/down.sql",
            "U1_1__x.sql",
            "U2__x.sql",
        ] {
            assert!(is_down_name(Path::new(p)), "{p}");
        }
        for p in [
            "0001_x.up.sql",
            "up.sql",
            "V1__x.sql",
            "Users__x.sql",
            "download.sql",
            "down",
        ] {
            assert!(!is_down_name(Path::new(p)), "{p}");
        }
    }

    fn order(names: &[&str]) -> Vec<String> {
        let mut items: Vec<(PathBuf, NameKind)> = names
            .iter()
            .map(|n| (PathBuf::from(n), name_kind(Path::new(n))))
            .collect();
        sort_in_apply_order(&mut items, |t| &t.0, |t| &t.1);
        items
            .into_iter()
            .map(|t| t.0.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn ordering_rules() {
        assert_eq!(
            order(&[
                "R__b.sql",
                "V10__a.sql",
                "R__a.sql",
                "V2__z.sql",
                "V1_1__y.sql"
            ]),
            [
                "V1_1__y.sql",
                "V2__z.sql",
                "V10__a.sql",
                "R__a.sql",
                "R__b.sql"
            ]
        );
        assert_eq!(
            order(&["10_x.sql", "0002_b.sql", "2_a.sql", "1_x.sql"]),
            ["1_x.sql", "0002_b.sql", "2_a.sql", "10_x.sql"]
        );
        // Mixed: unversioned after versioned, by file name, then by path.
        assert_eq!(
            order(&["a/zeta.sql", "b/alpha.sql", "2_x.sql", "R__r.sql"]),
            ["2_x.sql", "R__r.sql", "b/alpha.sql", "a/zeta.sql"]
        );
        // Nothing versioned: by path.
        assert_eq!(
            order(&["b/alpha.sql", "a/zeta.sql"]),
            ["a/zeta.sql", "b/alpha.sql"]
        );
    }
}
