//! Node requirements: Karpenter's requirement algebra (`pkg/scheduling/requirement.go`,
//! `requirements.go`) over interned label keys and values.

use crate::error::{Error, Result};
use crate::intern::{Interner, Sym};
use serde::{Deserialize, Serialize};

/// Well-known label keys.
pub mod labels {
    /// Availability zone.
    pub const ZONE: &str = "topology.kubernetes.io/zone";
    /// Region.
    pub const REGION: &str = "topology.kubernetes.io/region";
    /// Instance type.
    pub const INSTANCE_TYPE: &str = "node.kubernetes.io/instance-type";
    /// CPU architecture.
    pub const ARCH: &str = "kubernetes.io/arch";
    /// Operating system.
    pub const OS: &str = "kubernetes.io/os";
    /// Hostname.
    pub const HOSTNAME: &str = "kubernetes.io/hostname";
    /// Karpenter capacity type (spot, on-demand, reserved).
    pub const CAPACITY_TYPE: &str = "karpenter.sh/capacity-type";
    /// Karpenter NodePool name.
    pub const NODEPOOL: &str = "karpenter.sh/nodepool";
    /// Windows build.
    pub const WINDOWS_BUILD: &str = "node.kubernetes.io/windows-build";
    /// AWS provider label prefix (instance-cpu, instance-family, ...).
    pub const AWS_PREFIX: &str = "karpenter.k8s.aws/";
    /// Kwok provider label prefix.
    pub const KWOK_PREFIX: &str = "karpenter.kwok.sh/";
    /// `registered` / `initialized` labels of the template (so DaemonSet affinities match).
    pub const REGISTERED: &str = "karpenter.sh/registered";
    /// See [`REGISTERED`].
    pub const INITIALIZED: &str = "karpenter.sh/initialized";
}

/// Whether `key` is a well-known label, which may be undefined on the node side of `Compatible`
/// (Karpenter's `WellKnownLabels` plus provider labels).
pub fn is_well_known(key: &str) -> bool {
    matches!(
        key,
        labels::ZONE
            | labels::REGION
            | labels::INSTANCE_TYPE
            | labels::ARCH
            | labels::OS
            | labels::CAPACITY_TYPE
            | labels::NODEPOOL
            | labels::WINDOWS_BUILD
            | labels::HOSTNAME
            | "failure-domain.beta.kubernetes.io/zone"
            | "failure-domain.beta.kubernetes.io/region"
            | "beta.kubernetes.io/instance-type"
            | "beta.kubernetes.io/arch"
            | "beta.kubernetes.io/os"
    ) || key.starts_with(labels::AWS_PREFIX)
        || key.starts_with(labels::KWOK_PREFIX)
}

/// A node-selector operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Operator {
    /// Value in set.
    In,
    /// Value not in set (or label absent).
    NotIn,
    /// Label present.
    Exists,
    /// Label absent.
    DoesNotExist,
    /// Integer value greater than.
    Gt,
    /// Integer value less than.
    Lt,
    /// Integer value greater than or equal (Karpenter extension).
    Gte,
    /// Integer value less than or equal (Karpenter extension).
    Lte,
}

impl Operator {
    /// Parses an operator name; unknown names are a typed error.
    pub fn parse(field: &str, s: &str) -> Result<Self> {
        Ok(match s {
            "In" => Operator::In,
            "NotIn" => Operator::NotIn,
            "Exists" => Operator::Exists,
            "DoesNotExist" => Operator::DoesNotExist,
            "Gt" => Operator::Gt,
            "Lt" => Operator::Lt,
            "Gte" => Operator::Gte,
            "Lte" => Operator::Lte,
            _ => {
                return Err(Error::UnknownOperator {
                    field: field.to_string(),
                    value: s.to_string(),
                });
            }
        })
    }
}

/// A `NodeSelectorRequirement` as written in manifests, with Karpenter's optional `minValues`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct NodeSelectorRequirement {
    /// Label key.
    pub key: String,
    /// Operator name (validated when compiled).
    pub operator: String,
    /// Values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// Minimum number of distinct values the final instance-type list must span.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_values: Option<u32>,
}

/// One requirement: Karpenter's `(complement, values, gte, lte, minValues)` representation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Requirement {
    /// Whether `values` is the excluded set.
    pub complement: bool,
    /// Sorted, deduplicated interned values.
    pub values: Vec<Sym>,
    /// Inclusive lower integer bound.
    pub gte: Option<i64>,
    /// Inclusive upper integer bound.
    pub lte: Option<i64>,
    /// minValues.
    pub min_values: Option<u32>,
}

impl Requirement {
    /// `Exists`.
    pub fn exists() -> Self {
        Requirement {
            complement: true,
            values: Vec::new(),
            gte: None,
            lte: None,
            min_values: None,
        }
    }

    /// `DoesNotExist`.
    pub fn does_not_exist() -> Self {
        Requirement {
            complement: false,
            values: Vec::new(),
            gte: None,
            lte: None,
            min_values: None,
        }
    }

    /// `In values`.
    pub fn in_values(mut values: Vec<Sym>) -> Self {
        values.sort_unstable();
        values.dedup();
        Requirement {
            complement: false,
            values,
            gte: None,
            lte: None,
            min_values: None,
        }
    }

    /// Builds a requirement from an operator, as `NewRequirementWithFlexibility` does.
    pub fn new(
        field: &str,
        op: Operator,
        values: &[String],
        interner: &mut Interner,
    ) -> Result<Self> {
        let syms: Vec<Sym> = values.iter().map(|v| interner.intern(v)).collect();
        let int_arg = || -> Result<i64> {
            let v = values
                .first()
                .ok_or_else(|| Error::invalid(field, "", "Gt/Lt need one integer value"))?;
            v.parse::<i64>()
                .map_err(|_| Error::invalid(field, v.clone(), "not an integer"))
        };
        Ok(match op {
            Operator::In => Self::in_values(syms),
            Operator::NotIn => {
                let mut r = Self::in_values(syms);
                r.complement = true;
                r
            }
            Operator::Exists => Self::exists(),
            Operator::DoesNotExist => Self::does_not_exist(),
            Operator::Gt => match int_arg()?.checked_add(1) {
                Some(n) => Requirement {
                    gte: Some(n),
                    ..Self::exists()
                },
                None => Self::does_not_exist(),
            },
            Operator::Lt => match int_arg()?.checked_sub(1) {
                Some(n) => Requirement {
                    lte: Some(n),
                    ..Self::exists()
                },
                None => Self::does_not_exist(),
            },
            Operator::Gte => Requirement {
                gte: Some(int_arg()?),
                ..Self::exists()
            },
            Operator::Lte => Requirement {
                lte: Some(int_arg()?),
                ..Self::exists()
            },
        })
    }

    fn within(&self, v: Sym, interner: &Interner) -> bool {
        if self.gte.is_none() && self.lte.is_none() {
            return true;
        }
        match interner.int(v) {
            Some(n) => self.gte.is_none_or(|g| n >= g) && self.lte.is_none_or(|l| n <= l),
            None => false,
        }
    }

    /// Whether the requirement admits value `v`.
    pub fn has(&self, v: Sym, interner: &Interner) -> bool {
        if self.complement {
            self.values.binary_search(&v).is_err() && self.within(v, interner)
        } else {
            self.values.binary_search(&v).is_ok()
        }
    }

    /// The operator this requirement reads as (Karpenter's `Operator()`).
    pub fn operator(&self) -> Operator {
        match (self.complement, self.values.is_empty()) {
            (true, true) => Operator::Exists,
            (true, false) => Operator::NotIn,
            (false, false) => Operator::In,
            (false, true) => Operator::DoesNotExist,
        }
    }

    /// Whether the admitted set is empty (`Len() == 0`).
    pub fn is_empty(&self) -> bool {
        !self.complement && self.values.is_empty()
    }

    /// Whether it admits any value at all: `NotIn` / `DoesNotExist` are "negative".
    fn is_negative(&self) -> bool {
        matches!(self.operator(), Operator::NotIn | Operator::DoesNotExist)
    }

    /// Karpenter's `Intersection`.
    pub fn intersection(&self, other: &Requirement, interner: &Interner) -> Requirement {
        let complement = self.complement && other.complement;
        let values: Vec<Sym> = match (self.complement, other.complement) {
            (true, true) => {
                let mut v = self.values.clone();
                v.extend_from_slice(&other.values);
                v.sort_unstable();
                v.dedup();
                v
            }
            (true, false) => other
                .values
                .iter()
                .copied()
                .filter(|v| self.values.binary_search(v).is_err())
                .collect(),
            (false, true) => self
                .values
                .iter()
                .copied()
                .filter(|v| other.values.binary_search(v).is_err())
                .collect(),
            (false, false) => self
                .values
                .iter()
                .copied()
                .filter(|v| other.values.binary_search(v).is_ok())
                .collect(),
        };
        let gte = max_opt(self.gte, other.gte);
        let lte = match (self.lte, other.lte) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let min_values = max_opt(self.min_values, other.min_values);
        if let (Some(g), Some(l)) = (gte, lte)
            && g > l
        {
            return Requirement {
                min_values,
                ..Self::does_not_exist()
            };
        }
        let mut r = Requirement {
            complement,
            values,
            gte,
            lte,
            min_values,
        };
        if !r.complement {
            if r.gte.is_some() || r.lte.is_some() {
                let keep: Vec<Sym> = r
                    .values
                    .iter()
                    .copied()
                    .filter(|v| r.within(*v, interner))
                    .collect();
                r.values = keep;
            }
            r.gte = None;
            r.lte = None;
        }
        r
    }

    /// Whether `self ∩ other` is non-empty (without allocating in the common cases).
    fn intersects(&self, other: &Requirement, interner: &Interner) -> bool {
        match (self.complement, other.complement) {
            (true, true) => {
                let (g, l) = (max_opt(self.gte, other.gte), min_opt(self.lte, other.lte));
                !matches!((g, l), (Some(g), Some(l)) if g > l)
            }
            (false, false) => {
                self.values
                    .iter()
                    .any(|v| other.values.binary_search(v).is_ok())
                    && (other.gte.is_none()
                        && other.lte.is_none()
                        && self.gte.is_none()
                        && self.lte.is_none()
                        || !self.intersection(other, interner).is_empty())
            }
            (true, false) => other
                .values
                .iter()
                .any(|v| self.has(*v, interner) && other.within(*v, interner)),
            (false, true) => self
                .values
                .iter()
                .any(|v| other.has(*v, interner) && self.within(*v, interner)),
        }
    }

    /// The single value of a collapsed `In` requirement.
    pub fn single(&self) -> Option<Sym> {
        match (self.complement, self.values.as_slice()) {
            (false, [v]) => Some(*v),
            _ => None,
        }
    }
}

fn max_opt<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn min_opt<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Why two requirement sets are incompatible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Incompatible {
    /// A custom (not well-known) label the pod requires is not defined on the node side.
    Undefined(Sym),
    /// The two sides share no value for the key.
    Conflict(Sym),
}

/// Karpenter's `Requirements`: key -> requirement, kept sorted by key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Requirements {
    entries: Vec<(Sym, Requirement)>,
}

impl Requirements {
    /// The requirement on `key`.
    pub fn get(&self, key: Sym) -> Option<&Requirement> {
        self.entries
            .binary_search_by_key(&key, |e| e.0)
            .ok()
            .and_then(|i| self.entries.get(i))
            .map(|e| &e.1)
    }

    /// Iterates (key, requirement).
    pub fn iter(&self) -> impl Iterator<Item = (Sym, &Requirement)> {
        self.entries.iter().map(|(k, r)| (*k, r))
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `Add`: intersects `req` into the requirement on `key`.
    pub fn add(&mut self, key: Sym, req: Requirement, interner: &Interner) {
        match self.entries.binary_search_by_key(&key, |e| e.0) {
            Ok(i) => {
                if let Some(e) = self.entries.get_mut(i) {
                    e.1 = e.1.intersection(&req, interner);
                }
            }
            Err(i) => self.entries.insert(i, (key, req)),
        }
    }

    /// Replaces the requirement on `key`.
    pub fn set(&mut self, key: Sym, req: Requirement) {
        match self.entries.binary_search_by_key(&key, |e| e.0) {
            Ok(i) => {
                if let Some(e) = self.entries.get_mut(i) {
                    e.1 = req;
                }
            }
            Err(i) => self.entries.insert(i, (key, req)),
        }
    }

    /// Removes the requirement on `key`.
    pub fn remove(&mut self, key: Sym) {
        if let Ok(i) = self.entries.binary_search_by_key(&key, |e| e.0) {
            self.entries.remove(i);
        }
    }

    /// Adds every requirement of `other`.
    pub fn add_all(&mut self, other: &Requirements, interner: &Interner) {
        for (k, r) in other.iter() {
            self.add(k, r.clone(), interner);
        }
    }

    /// Karpenter's `Intersects`: every key present on both sides must share a value, except that
    /// two negative requirements (NotIn/DoesNotExist) never conflict.
    pub fn intersects(
        &self,
        other: &Requirements,
        interner: &Interner,
    ) -> std::result::Result<(), Incompatible> {
        let (mut i, mut j) = (0, 0);
        while let (Some((ka, ra)), Some((kb, rb))) = (self.entries.get(i), other.entries.get(j)) {
            match ka.cmp(kb) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    if !(ra.intersects(rb, interner) || ra.is_negative() && rb.is_negative()) {
                        return Err(Incompatible::Conflict(*ka));
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        Ok(())
    }

    /// Karpenter's `Compatible(node=self, pod=other, AllowUndefinedWellKnownLabels)`.
    pub fn compatible(
        &self,
        pod: &Requirements,
        interner: &Interner,
        well_known: &impl Fn(Sym) -> bool,
    ) -> std::result::Result<(), Incompatible> {
        for (k, r) in pod.iter() {
            if self.get(k).is_none() && !well_known(k) && !r.is_negative() {
                return Err(Incompatible::Undefined(k));
            }
        }
        self.intersects(pod, interner)
    }

    /// Compiles manifest requirements.
    pub fn from_manifest(
        field: &str,
        reqs: &[NodeSelectorRequirement],
        interner: &mut Interner,
    ) -> Result<Self> {
        let mut out = Requirements::default();
        for (i, r) in reqs.iter().enumerate() {
            let f = format!("{field}[{i}]");
            let op = Operator::parse(&format!("{f}.operator"), &r.operator)?;
            let mut req = Requirement::new(&f, op, &r.values, interner)?;
            req.min_values = r.min_values;
            let key = interner.intern(&r.key);
            out.add(key, req, interner);
        }
        Ok(out)
    }

    /// `In {value}` for every label.
    pub fn from_labels<'a>(
        labels: impl IntoIterator<Item = (&'a String, &'a String)>,
        interner: &mut Interner,
    ) -> Self {
        let mut out = Requirements::default();
        for (k, v) in labels {
            let (k, v) = (interner.intern(k), interner.intern(v));
            out.add(k, Requirement::in_values(vec![v]), interner);
        }
        out
    }

    /// Human-readable form for error messages.
    pub fn describe(&self, interner: &Interner) -> String {
        let parts: Vec<String> = self
            .iter()
            .map(|(k, r)| {
                let vals: Vec<&str> = r.values.iter().map(|v| interner.resolve(*v)).collect();
                format!("{} {:?} {:?}", interner.resolve(k), r.operator(), vals)
            })
            .collect();
        parts.join(", ")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn req(i: &mut Interner, op: &str, vals: &[&str]) -> Requirement {
        let v: Vec<String> = vals.iter().map(|s| s.to_string()).collect();
        Requirement::new("f", Operator::parse("f", op).unwrap(), &v, i).unwrap()
    }

    #[test]
    fn intersection_algebra() {
        let mut i = Interner::default();
        let a = req(&mut i, "In", &["a", "b", "c"]);
        let nb = req(&mut i, "NotIn", &["b"]);
        let x = a.intersection(&nb, &i);
        assert_eq!(x.operator(), Operator::In);
        assert_eq!(x.values.len(), 2);
        let ex = req(&mut i, "Exists", &[]);
        assert_eq!(nb.intersection(&ex, &i).operator(), Operator::NotIn);
        let dne = req(&mut i, "DoesNotExist", &[]);
        assert!(a.intersection(&dne, &i).is_empty());
        // bounds
        let gt = req(&mut i, "Gt", &["4"]);
        let lt = req(&mut i, "Lt", &["9"]);
        let nums = req(&mut i, "In", &["2", "5", "8", "9", "x"]);
        let b = gt.intersection(&lt, &i);
        assert_eq!((b.gte, b.lte), (Some(5), Some(8)));
        let c = b.intersection(&nums, &i);
        let got: Vec<&str> = c.values.iter().map(|v| i.resolve(*v)).collect();
        assert_eq!(got, vec!["5", "8"]);
        assert_eq!(
            (c.gte, c.lte),
            (None, None),
            "bounds dropped on a concrete set"
        );
        let empty = req(&mut i, "Gt", &["10"]).intersection(&req(&mut i, "Lt", &["5"]), &i);
        assert_eq!(empty.operator(), Operator::DoesNotExist);
        let max = req(&mut i, "Gt", &[&i64::MAX.to_string()]);
        assert_eq!(max.operator(), Operator::DoesNotExist);
    }

    #[test]
    fn negatives_never_conflict_and_custom_labels_must_be_defined() {
        let mut i = Interner::default();
        let key = i.intern("team");
        let zone = i.intern(labels::ZONE);
        let mut node = Requirements::default();
        node.add(key, req(&mut i, "DoesNotExist", &[]), &i);
        let mut pod = Requirements::default();
        pod.add(key, req(&mut i, "NotIn", &["x"]), &i);
        assert!(node.intersects(&pod, &i).is_ok());
        let empty = Requirements::default();
        let mut p2 = Requirements::default();
        p2.add(key, req(&mut i, "In", &["x"]), &i);
        let mut p3 = Requirements::default();
        p3.add(zone, req(&mut i, "In", &["z1"]), &i);
        let wk = |k: Sym| is_well_known(i.resolve(k));
        assert_eq!(
            empty.compatible(&p2, &i, &wk),
            Err(Incompatible::Undefined(key))
        );
        assert!(
            empty.compatible(&p3, &i, &wk).is_ok(),
            "well-known labels may be undefined"
        );
        assert!(
            empty.compatible(&pod, &i, &wk).is_ok(),
            "NotIn on an undefined custom label is fine"
        );
    }

    #[test]
    fn unknown_operator_is_typed() {
        let e = Operator::parse("spec.requirements[0].operator", "Near").unwrap_err();
        assert!(matches!(e, Error::UnknownOperator { .. }));
    }
}
