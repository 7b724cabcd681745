//! A writer for the objects of a long JSON array (`check`'s findings, `plan`'s
//! statements) that writes exactly the bytes `serde_json`'s pretty printer writes for
//! them, faster: most of a history's report is strings, and `serde_json` looks each of
//! their bytes up in its escape table; here a run of 16 bytes that holds nothing to
//! escape is checked at once (a comparison the compiler makes a vector one). The tests
//! compare it with `serde_json` on every kind of value and character.

use std::fmt::Display;

/// Two spaces per level, as `serde_json::ser::PrettyFormatter` indents.
fn indent(out: &mut Vec<u8>, depth: usize) {
    const SPACES: &[u8; 32] = b"                                ";
    // the depths our documents have, as copies of a length known when compiling (a
    // few stores, not a call to memcpy: this runs for every field written)
    match depth {
        0 => return,
        1 => return out.extend_from_slice(&SPACES[..2]),
        2 => return out.extend_from_slice(&SPACES[..4]),
        3 => return out.extend_from_slice(&SPACES[..6]),
        4 => return out.extend_from_slice(&SPACES[..8]),
        5 => return out.extend_from_slice(&SPACES[..10]),
        6 => return out.extend_from_slice(&SPACES[..12]),
        _ => {}
    }
    let mut n = 2 * depth;
    while n > SPACES.len() {
        out.extend_from_slice(SPACES);
        n -= SPACES.len();
    }
    out.extend_from_slice(&SPACES[..n]);
}

/// Whether `b` must be escaped in a JSON string (`serde_json`'s escape table: the
/// control characters, `"` and `\`; nothing else, not even DEL or non-ASCII).
fn escaped(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// `s` as a JSON string, escaped as `serde_json` escapes it.
pub(crate) fn string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        if let Some(chunk) = bytes[i..].first_chunk::<16>() {
            // no early exit, and a length known when compiling: the whole chunk is
            // folded in a few vector instructions
            if !chunk.iter().fold(false, |any, &b| any | escaped(b)) {
                i += 16;
                continue;
            }
        }
        let b = bytes[i];
        if escaped(b) {
            out.extend_from_slice(&bytes[run..i]);
            match b {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                0x08 => out.extend_from_slice(b"\\b"),
                0x0c => out.extend_from_slice(b"\\f"),
                _ => out.extend_from_slice(&[
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[usize::from(b >> 4)],
                    HEX[usize::from(b & 0xf)],
                ]),
            }
            run = i + 1;
        }
        i += 1;
    }
    out.extend_from_slice(&bytes[run..]);
    out.push(b'"');
}

/// An object being written at `depth` (its fields one level deeper), in the field order
/// of the struct `serde_json` would serialize.
pub(crate) struct Object<'a> {
    out: &'a mut Vec<u8>,
    depth: usize,
    empty: bool,
    /// Where a `Display` value is spelled out before it is escaped.
    scratch: String,
}

impl<'a> Object<'a> {
    pub(crate) fn begin(out: &'a mut Vec<u8>, depth: usize) -> Object<'a> {
        out.push(b'{');
        Object {
            out,
            depth,
            empty: true,
            scratch: String::new(),
        }
    }

    /// A field's key. Keys are the field names of the struct serde_json would write,
    /// spelled in our code (hence `'static`): none needs escaping (checked in debug
    /// builds, and by the tests' comparisons with serde_json), so it is copied as is.
    fn key(&mut self, key: &'static str) {
        debug_assert!(!key.bytes().any(escaped), "{key:?} needs escaping");
        let out = &mut *self.out;
        out.reserve(key.len() + 2 * self.depth + 8);
        out.extend_from_slice(if self.empty { b"\n" } else { b",\n" });
        self.empty = false;
        indent(out, self.depth + 1);
        out.push(b'"');
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(b"\": ");
    }

    pub(crate) fn str(&mut self, key: &'static str, value: &str) {
        self.key(key);
        string(self.out, value);
    }

    pub(crate) fn opt_str(&mut self, key: &'static str, value: Option<&str>) {
        match value {
            Some(v) => self.str(key, v),
            None => self.null(key),
        }
    }

    /// A value serialized as its `Display` text (`ObjectName`, a qualified name).
    pub(crate) fn display(&mut self, key: &'static str, value: &impl Display) {
        use std::fmt::Write;
        self.scratch.clear();
        let _ = write!(self.scratch, "{value}");
        self.key(key);
        string(self.out, &self.scratch);
    }

    pub(crate) fn opt_display(&mut self, key: &'static str, value: Option<&impl Display>) {
        match value {
            Some(v) => self.display(key, v),
            None => self.null(key),
        }
    }

    pub(crate) fn number(&mut self, key: &'static str, value: u64) {
        self.key(key);
        self.out
            .extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
    }

    pub(crate) fn opt_number(&mut self, key: &'static str, value: Option<u64>) {
        match value {
            Some(v) => self.number(key, v),
            None => self.null(key),
        }
    }

    pub(crate) fn bool(&mut self, key: &'static str, value: bool) {
        self.key(key);
        self.out
            .extend_from_slice(if value { b"true" } else { b"false" });
    }

    pub(crate) fn null(&mut self, key: &'static str) {
        self.key(key);
        self.out.extend_from_slice(b"null");
    }

    /// An array of strings, each the `Display` text of an item.
    pub(crate) fn display_array<T: Display>(&mut self, key: &'static str, items: &[T]) {
        self.array(key, items, |out, _, item| string(out, &item.to_string()));
    }

    /// An array of strings.
    pub(crate) fn str_array<T: AsRef<str>>(&mut self, key: &'static str, items: &[T]) {
        self.array(key, items, |out, _, item| string(out, item.as_ref()));
    }

    /// An array whose elements `write` writes (`depth` is the elements' own).
    pub(crate) fn array<T>(
        &mut self,
        key: &'static str,
        items: &[T],
        mut write: impl FnMut(&mut Vec<u8>, usize, &T),
    ) {
        self.key(key);
        if items.is_empty() {
            self.out.extend_from_slice(b"[]");
            return;
        }
        self.out.push(b'[');
        for (i, item) in items.iter().enumerate() {
            self.out
                .extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
            indent(self.out, self.depth + 2);
            write(self.out, self.depth + 2, item);
        }
        self.out.push(b'\n');
        indent(self.out, self.depth + 1);
        self.out.push(b']');
    }

    pub(crate) fn end(self) {
        if self.empty {
            self.out.push(b'}');
        } else {
            self.out.push(b'\n');
            indent(self.out, self.depth);
            self.out.push(b'}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every byte value that can start or sit in a string, the escapes' neighbours, and
    /// runs long enough to take the 16-byte path with the escape at each position.
    fn strings() -> Vec<String> {
        let mut out: Vec<String> = vec![
            String::new(),
            "plain".into(),
            "é ü 中文 🦀".into(),
            "\u{7f}\u{80}\u{ff}".into(),
            "a\"b\\c/d".into(),
            "\n\r\t\u{8}\u{c}\u{0}\u{1f}\u{1}".into(),
        ];
        for b in 0u8..0x80 {
            out.push(char::from(b).to_string());
        }
        for at in 0..40 {
            for special in ["\"", "\\", "\n", "\u{1}", "é"] {
                let mut s = "x".repeat(40);
                s.insert_str(at, special);
                out.push(s);
            }
        }
        out
    }

    #[test]
    fn indentation_is_two_spaces_a_level_at_any_depth() {
        for depth in 0..40 {
            let mut out = b"x".to_vec();
            indent(&mut out, depth);
            assert_eq!(
                out,
                [b"x".to_vec(), b"  ".repeat(depth)].concat(),
                "{depth}"
            );
        }
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        for s in strings() {
            let mut ours = Vec::new();
            string(&mut ours, &s);
            let theirs = serde_json::to_vec(&s).expect("a string serializes");
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&theirs),
                "{s:?}"
            );
        }
    }

    #[derive(serde::Serialize)]
    struct Inner {
        a: String,
        b: bool,
    }

    #[derive(serde::Serialize)]
    struct Outer {
        s: String,
        n: u64,
        none: Option<String>,
        some: Option<u64>,
        t: bool,
        empty: Vec<String>,
        strs: Vec<String>,
        objs: Vec<Inner>,
        no_objs: Vec<Inner>,
    }

    fn ours(o: &Outer, depth: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut obj = Object::begin(&mut out, depth);
        obj.str("s", &o.s);
        obj.number("n", o.n);
        obj.opt_str("none", o.none.as_deref());
        obj.opt_number("some", o.some);
        obj.bool("t", o.t);
        obj.str_array("empty", &o.empty);
        obj.display_array("strs", &o.strs);
        for (key, items) in [("objs", &o.objs), ("no_objs", &o.no_objs)] {
            obj.array(key, items, |out, depth, inner| {
                let mut i = Object::begin(out, depth);
                i.str("a", &inner.a);
                i.bool("b", inner.b);
                i.end();
            });
        }
        obj.end();
        out
    }

    /// An object, at the top and nested two levels deep (as an element of a top-level
    /// array field), is written byte for byte as serde_json's pretty printer writes it.
    #[test]
    fn objects_are_laid_out_as_serde_json_lays_them_out() {
        for s in strings().into_iter().step_by(7) {
            let o = Outer {
                s: s.clone(),
                n: u64::MAX,
                none: None,
                some: Some(0),
                t: true,
                empty: Vec::new(),
                strs: vec![s.clone(), "b".into()],
                objs: vec![
                    Inner {
                        a: s.clone(),
                        b: false,
                    },
                    Inner {
                        a: String::new(),
                        b: true,
                    },
                ],
                no_objs: Vec::new(),
            };
            let theirs = serde_json::to_string_pretty(&o).expect("serializes");
            assert_eq!(String::from_utf8_lossy(&ours(&o, 0)), theirs);
            // as the element of `{"items": [...]}`
            #[derive(serde::Serialize)]
            struct Doc<'a> {
                items: [&'a Outer; 1],
            }
            let doc = serde_json::to_string_pretty(&Doc { items: [&o] }).expect("serializes");
            let mut nested = b"{\n  \"items\": [\n    ".to_vec();
            nested.extend(ours(&o, 2));
            nested.extend_from_slice(b"\n  ]\n}");
            assert_eq!(String::from_utf8_lossy(&nested), doc);
        }
    }
}
