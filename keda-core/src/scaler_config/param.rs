//! The description of one trigger parameter (KEDA's `keda:"..."` struct tag).

use crate::{Error, Result};

/// Where a parameter value is looked up (KEDA's `ParsingOrder`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    /// The trigger's `metadata` map, keyed by the parameter name.
    TriggerMetadata,
    /// The scale target's resolved environment, keyed by the value of the metadata entry
    /// `<name>FromEnv` (`hostFromEnv: REDIS_HOST` reads env `REDIS_HOST`).
    ResolvedEnv,
    /// The parameters resolved from the trigger's `authenticationRef`.
    AuthParams,
}

impl Source {
    /// The name KEDA uses in tags and error messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TriggerMetadata => "triggerMetadata",
            Self::ResolvedEnv => "resolvedEnv",
            Self::AuthParams => "authParams",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "triggerMetadata" => Some(Self::TriggerMetadata),
            "resolvedEnv" => Some(Self::ResolvedEnv),
            "authParams" => Some(Self::AuthParams),
            _ => None,
        }
    }
}

/// The sources in the sorted order KEDA prints them (`[authParams resolvedEnv triggerMetadata]`).
pub(crate) const ALL_SOURCES_SORTED: &str = "[authParams resolvedEnv triggerMetadata]";

/// How to read one parameter: KEDA's tag parameters `name`, `order`, `optional`, `default`,
/// `deprecated`, `deprecatedAnnounce`, `enum`, `exclusiveSet`, `range` and `separator`.
///
/// Build one with [`Param::new`] and the builder methods, or from a KEDA tag with
/// [`Param::from_tag`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Param {
    /// The names tried in turn within each source (`name=a;b`).
    pub names: Vec<String>,
    /// The sources tried in turn (`order=...`). With none, the parameter is never read, only defaulted.
    pub order: Vec<Source>,
    /// Absent is not an error; the value is the type's zero (`optional`).
    pub optional: bool,
    /// The value used when the parameter is absent (`default=...`); validated and converted like
    /// a supplied value.
    pub default: Option<String>,
    /// Present is an error with this message; absent is fine (`deprecated=...`).
    pub deprecated: Option<String>,
    /// Present is accepted and this message is announced (`deprecatedAnnounce=...`).
    pub deprecated_announce: Option<String>,
    /// Allowed values; every separator-split element must be one of them (`enum=a;b`).
    pub allowed: Option<Vec<String>>,
    /// At most one of these may appear among the separator-split elements (`exclusiveSet=a;b`).
    pub exclusive_set: Option<Vec<String>>,
    /// For integer lists, elements `a<sep>b` expand to `a..=b` (`range`, default separator `-`).
    pub range_separator: Option<String>,
    /// Separator of list and map elements (`separator=...`, default `,`).
    pub separator: Option<String>,
}

impl Param {
    /// A required parameter named `name`, read from no source until [`Param::from`] is called.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            names: vec![name.into()],
            order: Vec::new(),
            optional: false,
            default: None,
            deprecated: None,
            deprecated_announce: None,
            allowed: None,
            exclusive_set: None,
            range_separator: None,
            separator: None,
        }
    }

    /// Adds another name tried after the previous ones in each source.
    pub fn alias(mut self, name: impl Into<String>) -> Self {
        self.names.push(name.into());
        self
    }

    /// The sources to look in, in order.
    pub fn from(mut self, sources: &[Source]) -> Self {
        self.order = sources.to_vec();
        self
    }

    /// Makes the parameter optional.
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// The value used when the parameter is absent, written as in a manifest (`"5"`, `"true"`).
    pub fn default(mut self, value: impl Into<String>) -> Self {
        self.default = Some(value.into());
        self
    }

    /// Marks the parameter as removed: supplying it is an error with this message.
    pub fn deprecated(mut self, message: impl Into<String>) -> Self {
        self.deprecated = Some(message.into());
        self
    }

    /// Marks the parameter as deprecated but accepted: supplying it records this announcement.
    pub fn deprecated_announce(mut self, message: impl Into<String>) -> Self {
        self.deprecated_announce = Some(message.into());
        self
    }

    /// Restricts the value (each element, for lists) to these.
    pub fn one_of(mut self, values: &[&str]) -> Self {
        self.allowed = Some(values.iter().map(|v| (*v).to_owned()).collect());
        self
    }

    /// Allows at most one of these among the elements.
    pub fn exclusive_set(mut self, values: &[&str]) -> Self {
        self.exclusive_set = Some(values.iter().map(|v| (*v).to_owned()).collect());
        self
    }

    /// Expands integer list elements `a<sep>b` into `a..=b`.
    pub fn range(mut self, separator: impl Into<String>) -> Self {
        self.range_separator = Some(separator.into());
        self
    }

    /// Splits list and map elements on `separator` instead of `,`.
    pub fn separator(mut self, separator: impl Into<String>) -> Self {
        self.separator = Some(separator.into());
        self
    }

    /// The name as KEDA prints it: the names joined with `,`.
    pub fn name(&self) -> String {
        self.names.join(",")
    }

    /// The element separator in effect.
    pub fn element_separator(&self) -> &str {
        self.separator.as_deref().unwrap_or(",")
    }

    /// Reads a KEDA struct tag such as `name=host;address, order=triggerMetadata;resolvedEnv,
    /// optional, default=5` (KEDA's `paramsFromTag`). A tag without `name` describes a nested
    /// struct in KEDA; here it yields a parameter without names, which is never found.
    pub fn from_tag(tag: &str) -> Result<Self> {
        let mut p = Param::new("");
        p.names.clear();
        for part in tag.split(',') {
            let mut kv = part.split('=');
            let key = kv.next().unwrap_or_default().trim();
            let value: Option<&str> = kv.next();
            let trimmed = value.map(str::trim);
            match key {
                "optional" => {
                    p.optional = trimmed.is_none_or(|v| crate::go::parse_bool(v).unwrap_or(false))
                }
                "order" => {
                    for src in value.into_iter().flat_map(|v| v.split(';')) {
                        let parsed = Source::parse(src.trim()).ok_or_else(|| Error::TriggerParam {
                            param: key.to_owned(),
                            message: format!("unknown parsing order value {src}, has to be one of {ALL_SOURCES_SORTED}"),
                        })?;
                        p.order.push(parsed);
                    }
                }
                "name" => {
                    if let Some(v) = trimmed {
                        p.names = v.split(';').map(str::to_owned).collect();
                    }
                }
                "deprecated" => p.deprecated = Some(trimmed.unwrap_or("deprecated").to_owned()),
                "deprecatedAnnounce" => {
                    p.deprecated_announce = Some(trimmed.unwrap_or("deprecatedAnnounce").to_owned())
                }
                "default" => p.default = trimmed.filter(|v| !v.is_empty()).map(str::to_owned),
                "enum" => p.allowed = value.map(|v| v.split(';').map(str::to_owned).collect()),
                "exclusiveSet" => {
                    p.exclusive_set = value.map(|v| v.split(';').map(str::to_owned).collect())
                }
                "range" => p.range_separator = Some(trimmed.unwrap_or("-").to_owned()),
                "separator" => p.separator = trimmed.map(str::to_owned),
                "" => {}
                other => {
                    return Err(Error::TriggerParam {
                        param: other.to_owned(),
                        message: format!("unknown tag param {other}: {tag}"),
                    });
                }
            }
        }
        Ok(p)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn tag_and_builder_agree() {
        let tag = Param::from_tag("name=a;b, order=triggerMetadata;resolvedEnv, optional, default=5, enum=x;y, range, separator=|")
            .unwrap();
        let built = Param::new("a")
            .alias("b")
            .from(&[Source::TriggerMetadata, Source::ResolvedEnv])
            .optional()
            .default("5")
            .one_of(&["x", "y"])
            .range("-")
            .separator("|");
        assert_eq!(tag, built);
        assert_eq!(tag.name(), "a,b");
    }

    #[test]
    fn tag_errors_name_the_bad_part() {
        let e = Param::from_tag("name=a, order=triggerMetadata;env").unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown parsing order value env, has to be one of [authParams resolvedEnv triggerMetadata]"
        );
        assert!(
            Param::from_tag("name=a, bogus")
                .unwrap_err()
                .to_string()
                .starts_with("unknown tag param bogus")
        );
        assert!(!Param::from_tag("name=a, optional=false").unwrap().optional);
    }
}
