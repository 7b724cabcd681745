//! Turning a file's bytes into text, or into an error saying why not.

/// Why a file's bytes are not SQL text. The message (`Display`) is for the user, without
/// the file name ([`super::InputError`] adds it); offsets are 0-based from the start of
/// the file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A UTF-16 byte order mark.
    #[error(
        "looks like UTF-16 text (it starts with a UTF-16 byte order mark); expected UTF-8: convert it, e.g. `iconv -f UTF-16 -t UTF-8`"
    )]
    Utf16,
    /// NUL bytes in the first 8 KiB.
    #[error("looks like a binary file (it contains NUL bytes); expected SQL text")]
    Nul,
    /// Not UTF-8, with many control bytes.
    #[error("looks like a binary file (not UTF-8, many control bytes); expected SQL text")]
    Binary,
    /// The first invalid byte.
    #[error("invalid UTF-8 at line {line}, byte {offset} (0x{byte:02X}); expected UTF-8 text")]
    InvalidByte {
        /// 1-based line of the byte.
        line: usize,
        /// 0-based offset of the byte in the file.
        offset: usize,
        /// The byte.
        byte: u8,
    },
    /// The file ends inside a multi-byte character.
    #[error(
        "invalid UTF-8 at line {line}, byte {offset} (the file ends inside a multi-byte character); expected UTF-8 text"
    )]
    Truncated {
        /// 1-based line of the character's first byte.
        line: usize,
        /// 0-based offset of the character's first byte.
        offset: usize,
    },
    /// Over the size limit (`size`: when known from the metadata).
    #[error("{}", too_large(*limit, *size))]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
        /// The file's size, when known before reading.
        size: Option<u64>,
    },
}

/// How much of the start of a file is inspected for binary content.
const SNIFF_BYTES: usize = 8 * 1024;

/// Decodes `bytes` as UTF-8, stripping a UTF-8 byte order mark. The error is a message
/// for the user (without the file name): binary content, UTF-16, or the line and byte
/// offset (0-based, from the start of the file) of the first invalid byte.
pub fn decode(bytes: Vec<u8>) -> Result<String, DecodeError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(DecodeError::Utf16);
    }
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    if head.contains(&0) {
        return Err(DecodeError::Nul);
    }
    let bom = if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        3
    } else {
        0
    };
    let mut bytes = bytes;
    if bom > 0 {
        bytes.drain(..bom);
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(e) => {
            let bytes = e.as_bytes();
            let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
            if looks_binary(head) {
                return Err(DecodeError::Binary);
            }
            let utf8 = e.utf8_error();
            let at = utf8.valid_up_to();
            let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
            let offset = at + bom;
            Err(match (utf8.error_len(), bytes.get(at)) {
                (Some(_), Some(&byte)) => DecodeError::InvalidByte { line, offset, byte },
                _ => DecodeError::Truncated { line, offset },
            })
        }
    }
}

/// More than 1 in 20 bytes are control characters other than tab, newline, vertical tab,
/// form feed and carriage return.
fn looks_binary(head: &[u8]) -> bool {
    let controls = head
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r')) || b == 0x7F)
        .count();
    controls * 20 > head.len()
}

/// A byte count for people: `512 bytes`, `1.5 KiB`, `10 MiB`, `23.4 MiB`.
pub fn format_size(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in UNITS {
        if bytes >= size {
            return if bytes % size == 0 {
                format!("{} {unit}", bytes / size)
            } else {
                format!("{:.1} {unit}", bytes as f64 / size as f64)
            };
        }
    }
    if bytes == 1 {
        "1 byte".to_string()
    } else {
        format!("{bytes} bytes")
    }
}

/// The message for a file over the limit. `size` is its size, or `None` when only "more
/// than the limit" is known (a stream).
pub fn too_large(limit: u64, size: Option<u64>) -> String {
    let limit_s = format_size(limit);
    match size {
        Some(size) => {
            let mut size_s = format_size(size);
            if size_s.replace(".0 ", " ") == limit_s {
                size_s = format!("{size} bytes");
            }
            format!("larger than the {limit_s} limit ({size_s}); skipped")
        }
        None => format!("larger than the {limit_s} limit; skipped"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_bom() {
        assert_eq!(
            decode(b"\xEF\xBB\xBFselect 1;".to_vec()).as_deref(),
            Ok("select 1;")
        );
        assert_eq!(decode(Vec::new()).as_deref(), Ok(""));
    }

    #[test]
    fn invalid_utf8_names_line_and_byte() {
        let mut bytes = b"select 1;\nselect 2;\nselect '".to_vec();
        let offset = bytes.len();
        bytes.extend_from_slice(b"caf\xE9';\n");
        let err = decode(bytes)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(
            err,
            format!(
                "invalid UTF-8 at line 3, byte {} (0xE9); expected UTF-8 text",
                offset + 3
            )
        );
        // The BOM counts in the offset.
        let err = decode(b"\xEF\xBB\xBFab\xFF".to_vec())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("line 1, byte 5 (0xFF)"), "{err}");
        let err = decode(b"ab\n\xE2\x82".to_vec())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("line 2, byte 3 (the file ends inside"),
            "{err}"
        );
    }

    #[test]
    fn binary() {
        let err = decode(b"select\0".to_vec())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.starts_with("looks like a binary file"), "{err}");
        let noise: Vec<u8> = (0..200u32).map(|i| (i * 37 % 251) as u8 | 0x01).collect();
        let err = decode(noise)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.starts_with("looks like a binary file"), "{err}");
        let err = decode(b"\xFF\xFEs\0".to_vec())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("UTF-16"), "{err}");
    }

    #[test]
    fn sizes() {
        assert_eq!(format_size(10 << 20), "10 MiB");
        assert_eq!(format_size(234 * (1 << 20) / 10 + 1000), "23.4 MiB");
        assert_eq!(format_size(1536), "1.5 KiB");
        assert_eq!(format_size(100), "100 bytes");
        assert_eq!(
            too_large(10 << 20, Some((10 << 20) + 1)),
            "larger than the 10 MiB limit (10485761 bytes); skipped"
        );
    }
}
