//! KEDA's cron schedules: the grammar of `robfig/cron/v3` with the five standard fields (no
//! seconds, no `@descriptors`), evaluated with `croner` in the trigger's time zone.
//!
//! The fields are validated here exactly as robfig's parser does (same accepted input, same
//! error texts), then rewritten into plain numeric ranges for croner, so croner's extensions
//! (`L`, `W`, `#`, 7 = Sunday, seconds) are never reachable through a KEDA manifest.

use chrono::{DateTime, TimeZone};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

/// A parsed 5-field schedule, optionally carrying its own `CRON_TZ=`/`TZ=` zone.
#[derive(Clone)]
pub struct Schedule {
    cron: Cron,
    zone: Option<Tz>,
    canonical: String,
}

impl std::fmt::Debug for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schedule")
            .field("canonical", &self.canonical)
            .field("zone", &self.zone)
            .finish()
    }
}

impl PartialEq for Schedule {
    fn eq(&self, other: &Self) -> bool {
        self.canonical == other.canonical && self.zone == other.zone
    }
}

struct Field {
    min: u32,
    max: u32,
    names: &'static [(&'static str, u32)],
}

const MONTHS: &[(&str, u32)] = &[
    ("jan", 1),
    ("feb", 2),
    ("mar", 3),
    ("apr", 4),
    ("may", 5),
    ("jun", 6),
    ("jul", 7),
    ("aug", 8),
    ("sep", 9),
    ("oct", 10),
    ("nov", 11),
    ("dec", 12),
];
const DAYS: &[(&str, u32)] = &[
    ("sun", 0),
    ("mon", 1),
    ("tue", 2),
    ("wed", 3),
    ("thu", 4),
    ("fri", 5),
    ("sat", 6),
];

const FIELDS: [Field; 5] = [
    Field {
        min: 0,
        max: 59,
        names: &[],
    },
    Field {
        min: 0,
        max: 23,
        names: &[],
    },
    Field {
        min: 1,
        max: 31,
        names: &[],
    },
    Field {
        min: 1,
        max: 12,
        names: MONTHS,
    },
    Field {
        min: 0,
        max: 6,
        names: DAYS,
    },
];

impl Schedule {
    /// Parses `spec` as robfig's `NewParser(Minute | Hour | Dom | Month | Dow).Parse` does.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut spec = spec.trim();
        if spec.is_empty() {
            return Err("empty spec string".into());
        }
        let mut zone = None;
        if let Some(rest) = spec
            .strip_prefix("TZ=")
            .or_else(|| spec.strip_prefix("CRON_TZ="))
        {
            let end = rest.find(' ').unwrap_or(rest.len());
            let (name, tail) = rest.split_at(end);
            zone =
                Some(name.parse::<Tz>().map_err(|_| {
                    format!("provided bad location {name}: unknown time zone {name}")
                })?);
            spec = tail.trim();
        }
        if spec.starts_with('@') {
            return Err(format!("parser does not accept descriptors: {spec}"));
        }
        let fields: Vec<&str> = spec.split_whitespace().collect();
        if fields.len() != FIELDS.len() {
            return Err(format!(
                "expected exactly 5 fields, found {}: [{}]",
                fields.len(),
                fields.join(" ")
            ));
        }
        let canonical = fields
            .iter()
            .zip(FIELDS.iter())
            .map(|(text, field)| canonical_field(text, field))
            .collect::<Result<Vec<_>, _>>()?
            .join(" ");
        let parser = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build();
        let cron = parser
            .parse(&canonical)
            .map_err(|e| format!("{canonical}: {e}"))?;
        Ok(Self {
            cron,
            zone,
            canonical,
        })
    }

    /// The schedule in croner's syntax (numeric ranges only).
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// The first fire time strictly after `after` (at minute resolution, seconds zero), in the
    /// schedule's own zone if it has one, else in `zone` (robfig's `Schedule.Next`).
    pub fn next_after(&self, after: DateTime<Tz>, zone: Tz) -> Option<DateTime<Tz>> {
        let zone = self.zone.unwrap_or(zone);
        let local = zone.from_utc_datetime(&after.naive_utc());
        self.cron.find_next_occurrence(&local, false).ok()
    }
}

/// One field validated like robfig's `getField`/`getRange`, rewritten as croner ranges.
fn canonical_field(text: &str, field: &Field) -> Result<String, String> {
    let mut items = Vec::new();
    for item in text.split(',') {
        match canonical_range(item, field)? {
            None => return Ok("*".into()),
            Some(r) => items.push(r),
        }
    }
    Ok(items.join(","))
}

/// `None` for a plain `*`/`?` (robfig's star bit), else `start-end/step`.
fn canonical_range(expr: &str, field: &Field) -> Result<Option<String>, String> {
    let range_and_step: Vec<&str> = expr.split('/').collect();
    let low_and_high: Vec<&str> = range_and_step
        .first()
        .copied()
        .unwrap_or_default()
        .split('-')
        .collect();
    let single = low_and_high.len() == 1;
    let first = low_and_high.first().copied().unwrap_or_default();
    let (start, mut end, mut star) = if first == "*" || first == "?" {
        (field.min, field.max, true)
    } else {
        let start = int_or_name(first, field.names)?;
        let end = match low_and_high.as_slice() {
            [_] => start,
            [_, high] => int_or_name(high, field.names)?,
            _ => return Err(format!("too many hyphens: {expr}")),
        };
        (start, end, false)
    };
    let step = match range_and_step.as_slice() {
        [_] => 1,
        [_, step] => {
            let step = must_parse_int(step)?;
            if single {
                end = field.max;
            }
            if step > 1 {
                star = false;
            }
            step
        }
        _ => return Err(format!("too many slashes: {expr}")),
    };
    if start < field.min {
        return Err(format!(
            "beginning of range ({start}) below minimum ({}): {expr}",
            field.min
        ));
    }
    if end > field.max {
        return Err(format!(
            "end of range ({end}) above maximum ({}): {expr}",
            field.max
        ));
    }
    if start > end {
        return Err(format!(
            "beginning of range ({start}) beyond end of range ({end}): {expr}"
        ));
    }
    if step == 0 {
        return Err(format!("step of range should be a positive number: {expr}"));
    }
    if star {
        return Ok(None);
    }
    Ok(Some(if step == 1 {
        format!("{start}-{end}")
    } else {
        format!("{start}-{end}/{step}")
    }))
}

fn int_or_name(expr: &str, names: &[(&str, u32)]) -> Result<u32, String> {
    let lower = expr.to_ascii_lowercase();
    if let Some((_, v)) = names.iter().find(|(n, _)| *n == lower) {
        return Ok(*v);
    }
    must_parse_int(expr)
}

/// robfig's `mustParseInt`: Go's `strconv.Atoi`, negatives rejected.
fn must_parse_int(expr: &str) -> Result<u32, String> {
    let digits = expr.strip_prefix('+').unwrap_or(expr);
    let negative = expr.starts_with('-');
    let body = expr.strip_prefix('-').unwrap_or(digits);
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "failed to parse int from {expr}: strconv.Atoi: parsing {expr:?}: invalid syntax"
        ));
    }
    if negative {
        return Err(format!("negative number ({expr}) not allowed: {expr}"));
    }
    body.parse::<u32>().map_err(|_| {
        format!(
            "failed to parse int from {expr}: strconv.Atoi: parsing {expr:?}: value out of range"
        )
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_robfig_accepts() {
        for spec in [
            "0 0 * * Thu",
            "0,30 * * * *",
            "30-33 * * * *",
            "0 */2 * * *",
            "0 1-23/2 * * *",
            "5/15 * ? JAN-mar 1-5",
            "CRON_TZ=Asia/Tokyo 0 9 * * *",
        ] {
            assert!(Schedule::parse(spec).is_ok(), "{spec}");
        }
        assert_eq!(
            Schedule::parse("0 1-23/2 * * *").unwrap().canonical(),
            "0-0 1-23/2 * * *"
        );
        assert_eq!(
            Schedule::parse("*/1 * * * sun").unwrap().canonical(),
            "* * * * 0-0"
        );
    }

    #[test]
    fn rejects_what_robfig_rejects() {
        let err = |s: &str| Schedule::parse(s).unwrap_err();
        assert_eq!(err(""), "empty spec string");
        assert!(err("@hourly").starts_with("parser does not accept descriptors"));
        assert!(err("0 0 * * * *").starts_with("expected exactly 5 fields, found 6"));
        assert!(err("-50 * * * *").starts_with("failed to parse int from "));
        assert!(err("50 * * -3 *").starts_with("failed to parse int from "));
        assert_eq!(
            err("60 * * * *"),
            "end of range (60) above maximum (59): 60"
        );
        assert_eq!(
            err("* * 0 * *"),
            "beginning of range (0) below minimum (1): 0"
        );
        assert_eq!(
            err("5-1 * * * *"),
            "beginning of range (5) beyond end of range (1): 5-1"
        );
        assert_eq!(
            err("*/0 * * * *"),
            "step of range should be a positive number: */0"
        );
        assert_eq!(err("1-2-3 * * * *"), "too many hyphens: 1-2-3");
        assert!(err("* * * * 7").starts_with("end of range (7)"));
        for croner_only in ["* * L * *", "* * * * 5#2", "* * 15W * *"] {
            assert!(Schedule::parse(croner_only).is_err(), "{croner_only}");
        }
    }
}
