//! `time.ParseDuration`.

use super::quote;

const LIMIT: u64 = 1 << 63;

/// Go's `time.ParseDuration`: a signed sequence of decimal numbers with optional fraction and a
/// unit (`ns`, `us`, `µs`, `μs`, `ms`, `s`, `m`, `h`), e.g. `300ms`, `-1.5h`, `2h45m`; `0` needs
/// no unit. Returns nanoseconds. Error texts and overflow rules are Go's.
pub fn parse_duration(input: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", quote(input));
    let mut s = input;
    let mut neg = false;
    if let Some(rest) = s.strip_prefix('-') {
        neg = true;
        s = rest;
    } else if let Some(rest) = s.strip_prefix('+') {
        s = rest;
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        if !s.starts_with(|c: char| c == '.' || c.is_ascii_digit()) {
            return Err(invalid());
        }
        let (int_part, rest) = split_digits(s);
        let value = leading_int(int_part).ok_or_else(invalid)?;
        s = rest;
        let mut fraction: u64 = 0;
        let mut scale = 1.0f64;
        let mut has_fraction = false;
        if let Some(rest) = s.strip_prefix('.') {
            let (frac_digits, rest) = split_digits(rest);
            (fraction, scale) = leading_fraction(frac_digits);
            has_fraction = !frac_digits.is_empty();
            s = rest;
        }
        if int_part.is_empty() && !has_fraction {
            return Err(invalid());
        }
        let unit_len = s
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        if unit_len == 0 {
            return Err(format!("time: missing unit in duration {}", quote(input)));
        }
        let (unit_name, rest) = s.split_at(unit_len);
        s = rest;
        let unit: u64 = match unit_name {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    quote(unit_name),
                    quote(input)
                ));
            }
        };
        if value > LIMIT / unit {
            return Err(invalid());
        }
        let mut v = value * unit;
        if fraction > 0 {
            // Go truncates the float product toward zero (`uint64(float64(f) * (unit / scale))`).
            v = v.saturating_add((fraction as f64 * (unit as f64 / scale)) as u64);
            if v > LIMIT {
                return Err(invalid());
            }
        }
        total = total.saturating_add(v);
        if total > LIMIT {
            return Err(invalid());
        }
    }
    if neg {
        // total ≤ 2^63, so the negation fits.
        return Ok((total as i128).wrapping_neg() as i64);
    }
    i64::try_from(total).map_err(|_| invalid())
}

fn split_digits(s: &str) -> (&str, &str) {
    s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()))
}

/// Go's `leadingInt`: `None` on overflow past 2^63.
fn leading_int(digits: &str) -> Option<u64> {
    let mut x: u64 = 0;
    for b in digits.bytes() {
        if x > LIMIT / 10 {
            return None;
        }
        x = x * 10 + u64::from(b - b'0');
        if x > LIMIT {
            return None;
        }
    }
    Some(x)
}

/// Go's `leadingFraction`: digits past the precision of u64 are ignored.
fn leading_fraction(digits: &str) -> (u64, f64) {
    let mut x: u64 = 0;
    let mut scale = 1.0;
    let mut overflow = false;
    for b in digits.bytes() {
        if overflow {
            continue;
        }
        if x > (LIMIT - 1) / 10 {
            overflow = true;
            continue;
        }
        let y = x * 10 + u64::from(b - b'0');
        if y > LIMIT {
            overflow = true;
            continue;
        }
        x = y;
        scale *= 10.0;
    }
    (x, scale)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;

    #[test]
    fn parses_gos_examples() {
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(parse_duration("-0"), Ok(0));
        assert_eq!(parse_duration("30s"), Ok(30 * S));
        assert_eq!(parse_duration("1.5h"), Ok(5400 * S));
        assert_eq!(parse_duration("2h45m"), Ok((2 * 3600 + 45 * 60) * S));
        assert_eq!(parse_duration("-1.5h"), Ok(-5400 * S));
        assert_eq!(parse_duration("300ms"), Ok(300_000_000));
        assert_eq!(parse_duration("1µs"), Ok(1000));
        assert_eq!(parse_duration("1μs"), Ok(1000));
        assert_eq!(parse_duration(".5s"), Ok(S / 2));
        assert_eq!(parse_duration("5.s"), Ok(5 * S));
        assert_eq!(parse_duration("9223372036854775807ns"), Ok(i64::MAX));
        assert_eq!(parse_duration("-9223372036854775808ns"), Ok(i64::MIN));
        assert_eq!(
            parse_duration("0.3333333333333333333h"),
            Ok(1_200_000_000_000)
        );
    }

    #[test]
    fn rejects_what_go_rejects() {
        assert_eq!(
            parse_duration("5").unwrap_err(),
            "time: missing unit in duration \"5\""
        );
        assert_eq!(
            parse_duration("5x").unwrap_err(),
            "time: unknown unit \"x\" in duration \"5x\""
        );
        for bad in [
            "",
            "-",
            ".s",
            "s",
            "1s 2s",
            "9223372036854775808ns",
            "3000000h",
            "1.s.",
            "+-1s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
