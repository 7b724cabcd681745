//! The libpq password file (`~/.pgpass`, or `PGPASSFILE`, or `passfile=`): lines of
//! `hostname:port:database:username:password`, `*` matching anything, `\:` and `\\`
//! escapes, `#` comments, the first matching line wins. Like libpq, a file that group
//! or others can read is ignored (with a warning), and socket connections to the
//! default socket directory match `localhost`.

use std::path::{Path, PathBuf};

/// What a line must match.
#[derive(Debug)]
pub(crate) struct Key<'a> {
    /// The host name, or the socket directory for unix sockets.
    pub host: &'a str,
    /// True for a unix socket in a default directory (matches `localhost` too).
    pub default_socket: bool,
    pub port: u16,
    pub dbname: &'a str,
    pub user: &'a str,
}

/// Why a password file exists but is not used (a warning, not an error).
#[derive(Debug, thiserror::Error)]
pub(crate) enum PgpassWarning {
    #[error("password file {} is not a plain file: ignored", .0.display())]
    NotAFile(PathBuf),
    #[error(
        "password file {} has group or world access and is ignored; permissions should be u=rw (0600) or less",
        .0.display()
    )]
    #[cfg_attr(not(unix), allow(dead_code))]
    Permissions(PathBuf),
    #[error("cannot read password file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The password for `key` in the file at `path`. `Ok(None)` when there is no file or no
/// matching line; `Err` with a warning when the file exists but is not used.
pub(crate) fn lookup(path: &Path, key: &Key<'_>) -> Result<Option<String>, PgpassWarning> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(_) => return Ok(None),
    };
    if !meta.is_file() {
        return Err(PgpassWarning::NotAFile(path.to_path_buf()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(PgpassWarning::Permissions(path.to_path_buf()));
        }
    }
    let text = std::fs::read(path).map_err(|source| PgpassWarning::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(find(&String::from_utf8_lossy(&text), key))
}

/// The password of the first line of `text` matching `key`.
pub(crate) fn find(text: &str, key: &Key<'_>) -> Option<String> {
    let port = key.port.to_string();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields = split(line);
        if fields.len() < 5 {
            continue;
        }
        let matches = |field: &str, value: &str| field == "*" || field == value;
        let host_matches =
            matches(&fields[0], key.host) || (key.default_socket && fields[0] == "localhost");
        if host_matches
            && matches(&fields[1], &port)
            && matches(&fields[2], key.dbname)
            && matches(&fields[3], key.user)
        {
            return Some(fields[4].clone());
        }
    }
    None
}

/// Splits on unescaped `:`, removing the backslashes of escapes.
fn split(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(next) => push(&mut fields, next),
                None => push(&mut fields, '\\'),
            },
            ':' => fields.push(String::new()),
            c => push(&mut fields, c),
        }
    }
    fields
}

fn push(fields: &mut [String], c: char) {
    if let Some(last) = fields.last_mut() {
        last.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key<'a>(host: &'a str, port: u16, dbname: &'a str, user: &'a str) -> Key<'a> {
        Key {
            host,
            default_socket: false,
            port,
            dbname,
            user,
        }
    }

    #[test]
    fn first_matching_line_wins_with_wildcards() {
        let text = "# comment\n\
                    db.example.com:5432:app:alice:first\n\
                    *:*:*:alice:second\n\
                    *:*:*:*:third\n";
        assert_eq!(
            find(text, &key("db.example.com", 5432, "app", "alice")),
            Some("first".into())
        );
        assert_eq!(
            find(text, &key("other", 6543, "x", "alice")),
            Some("second".into())
        );
        assert_eq!(
            find(text, &key("other", 6543, "x", "bob")),
            Some("third".into())
        );
    }

    #[test]
    fn escaped_colons_and_backslashes_are_literal() {
        let text = r"h\:1:5432:d\\b:u:pa\:ss\\word";
        assert_eq!(
            find(text, &key("h:1", 5432, r"d\b", "u")),
            Some(r"pa:ss\word".into())
        );
    }

    #[test]
    fn short_lines_and_other_ports_do_not_match() {
        let text = "h:5432:d:u\nh:5433:d:u:nope\n";
        assert_eq!(find(text, &key("h", 5432, "d", "u")), None);
    }

    #[test]
    fn the_default_socket_matches_localhost() {
        let text = "localhost:5432:d:u:sock\n";
        let mut k = key("/var/run/postgresql", 5432, "d", "u");
        assert_eq!(find(text, &k), None);
        k.default_socket = true;
        assert_eq!(find(text, &k), Some("sock".into()));
    }

    #[test]
    fn crlf_lines_are_read() {
        let text = "h:5432:d:u:pw\r\n";
        assert_eq!(find(text, &key("h", 5432, "d", "u")), Some("pw".into()));
    }

    #[cfg(unix)]
    #[test]
    fn a_file_others_can_read_is_ignored_with_a_warning() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("sg-pgpass-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("pgpass");
        std::fs::write(&path, "*:*:*:*:secret\n").expect("write");
        let k = key("h", 5432, "d", "u");

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let warning = lookup(&path, &k)
            .expect_err("group-readable file is refused")
            .to_string();
        assert!(warning.contains("0600"), "{warning}");
        assert!(!warning.contains("secret"), "{warning}");

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        assert!(matches!(lookup(&path, &k), Ok(Some(p)) if p == "secret"));

        assert!(matches!(lookup(&dir.join("absent"), &k), Ok(None)));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
