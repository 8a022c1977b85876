//! Reading parameters out of a [`ScalerConfig`] (KEDA's `ScalerConfig.TypedConfig`).

use super::param::ALL_SOURCES_SORTED;
use super::{FromParam, Param, Source};
use crate::go::quote;
use crate::scaler::ScalerConfig;
use crate::{Error, Result};

/// Reads typed parameters from a trigger's metadata, resolved environment and auth parameters.
///
/// Besides values, the parser remembers which parameters were read (for
/// [`MetadataParser::unexpected_params`]) and the deprecation announcements to surface as events.
#[derive(Debug)]
pub struct MetadataParser<'a> {
    config: &'a ScalerConfig,
    optional_scope: bool,
    parsed: Vec<String>,
    announcements: Vec<String>,
}

impl<'a> MetadataParser<'a> {
    /// A parser over `config`.
    pub fn new(config: &'a ScalerConfig) -> Self {
        Self {
            config,
            optional_scope: false,
            parsed: Vec::new(),
            announcements: Vec::new(),
        }
    }

    /// The config being read.
    pub fn config(&self) -> &'a ScalerConfig {
        self.config
    }

    /// The first non-blank value of `param` in its sources, trimmed (KEDA's `configParamValue`):
    /// each source in order, each name in order; `ResolvedEnv` is keyed by the metadata value of
    /// `<name>FromEnv`.
    pub fn lookup(&self, param: &Param) -> Option<&'a str> {
        let c = self.config;
        param.order.iter().find_map(|source| {
            param.names.iter().find_map(|name| {
                let value = match source {
                    Source::TriggerMetadata => c.trigger_metadata.get(name),
                    Source::AuthParams => c.auth_params.get(name),
                    Source::ResolvedEnv => c
                        .trigger_metadata
                        .get(&format!("{name}FromEnv"))
                        .and_then(|k| c.resolved_env.get(k)),
                };
                value.map(|v| v.trim()).filter(|v| !v.is_empty())
            })
        })
    }

    /// Reads `param` as a `T`, with KEDA's rules in KEDA's order: a present deprecated parameter is
    /// an error; a present `deprecatedAnnounce` one is recorded; absent takes the default, else is
    /// the zero value when optional, else an error; then allowed values, the exclusive set and the
    /// conversion are checked. Errors carry KEDA's messages and name the parameter.
    pub fn get<T: FromParam>(&mut self, param: Param) -> Result<T> {
        let found = self.lookup(&param);
        let err = |message: String| Error::TriggerParam {
            param: param.name(),
            message,
        };
        if found.is_some() {
            if let Some(msg) = &param.deprecated {
                return Err(err(format!(
                    "scaler {} info: {msg}",
                    self.config.trigger_type
                )));
            }
            if let Some(msg) = &param.deprecated_announce {
                self.announcements
                    .push(format!("scaler {} info: {msg}", self.config.trigger_type));
            }
        }
        let Some(value) = found.or(param.default.as_deref()) else {
            if param.optional || self.optional_scope || param.deprecated.is_some() {
                return Ok(T::zero());
            }
            return Err(err(if param.order.is_empty() {
                format!(
                    "missing required parameter {}, no 'order' tag, provide any from {ALL_SOURCES_SORTED}",
                    quote(&param.name())
                )
            } else {
                let order: Vec<&str> = param.order.iter().map(|s| s.as_str()).collect();
                format!(
                    "missing required parameter {} in [{}]",
                    quote(&param.name()),
                    order.join(" ")
                )
            }));
        };
        let elements = || value.split(param.element_separator()).map(str::trim);
        if let Some(allowed) = &param.allowed
            && elements().any(|e| !allowed.iter().any(|a| a == e))
        {
            return Err(err(format!(
                "parameter {} value {} must be one of [{}]",
                quote(&param.name()),
                quote(value),
                allowed.join(" ")
            )));
        }
        if let Some(set) = &param.exclusive_set
            && elements().filter(|e| set.iter().any(|s| s == e)).count() > 1
        {
            return Err(err(format!(
                "parameter {} value {} must contain only one of [{}]",
                quote(&param.name()),
                quote(value),
                set.join(" ")
            )));
        }
        let parsed = T::from_param(value, &param).map_err(|e| {
            err(format!(
                "unable to set param {} value {}: {e}",
                quote(&param.name()),
                quote(value)
            ))
        })?;
        self.parsed.extend(param.names.iter().cloned());
        Ok(parsed)
    }

    /// Reads a group of parameters (KEDA's nested structs). When `optional` is true every parameter
    /// read inside `f` is optional, as the fields of a struct tagged `keda:"optional"` are.
    pub fn nested<R>(&mut self, optional: bool, f: impl FnOnce(&mut Self) -> R) -> R {
        let outer = self.optional_scope;
        self.optional_scope = outer || optional;
        let r = f(self);
        self.optional_scope = outer;
        r
    }

    /// The names of the parameters read so far (aliases included).
    pub fn parsed_names(&self) -> &[String] {
        &self.parsed
    }

    /// The `deprecatedAnnounce` messages of parameters that were supplied
    /// (`scaler <type> info: <message>`); KEDA emits each as a Normal event.
    pub fn announcements(&self) -> &[String] {
        &self.announcements
    }

    /// Warnings for metadata keys no parameter read so far consumed (KEDA's
    /// `KEDA_CHECK_UNEXPECTED_SCALERS_PARAMS=enabled` check): `Unmatched input property <key> in
    /// scaler <type>` (or `<type> (<trigger name>)`), a `...FromEnv` key matching its base name.
    /// Call it after reading every parameter; KEDA emits these as Warning events, never errors.
    pub fn unexpected_params(&self) -> Vec<String> {
        let c = self.config;
        let scaler = if c.trigger_name.is_empty() {
            c.trigger_type.clone()
        } else {
            format!("{} ({})", c.trigger_type, c.trigger_name)
        };
        c.trigger_metadata
            .keys()
            .filter(|k| {
                let base = k.strip_suffix("FromEnv").unwrap_or(k);
                !self.parsed.iter().any(|p| p == base)
            })
            .map(|k| format!("Unmatched input property {k} in scaler {scaler}"))
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use super::*;
    use crate::scaler_config::UrlValues;

    fn config(meta: &[(&str, &str)]) -> ScalerConfig {
        ScalerConfig {
            trigger_type: "test".into(),
            trigger_metadata: meta
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..ScalerConfig::default()
        }
    }

    fn meta(name: &str) -> Param {
        Param::new(name).from(&[Source::TriggerMetadata])
    }

    #[test]
    fn blank_values_count_as_absent_and_values_are_trimmed() {
        let c = config(&[("a", "  "), ("b", " x ")]);
        let mut p = MetadataParser::new(&c);
        assert_eq!(p.get::<String>(meta("a").default("d")).unwrap(), "d");
        assert_eq!(p.get::<String>(meta("b")).unwrap(), "x");
    }

    #[test]
    fn deprecated_is_an_error_only_when_present() {
        let c = config(&[("old", "1")]);
        let mut p = MetadataParser::new(&c);
        let e = p.get::<i64>(meta("old").deprecated("use new")).unwrap_err();
        assert_eq!(e.to_string(), "scaler test info: use new");
        assert_eq!(p.get::<i64>(meta("absent").deprecated("gone")).unwrap(), 0);
    }

    #[test]
    fn conversion_errors_name_param_and_value() {
        let c = config(&[("n", "1.5"), ("b", "yes"), ("d", "-5"), ("m", "a=1,b")]);
        let mut p = MetadataParser::new(&c);
        let e = p.get::<i64>(meta("n")).unwrap_err().to_string();
        assert!(
            e.starts_with("unable to set param \"n\" value \"1.5\": "),
            "{e}"
        );
        let e = p.get::<bool>(meta("b")).unwrap_err().to_string();
        assert_eq!(
            e,
            "unable to set param \"b\" value \"yes\": unable to parse boolean value \"yes\": strconv.ParseBool: parsing \"yes\": invalid syntax"
        );
        let e = p.get::<Duration>(meta("d")).unwrap_err().to_string();
        assert!(
            e.ends_with("duration cannot be negative: -5 milliseconds"),
            "{e}"
        );
        let e = p
            .get::<BTreeMap<String, i64>>(meta("m"))
            .unwrap_err()
            .to_string();
        assert!(e.ends_with("expected format key=value, got \"b\""), "{e}");
        assert!(p.parsed_names().is_empty());
    }

    #[test]
    fn durations_accept_go_strings_and_milliseconds() {
        let c = config(&[("a", "1m30s"), ("b", "250"), ("c", "+7")]);
        let mut p = MetadataParser::new(&c);
        assert_eq!(
            p.get::<Duration>(meta("a")).unwrap(),
            Duration::from_secs(90)
        );
        assert_eq!(
            p.get::<Duration>(meta("b")).unwrap(),
            Duration::from_millis(250)
        );
        assert_eq!(
            p.get::<Duration>(meta("c")).unwrap(),
            Duration::from_millis(7)
        );
    }

    #[test]
    fn lists_use_the_separator_and_bound_ranges() {
        let c = config(&[
            ("l", "a| b |c"),
            ("r", "0-9223372036854775807"),
            ("q", "x=1&x=2"),
        ]);
        let mut p = MetadataParser::new(&c);
        assert_eq!(
            p.get::<Vec<String>>(meta("l").separator("|")).unwrap(),
            ["a", "b", "c"]
        );
        assert!(p.get::<Vec<i64>>(meta("r").range("-")).is_err());
        assert_eq!(p.get::<UrlValues>(meta("q")).unwrap()["x"], ["1", "2"]);
    }

    #[test]
    fn nested_optional_scope_makes_inner_params_optional() {
        let c = config(&[]);
        let mut p = MetadataParser::new(&c);
        let v: String = p.nested(true, |p| p.get(meta("inner"))).unwrap();
        assert_eq!(v, "");
        assert!(p.get::<String>(meta("inner")).is_err());
    }
}
