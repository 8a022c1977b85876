//! Instance types: labels (requirements), capacity, overhead, offerings.

use crate::resources::ResourceList;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Capacity type of a spot offering.
pub const SPOT: &str = "spot";
/// Capacity type of an on-demand offering.
pub const ON_DEMAND: &str = "on-demand";
/// Capacity type of a reserved offering.
pub const RESERVED: &str = "reserved";

/// An instance type as the cloud provider describes it (`cloudprovider.InstanceType`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct InstanceType {
    /// Name (`m5.large`).
    pub name: String,
    /// Label values of the type (arch, os, family, instance-cpu ...), each an `In` set.
    /// Instance type, zone and capacity type labels are derived from the name and offerings.
    #[serde(default)]
    pub labels: BTreeMap<String, Vec<String>>,
    /// Capacity.
    pub capacity: ResourceList,
    /// kube-reserved + system-reserved + eviction threshold.
    #[serde(default)]
    pub overhead: ResourceList,
    /// Offerings.
    pub offerings: Vec<Offering>,
    /// GPU, accelerator or bare-metal type (dropped by the AWS exotic filter unless asked for).
    #[serde(default)]
    pub exotic: bool,
}

/// One (zone, capacity type) offering with its price.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Offering {
    /// Zone.
    pub zone: String,
    /// spot, on-demand or reserved.
    pub capacity_type: String,
    /// USD per hour.
    pub price: f64,
    /// Available (not ICE'd, price known).
    #[serde(default = "yes")]
    pub available: bool,
}

fn yes() -> bool {
    true
}
