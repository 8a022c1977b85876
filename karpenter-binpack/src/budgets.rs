//! Disruption budgets (`nodepool.go`, `helpers.go BuildDisruptionBudgetMapping`): active when
//! unscheduled or inside `duration` after the last cron hit (UTC, 5-field, DOW 0-6); the allowed
//! count for a reason is the minimum over active budgets that apply to it; percentages of the
//! pool's counted nodes round up; default one budget `nodes: 10%`.

use crate::error::{Error, Result};
use crate::nodepool::{Budget, NodePool, parse_duration};
use chrono::{DateTime, Duration, Utc};
use std::str::FromStr;

/// A disruption reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// Empty nodes.
    Empty,
    /// Under-utilized nodes (consolidation).
    Underutilized,
    /// Drifted nodes.
    Drifted,
}

impl Reason {
    fn name(self) -> &'static str {
        match self {
            Reason::Empty => "Empty",
            Reason::Underutilized => "Underutilized",
            Reason::Drifted => "Drifted",
        }
    }
}

/// Whether a budget is active at `now`.
pub fn is_active(field: &str, b: &Budget, now: DateTime<Utc>) -> Result<bool> {
    let Some(schedule) = b.schedule.as_deref() else {
        return Ok(true);
    };
    let bad = |m: String| Error::invalid(format!("{field}.schedule"), schedule, m);
    if !schedule.starts_with('@') && schedule.split_whitespace().count() != 5 {
        return Err(bad("expected a 5-field cron expression".into()));
    }
    let cron = croner::Cron::from_str(schedule).map_err(|e| bad(e.to_string()))?;
    let duration = b.duration.as_deref().ok_or_else(|| {
        Error::invalid(
            format!("{field}.duration"),
            "",
            "a scheduled budget needs a duration",
        )
    })?;
    let secs = parse_duration(&format!("{field}.duration"), duration)?;
    let secs = i64::try_from(secs)
        .map_err(|_| Error::invalid(format!("{field}.duration"), duration, "too long"))?;
    let start = now - Duration::seconds(secs);
    // active iff a cron hit lies in (now - duration, now]
    match cron.find_next_occurrence(&start, false) {
        Ok(hit) => Ok(hit <= now),
        Err(_) => Ok(false),
    }
}

/// Allowed disruptions of `pool` for `reason` given `counted` nodes (before subtracting nodes
/// already being disrupted). `None` = unlimited (no active budget applies).
pub fn allowed(
    pool: &NodePool,
    reason: Reason,
    counted: usize,
    now: DateTime<Utc>,
) -> Result<Option<usize>> {
    let default = [Budget {
        nodes: "10%".into(),
        ..Default::default()
    }];
    let budgets: &[Budget] = pool.spec.disruption.budgets.as_deref().unwrap_or(&default);
    let mut min: Option<usize> = None;
    for (i, b) in budgets.iter().enumerate() {
        let field = format!("nodepool {}.spec.disruption.budgets[{i}]", pool.name());
        if !b.reasons.is_empty() && !b.reasons.iter().any(|r| r == reason.name()) {
            continue;
        }
        if !is_active(&field, b, now)? {
            continue;
        }
        let n = parse_nodes(&format!("{field}.nodes"), &b.nodes, counted)?;
        min = Some(min.map_or(n, |m| m.min(n)));
    }
    Ok(min)
}

fn parse_nodes(field: &str, s: &str, counted: usize) -> Result<usize> {
    let bad = || Error::invalid(field, s, "expected a non-negative integer or percentage");
    match s.strip_suffix('%') {
        Some(p) => {
            let p: usize = p.parse().map_err(|_| bad())?;
            if p > 100 {
                return Err(bad());
            }
            Ok((counted * p).div_ceil(100))
        }
        None => s.parse().map_err(|_| bad()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn pool(budgets: Vec<Budget>) -> NodePool {
        let mut p = NodePool::default();
        p.metadata.name = "p".into();
        p.spec.disruption.budgets = Some(budgets);
        p
    }

    #[test]
    fn percent_rounds_up_and_default_is_ten_percent() {
        let now = Utc.with_ymd_and_hms(2026, 1, 5, 12, 0, 0).unwrap();
        let mut p = NodePool::default();
        p.metadata.name = "p".into();
        assert_eq!(
            allowed(&p, Reason::Underutilized, 10, now).unwrap(),
            Some(1)
        );
        assert_eq!(
            allowed(&p, Reason::Underutilized, 11, now).unwrap(),
            Some(2)
        );
        let p = pool(vec![Budget {
            nodes: "5%".into(),
            ..Default::default()
        }]);
        assert_eq!(allowed(&p, Reason::Empty, 10, now).unwrap(), Some(1));
    }

    #[test]
    fn reasons_and_schedules() {
        // 2026-01-05 is a Monday
        let monday_10 = Utc.with_ymd_and_hms(2026, 1, 5, 10, 0, 0).unwrap();
        let monday_20 = Utc.with_ymd_and_hms(2026, 1, 5, 20, 0, 0).unwrap();
        let sunday_10 = Utc.with_ymd_and_hms(2026, 1, 4, 10, 0, 0).unwrap();
        let p = pool(vec![
            Budget {
                nodes: "3".into(),
                ..Default::default()
            },
            Budget {
                nodes: "0".into(),
                reasons: vec!["Underutilized".into()],
                schedule: Some("0 9 * * 1-5".into()),
                duration: Some("8h".into()),
            },
        ]);
        assert_eq!(
            allowed(&p, Reason::Underutilized, 10, monday_10).unwrap(),
            Some(0)
        );
        assert_eq!(
            allowed(&p, Reason::Empty, 10, monday_10).unwrap(),
            Some(3),
            "reason filter"
        );
        assert_eq!(
            allowed(&p, Reason::Underutilized, 10, monday_20).unwrap(),
            Some(3),
            "after the window"
        );
        assert_eq!(
            allowed(&p, Reason::Underutilized, 10, sunday_10).unwrap(),
            Some(3),
            "DOW 0 = Sunday"
        );
    }

    #[test]
    fn bad_budgets_are_typed() {
        let now = Utc.with_ymd_and_hms(2026, 1, 5, 10, 0, 0).unwrap();
        let p = pool(vec![Budget {
            nodes: "ten".into(),
            ..Default::default()
        }]);
        assert!(allowed(&p, Reason::Empty, 10, now).is_err());
        let p = pool(vec![Budget {
            nodes: "1".into(),
            schedule: Some("0 9 * *".into()),
            duration: Some("1h".into()),
            ..Default::default()
        }]);
        assert!(allowed(&p, Reason::Empty, 10, now).is_err());
    }
}
