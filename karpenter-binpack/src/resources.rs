//! Resources: names interned to dense dimensions, vectors of milli-units.

use crate::error::Result;
use crate::quantity::{Quantity, QuantityText};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

/// A manifest resource list (`requests`, `allocatable`, `limits`...).
pub type ResourceList = BTreeMap<String, QuantityText>;

/// Dimension of `cpu`.
pub const CPU: usize = 0;
/// Dimension of `memory`.
pub const MEMORY: usize = 1;
/// Dimension of `pods`.
pub const PODS: usize = 2;
/// Dimension of `ephemeral-storage`.
pub const EPHEMERAL_STORAGE: usize = 3;

/// Resource names -> dimensions. `cpu`, `memory`, `pods`, `ephemeral-storage` are 0..4.
#[derive(Clone, Debug)]
pub struct ResourceTable {
    names: Vec<String>,
    index: FxHashMap<String, usize>,
}

impl Default for ResourceTable {
    fn default() -> Self {
        let mut t = ResourceTable {
            names: Vec::new(),
            index: FxHashMap::default(),
        };
        for n in ["cpu", "memory", "pods", "ephemeral-storage"] {
            t.id(n);
        }
        t
    }
}

impl ResourceTable {
    /// The dimension of `name`, registering it.
    pub fn id(&mut self, name: &str) -> usize {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len();
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), i);
        i
    }

    /// Number of dimensions.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Always false (the four base dimensions exist).
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Name of a dimension.
    pub fn name(&self, i: usize) -> &str {
        self.names.get(i).map_or("", |s| s)
    }

    /// Parses a manifest list into sparse (dimension, milli-value) pairs; negatives are errors.
    pub fn parse_list(&mut self, field: &str, list: &ResourceList) -> Result<Vec<(usize, i64)>> {
        let mut out = Vec::with_capacity(list.len());
        for (name, q) in list {
            let v = Quantity::parse_non_negative("", &q.0).map_err(|e| {
                e.with_field(|| {
                    format!("{field}.{name}")
                        .trim_start_matches('.')
                        .to_string()
                })
            })?;
            out.push((self.id(name), v.0));
        }
        Ok(out)
    }
}

/// A dense resource vector in milli-units, one entry per [`ResourceTable`] dimension.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ResVec(pub Vec<i64>);

impl ResVec {
    /// Zeros of `n` dimensions.
    pub fn zeros(n: usize) -> Self {
        ResVec(vec![0; n])
    }

    /// From sparse pairs.
    pub fn from_sparse(pairs: &[(usize, i64)], n: usize) -> Self {
        let mut v = Self::zeros(n);
        for &(i, x) in pairs {
            if let Some(e) = v.0.get_mut(i) {
                *e = e.saturating_add(x);
            }
        }
        v
    }

    /// Value of dimension `i` (0 if absent).
    pub fn get(&self, i: usize) -> i64 {
        self.0.get(i).copied().unwrap_or(0)
    }

    /// `self += other`.
    pub fn add(&mut self, other: &ResVec) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a = a.saturating_add(*b);
        }
    }

    /// `self -= other`.
    pub fn sub(&mut self, other: &ResVec) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a = a.saturating_sub(*b);
        }
    }

    /// Element-wise max.
    pub fn max_with(&mut self, other: &ResVec) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a = (*a).max(*b);
        }
    }

    /// Element-wise max with 0.
    pub fn clamp_non_negative(&mut self) {
        for a in &mut self.0 {
            *a = (*a).max(0);
        }
    }

    /// Whether `self <= avail` in every dimension.
    pub fn fits(&self, avail: &ResVec) -> bool {
        self.0.iter().zip(&avail.0).all(|(a, b)| a <= b)
    }

    /// Whether `self + extra <= avail` in every dimension.
    pub fn fits_with(&self, extra: &ResVec, avail: &ResVec) -> bool {
        self.0
            .iter()
            .zip(&extra.0)
            .zip(&avail.0)
            .all(|((a, e), b)| a.saturating_add(*e) <= *b)
    }

    /// Renders as a manifest-like map (cpu in millicores, others in whole units).
    pub fn describe(&self, table: &ResourceTable) -> String {
        let parts: Vec<String> = self
            .0
            .iter()
            .enumerate()
            .filter(|(_, v)| **v != 0)
            .map(|(i, v)| {
                if i == CPU {
                    format!("cpu={}m", v)
                } else {
                    format!("{}={}", table.name(i), Quantity(*v).value())
                }
            })
            .collect();
        format!("{{{}}}", parts.join(", "))
    }
}
