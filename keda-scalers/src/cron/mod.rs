//! The cron scaler (`cron`; KEDA's `cron_scaler.go`): `desiredReplicas` between a start and an
//! end schedule, in a time zone.
//!
//! Schedules use KEDA's grammar (robfig/cron's five standard fields, Sunday = 0) and are
//! evaluated with `croner` over `chrono-tz` zones (see [`Schedule`]). Activity is KEDA's rule:
//! with `nextStart`/`nextEnd` the next fire times strictly after now, the trigger is active iff
//! `nextEnd` is not after `nextStart`; the window is therefore `[start, end)` at minute
//! resolution. Across DST transitions, fire times follow croner's Vixie-cron rules (a fixed time
//! inside a spring-forward gap fires right after the gap; in a fall-back overlap it fires once).

mod schedule;

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use chrono_tz::Tz;
use keda_core::Error;
use keda_core::clock::Clock;
use keda_core::error::ScalerErrorKind;
use keda_core::scaler::{
    MetricTargetType, MetricsAndActivity, Scaler, ScalerConfig, ScalerMetricSpec,
};
use keda_core::scaler_common::{
    metric_name_with_index, metric_spec, metric_value_milli, normalize_string,
};

pub use schedule::Schedule;

use crate::clock::SystemClock;
use crate::metadata::{Fields, external_metric_type};

const SCALER: &str = "cron";

/// The parsed metadata of a `cron` trigger (KEDA's `cronMetadata`).
#[derive(Debug, Clone, PartialEq)]
pub struct CronMetadata {
    /// `start` as written.
    pub start: String,
    /// `end` as written.
    pub end: String,
    /// `timezone` (IANA name), checked only when metrics are read, as in KEDA.
    pub timezone: String,
    /// `desiredReplicas` (non-zero).
    pub desired_replicas: i64,
    /// The trigger's index.
    pub trigger_index: usize,
    /// `start`, parsed.
    pub start_schedule: Option<Schedule>,
    /// `end`, parsed.
    pub end_schedule: Option<Schedule>,
}

impl CronMetadata {
    /// The external metric name, `s{index}-cron-{timezone}-{start}-{end}` in KEDA's encoding.
    pub fn metric_name(&self) -> String {
        let name = format!(
            "cron-{}-{}-{}",
            self.timezone,
            cron_time_format(&self.start),
            cron_time_format(&self.end)
        );
        metric_name_with_index(self.trigger_index, &normalize_string(&name))
    }
}

/// Parses a `cron` trigger as KEDA's `parseCronMetadata` (fields, then `Validate()`).
pub fn parse_cron_metadata(config: &ScalerConfig) -> keda_core::Result<CronMetadata> {
    let mut f = Fields::new(config);
    let start: String = f.meta("start");
    let end: String = f.meta("end");
    let timezone: String = f.meta("timezone");
    let desired_replicas: i64 = f.meta("desiredReplicas");
    let mut m = CronMetadata {
        start,
        end,
        timezone,
        desired_replicas,
        trigger_index: config.trigger_index,
        start_schedule: None,
        end_schedule: None,
    };
    let valid = validate(&mut m);
    f.check(valid);
    f.finish(SCALER, "error parsing cron metadata", m)
}

fn validate(m: &mut CronMetadata) -> Result<(), String> {
    m.start_schedule =
        Some(Schedule::parse(&m.start).map_err(|e| format!("error parsing start schedule: {e}"))?);
    m.end_schedule =
        Some(Schedule::parse(&m.end).map_err(|e| format!("error parsing end schedule: {e}"))?);
    if m.start == m.end {
        return Err("start and end can not have exactly same time input".into());
    }
    if m.desired_replicas == 0 {
        return Err("no desiredReplicas specified".into());
    }
    Ok(())
}

/// KEDA's `parseCronTimeFormat`: spaces removed, `*`→`x`, `/`→`Sl`, `?`→`Qm`, `,`→`Cm`.
fn cron_time_format(s: &str) -> String {
    s.replace(' ', "")
        .replace('*', "x")
        .replace('/', "Sl")
        .replace('?', "Qm")
        .replace(',', "Cm")
}

/// Whether `now_unix_ms` is inside the window, by KEDA's rule. Errors when the time zone is
/// unknown (`unable to load timezone: ...`) or a schedule never fires again.
pub fn is_within_window(m: &CronMetadata, now_unix_ms: i64) -> Result<bool, String> {
    let zone: Tz = match m.timezone.as_str() {
        "" | "UTC" => Tz::UTC,
        name => name
            .parse()
            .map_err(|_| format!("unable to load timezone: unknown time zone {name}"))?,
    };
    let now = Utc
        .timestamp_millis_opt(now_unix_ms)
        .single()
        .ok_or_else(|| format!("time {now_unix_ms} ms is out of range"))?
        .with_timezone(&zone);
    let next = |s: &Option<Schedule>, what: &str| {
        s.as_ref()
            .and_then(|s| s.next_after(now, zone))
            .ok_or_else(|| format!("the {what} schedule has no next fire time"))
    };
    let next_start = next(&m.start_schedule, "start")?;
    let next_end = next(&m.end_schedule, "end")?;
    Ok(next_start >= next_end)
}

/// Scales to `desiredReplicas` inside the window.
pub struct CronScaler {
    metadata: CronMetadata,
    metric_type: MetricTargetType,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for CronScaler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CronScaler")
            .field("metadata", &self.metadata)
            .field("metric_type", &self.metric_type)
            .finish()
    }
}

impl CronScaler {
    /// Parses the trigger (KEDA's `NewCronScaler`), reading the system clock.
    pub fn new(config: &ScalerConfig) -> keda_core::Result<Self> {
        Self::with_clock(config, Arc::new(SystemClock))
    }

    /// As [`CronScaler::new`], with `clock` giving the current time in Unix milliseconds.
    pub fn with_clock(config: &ScalerConfig, clock: Arc<dyn Clock>) -> keda_core::Result<Self> {
        let metric_type = external_metric_type(config)?;
        let metadata = parse_cron_metadata(config)?;
        Ok(Self {
            metadata,
            metric_type,
            clock,
        })
    }

    /// The parsed metadata.
    pub fn metadata(&self) -> &CronMetadata {
        &self.metadata
    }
}

#[async_trait::async_trait]
impl Scaler for CronScaler {
    /// `s{i}-cron-{timezone}-{start}-{end}` (KEDA's encoding), target 1.
    fn metric_specs(&self) -> Vec<ScalerMetricSpec> {
        vec![metric_spec(
            self.metadata.metric_name(),
            self.metric_type,
            1,
        )]
    }

    async fn metrics_and_activity(
        &self,
        metric_name: &str,
    ) -> keda_core::Result<MetricsAndActivity> {
        let inside = is_within_window(&self.metadata, self.clock.now().as_millis())
            .map_err(|e| Error::scaler(SCALER, ScalerErrorKind::Query, e))?;
        let value = if inside {
            self.metadata.desired_replicas as f64
        } else {
            0.0
        };
        Ok(MetricsAndActivity {
            values: vec![metric_value_milli(metric_name, value)],
            active: inside,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn meta(start: &str, end: &str, tz: &str) -> CronMetadata {
        let mut c = ScalerConfig {
            trigger_type: "cron".into(),
            ..Default::default()
        };
        for (k, v) in [
            ("start", start),
            ("end", end),
            ("timezone", tz),
            ("desiredReplicas", "10"),
        ] {
            c.trigger_metadata.insert(k.into(), v.into());
        }
        parse_cron_metadata(&c).unwrap()
    }

    fn at(tz: Tz, y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
        tz.with_ymd_and_hms(y, mo, d, h, mi, s)
            .earliest()
            .unwrap()
            .timestamp_millis()
    }

    #[test]
    fn window_is_start_inclusive_end_exclusive() {
        let m = meta("0 0 * * Thu", "59 23 * * Thu", "Etc/UTC");
        // 2026-11-19 is a Thursday.
        assert!(is_within_window(&m, at(Tz::UTC, 2026, 11, 19, 0, 0, 0)).unwrap());
        assert!(is_within_window(&m, at(Tz::UTC, 2026, 11, 19, 23, 58, 59)).unwrap());
        assert!(!is_within_window(&m, at(Tz::UTC, 2026, 11, 19, 23, 59, 0)).unwrap());
        assert!(!is_within_window(&m, at(Tz::UTC, 2026, 11, 18, 23, 59, 59)).unwrap());
        assert!(!is_within_window(&m, at(Tz::UTC, 2026, 11, 20, 12, 0, 0)).unwrap());
    }

    #[test]
    fn even_hours_range() {
        let m = meta("0 */2 * * *", "0 1-23/2 * * *", "Etc/UTC");
        assert!(is_within_window(&m, at(Tz::UTC, 2026, 11, 22, 6, 30, 0)).unwrap());
        assert!(!is_within_window(&m, at(Tz::UTC, 2026, 11, 22, 7, 30, 0)).unwrap());
    }

    #[test]
    fn weekdays_are_numbered_from_sunday() {
        // KEDA's `1-5` is Monday-Friday; 2026-11-22 is a Sunday, 2026-11-23 a Monday.
        let m = meta("0 9 * * 1-5", "0 17 * * 1-5", "Europe/Paris");
        let paris = chrono_tz::Europe::Paris;
        assert!(!is_within_window(&m, at(paris, 2026, 11, 22, 10, 0, 0)).unwrap());
        assert!(is_within_window(&m, at(paris, 2026, 11, 23, 10, 0, 0)).unwrap());
    }

    #[test]
    fn window_across_spring_forward_gap() {
        // Europe/Berlin jumps 02:00 -> 03:00 on 2026-03-29. A window opening at 02:30 (inside the
        // gap) opens right after the gap, at 03:00.
        let m = meta("30 2 * * *", "0 5 * * *", "Europe/Berlin");
        let berlin = chrono_tz::Europe::Berlin;
        assert!(!is_within_window(&m, at(berlin, 2026, 3, 29, 1, 59, 0)).unwrap());
        assert!(is_within_window(&m, at(berlin, 2026, 3, 29, 3, 1, 0)).unwrap());
        assert!(!is_within_window(&m, at(berlin, 2026, 3, 29, 5, 0, 0)).unwrap());
    }

    #[test]
    fn window_across_fall_back_overlap() {
        // Europe/Berlin repeats 02:00-03:00 on 2026-10-25. A window 01:30-02:30 stays open through
        // the first 02:00-02:30 pass, closes at the first 02:30 and does not reopen.
        let m = meta("30 1 * * *", "30 2 * * *", "Europe/Berlin");
        let utc = |h, mi| at(Tz::UTC, 2026, 10, 25, h, mi, 0);
        // 01:45 CEST = 23:45 UTC the day before.
        assert!(is_within_window(&m, at(Tz::UTC, 2026, 10, 24, 23, 45, 0)).unwrap());
        // 02:15 CEST (first pass) = 00:15 UTC.
        assert!(is_within_window(&m, utc(0, 15)).unwrap());
        // 02:15 CET (second pass) = 01:15 UTC.
        assert!(!is_within_window(&m, utc(1, 15)).unwrap());
    }

    #[test]
    fn unknown_zone_fails_only_when_read() {
        let m = meta("0 0 * * *", "0 1 * * *", "Mars/Olympus");
        assert!(
            is_within_window(&m, 0)
                .unwrap_err()
                .starts_with("unable to load timezone")
        );
    }

    #[test]
    fn metric_name_encoding() {
        assert_eq!(cron_time_format("0 */2 ? * 1,2"), "0xSl2Qmx1Cm2");
    }
}
