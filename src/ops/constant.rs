//! Constants of built-in types as PostgreSQL prints them back: a literal written in a
//! migration (`'f'`, `'0'`, `'epoch'`, `'12 months'`) is folded to a constant of its type
//! when the statement runs, and `pg_get_expr` prints that constant (`false`, `0`,
//! `'1970-01-01 00:00:00+00'`, `'1 year'`), not what was written.
//!
//! Only input forms PostgreSQL reads the same way whatever the session settings are
//! folded, with one assumption: a time stamp without a zone is read in UTC (`diff` reads
//! a live database with `TimeZone` set to UTC). Anything else (`'now'`, `'today'`, BC
//! dates, other styles) is `None` and stays as written.

use super::TypeName;
use super::interval::Interval;

/// A folded constant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Constant {
    /// Printed `true` / `false`, without a cast.
    Bool(bool),
    /// A number printed without quotes.
    Number(String),
    /// The text of a string literal, still of its type (printed quoted, with a cast
    /// where one is needed).
    Text(String),
}

/// `literal` (a string literal's content) read as a constant of type `ty`, printed as
/// PostgreSQL prints it; `None` when the type or the form is not one folded here.
pub fn fold(literal: &str, ty: &TypeName) -> Option<Constant> {
    if ty.schema.is_some() || ty.array_dims != 0 {
        return None;
    }
    match ty.name.as_str() {
        "bool" => boolean(literal).map(Constant::Bool),
        "int2" | "int4" | "int8" => integer(literal).map(Constant::Number),
        "numeric" if ty.modifiers.is_empty() => decimal(literal).map(Constant::Number),
        "date" => Timestamp::parse(literal)
            .filter(|t| t.time_is_midnight())
            .map(|t| Constant::Text(t.date_text())),
        "timestamp" if ty.modifiers.is_empty() => {
            Timestamp::parse(literal).map(|t| Constant::Text(t.text(false)))
        }
        "timestamptz" if ty.modifiers.is_empty() => {
            Timestamp::parse_with_zone(literal).map(|t| Constant::Text(t.text(true)))
        }
        "interval" if ty.modifiers.is_empty() => {
            Interval::parse(literal).map(|i| Constant::Text(i.to_string()))
        }
        _ => None,
    }
}

/// `boolin`: `t`/`true`/`yes`/`on`/`1` and their opposites, case-insensitive, any
/// unambiguous prefix (`o` alone is ambiguous).
fn boolean(text: &str) -> Option<bool> {
    let t = text.trim().to_ascii_lowercase();
    if t.is_empty() {
        return None;
    }
    let prefix_of = |word: &str| word.starts_with(t.as_str());
    if prefix_of("true") || prefix_of("yes") || t == "on" || t == "1" {
        Some(true)
    } else if prefix_of("false")
        || prefix_of("no")
        || (t.len() >= 2 && prefix_of("off"))
        || t == "0"
    {
        Some(false)
    } else {
        None
    }
}

/// An integer in `int4out` form: sign only when negative, no leading zeros.
fn integer(text: &str) -> Option<String> {
    let t = text.trim();
    let (negative, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = digits.trim_start_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    Some(if negative && digits != "0" {
        format!("-{digits}")
    } else {
        digits.to_string()
    })
}

/// A plain decimal (`1.50`, `-3`): kept as written, scale and all (`numeric_out` keeps
/// the scale); exponents and special values are not folded.
fn decimal(text: &str) -> Option<String> {
    let t = text.trim();
    let body = t.strip_prefix('-').unwrap_or(t);
    let mut parts = body.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let fraction = parts.next().unwrap_or("");
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) {
        return None;
    }
    let whole = whole.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    let mut out = String::new();
    if t.starts_with('-') {
        out.push('-');
    }
    out.push_str(whole);
    if body.contains('.') && !fraction.is_empty() {
        out.push('.');
        out.push_str(fraction);
    }
    Some(out)
}

/// A date and time of day, in UTC when it carried a zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Timestamp {
    /// Days since 1970-01-01.
    days: i64,
    /// Microseconds since midnight.
    micros: i64,
}

const MICROS_PER_DAY: i64 = 86_400_000_000;

impl Timestamp {
    /// `YYYY-MM-DD[( |T)HH:MM[:SS[.ffffff]]]` or `epoch`; a zone, if any, is ignored
    /// (as `timestamp` ignores it).
    fn parse(text: &str) -> Option<Timestamp> {
        Timestamp::read(text).map(|(t, _)| t)
    }

    /// As [`Timestamp::parse`], moved to UTC by its zone (`Z`, `UTC`, `+HH`, `+HH:MM`,
    /// `+HHMM`); without one it is read as UTC.
    fn parse_with_zone(text: &str) -> Option<Timestamp> {
        let (t, offset) = Timestamp::read(text)?;
        let total = t.days * MICROS_PER_DAY + t.micros - offset * 1_000_000;
        Some(Timestamp {
            days: total.div_euclid(MICROS_PER_DAY),
            micros: total.rem_euclid(MICROS_PER_DAY),
        })
    }

    /// The time stamp and its zone's offset east of UTC in seconds.
    fn read(text: &str) -> Option<(Timestamp, i64)> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("epoch") {
            return Some((Timestamp { days: 0, micros: 0 }, 0));
        }
        let (date, rest) = t.split_at(t.find([' ', 'T', 't']).unwrap_or(t.len()));
        let mut ymd = date.split('-');
        let (y, m, d) = (ymd.next()?, ymd.next()?, ymd.next()?);
        if ymd.next().is_some() || y.len() != 4 || m.len() > 2 || d.len() > 2 {
            return None;
        }
        let (y, m, d): (i64, i64, i64) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
        if y < 1 || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
            return None;
        }
        let days = days_from_civil(y, m, d);
        let rest = rest.get(1..).unwrap_or("").trim_start();
        // the time of day runs to the zone (a sign, `Z` or a space before a name)
        let end = rest
            .find(|c: char| c == '+' || c == '-' || c == ' ' || c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let (time, zone) = rest.split_at(end);
        let micros = if time.is_empty() {
            0
        } else {
            time_of_day(time)?
        };
        let offset = zone_offset(zone.trim())?;
        Some((Timestamp { days, micros }, offset))
    }

    fn time_is_midnight(&self) -> bool {
        self.micros == 0
    }

    fn date_text(&self) -> String {
        let (y, m, d) = civil_from_days(self.days);
        format!("{y:04}-{m:02}-{d:02}")
    }

    /// ISO output: `1970-01-01 00:00:00[.ffffff]`, `+00` with the zone (UTC).
    fn text(&self, with_zone: bool) -> String {
        let mut s = format!("{} {}", self.date_text(), clock(self.micros));
        if with_zone {
            s.push_str("+00");
        }
        s
    }
}

/// `HH:MM:SS[.ffffff]` with trailing zeros of the fraction dropped; hours may pass 24.
pub(super) fn clock(micros: i64) -> String {
    let (h, rest) = (micros / 3_600_000_000, micros % 3_600_000_000);
    let (m, rest) = (rest / 60_000_000, rest % 60_000_000);
    let (s, f) = (rest / 1_000_000, rest % 1_000_000);
    let mut out = format!("{h:02}:{m:02}:{s:02}");
    if f != 0 {
        let frac = format!("{f:06}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out
}

/// `HH:MM[:SS[.ffffff]]` in microseconds (hours below 24, or exactly `24:00:00`).
fn time_of_day(text: &str) -> Option<i64> {
    let micros = hms(text)?;
    (micros <= MICROS_PER_DAY).then_some(micros)
}

/// `H:MM[:SS[.f]]` in microseconds, hours unbounded.
pub(super) fn hms(text: &str) -> Option<i64> {
    let mut parts = text.split(':');
    let h: i64 = digits(parts.next()?)?;
    let m: i64 = digits(parts.next()?)?;
    let seconds = parts.next();
    if parts.next().is_some() || m > 59 {
        return None;
    }
    let micros = match seconds {
        None => 0,
        Some(s) => {
            let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
            let whole: i64 = digits(whole)?;
            if whole > 60 || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            whole * 1_000_000 + fraction_micros(frac)
        }
    };
    h.checked_mul(3_600_000_000)?
        .checked_add(m * 60_000_000)?
        .checked_add(micros)
}

/// Digits after a decimal point, in millionths, rounded half away from zero.
fn fraction_micros(frac: &str) -> i64 {
    let mut padded: String = frac.chars().take(7).collect();
    while padded.len() < 7 {
        padded.push('0');
    }
    let seventh: i64 = padded.parse().unwrap_or(0);
    (seventh + 5) / 10
}

fn digits(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Seconds east of UTC of a zone written after a time stamp (empty: UTC).
fn zone_offset(zone: &str) -> Option<i64> {
    if zone.is_empty()
        || zone.eq_ignore_ascii_case("z")
        || zone.eq_ignore_ascii_case("utc")
        || zone.eq_ignore_ascii_case("gmt")
    {
        return Some(0);
    }
    let (sign, body) = match zone.as_bytes().first()? {
        b'+' => (1, &zone[1..]),
        b'-' => (-1, &zone[1..]),
        _ => return None,
    };
    let (h, m) = match body.split_once(':') {
        Some((h, m)) => (digits(h)?, digits(m)?),
        None if body.len() <= 2 => (digits(body)?, 0),
        None if body.len() == 4 => (digits(body.get(..2)?)?, digits(body.get(2..)?)?),
        None => return None,
    };
    if h > 15 || m > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(literal: &str, ty: &str) -> Option<Constant> {
        fold(literal, &TypeName::parse(ty))
    }

    fn text(literal: &str, ty: &str) -> String {
        match f(literal, ty) {
            Some(Constant::Text(t)) => t,
            other => panic!("{literal}::{ty} folded to {other:?}"),
        }
    }

    // expected values are what PostgreSQL 15 printed (TimeZone UTC) for
    // `SELECT 'literal'::type` and for `pg_get_expr` of a column default
    #[test]
    fn booleans_fold_like_boolin() {
        for t in ["t", "true", "TRUE", "yes", "y", "on", "1", " tr "] {
            assert_eq!(f(t, "boolean"), Some(Constant::Bool(true)), "{t}");
        }
        for t in ["f", "false", "no", "n", "off", "of", "0"] {
            assert_eq!(f(t, "bool"), Some(Constant::Bool(false)), "{t}");
        }
        assert_eq!(f("o", "bool"), None);
        assert_eq!(f("maybe", "bool"), None);
    }

    #[test]
    fn numbers_fold_to_their_output_form() {
        assert_eq!(f("0", "integer"), Some(Constant::Number("0".into())));
        assert_eq!(f(" 007 ", "bigint"), Some(Constant::Number("7".into())));
        assert_eq!(f("-1", "int8"), Some(Constant::Number("-1".into())));
        assert_eq!(f("1.50", "numeric"), Some(Constant::Number("1.50".into())));
        assert_eq!(f("1e3", "numeric"), None);
        assert_eq!(f("1.5", "numeric(3,1)"), None);
        assert_eq!(f("x", "int4"), None);
    }

    #[test]
    fn odd_text_is_not_folded_and_never_panics() {
        for ty in [
            "bool",
            "int4",
            "numeric",
            "date",
            "timestamp",
            "timestamptz",
            "interval",
        ] {
            for t in [
                "",
                "é",
                "-",
                ".",
                "-.",
                "1é",
                "2020-01-01é",
                "2020-01-01 é",
                "2020-1é-01",
                "2020-01-01 00:00:00+é",
                "2020-01-01 00:00:00+1234567",
                "2020-01-01 25:00",
                "2020-01-01 00:61",
                "20200-01-01",
                "2020-01-01T",
                "0000-01-01",
            ] {
                let _ = f(t, ty);
            }
            assert_eq!(f("0000-01-01", ty), None, "year 0 does not exist");
        }
    }

    #[test]
    fn time_stamps_fold_to_iso_output_in_utc() {
        assert_eq!(text("epoch", "timestamptz"), "1970-01-01 00:00:00+00");
        assert_eq!(
            text("1970-01-01 00:00:00", "timestamp with time zone"),
            "1970-01-01 00:00:00+00"
        );
        assert_eq!(
            text(" 1970-01-01 00:00:00 UTC", "timestamptz"),
            "1970-01-01 00:00:00+00"
        );
        assert_eq!(
            text("2020-01-01 10:00:00+02", "timestamptz"),
            "2020-01-01 08:00:00+00"
        );
        assert_eq!(
            text("2020-06-01 12:00:00.000001Z", "timestamptz"),
            "2020-06-01 12:00:00.000001+00"
        );
        assert_eq!(text("1970-01-01", "timestamp"), "1970-01-01 00:00:00");
        assert_eq!(
            text("2020-01-01T01:02:03.450", "timestamp"),
            "2020-01-01 01:02:03.45"
        );
        assert_eq!(text("epoch", "date"), "1970-01-01");
        assert_eq!(
            text("2000-03-01 00:30:00+01", "timestamptz"),
            "2000-02-29 23:30:00+00"
        );
        assert_eq!(f("now", "timestamptz"), None);
        assert_eq!(f("infinity", "timestamp"), None);
        assert_eq!(f("2020-02-30", "date"), None);
        assert_eq!(f("1970-01-01", "timestamp(3)"), None);
        assert_eq!(f("2020-01-01 00:00:00+1é1", "timestamptz"), None);
        assert_eq!(
            f("2020-01-01 00:00:00+0130", "timestamptz"),
            f("2019-12-31 22:30:00", "timestamptz")
        );
    }
}
