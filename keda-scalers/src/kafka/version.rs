//! The `version` parameter of the `kafka` trigger: Sarama's `ParseKafkaVersion`.

/// A Kafka protocol version as Sarama spells it: `0.a.b.c` before 1.0, `a.b.c` after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KafkaVersion(pub [u64; 4]);

impl Default for KafkaVersion {
    /// KEDA's default, Sarama's `V1_0_0_0`.
    fn default() -> Self {
        Self([1, 0, 0, 0])
    }
}

impl KafkaVersion {
    /// Sarama's rules: at least 5 characters; `0.\d+.\d+.\d+` when it starts with `0`, else
    /// `\d+.\d+.\d+`; each number must fit an unsigned 64-bit integer. The error is Sarama's text.
    pub fn parse(s: &str) -> Result<Self, String> {
        let err = || format!("invalid version `{s}`");
        if s.len() < 5 {
            return Err(err());
        }
        let parts: Vec<&str> = s.split('.').collect();
        let numbers = |parts: &[&str]| -> Result<Vec<u64>, String> {
            parts
                .iter()
                .map(|p| {
                    if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(err());
                    }
                    p.parse::<u64>().map_err(|_| {
                        format!("strconv.ParseUint: parsing {p:?}: value out of range")
                    })
                })
                .collect()
        };
        match parts.as_slice() {
            ["0", rest @ ..] if s.starts_with('0') => match numbers(rest)?.as_slice() {
                [a, b, c] => Ok(Self([0, *a, *b, *c])),
                _ => Err(err()),
            },
            _ if s.starts_with('0') => Err(err()),
            all => match numbers(all)?.as_slice() {
                [a, b, c] => Ok(Self([*a, *b, *c, 0])),
                _ => Err(err()),
            },
        }
    }
}

impl std::fmt::Display for KafkaVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [a, b, c, d] = self.0;
        if a == 0 {
            write!(f, "0.{b}.{c}.{d}")
        } else {
            write!(f, "{a}.{b}.{c}")
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::KafkaVersion;

    #[test]
    fn accepts_saramas_two_syntaxes_only() {
        assert_eq!(
            KafkaVersion::parse("1.0.0").unwrap(),
            KafkaVersion::default()
        );
        assert_eq!(
            KafkaVersion::parse("0.10.2.1").unwrap().to_string(),
            "0.10.2.1"
        );
        assert_eq!(KafkaVersion::parse("3.6.0").unwrap().to_string(), "3.6.0");
        for bad in [
            "1.2.3.4",
            "1.0",
            "0.10.2",
            "01.0.0",
            "a.b.c",
            "1..0",
            "1.0.0 ",
            "99999999999999999999.0.0",
        ] {
            assert!(KafkaVersion::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            KafkaVersion::parse("1.2.3.4").unwrap_err(),
            "invalid version `1.2.3.4`"
        );
    }
}
