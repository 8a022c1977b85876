//! The compiled, interned model of instance types and NodePools that every simulation reuses:
//! per-pool instance-type bitsets, per-type allocatable minus DaemonSet overhead, a fit index
//! (per resource, the bitset of types with at least x allocatable) and cached requirement and
//! offering filters.

use crate::bitset::BitSet;
use crate::error::{Error, Result};
use crate::instance_type::InstanceType;
use crate::intern::{Interner, Sym};
use crate::nodepool::{NodePool, order_nodepools};
use crate::pod::{HostPort, Pod};
use crate::quantity::Quantity;
use crate::requirements::{Requirement, Requirements, is_well_known, labels};
use crate::resources::{ResVec, ResourceTable};
use crate::taints::{Taint, untolerated};
use rustc_hash::FxHashMap;

/// Scheduler options (Karpenter's settings of the same names).
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `PREFERENCE_POLICY=Ignore`: drop every preference up front.
    pub ignore_preferences: bool,
    /// `MIN_VALUES_POLICY=BestEffort`: relax minValues instead of failing.
    pub min_values_best_effort: bool,
}

/// Interned well-known keys.
#[derive(Clone, Copy, Debug)]
pub struct Keys {
    /// topology.kubernetes.io/zone
    pub zone: Sym,
    /// karpenter.sh/capacity-type
    pub capacity_type: Sym,
    /// node.kubernetes.io/instance-type
    pub instance_type: Sym,
    /// kubernetes.io/hostname
    pub hostname: Sym,
    /// karpenter.sh/nodepool
    pub nodepool: Sym,
    /// "spot"
    pub spot: Sym,
    /// "on-demand"
    pub on_demand: Sym,
    /// "reserved"
    pub reserved: Sym,
}

/// An offering, interned.
#[derive(Clone, Debug)]
pub struct Off {
    /// Zone.
    pub zone: Sym,
    /// Capacity type.
    pub capacity_type: Sym,
    /// Price per hour.
    pub price: f64,
    /// Available.
    pub available: bool,
}

/// A compiled instance type.
#[derive(Clone, Debug)]
pub struct TypeInfo {
    /// Name.
    pub name: String,
    /// Requirements (labels, instance type, zones and capacity types of available offerings).
    pub reqs: Requirements,
    /// Capacity.
    pub capacity: ResVec,
    /// capacity - overhead.
    pub alloc: ResVec,
    /// Offerings.
    pub offerings: Vec<Off>,
    /// GPU/accelerator/metal.
    pub exotic: bool,
}

impl TypeInfo {
    /// Cheapest available offering admitted by `reqs` (Karpenter's price-ordering key).
    pub fn cheapest(&self, reqs: &Requirements, keys: &Keys, interner: &Interner) -> Option<&Off> {
        self.offerings
            .iter()
            .filter(|o| o.available && offering_ok(o, reqs, keys, interner))
            .min_by(|a, b| a.price.total_cmp(&b.price))
    }
}

/// Whether an offering's zone and capacity type are admitted by `reqs`.
pub fn offering_ok(o: &Off, reqs: &Requirements, keys: &Keys, interner: &Interner) -> bool {
    reqs.get(keys.zone).is_none_or(|r| r.has(o.zone, interner))
        && reqs
            .get(keys.capacity_type)
            .is_none_or(|r| r.has(o.capacity_type, interner))
}

/// Per resource: sorted allocatable values and the suffix bitsets (types with at least that much).
#[derive(Clone, Debug, Default)]
pub struct FitIndex {
    dims: Vec<(Vec<i64>, Vec<BitSet>)>,
}

impl FitIndex {
    fn build(types: &BitSet, alloc: &[ResVec], ndims: usize, ntypes: usize) -> Self {
        let members: Vec<usize> = types.iter().collect();
        let dims = (0..ndims)
            .map(|d| {
                let mut order = members.clone();
                order.sort_by_key(|&t| alloc.get(t).map_or(0, |a| a.get(d)));
                let vals: Vec<i64> = order
                    .iter()
                    .map(|&t| alloc.get(t).map_or(0, |a| a.get(d)))
                    .collect();
                let mut suffix = vec![BitSet::new(ntypes); order.len() + 1];
                for i in (0..order.len()).rev() {
                    let mut s = suffix.get(i + 1).cloned().unwrap_or_default();
                    if let Some(&t) = order.get(i) {
                        s.insert(t);
                    }
                    if let Some(slot) = suffix.get_mut(i) {
                        *slot = s;
                    }
                }
                (vals, suffix)
            })
            .collect();
        FitIndex { dims }
    }

    /// Narrows `set` to the types whose allocatable covers `total` in every dimension.
    pub fn narrow(&self, set: &mut BitSet, total: &ResVec) {
        for (d, (vals, suffix)) in self.dims.iter().enumerate() {
            let need = total.get(d);
            if need <= 0 {
                continue;
            }
            let pos = vals.partition_point(|v| *v < need);
            match suffix.get(pos) {
                Some(s) => set.and_with(s),
                None => *set = BitSet::new(0),
            }
        }
    }
}

/// A compiled NodePool.
#[derive(Clone, Debug)]
pub struct PoolInfo {
    /// Name.
    pub name: String,
    /// Weight.
    pub weight: i32,
    /// Template requirements ∩ template labels ∩ nodepool label.
    pub reqs: Requirements,
    /// Template taints.
    pub taints: Vec<Taint>,
    /// Instance types surviving the template pre-filter.
    pub types: BitSet,
    /// Allocatable minus the DaemonSet overhead of the type's group, per type.
    pub eff_alloc: Vec<ResVec>,
    /// DaemonSet overhead group per type.
    pub daemon_group: Vec<u32>,
    /// Summed daemon requests per group.
    pub group_overhead: Vec<ResVec>,
    /// Daemon host ports per group.
    pub group_ports: Vec<Vec<HostPort>>,
    /// Fit index over `eff_alloc`.
    pub fit: FitIndex,
    /// Resource limits (i64::MAX where unset), None when no resource limit.
    pub limits: Option<ResVec>,
    /// `limits.nodes`.
    pub node_limit: Option<i64>,
    /// Whether any requirement carries minValues.
    pub min_values: bool,
    /// Index in the input NodePool list.
    pub source: usize,
}

/// Prices of every type under one (zone, capacity-type) restriction.
#[derive(Clone, Debug, Default)]
pub struct PriceTable {
    /// Types with a compatible available offering, cheapest first (ties by index).
    pub order: Vec<(f64, usize)>,
    /// Per capacity-type tier (reserved, spot, on-demand): each type's cheapest compatible
    /// available offering of that tier as (price, type, offering index), cheapest first.
    pub tiers: [Vec<(f64, usize, usize)>; 3],
}

type OfferKey = (Option<Requirement>, Option<Requirement>);

/// Caches of requirement -> instance-type bitsets and price tables.
#[derive(Clone, Debug, Default)]
pub struct Caches {
    compat: FxHashMap<(Sym, Requirement), BitSet>,
    offer: FxHashMap<OfferKey, BitSet>,
    prices: FxHashMap<OfferKey, std::rc::Rc<PriceTable>>,
}

/// The compiled model.
#[derive(Clone, Debug)]
pub struct Model {
    /// Interner.
    pub interner: Interner,
    /// Resource dimensions.
    pub res: ResourceTable,
    /// Number of dimensions known to the catalog.
    pub nres: usize,
    /// Well-known keys.
    pub keys: Keys,
    /// Instance types.
    pub types: Vec<TypeInfo>,
    /// Per key defined by some type: each type's requirement on it.
    type_key_reqs: FxHashMap<Sym, Vec<Option<Requirement>>>,
    /// NodePools in provisioning order (weight desc, name desc).
    pub pools: Vec<PoolInfo>,
    /// The input NodePools.
    pub nodepools: Vec<NodePool>,
    /// Whether some pool has a PreferNoSchedule taint (enables relaxation step 6).
    pub any_prefer_no_schedule: bool,
    /// Options.
    pub options: Options,
    /// Filter caches.
    pub caches: Caches,
}

impl Model {
    /// Compiles NodePools, instance types (the same catalog for every pool) and DaemonSet pod
    /// templates. Pools left without instance types are kept with an empty type set.
    pub fn new(
        nodepools: &[NodePool],
        catalog: &[InstanceType],
        daemonsets: &[Pod],
        options: Options,
    ) -> Result<Self> {
        if catalog.is_empty() {
            return Err(Error::EmptyCatalog("no instance types given".into()));
        }
        let mut interner = Interner::default();
        let mut res = ResourceTable::default();
        let keys = Keys {
            zone: interner.intern(labels::ZONE),
            capacity_type: interner.intern(labels::CAPACITY_TYPE),
            instance_type: interner.intern(labels::INSTANCE_TYPE),
            hostname: interner.intern(labels::HOSTNAME),
            nodepool: interner.intern(labels::NODEPOOL),
            spot: interner.intern(crate::instance_type::SPOT),
            on_demand: interner.intern(crate::instance_type::ON_DEMAND),
            reserved: interner.intern(crate::instance_type::RESERVED),
        };
        // register every resource name first so vectors are dense
        let mut raw = Vec::with_capacity(catalog.len());
        for it in catalog {
            let f = format!("instanceType {}", it.name);
            let cap = res.parse_list(&format!("{f}.capacity"), &it.capacity)?;
            let ovh = res.parse_list(&format!("{f}.overhead"), &it.overhead)?;
            raw.push((cap, ovh));
        }
        let mut daemon_raw = Vec::new();
        for d in daemonsets {
            daemon_raw.push(d.effective_requests(&mut res)?);
        }
        let mut limit_raw = Vec::new();
        for p in nodepools {
            let mut l = p.spec.limits.clone();
            let nodes = l.remove("nodes");
            let nodes = nodes
                .map(|q| {
                    Quantity::parse_non_negative(
                        &format!("nodepool {}.spec.limits.nodes", p.name()),
                        &q.0,
                    )
                })
                .transpose()?
                .map(|q| q.value());
            let parsed = res.parse_list(&format!("nodepool {}.spec.limits", p.name()), &l)?;
            limit_raw.push((parsed, nodes));
        }
        let nres = res.len();
        let mut types = Vec::with_capacity(catalog.len());
        for (it, (cap, ovh)) in catalog.iter().zip(raw) {
            let capacity = ResVec::from_sparse(&cap, nres);
            let mut alloc = capacity.clone();
            alloc.sub(&ResVec::from_sparse(&ovh, nres));
            alloc.clamp_non_negative();
            let mut reqs = Requirements::default();
            for (k, vals) in &it.labels {
                let k = interner.intern(k);
                let v: Vec<Sym> = vals.iter().map(|v| interner.intern(v)).collect();
                reqs.add(k, Requirement::in_values(v), &interner);
            }
            let name = interner.intern(&it.name);
            reqs.set(keys.instance_type, Requirement::in_values(vec![name]));
            let offerings: Vec<Off> = it
                .offerings
                .iter()
                .map(|o| Off {
                    zone: interner.intern(&o.zone),
                    capacity_type: interner.intern(&o.capacity_type),
                    price: o.price,
                    available: o.available && o.price.is_finite(),
                })
                .collect();
            let avail = || offerings.iter().filter(|o| o.available);
            reqs.set(
                keys.zone,
                Requirement::in_values(avail().map(|o| o.zone).collect()),
            );
            reqs.set(
                keys.capacity_type,
                Requirement::in_values(avail().map(|o| o.capacity_type).collect()),
            );
            types.push(TypeInfo {
                name: it.name.clone(),
                reqs,
                capacity,
                alloc,
                offerings,
                exotic: it.exotic,
            });
        }
        let mut type_key_reqs: FxHashMap<Sym, Vec<Option<Requirement>>> = FxHashMap::default();
        for (ti, t) in types.iter().enumerate() {
            for (k, r) in t.reqs.iter() {
                let v = type_key_reqs
                    .entry(k)
                    .or_insert_with(|| vec![None; types.len()]);
                if let Some(slot) = v.get_mut(ti) {
                    *slot = Some(r.clone());
                }
            }
        }
        let mut model = Model {
            interner,
            res,
            nres,
            keys,
            types,
            type_key_reqs,
            pools: Vec::new(),
            nodepools: nodepools.to_vec(),
            any_prefer_no_schedule: false,
            options,
            caches: Caches::default(),
        };
        let daemons: Vec<(
            Requirements,
            Vec<crate::taints::Toleration>,
            ResVec,
            Vec<HostPort>,
        )> = daemonsets
            .iter()
            .zip(daemon_raw)
            .map(|(d, r)| {
                let mut reqs =
                    Requirements::from_labels(d.spec.node_selector.iter(), &mut model.interner);
                if let Some(term) = d
                    .spec
                    .affinity
                    .as_ref()
                    .and_then(|a| a.node_affinity.as_ref())
                    .and_then(|n| n.required.as_ref())
                    .and_then(|s| s.node_selector_terms.first())
                {
                    let t = Requirements::from_manifest(
                        "daemonset affinity",
                        &term.match_expressions,
                        &mut model.interner,
                    )?;
                    reqs.add_all(&t, &model.interner);
                }
                Ok((
                    reqs,
                    d.spec.tolerations.clone(),
                    ResVec::from_sparse(&r, nres),
                    d.host_ports(),
                ))
            })
            .collect::<Result<_>>()?;
        for pi in order_nodepools(nodepools) {
            let Some(np) = nodepools.get(pi) else {
                continue;
            };
            let (limit_sparse, node_limit) = limit_raw.get(pi).cloned().unwrap_or_default();
            let pool = model.compile_pool(np, pi, &daemons, &limit_sparse, node_limit)?;
            model.any_prefer_no_schedule |= pool
                .taints
                .iter()
                .any(|t| t.effect == crate::taints::PREFER_NO_SCHEDULE);
            model.pools.push(pool);
        }
        Ok(model)
    }

    fn compile_pool(
        &mut self,
        np: &NodePool,
        source: usize,
        daemons: &[(
            Requirements,
            Vec<crate::taints::Toleration>,
            ResVec,
            Vec<HostPort>,
        )],
        limit_sparse: &[(usize, i64)],
        node_limit: Option<i64>,
    ) -> Result<PoolInfo> {
        let field = format!("nodepool {}.spec.template.spec.requirements", np.name());
        let mut reqs = Requirements::from_manifest(
            &field,
            &np.spec.template.spec.requirements,
            &mut self.interner,
        )?;
        let lbl =
            Requirements::from_labels(np.spec.template.metadata.labels.iter(), &mut self.interner);
        reqs.add_all(&lbl, &self.interner);
        let name_sym = self.interner.intern(np.name());
        reqs.add(
            self.keys.nodepool,
            Requirement::in_values(vec![name_sym]),
            &self.interner,
        );
        let ntypes = self.types.len();
        let mut types = self.compat_bits(&reqs);
        types.and_with(&self.offer_bits(&reqs));
        let min_values = reqs.iter().any(|(_, r)| r.min_values.is_some());
        if min_values && !self.min_values_ok(&reqs, &types) && !self.options.min_values_best_effort
        {
            types = BitSet::new(ntypes);
        }
        let taints = np.spec.template.spec.taints.clone();
        // DaemonSet overhead groups
        let mut groups: FxHashMap<Vec<usize>, u32> = FxHashMap::default();
        let mut group_overhead = Vec::new();
        let mut group_ports = Vec::new();
        let mut daemon_group = vec![0u32; ntypes];
        let wk = |k: Sym, i: &Interner| is_well_known(i.resolve(k));
        let eligible: Vec<usize> = daemons
            .iter()
            .enumerate()
            .filter(|(_, (dreq, tols, _, _))| {
                let relaxed_taints: Vec<Taint> = taints
                    .iter()
                    .filter(|t| t.effect != crate::taints::PREFER_NO_SCHEDULE)
                    .cloned()
                    .collect();
                untolerated(&relaxed_taints, tols, true).is_none()
                    && reqs
                        .compatible(dreq, &self.interner, &|k| wk(k, &self.interner))
                        .is_ok()
            })
            .map(|(i, _)| i)
            .collect();
        let mut eff_alloc = vec![ResVec::zeros(self.nres); ntypes];
        for t in types.iter() {
            let Some(ti) = self.types.get(t) else {
                continue;
            };
            let set: Vec<usize> = eligible
                .iter()
                .copied()
                .filter(|&d| {
                    daemons
                        .get(d)
                        .is_some_and(|(dr, ..)| ti.reqs.intersects(dr, &self.interner).is_ok())
                })
                .collect();
            let next = groups.len() as u32;
            let g = *groups.entry(set.clone()).or_insert_with(|| {
                let mut o = ResVec::zeros(self.nres);
                let mut ports = Vec::new();
                for d in &set {
                    if let Some((_, _, r, p)) = daemons.get(*d) {
                        o.add(r);
                        ports.extend(p.iter().cloned());
                    }
                }
                group_overhead.push(o);
                group_ports.push(ports);
                next
            });
            if let Some(slot) = daemon_group.get_mut(t) {
                *slot = g;
            }
            let mut a = ti.alloc.clone();
            if let Some(o) = group_overhead.get(g as usize) {
                a.sub(o);
            }
            if let Some(slot) = eff_alloc.get_mut(t) {
                *slot = a;
            }
        }
        let fit = FitIndex::build(&types, &eff_alloc, self.nres, ntypes);
        let limits = if limit_sparse.is_empty() {
            None
        } else {
            let mut l = ResVec(vec![i64::MAX; self.nres]);
            for &(d, v) in limit_sparse {
                if let Some(e) = l.0.get_mut(d) {
                    *e = v;
                }
            }
            Some(l)
        };
        Ok(PoolInfo {
            name: np.name().to_string(),
            weight: np.weight(),
            reqs,
            taints,
            types,
            eff_alloc,
            daemon_group,
            group_overhead,
            group_ports,
            fit,
            limits,
            node_limit,
            min_values,
            source,
        })
    }

    /// Types whose requirements `Intersects` `reqs` (only keys some type defines are checked).
    pub fn compat_bits(&mut self, reqs: &Requirements) -> BitSet {
        let n = self.types.len();
        let mut out = BitSet::full(n);
        for (k, r) in reqs.iter() {
            let Some(per_type) = self.type_key_reqs.get(&k) else {
                continue;
            };
            let cache_key = (k, r.clone());
            if let Some(b) = self.caches.compat.get(&cache_key) {
                out.and_with(b);
                continue;
            }
            let mut b = BitSet::new(n);
            for (t, tr) in per_type.iter().enumerate() {
                let ok = match tr {
                    None => true,
                    Some(tr) => {
                        let mut a = Requirements::default();
                        a.set(k, tr.clone());
                        let mut bb = Requirements::default();
                        bb.set(k, r.clone());
                        a.intersects(&bb, &self.interner).is_ok()
                    }
                };
                if ok {
                    b.insert(t);
                }
            }
            out.and_with(&b);
            self.caches.compat.insert(cache_key, b);
        }
        out
    }

    /// Types with an available offering admitted by `reqs`.
    pub fn offer_bits(&mut self, reqs: &Requirements) -> BitSet {
        let key = (
            reqs.get(self.keys.zone).cloned(),
            reqs.get(self.keys.capacity_type).cloned(),
        );
        if let Some(b) = self.caches.offer.get(&key) {
            return b.clone();
        }
        let mut b = BitSet::new(self.types.len());
        for (t, ti) in self.types.iter().enumerate() {
            if ti
                .offerings
                .iter()
                .any(|o| o.available && offering_ok(o, reqs, &self.keys, &self.interner))
            {
                b.insert(t);
            }
        }
        self.caches.offer.insert(key, b.clone());
        b
    }

    /// The price table for the zone / capacity-type restriction of `reqs`.
    pub fn price_table(&mut self, reqs: &Requirements) -> std::rc::Rc<PriceTable> {
        let key = (
            reqs.get(self.keys.zone).cloned(),
            reqs.get(self.keys.capacity_type).cloned(),
        );
        if let Some(t) = self.caches.prices.get(&key) {
            return t.clone();
        }
        let k = self.keys;
        let mut table = PriceTable::default();
        for (t, ti) in self.types.iter().enumerate() {
            let mut cheapest: Option<f64> = None;
            let mut best: [Option<(f64, usize)>; 3] = [None; 3];
            for (oi, o) in ti.offerings.iter().enumerate() {
                if !o.available || !offering_ok(o, reqs, &k, &self.interner) {
                    continue;
                }
                cheapest = Some(cheapest.map_or(o.price, |c: f64| c.min(o.price)));
                let tier = if o.capacity_type == k.reserved {
                    0
                } else if o.capacity_type == k.spot {
                    1
                } else {
                    2
                };
                if let Some(slot) = best.get_mut(tier)
                    && slot.is_none_or(|(p, _)| o.price < p)
                {
                    *slot = Some((o.price, oi));
                }
            }
            if let Some(p) = cheapest {
                table.order.push((p, t));
            }
            for (tier, b) in best.iter().enumerate() {
                if let (Some((p, oi)), Some(list)) = (b, table.tiers.get_mut(tier)) {
                    list.push((*p, t, *oi));
                }
            }
        }
        table
            .order
            .sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for list in &mut table.tiers {
            list.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        }
        let rc = std::rc::Rc::new(table);
        self.caches.prices.insert(key, rc.clone());
        rc
    }

    /// Whether `types` still spans every minValues of `reqs`.
    pub fn min_values_ok(&self, reqs: &Requirements, types: &BitSet) -> bool {
        reqs.iter().all(|(k, r)| {
            let Some(min) = r.min_values else { return true };
            let mut seen: Vec<Sym> = Vec::new();
            for t in types.iter() {
                if let Some(tr) = self.types.get(t).and_then(|ti| ti.reqs.get(k)) {
                    for v in &tr.values {
                        if r.has(*v, &self.interner) && !seen.contains(v) {
                            seen.push(*v);
                        }
                    }
                }
            }
            seen.len() >= min as usize
        })
    }

    /// Whether `key` may be undefined on the node side of `Compatible`.
    pub fn well_known(&self, key: Sym) -> bool {
        is_well_known(self.interner.resolve(key))
    }

    /// Type index by name.
    pub fn type_index(&self, name: &str) -> Option<usize> {
        self.types.iter().position(|t| t.name == name)
    }
}
