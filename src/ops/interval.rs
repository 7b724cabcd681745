//! `interval` literals read the way PostgreSQL reads them (months, days and
//! microseconds) and printed in its default `postgres` IntervalStyle, so that
//! `'12 months'` and `'1 year'`, or `'3 minutes'` and `'00:03:00'`, are one value.
//!
//! Input forms: lists of a number and a unit (`1 year 2 mons`, plurals and the
//! abbreviations `y`, `mon`, `d`, `h`, `min`, `m`, `s`, `ms`, `us`, weeks, decades,
//! centuries, millennia; fractions spill into the smaller units as PostgreSQL 15 does),
//! `[-]H:MM[:SS[.f]]`, a bare number of seconds, `@ ... ago`, and ISO 8601
//! `P1Y2M3DT4H5M6S`. Anything else is `None` (left as written).

use super::constant::{clock, hms};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Interval {
    pub months: i64,
    pub days: i64,
    pub micros: i64,
}

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// What one unit adds.
#[derive(Clone, Copy)]
enum Unit {
    Micros(i64),
    Days(i64),
    Months(i64),
}

fn unit(word: &str) -> Option<Unit> {
    Some(match word {
        "microsecond" | "microseconds" | "microsecon" | "usec" | "usecs" | "us" => Unit::Micros(1),
        "millisecond" | "milliseconds" | "millisecon" | "msec" | "msecs" | "ms" => {
            Unit::Micros(1_000)
        }
        "second" | "seconds" | "sec" | "secs" | "s" => Unit::Micros(1_000_000),
        "minute" | "minutes" | "min" | "mins" | "m" => Unit::Micros(60_000_000),
        "hour" | "hours" | "hr" | "hrs" | "h" => Unit::Micros(3_600_000_000),
        "day" | "days" | "d" => Unit::Days(1),
        "week" | "weeks" | "w" => Unit::Days(7),
        "month" | "months" | "mon" | "mons" => Unit::Months(1),
        "year" | "years" | "yr" | "yrs" | "y" => Unit::Months(12),
        "decade" | "decades" | "dec" | "decs" => Unit::Months(120),
        "century" | "centuries" | "cent" | "c" => Unit::Months(1_200),
        "millennium" | "millennia" | "mil" | "mils" => Unit::Months(12_000),
        _ => return None,
    })
}

/// A signed decimal number: its whole part and its fraction in units of 1e-7 (so
/// `-1.5` is `(-1, -5_000_000)`), both carrying the sign.
fn number(text: &str) -> Option<(i64, f64)> {
    let (negative, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
    if (whole.is_empty() && frac.is_empty())
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let frac: f64 = if frac.is_empty() {
        0.0
    } else {
        format!("0.{frac}").parse().ok()?
    };
    Some(if negative {
        (-whole, -frac)
    } else {
        (whole, frac)
    })
}

impl Interval {
    /// Adds `whole + frac` of `unit`, spilling fractions as PostgreSQL 15 does: a
    /// fraction of a year (decade, ...) is rounded to months, of a month is 30 days,
    /// of a day (week) is time.
    fn add(&mut self, (whole, frac): (i64, f64), unit: Unit) -> Option<()> {
        match unit {
            Unit::Micros(f) => {
                self.micros = self
                    .micros
                    .checked_add(whole.checked_mul(f)?)?
                    .checked_add((frac * f as f64).round() as i64)?;
            }
            Unit::Days(f) => {
                self.days = self.days.checked_add(whole.checked_mul(f)?)?;
                self.add_fraction_of_days(frac * f as f64)?;
            }
            Unit::Months(1) => {
                self.months = self.months.checked_add(whole)?;
                self.add_fraction_of_days(frac * 30.0)?;
            }
            Unit::Months(f) => {
                self.months = self
                    .months
                    .checked_add(whole.checked_mul(f)?)?
                    .checked_add((frac * f as f64).round() as i64)?;
            }
        }
        Some(())
    }

    fn add_fraction_of_days(&mut self, days: f64) -> Option<()> {
        if days == 0.0 {
            return Some(());
        }
        let whole = days.trunc();
        self.days = self.days.checked_add(whole as i64)?;
        self.micros = self
            .micros
            .checked_add(((days - whole) * MICROS_PER_DAY as f64).round() as i64)?;
        Some(())
    }

    /// Reads an interval literal's text (see the module documentation).
    pub fn parse(text: &str) -> Option<Interval> {
        let t = text.trim().to_ascii_lowercase();
        if let Some(iso) = t.strip_prefix('p') {
            return Interval::iso8601(iso);
        }
        let tokens = tokens(&t);
        let mut out = Interval::default();
        let mut ago = false;
        let mut seen = false;
        let mut i = 0;
        while i < tokens.len() {
            let tok = tokens[i].as_str();
            i += 1;
            if tok == "@" && i == 1 {
                continue;
            }
            if tok == "ago" && i == tokens.len() && seen {
                ago = true;
                continue;
            }
            seen = true;
            if tok.contains(':') {
                let (negative, body) = match tok.as_bytes().first()? {
                    b'-' => (true, &tok[1..]),
                    b'+' => (false, &tok[1..]),
                    _ => (false, tok),
                };
                let micros = hms(body)?;
                out.micros = out
                    .micros
                    .checked_add(if negative { -micros } else { micros })?;
                continue;
            }
            let value = number(tok)?;
            match tokens.get(i).and_then(|w| unit(w)) {
                Some(u) => {
                    i += 1;
                    out.add(value, u)?;
                }
                // a bare number is seconds, when it is the last thing written
                None if i == tokens.len() => out.add(value, Unit::Micros(1_000_000))?,
                None => return None,
            }
        }
        if !seen {
            return None;
        }
        if ago {
            out = Interval {
                months: -out.months,
                days: -out.days,
                micros: -out.micros,
            };
        }
        out.in_range().then_some(out)
    }

    /// `P[nY][nM][nW][nD][T[nH][nM][nS]]`, after the `P`.
    fn iso8601(text: &str) -> Option<Interval> {
        let mut out = Interval::default();
        let mut in_time = false;
        let mut rest = text;
        let mut any = false;
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix('t') {
                if in_time {
                    return None;
                }
                in_time = true;
                rest = r;
                continue;
            }
            let end = rest
                .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+')))
                .unwrap_or(rest.len());
            let value = number(&rest[..end])?;
            let designator = rest[end..].chars().next()?;
            rest = &rest[end + designator.len_utf8()..];
            let u = match (in_time, designator) {
                (false, 'y') => Unit::Months(12),
                (false, 'm') => Unit::Months(1),
                (false, 'w') => Unit::Days(7),
                (false, 'd') => Unit::Days(1),
                (true, 'h') => Unit::Micros(3_600_000_000),
                (true, 'm') => Unit::Micros(60_000_000),
                (true, 's') => Unit::Micros(1_000_000),
                _ => return None,
            };
            out.add(value, u)?;
            any = true;
        }
        (any && out.in_range()).then_some(out)
    }

    fn in_range(&self) -> bool {
        i32::try_from(self.months).is_ok() && i32::try_from(self.days).is_ok()
    }
}

/// Splits `1day 2 hours` into `1`, `day`, `2`, `hours`: a number and the unit written
/// against it are two tokens, as PostgreSQL's lexer makes them.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in text.split_whitespace() {
        let starts_numeric = word
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.'));
        match word.find(|c: char| c.is_ascii_alphabetic()) {
            Some(at) if at > 0 && starts_numeric && !word.contains(':') => {
                out.push(word[..at].to_string());
                out.push(word[at..].to_string());
            }
            _ => out.push(word.to_string()),
        }
    }
    out
}

/// One field of the `postgres` style: `1 year`, `-2 mons`, `+3 days` after a negative
/// field.
fn field(out: &mut String, value: i64, unit: &str, is_before: &mut bool) {
    if value == 0 {
        return;
    }
    if !out.is_empty() {
        out.push(' ');
    }
    if *is_before && value > 0 {
        out.push('+');
    }
    out.push_str(&format!(
        "{value} {unit}{}",
        if value != 1 { "s" } else { "" }
    ));
    *is_before = value < 0;
}

impl fmt::Display for Interval {
    /// `IntervalStyle = postgres`: `1 year 2 mons 3 days 04:05:06.7`, `-1 days`,
    /// `00:03:00`, `1 mon -1 days`, `1 day -01:00:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        let mut is_before = false;
        field(&mut out, self.months / 12, "year", &mut is_before);
        field(&mut out, self.months % 12, "mon", &mut is_before);
        field(&mut out, self.days, "day", &mut is_before);
        if out.is_empty() || self.micros != 0 {
            if !out.is_empty() {
                out.push(' ');
            }
            if self.micros < 0 {
                out.push('-');
            } else if is_before {
                out.push('+');
            }
            out.push_str(&clock(self.micros.checked_abs().unwrap_or(i64::MAX)));
        }
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> String {
        match Interval::parse(text) {
            Some(i) => i.to_string(),
            None => panic!("{text} did not parse"),
        }
    }

    /// Left: `'text'::interval` as written; right: what PostgreSQL 15 printed for it.
    #[test]
    fn intervals_print_as_postgres_prints_them() {
        let cases = [
            ("12 months", "1 year"),
            ("3 minutes", "00:03:00"),
            ("1 day 2 hours", "1 day 02:00:00"),
            ("90 seconds", "00:01:30"),
            ("-1 day", "-1 days"),
            ("1.5 days", "1 day 12:00:00"),
            (
                "1 year 2 mons 3 days 04:05:06.7",
                "1 year 2 mons 3 days 04:05:06.7",
            ),
            ("P1Y2M3DT4H5M6S", "1 year 2 mons 3 days 04:05:06"),
            ("2 weeks", "14 days"),
            ("1 mon -1 day", "1 mon -1 days"),
            ("-00:00:01", "-00:00:01"),
            ("36 hours", "36:00:00"),
            ("1 millisecond", "00:00:00.001"),
            ("0", "00:00:00"),
            ("1 day 10:00", "1 day 10:00:00"),
            ("10:00", "10:00:00"),
            ("@ 1 hour ago", "-01:00:00"),
            ("1.5 months", "1 mon 15 days"),
            ("2 decades", "20 years"),
            ("1 h 30 m", "01:30:00"),
            ("5", "00:00:05"),
            ("1:2", "01:02:00"),
            ("100 years", "100 years"),
            ("-1 hours", "-01:00:00"),
            ("1 day -1 hours", "1 day -01:00:00"),
            ("1 years -1 months", "11 mons"),
            ("1 Day", "1 day"),
            ("30 days", "30 days"),
            ("7d", "7 days"),
            ("1.5 weeks", "10 days 12:00:00"),
            ("-1.5 days", "-1 days -12:00:00"),
            ("-1 days 2 hours", "-1 days +02:00:00"),
            ("-1 year 2 mons", "-10 mons"),
            ("1.5 years", "1 year 6 mons"),
            ("0.5 months", "15 days"),
            ("1.1 seconds", "00:00:01.1"),
        ];
        for (written, printed) in cases {
            assert_eq!(p(written), printed, "'{written}'::interval");
            assert_eq!(p(printed), printed, "'{printed}' is its own form");
        }
    }

    #[test]
    fn odd_text_is_not_read_and_never_panics() {
        for t in [
            "é",
            "1é",
            "1 é",
            "Pé",
            "P1é",
            "-",
            "+",
            ".",
            "1.",
            ".5 days",
            "--1 day",
            ":",
            "1:",
            "1:2:3:4",
            "99999999999999999999 days",
            "P99999999999999999999Y",
            "1 day ago ago",
            "@",
            "@ ago",
            "1 dayé",
            "١ day",
            "1e3 days",
            "T1H",
            "PT",
            "P1DT",
            "1:60",
        ] {
            let _ = Interval::parse(t);
        }
        assert_eq!(
            Interval::parse(".5 days").map(|i| i.to_string()),
            Some("12:00:00".into())
        );
    }

    #[test]
    fn unknown_forms_are_not_read() {
        for t in ["", "soon", "1 fortnight", "1 2 days", "ago", "P", "P1X"] {
            assert_eq!(Interval::parse(t), None, "{t}");
        }
    }
}
