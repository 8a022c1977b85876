//! Catalog loaders: the AWS catalog format (`data/aws/instance_types.json`), Karpenter core's
//! synthetic kwok catalog, and the fake catalog of Karpenter's scheduling benchmark.

use crate::error::{Error, Result};
use crate::instance_type::{InstanceType, ON_DEMAND, Offering, SPOT};
use crate::quantity::QuantityText;
use crate::requirements::labels;
use serde::Deserialize;
use std::collections::BTreeMap;

/// How catalog entries become offerings.
#[derive(Clone, Debug)]
pub struct CatalogOptions {
    /// Zones every type is offered in.
    pub zones: Vec<String>,
    /// Spot price = on-demand price x this factor (no spot prices are published in the data;
    /// 0.7 is the discount of Karpenter's kwok catalog).
    pub spot_factor: f64,
}

impl Default for CatalogOptions {
    fn default() -> Self {
        CatalogOptions {
            zones: vec![
                "us-east-1a".into(),
                "us-east-1b".into(),
                "us-east-1c".into(),
            ],
            spot_factor: 0.7,
        }
    }
}

#[derive(Deserialize)]
struct AwsAllocatable {
    cpu_millicores: i64,
    memory_mib: i64,
    ephemeral_storage_gib: f64,
    pods: i64,
}

#[derive(Deserialize)]
struct AwsEntry {
    name: String,
    #[serde(default)]
    family: Option<String>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    generation: Option<i64>,
    #[serde(default)]
    size: Option<String>,
    vcpu: i64,
    memory_mib: i64,
    arch: String,
    #[serde(default)]
    os: Option<String>,
    #[serde(default)]
    hypervisor: Option<String>,
    #[serde(default)]
    gpu_count: i64,
    #[serde(default)]
    gpu_name: Option<String>,
    #[serde(default)]
    gpu_manufacturer: Option<String>,
    #[serde(default)]
    accelerator_count: i64,
    #[serde(default)]
    accelerator_name: Option<String>,
    #[serde(default)]
    bare_metal: bool,
    allocatable_al2023: AwsAllocatable,
    #[serde(default)]
    extended_resources: BTreeMap<String, i64>,
    max_pods: i64,
    on_demand_price_usd_hour: Option<f64>,
    #[serde(default)]
    capacity_types: Vec<String>,
}

fn q(s: String) -> QuantityText {
    QuantityText(s)
}

/// Loads the AWS catalog JSON (see `data/aws/README.md`). Capacity follows the AWS provider
/// (memory minus 7.5% VM overhead, minus 64 MiB on arm64); overhead = capacity - the published
/// AL2023 allocatable. Types without a price get unavailable offerings.
pub fn load_aws(text: &str, opts: &CatalogOptions) -> Result<Vec<InstanceType>> {
    let entries: Vec<AwsEntry> = serde_json::from_str(text).map_err(|e| Error::Decode {
        what: "AWS instance-type catalog".into(),
        message: e.to_string(),
    })?;
    if entries.is_empty() {
        return Err(Error::EmptyCatalog("AWS catalog has no entries".into()));
    }
    if opts.zones.is_empty() {
        return Err(Error::EmptyCatalog(
            "no zones to offer instance types in".into(),
        ));
    }
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        let vm_overhead = (e.memory_mib as f64 * 0.075).ceil() as i64;
        let mem_cap = e.memory_mib - vm_overhead - if e.arch == "arm64" { 64 } else { 0 };
        let a = &e.allocatable_al2023;
        let eph_cap_gib = 20.0;
        let mut capacity = BTreeMap::new();
        capacity.insert("cpu".to_string(), q(e.vcpu.to_string()));
        capacity.insert("memory".to_string(), q(format!("{mem_cap}Mi")));
        capacity.insert("pods".to_string(), q(e.max_pods.to_string()));
        capacity.insert(
            "ephemeral-storage".to_string(),
            q(format!("{eph_cap_gib}Gi")),
        );
        let mut overhead = BTreeMap::new();
        overhead.insert(
            "cpu".to_string(),
            q(format!("{}m", (e.vcpu * 1000 - a.cpu_millicores).max(0))),
        );
        overhead.insert(
            "memory".to_string(),
            q(format!("{}Mi", (mem_cap - a.memory_mib).max(0))),
        );
        overhead.insert(
            "pods".to_string(),
            q((e.max_pods - a.pods).max(0).to_string()),
        );
        let eph_overhead_mib = ((eph_cap_gib - a.ephemeral_storage_gib) * 1024.0)
            .max(0.0)
            .round() as i64;
        overhead.insert(
            "ephemeral-storage".to_string(),
            q(format!("{eph_overhead_mib}Mi")),
        );
        if e.gpu_count > 0 {
            let res = match e.gpu_manufacturer.as_deref() {
                Some("amd") => "amd.com/gpu",
                Some("habana") => "habana.ai/gaudi",
                _ => "nvidia.com/gpu",
            };
            capacity.insert(res.to_string(), q(e.gpu_count.to_string()));
        }
        if e.accelerator_count > 0 {
            capacity.insert(
                "aws.amazon.com/neuron".to_string(),
                q(e.accelerator_count.to_string()),
            );
        }
        for (k, v) in &e.extended_resources {
            capacity.insert(k.clone(), q(v.to_string()));
        }
        let mut l: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut set = |k: &str, v: String| {
            l.insert(k.to_string(), vec![v]);
        };
        set(labels::ARCH, e.arch.clone());
        set(labels::OS, e.os.clone().unwrap_or_else(|| "linux".into()));
        set("karpenter.k8s.aws/instance-cpu", e.vcpu.to_string());
        set(
            "karpenter.k8s.aws/instance-memory",
            e.memory_mib.to_string(),
        );
        if let Some(f) = &e.family {
            set("karpenter.k8s.aws/instance-family", f.clone());
        }
        if let Some(c) = &e.category {
            set("karpenter.k8s.aws/instance-category", c.clone());
        }
        if let Some(g) = e.generation {
            set("karpenter.k8s.aws/instance-generation", g.to_string());
        }
        if let Some(s) = &e.size {
            set("karpenter.k8s.aws/instance-size", s.clone());
        }
        if let Some(h) = &e.hypervisor {
            set("karpenter.k8s.aws/instance-hypervisor", h.clone());
        }
        set(
            "karpenter.k8s.aws/instance-gpu-count",
            e.gpu_count.to_string(),
        );
        if let Some(n) = &e.gpu_name {
            set("karpenter.k8s.aws/instance-gpu-name", n.clone());
        }
        if let Some(n) = &e.accelerator_name {
            set("karpenter.k8s.aws/instance-accelerator-name", n.clone());
        }
        let cts: Vec<String> = if e.capacity_types.is_empty() {
            vec![ON_DEMAND.into(), SPOT.into()]
        } else {
            e.capacity_types.clone()
        };
        let mut offerings = Vec::new();
        for zone in &opts.zones {
            for ct in &cts {
                let price = e
                    .on_demand_price_usd_hour
                    .map(|p| if ct == SPOT { p * opts.spot_factor } else { p });
                offerings.push(Offering {
                    zone: zone.clone(),
                    capacity_type: ct.clone(),
                    price: price.unwrap_or(f64::MAX),
                    available: price.is_some(),
                });
            }
        }
        out.push(InstanceType {
            name: e.name,
            labels: l,
            capacity,
            overhead,
            offerings,
            exotic: e.gpu_count > 0 || e.accelerator_count > 0 || e.bare_metal,
        });
    }
    Ok(out)
}

#[derive(Deserialize)]
struct KwokEntry {
    name: String,
    vcpu: i64,
    memory_mib: i64,
    max_pods: i64,
    arch: String,
    os: Vec<String>,
    on_demand_price_usd_hour: f64,
    spot_price_usd_hour: f64,
    zones: Vec<String>,
    capacity_types: Vec<String>,
}

/// Loads Karpenter core's synthetic kwok catalog (`kwok_instance_types.json`); no overhead.
pub fn load_kwok(text: &str) -> Result<Vec<InstanceType>> {
    let entries: Vec<KwokEntry> = serde_json::from_str(text).map_err(|e| Error::Decode {
        what: "kwok instance-type catalog".into(),
        message: e.to_string(),
    })?;
    if entries.is_empty() {
        return Err(Error::EmptyCatalog("kwok catalog has no entries".into()));
    }
    Ok(entries
        .into_iter()
        .map(|e| {
            let mut capacity = BTreeMap::new();
            capacity.insert("cpu".to_string(), q(e.vcpu.to_string()));
            capacity.insert("memory".to_string(), q(format!("{}Mi", e.memory_mib)));
            capacity.insert("pods".to_string(), q(e.max_pods.to_string()));
            let mut l = BTreeMap::new();
            l.insert(labels::ARCH.to_string(), vec![e.arch.clone()]);
            l.insert(labels::OS.to_string(), e.os.clone());
            let mut offerings = Vec::new();
            for zone in &e.zones {
                for ct in &e.capacity_types {
                    let price = if ct == SPOT {
                        e.spot_price_usd_hour
                    } else {
                        e.on_demand_price_usd_hour
                    };
                    offerings.push(Offering {
                        zone: zone.clone(),
                        capacity_type: ct.clone(),
                        price,
                        available: true,
                    });
                }
            }
            InstanceType {
                name: e.name,
                labels: l,
                capacity,
                overhead: BTreeMap::new(),
                offerings,
                exotic: false,
            }
        })
        .collect())
}

/// Loads a catalog in any supported format: the AWS catalog, the kwok catalog, or a list of
/// [`InstanceType`] (JSON or YAML).
pub fn load_any(text: &str, opts: &CatalogOptions) -> Result<Vec<InstanceType>> {
    let types = if text.contains("\"allocatable_al2023\"") {
        load_aws(text, opts)?
    } else if text.contains("\"spot_price_usd_hour\"") {
        load_kwok(text)?
    } else {
        crate::pod::decode_list::<InstanceType>("instance types", text)?
    };
    if types.is_empty() {
        return Err(Error::EmptyCatalog("no instance types".into()));
    }
    Ok(types)
}

/// Karpenter's `fake.InstanceTypes(n)` used by its scheduling benchmark: type `i` has `i+1` vCPU,
/// `2(i+1)` GiB, `10(i+1)` pods, 100m/10Mi kube-reserved, price `0.1 x cpu + 0.1 x memory GB`,
/// offered as spot in test-zone-1/2 and on-demand in test-zone-1/2/3, amd64, linux/windows/darwin.
pub fn fake_instance_types(n: usize) -> Vec<InstanceType> {
    (0..n)
        .map(|i| {
            let c = i as i64 + 1;
            let mut capacity = BTreeMap::new();
            capacity.insert("cpu".to_string(), q(c.to_string()));
            capacity.insert("memory".to_string(), q(format!("{}Gi", 2 * c)));
            capacity.insert("pods".to_string(), q((10 * c).to_string()));
            let mut overhead = BTreeMap::new();
            overhead.insert("cpu".to_string(), q("100m".into()));
            overhead.insert("memory".to_string(), q("10Mi".into()));
            let price = 0.1 * c as f64 + 0.1 * (2 * c * 1024 * 1024 * 1024) as f64 / 1e9;
            let offer = |zone: &str, ct: &str| Offering {
                zone: zone.into(),
                capacity_type: ct.into(),
                price,
                available: true,
            };
            let mut l = BTreeMap::new();
            l.insert(labels::ARCH.to_string(), vec!["amd64".to_string()]);
            l.insert(
                labels::OS.to_string(),
                vec!["darwin".into(), "linux".into(), "windows".into()],
            );
            InstanceType {
                name: format!("fake-it-{i}"),
                labels: l,
                capacity,
                overhead,
                offerings: vec![
                    offer("test-zone-1", SPOT),
                    offer("test-zone-2", SPOT),
                    offer("test-zone-1", ON_DEMAND),
                    offer("test-zone-2", ON_DEMAND),
                    offer("test-zone-3", ON_DEMAND),
                ],
                exotic: false,
            }
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn empty_catalog_is_typed() {
        assert!(matches!(
            load_aws("[]", &CatalogOptions::default()),
            Err(Error::EmptyCatalog(_))
        ));
        assert!(matches!(
            load_any("[]", &CatalogOptions::default()),
            Err(Error::EmptyCatalog(_))
        ));
    }
}
