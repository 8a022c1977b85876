//! The provisioning simulation: Karpenter's `Solve` loop (`scheduling/scheduler.go`,
//! `queue.go`, `existingnode.go`, `nodeclaim.go`, `preferences.go`).
//!
//! Speed comes from: grouping identical pods into classes, relaxation variants cached per class,
//! instance-type sets as bitsets narrowed by cached requirement/offering filters and a per-pool fit
//! index, in-flight claims kept in pod-count buckets (the upstream re-sort by pod count becomes a
//! bucket walk), and per-variant "dead" bitsets of nodes/claims on which a pod failed for a reason
//! that can never change (resources only grow, requirements only narrow, hostname counts only grow).

use crate::affinity::{LabelSelector, TopologySpreadConstraint};
use crate::bitset::BitSet;
use crate::error::{Error, Result};
use crate::intern::Sym;
use crate::model::Model;
use crate::node::ClusterNode;
use crate::pod::{HostPort, Pod};
use crate::requirements::{Incompatible, NodeSelectorRequirement, Requirement, Requirements};
use crate::resources::{ResVec, ResourceList};
use crate::taints::{Taint, Toleration, untolerated};
use crate::topology::{GroupKey, GroupKind, Plan, Topology};
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};

/// The chosen launch of a NodeClaim: cheapest compatible available offering (AWS: reserved, else
/// spot, else on-demand; exotic types only when nothing else fits or asked for).
#[derive(Clone, Debug, PartialEq)]
pub struct Launch {
    /// Instance type index in the model.
    pub type_index: usize,
    /// Capacity type.
    pub capacity_type: String,
    /// Zone.
    pub zone: String,
    /// Price per hour.
    pub price: f64,
}

/// A new NodeClaim of the simulation.
#[derive(Clone, Debug)]
pub struct ClaimResult {
    /// Pool index in `Model::pools`.
    pub pool: usize,
    /// Remaining instance-type options (see [`ClaimResult::ordered_options`]).
    pub options: BitSet,
    /// Final requirements.
    pub reqs: Requirements,
    /// Pod indices (into the solved pod list).
    pub pods: Vec<usize>,
    /// Accumulated pod requests.
    pub requests: ResVec,
    /// Launch decision (None if no offering survives the launch filters).
    pub launch: Option<Launch>,
}

/// The result of one `Solve`.
#[derive(Clone, Debug, Default)]
pub struct Solution {
    /// New NodeClaims.
    pub claims: Vec<ClaimResult>,
    /// Pods placed on each existing node (indices into the pod list), in input node order.
    pub node_pods: Vec<Vec<usize>>,
    /// Unschedulable pods with the reason.
    pub errors: Vec<(usize, String)>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
struct Relax {
    terms: u16,
    aff: u16,
    anti: u16,
    pnode: u16,
    spread: u16,
    pns: bool,
}

#[derive(Debug)]
struct Class {
    namespace: String,
    labels: BTreeMap<String, String>,
    requests: ResVec,
    unknown_resource: Option<String>,
    ports: Vec<HostPort>,
    node_selector: Requirements,
    required_terms: Vec<Requirements>,
    preferred_node: Vec<Requirements>,
    tolerations: Vec<Toleration>,
    spread_hard: Vec<usize>,
    spread_soft: Vec<usize>,
    aff_req: Vec<usize>,
    aff_pref: Vec<usize>,
    anti_req: Vec<usize>,
    anti_pref: Vec<usize>,
    selected_by: Vec<usize>,
    inverse: Vec<usize>,
}

#[derive(Debug)]
struct Variant {
    class: usize,
    reqs: Requirements,
    strict: Requirements,
    owned: Vec<(usize, bool)>,
    tolerate_pns: bool,
}

#[derive(Debug)]
struct Slot {
    input: usize,
    reqs: Requirements,
    remaining: ResVec,
    taints: Vec<Taint>,
    ports: Vec<HostPort>,
}

#[derive(Debug)]
struct Claim {
    pool: usize,
    reqs: Requirements,
    options: BitSet,
    requests: ResVec,
    pods: Vec<usize>,
    ports: Vec<HostPort>,
}

#[derive(Clone, Copy, Debug)]
struct Fail {
    permanent: bool,
}

const PERMANENT: Fail = Fail { permanent: true };
const TRANSIENT: Fail = Fail { permanent: false };

/// Why a pod cannot join a claim; rendered only when a new claim fails.
#[derive(Clone, Debug)]
enum Reason {
    Taint(Taint),
    Incompatible(Sym),
    HostPort,
    Topology(usize),
    Resources(ResVec),
    Requirements {
        with_resources: bool,
        reqs: Requirements,
    },
    Offering(Requirements),
    MinValues,
}

/// A successful `CanAdd`: narrowed requirements (None = unchanged), survivors, new requests.
struct Added {
    reqs: Option<Requirements>,
    options: BitSet,
    total: ResVec,
}

#[derive(Hash, PartialEq, Eq)]
struct ClassKey<'a> {
    namespace: &'a str,
    labels: &'a BTreeMap<String, String>,
    node_selector: &'a BTreeMap<String, String>,
    affinity: &'a Option<crate::affinity::Affinity>,
    tolerations: &'a [Toleration],
    spreads: &'a [TopologySpreadConstraint],
    containers: &'a [crate::pod::Container],
    init_containers: &'a [crate::pod::Container],
    overhead: &'a ResourceList,
}

/// A selector that matches nothing (a nil selector in an affinity term or spread constraint).
fn match_nothing() -> LabelSelector {
    LabelSelector {
        match_labels: BTreeMap::new(),
        match_expressions: vec![NodeSelectorRequirement {
            key: String::new(),
            operator: "In".into(),
            ..Default::default()
        }],
    }
}

struct Sim<'m> {
    m: &'m mut Model,
    topo: Topology,
    classes: Vec<Class>,
    variants: Vec<Variant>,
    variant_index: FxHashMap<(usize, Relax), usize>,
    dead_nodes: Vec<BitSet>,
    dead_claims: Vec<BitSet>,
    slots: Vec<Slot>,
    claims: Vec<Claim>,
    buckets: Vec<BitSet>,
    bucket_len: Vec<usize>,
    /// Per bucket, the first word that may be non-zero.
    bucket_lo: Vec<usize>,
    remaining_limits: Vec<Option<ResVec>>,
    remaining_nodes: Vec<Option<i64>>,
    limit_bits: Vec<Option<BitSet>>,
    placeholder: Sym,
    node_pods: Vec<Vec<usize>>,
    /// Per topology key, per domain: claims whose requirement on the key collapsed to it.
    single: FxHashMap<Sym, FxHashMap<Sym, BitSet>>,
}

impl Model {
    /// Runs one provisioning simulation: `pods` are the pending pods, `nodes` the existing nodes
    /// (with their bound pods). Malformed pods are a typed error.
    pub fn solve(&mut self, pods: &[Pod], nodes: &[ClusterNode]) -> Result<Solution> {
        let placeholder = self.interner.intern("hostname-placeholder");
        let hostname = self.keys.hostname;
        let npools = self.pools.len();
        let remaining_limits: Vec<Option<ResVec>> =
            self.pools.iter().map(|p| p.limits.clone()).collect();
        let remaining_nodes: Vec<Option<i64>> = self.pools.iter().map(|p| p.node_limit).collect();
        let mut sim = Sim {
            m: self,
            topo: Topology::new(hostname),
            classes: Vec::new(),
            variants: Vec::new(),
            variant_index: FxHashMap::default(),
            dead_nodes: Vec::new(),
            dead_claims: Vec::new(),
            slots: Vec::new(),
            claims: Vec::new(),
            buckets: Vec::new(),
            bucket_len: Vec::new(),
            bucket_lo: Vec::new(),
            remaining_limits,
            remaining_nodes,
            limit_bits: vec![None; npools],
            placeholder,
            node_pods: vec![Vec::new(); nodes.len()],
            single: FxHashMap::default(),
        };
        sim.build_nodes(nodes)?;
        let pod_class = sim.build_classes(pods)?;
        sim.build_topology(nodes)?;
        Ok(sim.run(pods, &pod_class))
    }
}

impl Sim<'_> {
    fn build_nodes(&mut self, nodes: &[ClusterNode]) -> Result<()> {
        let nres = self.m.nres;
        let mut order: Vec<usize> = (0..nodes.len()).collect();
        order.sort_by(|&a, &b| match (nodes.get(a), nodes.get(b)) {
            (Some(x), Some(y)) => y
                .node
                .initialized()
                .cmp(&x.node.initialized())
                .then_with(|| x.node.name().cmp(y.node.name())),
            _ => std::cmp::Ordering::Equal,
        });
        for i in order {
            let Some(cn) = nodes.get(i) else { continue };
            let f = format!("node {}", cn.node.name());
            let alloc = self.m.res.parse_list(
                &format!("{f}.status.allocatable"),
                &cn.node.status.allocatable,
            )?;
            let mut remaining = ResVec::from_sparse(&alloc, nres);
            let mut ports = Vec::new();
            for p in &cn.pods {
                let r = p.effective_requests(&mut self.m.res)?;
                remaining.sub(&ResVec::from_sparse(&r, nres));
                ports.extend(p.host_ports());
            }
            let mut reqs =
                Requirements::from_labels(cn.node.metadata.labels.iter(), &mut self.m.interner);
            let h = self.m.interner.intern(cn.node.name());
            reqs.set(self.m.keys.hostname, Requirement::in_values(vec![h]));
            // existing nodes of a pool count against its limits (capacity, else allocatable)
            if let Some(pool) = cn
                .node
                .metadata
                .labels
                .get(crate::requirements::labels::NODEPOOL)
                && let Some(pi) = self.m.pools.iter().position(|p| &p.name == pool)
            {
                let cap_list: &ResourceList = if cn.node.status.capacity.is_empty() {
                    &cn.node.status.allocatable
                } else {
                    &cn.node.status.capacity
                };
                let cap = ResVec::from_sparse(
                    &self
                        .m
                        .res
                        .parse_list(&format!("{f}.status.capacity"), cap_list)?,
                    nres,
                );
                if let Some(Some(l)) = self.remaining_limits.get_mut(pi) {
                    l.sub(&cap);
                }
                if let Some(Some(n)) = self.remaining_nodes.get_mut(pi) {
                    *n = (*n - 1).max(0);
                }
            }
            self.slots.push(Slot {
                input: i,
                reqs,
                remaining,
                taints: cn.node.spec.taints.clone(),
                ports,
            });
        }
        Ok(())
    }

    fn build_classes(&mut self, pods: &[Pod]) -> Result<Vec<usize>> {
        let mut index: FxHashMap<ClassKey<'_>, usize> = FxHashMap::default();
        let mut pod_class = Vec::with_capacity(pods.len());
        for p in pods {
            let key = ClassKey {
                namespace: p.namespace(),
                labels: &p.metadata.labels,
                node_selector: &p.spec.node_selector,
                affinity: &p.spec.affinity,
                tolerations: &p.spec.tolerations,
                spreads: &p.spec.topology_spread_constraints,
                containers: &p.spec.containers,
                init_containers: &p.spec.init_containers,
                overhead: &p.spec.overhead,
            };
            if let Some(&c) = index.get(&key) {
                pod_class.push(c);
                continue;
            }
            let c = self.classes.len();
            let requests = p.effective_requests(&mut self.m.res)?;
            let class = self.compile_class(p, &requests, p.host_ports())?;
            self.classes.push(class);
            index.insert(key, c);
            pod_class.push(c);
        }
        Ok(pod_class)
    }

    fn compile_class(
        &mut self,
        p: &Pod,
        requests: &[(usize, i64)],
        ports: Vec<HostPort>,
    ) -> Result<Class> {
        let m = &mut *self.m;
        let field = format!("pod {}", p.key());
        let nres = m.nres;
        let unknown_resource = requests
            .iter()
            .find(|(d, v)| *d >= nres && *v > 0)
            .map(|(d, _)| m.res.name(*d).to_string());
        let node_selector = Requirements::from_labels(p.spec.node_selector.iter(), &mut m.interner);
        let na = p
            .spec
            .affinity
            .as_ref()
            .and_then(|a| a.node_affinity.as_ref());
        let mut required_terms = Vec::new();
        if let Some(sel) = na.and_then(|n| n.required.as_ref()) {
            for (i, t) in sel.node_selector_terms.iter().enumerate() {
                let f = format!(
                    "{field}.spec.affinity.nodeAffinity.required.nodeSelectorTerms[{i}].matchExpressions"
                );
                required_terms.push(Requirements::from_manifest(
                    &f,
                    &t.match_expressions,
                    &mut m.interner,
                )?);
            }
        }
        let mut prefs: Vec<(i32, Requirements)> = Vec::new();
        for (i, t) in na
            .map(|n| n.preferred.as_slice())
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let f = format!(
                "{field}.spec.affinity.nodeAffinity.preferred[{i}].preference.matchExpressions"
            );
            prefs.push((
                t.weight,
                Requirements::from_manifest(&f, &t.preference.match_expressions, &mut m.interner)?,
            ));
        }
        prefs.sort_by_key(|(w, _)| std::cmp::Reverse(*w));
        let ns = p.namespace().to_string();
        // groups
        let filter: Vec<Requirements> = if required_terms.is_empty() {
            if node_selector.is_empty() {
                Vec::new()
            } else {
                vec![node_selector.clone()]
            }
        } else {
            required_terms
                .iter()
                .map(|t| {
                    let mut r = t.clone();
                    r.add_all(&node_selector, &m.interner);
                    r
                })
                .collect()
        };
        let mut spread_hard = Vec::new();
        let mut spread_soft = Vec::new();
        for (i, c) in p.spec.topology_spread_constraints.iter().enumerate() {
            let f = format!("{field}.spec.topologySpreadConstraints[{i}]");
            if c.max_skew < 1 {
                return Err(Error::invalid(
                    format!("{f}.maxSkew"),
                    c.max_skew.to_string(),
                    "must be at least 1",
                ));
            }
            let mut selector = c.label_selector.clone().unwrap_or_else(match_nothing);
            for k in &c.match_label_keys {
                if let Some(v) = p.metadata.labels.get(k) {
                    selector.match_labels.insert(k.clone(), v.clone());
                }
            }
            let honor = c.node_affinity_policy.as_deref() != Some("Ignore");
            let key = GroupKey {
                kind: GroupKind::Spread {
                    max_skew: i64::from(c.max_skew),
                    min_domains: i64::from(c.min_domains.unwrap_or(0)),
                },
                key: m.interner.intern(&c.topology_key),
                namespaces: vec![ns.clone()],
                selector,
                node_filter: if honor { filter.clone() } else { Vec::new() },
            };
            let g = self.topo.group(key);
            match c.when_unsatisfiable.as_str() {
                "ScheduleAnyway" => spread_soft.push(g),
                "DoNotSchedule" | "" => spread_hard.push(g),
                other => {
                    return Err(Error::invalid(
                        format!("{f}.whenUnsatisfiable"),
                        other,
                        "expected DoNotSchedule or ScheduleAnyway",
                    ));
                }
            }
        }
        let mut term_group =
            |kind: GroupKind, t: &crate::affinity::PodAffinityTerm, topo: &mut Topology| -> usize {
                let all_ns = t.namespace_selector.as_ref().is_some_and(|s| s.is_empty());
                let mut namespaces = if all_ns {
                    Vec::new()
                } else if t.namespaces.is_empty() {
                    vec![ns.clone()]
                } else {
                    t.namespaces.clone()
                };
                namespaces.sort();
                topo.group(GroupKey {
                    kind,
                    key: m.interner.intern(&t.topology_key),
                    namespaces,
                    selector: t.label_selector.clone().unwrap_or_else(match_nothing),
                    node_filter: Vec::new(),
                })
            };
        let pa = p
            .spec
            .affinity
            .as_ref()
            .and_then(|a| a.pod_affinity.as_ref());
        let paa = p
            .spec
            .affinity
            .as_ref()
            .and_then(|a| a.pod_anti_affinity.as_ref());
        let weighted = |v: Option<&crate::affinity::PodAffinity>| {
            let mut w: Vec<crate::affinity::WeightedPodAffinityTerm> =
                v.map(|a| a.preferred.clone()).unwrap_or_default();
            w.sort_by_key(|t| std::cmp::Reverse(t.weight));
            w
        };
        let aff_req = pa
            .map(|a| a.required.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|t| term_group(GroupKind::Affinity, t, &mut self.topo))
            .collect();
        let aff_pref = weighted(pa)
            .iter()
            .map(|t| term_group(GroupKind::Affinity, &t.pod_affinity_term, &mut self.topo))
            .collect();
        let anti_req = paa
            .map(|a| a.required.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|t| term_group(GroupKind::AntiAffinity, t, &mut self.topo))
            .collect();
        let anti_pref = weighted(paa)
            .iter()
            .map(|t| {
                term_group(
                    GroupKind::AntiAffinity,
                    &t.pod_affinity_term,
                    &mut self.topo,
                )
            })
            .collect();
        Ok(Class {
            namespace: ns,
            labels: p.metadata.labels.clone(),
            requests: ResVec::from_sparse(requests, nres),
            unknown_resource,
            ports,
            node_selector,
            required_terms,
            preferred_node: prefs.into_iter().map(|(_, r)| r).collect(),
            tolerations: p.spec.tolerations.clone(),
            spread_hard,
            spread_soft,
            aff_req,
            aff_pref,
            anti_req,
            anti_pref,
            selected_by: Vec::new(),
            inverse: Vec::new(),
        })
    }

    fn build_topology(&mut self, nodes: &[ClusterNode]) -> Result<()> {
        // required anti-affinity of pods already running blocks domains for pods they select
        let mut existing: Vec<(usize, Vec<usize>)> = Vec::new();
        for (si, slot) in self.slots.iter().enumerate() {
            let Some(cn) = nodes.get(slot.input) else {
                continue;
            };
            for p in &cn.pods {
                let ns = p.namespace().to_string();
                let mut owned = Vec::new();
                if let Some(a) = p
                    .spec
                    .affinity
                    .as_ref()
                    .and_then(|a| a.pod_anti_affinity.as_ref())
                {
                    for t in &a.required {
                        let mut namespaces = if t.namespaces.is_empty() {
                            vec![ns.clone()]
                        } else {
                            t.namespaces.clone()
                        };
                        namespaces.sort();
                        owned.push(self.topo.group(GroupKey {
                            kind: GroupKind::AntiAffinity,
                            key: self.m.interner.intern(&t.topology_key),
                            namespaces,
                            selector: t.label_selector.clone().unwrap_or_else(match_nothing),
                            node_filter: Vec::new(),
                        }));
                    }
                }
                existing.push((si, owned));
            }
        }
        for c in &mut self.classes {
            for (gi, g) in self.topo.groups.iter().enumerate() {
                if g.selects(&c.namespace, &c.labels) {
                    c.selected_by.push(gi);
                    if g.id.kind == GroupKind::AntiAffinity {
                        c.inverse.push(gi);
                    }
                }
            }
        }
        // domain universes of the keys in use
        let keys: Vec<Sym> = self
            .topo
            .groups
            .iter()
            .map(|g| g.id.key)
            .filter(|k| *k != self.topo.hostname)
            .collect();
        for key in keys {
            if self.topo.universe.contains_key(&key) {
                continue;
            }
            let mut vals: Vec<Sym> = Vec::new();
            for pool in &self.m.pools {
                let pr = pool.reqs.get(key);
                if let Some(r) = pr.filter(|r| !r.complement) {
                    vals.extend(r.values.iter().copied());
                }
                for t in pool.types.iter() {
                    if let Some(tr) = self.m.types.get(t).and_then(|ti| ti.reqs.get(key)) {
                        vals.extend(
                            tr.values
                                .iter()
                                .copied()
                                .filter(|v| pr.is_none_or(|r| r.has(*v, &self.m.interner))),
                        );
                    }
                }
            }
            for s in &self.slots {
                if let Some(v) = s.reqs.get(key).and_then(Requirement::single) {
                    vals.push(v);
                }
            }
            vals.sort_by(|a, b| self.m.interner.resolve(*a).cmp(self.m.interner.resolve(*b)));
            vals.dedup();
            self.topo.universe.insert(key, vals);
            self.single.insert(key, FxHashMap::default());
        }
        // counts of pods already running
        let mut pi = 0;
        for (si, slot) in self.slots.iter().enumerate() {
            let Some(cn) = nodes.get(slot.input) else {
                continue;
            };
            for p in &cn.pods {
                let ns = p.namespace();
                let selected: Vec<usize> = self
                    .topo
                    .groups
                    .iter()
                    .enumerate()
                    .filter(|(_, g)| g.selects(ns, &p.metadata.labels))
                    .map(|(i, _)| i)
                    .collect();
                let owned = existing
                    .get(pi)
                    .filter(|e| e.0 == si)
                    .map(|e| e.1.clone())
                    .unwrap_or_default();
                self.topo
                    .record(&selected, &owned, si, &slot.reqs, &self.m.interner);
                pi += 1;
            }
        }
        Ok(())
    }

    fn variant(&mut self, class: usize, relax: Relax) -> usize {
        if let Some(&v) = self.variant_index.get(&(class, relax)) {
            return v;
        }
        let Some(c) = self.classes.get(class) else {
            return 0;
        };
        let interner = &self.m.interner;
        let mut strict = c.node_selector.clone();
        if let Some(t) = c.required_terms.get(relax.terms as usize) {
            strict.add_all(t, interner);
        }
        let mut reqs = strict.clone();
        if let Some(pref) = c.preferred_node.get(relax.pnode as usize) {
            reqs.add_all(pref, interner);
        }
        let mut owned: Vec<usize> = c.spread_hard.clone();
        owned.extend(c.spread_soft.iter().skip(relax.spread as usize));
        owned.extend(&c.aff_req);
        owned.extend(c.aff_pref.iter().skip(relax.aff as usize));
        owned.extend(&c.anti_req);
        owned.extend(c.anti_pref.iter().skip(relax.anti as usize));
        owned.sort_unstable();
        owned.dedup();
        let owned = owned
            .into_iter()
            .map(|g| {
                (
                    g,
                    self.topo
                        .groups
                        .get(g)
                        .is_some_and(|gr| gr.selects(&c.namespace, &c.labels)),
                )
            })
            .collect();
        let v = self.variants.len();
        self.variants.push(Variant {
            class,
            reqs,
            strict,
            owned,
            tolerate_pns: relax.pns,
        });
        self.dead_nodes.push(BitSet::new(0));
        self.dead_claims.push(BitSet::new(0));
        self.variant_index.insert((class, relax), v);
        v
    }

    /// Relaxes one preference, in upstream order; None when nothing is left.
    fn relax(&self, class: usize, r: Relax) -> Option<Relax> {
        let c = self.classes.get(class)?;
        let mut n = r;
        if c.required_terms.len().saturating_sub(r.terms as usize) > 1 {
            n.terms += 1;
        } else if (r.aff as usize) < c.aff_pref.len() {
            n.aff += 1;
        } else if (r.anti as usize) < c.anti_pref.len() {
            n.anti += 1;
        } else if (r.pnode as usize) < c.preferred_node.len() {
            n.pnode += 1;
        } else if (r.spread as usize) < c.spread_soft.len() {
            n.spread += 1;
        } else if !r.pns && self.m.any_prefer_no_schedule {
            n.pns = true;
        } else {
            return None;
        }
        Some(n)
    }

    fn initial_relax(&self, class: usize) -> Relax {
        match self.classes.get(class) {
            Some(c) if self.m.options.ignore_preferences => Relax {
                terms: 0,
                aff: c.aff_pref.len() as u16,
                anti: c.anti_pref.len() as u16,
                pnode: c.preferred_node.len() as u16,
                spread: c.spread_soft.len() as u16,
                pns: true,
            },
            _ => Relax::default(),
        }
    }

    fn run(mut self, pods: &[Pod], pod_class: &[usize]) -> Solution {
        let cls = &self.classes;
        let mut keyed: Vec<_> = pods
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let c = pod_class.get(i).and_then(|&c| cls.get(c));
                let cpu = c.map_or(0, |c| c.requests.get(crate::resources::CPU));
                let mem = c.map_or(0, |c| c.requests.get(crate::resources::MEMORY));
                (
                    std::cmp::Reverse(cpu),
                    std::cmp::Reverse(mem),
                    p.metadata.creation_timestamp.as_deref(),
                    p.metadata.uid.as_str(),
                    i,
                )
            })
            .collect();
        keyed.sort_unstable();
        let mut queue: VecDeque<usize> = keyed.into_iter().map(|k| k.4).collect();
        let mut last_len = vec![0usize; pods.len()];
        let mut errors: FxHashMap<usize, String> = FxHashMap::default();
        // Pop fails when the head was last pushed at the current queue length (a full cycle
        // without progress).
        while let Some(&p) = queue.front() {
            if last_len.get(p).copied() == Some(queue.len()) {
                break;
            }
            queue.pop_front();
            let class = pod_class.get(p).copied().unwrap_or(0);
            match self.try_schedule(p, class) {
                Ok(()) => {
                    errors.remove(&p);
                }
                Err(e) => {
                    errors.insert(p, e);
                    queue.push_back(p);
                    if let Some(l) = last_len.get_mut(p) {
                        *l = queue.len();
                    }
                }
            }
        }
        let mut errors: Vec<(usize, String)> = errors.into_iter().collect();
        errors.sort_by_key(|e| e.0);
        let claims = std::mem::take(&mut self.claims);
        let claims = claims.into_iter().map(|c| self.finalize(c)).collect();
        Solution {
            claims,
            node_pods: self.node_pods,
            errors,
        }
    }

    fn try_schedule(&mut self, pod: usize, class: usize) -> std::result::Result<(), String> {
        if let Some(r) = self
            .classes
            .get(class)
            .and_then(|c| c.unknown_resource.clone())
        {
            return Err(format!("no instance type offers resource {r}"));
        }
        let mut relax = self.initial_relax(class);
        loop {
            let v = self.variant(class, relax);
            match self.add(pod, v) {
                Ok(()) => return Ok(()),
                Err(e) => match self.relax(class, relax) {
                    Some(n) => relax = n,
                    None => return Err(e),
                },
            }
        }
    }

    fn plan_for(&self, v: usize) -> Plan {
        let Some(var) = self.variants.get(v) else {
            return Plan::default();
        };
        let inverse = self
            .classes
            .get(var.class)
            .map(|c| c.inverse.as_slice())
            .unwrap_or_default();
        self.topo.plan(
            &var.owned,
            inverse,
            &var.reqs,
            &var.strict,
            &self.m.interner,
        )
    }

    fn add(&mut self, pod: usize, v: usize) -> std::result::Result<(), String> {
        let plan = self.plan_for(v);
        if let Some(g) = plan.impossible {
            return Err(self.topology_error(g));
        }
        // 1. existing nodes, first fit in (initialized, name) order
        for s in 0..self.slots.len() {
            if self.dead_nodes.get(v).is_some_and(|d| d.contains(s)) {
                continue;
            }
            match self.try_node(s, pod, v, &plan) {
                Ok(()) => return Ok(()),
                Err(f) if f.permanent => {
                    if let Some(d) = self.dead_nodes.get_mut(v) {
                        d.insert(s);
                    }
                }
                Err(_) => {}
            }
        }
        // 2. in-flight claims, least pods first; claims collapsed to a domain the plan does not
        // allow are skipped without a check (they would fail in `narrow`)
        let skip = self.skip_mask(&plan);
        for k in 0..self.buckets.len() {
            if self.bucket_len.get(k).copied().unwrap_or(0) == 0 {
                continue;
            }
            let nwords = self.buckets.get(k).map_or(0, |b| b.words().len());
            for w in 0..nwords {
                let word = self
                    .buckets
                    .get(k)
                    .and_then(|b| b.words().get(w).copied())
                    .unwrap_or(0);
                let dead = self
                    .dead_claims
                    .get(v)
                    .and_then(|d| d.words().get(w).copied())
                    .unwrap_or(0);
                let mut bits = word & !dead & !skip.get(w).copied().unwrap_or(0);
                while bits != 0 {
                    let c = w * 64 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    match self.try_claim(c, pod, v, &plan) {
                        Ok(()) => {
                            self.move_bucket(c, k);
                            return Ok(());
                        }
                        Err(f) if f.permanent => {
                            if let Some(d) = self.dead_claims.get_mut(v) {
                                d.insert(c);
                            }
                        }
                        Err(_) => {}
                    }
                }
            }
        }
        // 3. a new claim, pools by weight
        let mut errs = Vec::new();
        for p in 0..self.m.pools.len() {
            match self.new_claim(p, pod, v, &plan) {
                Ok(()) => return Ok(()),
                Err(e) => errs.push(e),
            }
        }
        if errs.is_empty() {
            errs.push("no nodepools available".into());
        }
        Err(errs.join("; "))
    }

    fn skip_mask(&self, plan: &Plan) -> Vec<u64> {
        let mut skip: Vec<u64> = Vec::new();
        for (key, allowed) in plan.zonal_allowed() {
            let Some(by_dom) = self.single.get(&key) else {
                continue;
            };
            for (d, set) in by_dom {
                if allowed.contains(d) {
                    continue;
                }
                if skip.len() < set.words().len() {
                    skip.resize(set.words().len(), 0);
                }
                for (s, w) in skip.iter_mut().zip(set.words()) {
                    *s |= w;
                }
            }
        }
        skip
    }

    fn topology_error(&self, g: usize) -> String {
        let Some(gr) = self.topo.groups.get(g) else {
            return "unsatisfiable topology constraint".into();
        };
        let kind = match gr.id.kind {
            GroupKind::Spread { .. } => "topology spread",
            GroupKind::Affinity => "pod affinity",
            GroupKind::AntiAffinity => "pod anti-affinity",
        };
        format!(
            "unsatisfiable topology constraint for {kind}, key={}",
            self.m.interner.resolve(gr.id.key)
        )
    }

    fn move_bucket(&mut self, c: usize, from: usize) {
        if let Some(b) = self.buckets.get_mut(from) {
            b.remove(c);
        }
        if let Some(l) = self.bucket_len.get_mut(from) {
            *l -= 1;
        }
        self.insert_bucket(c, from + 1);
    }

    fn insert_bucket(&mut self, c: usize, k: usize) {
        while self.buckets.len() <= k {
            self.buckets.push(BitSet::new(0));
            self.bucket_len.push(0);
            self.bucket_lo.push(0);
        }
        if let Some(lo) = self.bucket_lo.get_mut(k) {
            *lo = (*lo).min(c / 64);
        }
        if let Some(b) = self.buckets.get_mut(k) {
            b.insert(c);
        }
        if let Some(l) = self.bucket_len.get_mut(k) {
            *l += 1;
        }
    }

    fn try_node(
        &mut self,
        s: usize,
        pod: usize,
        v: usize,
        plan: &Plan,
    ) -> std::result::Result<(), Fail> {
        let (Some(slot), Some(var)) = (self.slots.get(s), self.variants.get(v)) else {
            return Err(PERMANENT);
        };
        let Some(class) = self.classes.get(var.class) else {
            return Err(PERMANENT);
        };
        if untolerated(&slot.taints, &class.tolerations, var.tolerate_pns).is_some() {
            return Err(PERMANENT);
        }
        if class
            .ports
            .iter()
            .any(|p| slot.ports.iter().any(|q| p.conflicts(q)))
        {
            return Err(PERMANENT);
        }
        if !class.requests.fits(&slot.remaining) {
            return Err(PERMANENT);
        }
        let interner = &self.m.interner;
        if slot
            .reqs
            .compatible(&var.reqs, interner, &|k| {
                crate::requirements::is_well_known(interner.resolve(k))
            })
            .is_err()
        {
            return Err(PERMANENT);
        }
        let mut reqs = slot.reqs.clone();
        reqs.add_all(&var.reqs, interner);
        self.topo.check_host(plan, s).map_err(|e| Fail {
            permanent: e.permanent,
        })?;
        self.topo
            .narrow(plan, &mut reqs, interner)
            .map_err(|_| TRANSIENT)?;
        let (requests, ports, selected) = (
            class.requests.clone(),
            class.ports.clone(),
            class.selected_by.clone(),
        );
        let anti = class.anti_req.clone();
        self.topo
            .record(&selected, &anti, s, &reqs, &self.m.interner);
        if let Some(slot) = self.slots.get_mut(s) {
            slot.remaining.sub(&requests);
            slot.ports.extend(ports);
            if let Some(np) = self.node_pods.get_mut(slot.input) {
                np.push(pod);
            }
        }
        Ok(())
    }

    fn reason(&self, r: &Reason) -> String {
        let i = &self.m.interner;
        match r {
            Reason::Taint(t) => {
                format!("did not tolerate taint {}={}:{}", t.key, t.value, t.effect)
            }
            Reason::Incompatible(k) => format!("incompatible requirements, key {}", i.resolve(*k)),
            Reason::HostPort => "host port conflict".into(),
            Reason::Topology(g) => self.topology_error(*g),
            Reason::Resources(total) => {
                let mut msg = format!(
                    "no instance type has enough resources, requests={}",
                    total.describe(&self.m.res)
                );
                if total.get(crate::resources::CPU) >= 1_000_000_000 {
                    msg.push_str(" (m vs M typo?)");
                }
                msg
            }
            Reason::Requirements {
                with_resources,
                reqs,
            } => format!(
                "no instance type met the scheduling requirements{}, requirements={}",
                if *with_resources {
                    " and had enough resources"
                } else {
                    ""
                },
                reqs.describe(i)
            ),
            Reason::Offering(reqs) => {
                format!(
                    "no instance type has an available offering, requirements={}",
                    reqs.describe(i)
                )
            }
            Reason::MinValues => "minValues requirement is not met".into(),
        }
    }

    /// Karpenter's `CanAdd` on `claim` (node slot `slot`) for variant `v`.
    fn can_add(
        &mut self,
        claim: &Claim,
        slot: usize,
        v: usize,
        plan: &Plan,
    ) -> std::result::Result<Added, (Fail, Reason)> {
        let (Some(var), Some(pool)) = (self.variants.get(v), self.m.pools.get(claim.pool)) else {
            return Err((PERMANENT, Reason::HostPort));
        };
        let Some(class) = self.classes.get(var.class) else {
            return Err((PERMANENT, Reason::HostPort));
        };
        let interner = &self.m.interner;
        if let Some(t) = untolerated(&pool.taints, &class.tolerations, var.tolerate_pns) {
            return Err((PERMANENT, Reason::Taint(t.clone())));
        }
        if !var.reqs.is_empty()
            && let Err(e) = claim.reqs.compatible(&var.reqs, interner, &|k| {
                crate::requirements::is_well_known(interner.resolve(k))
            })
        {
            let (permanent, key) = match e {
                Incompatible::Undefined(k) => (false, k),
                Incompatible::Conflict(k) => (true, k),
            };
            return Err((Fail { permanent }, Reason::Incompatible(key)));
        }
        if class
            .ports
            .iter()
            .any(|p| claim.ports.iter().any(|q| p.conflicts(q)))
        {
            return Err((PERMANENT, Reason::HostPort));
        }
        self.topo.check_host(plan, slot).map_err(|e| {
            (
                Fail {
                    permanent: e.permanent,
                },
                Reason::Topology(e.group),
            )
        })?;
        // resources first: a failure here is permanent (requests only grow)
        let mut total = claim.requests.clone();
        total.add(&class.requests);
        let mut survivors = claim.options.clone();
        pool.fit.narrow(&mut survivors, &total);
        if !class.ports.is_empty() {
            for t in survivors.clone().iter() {
                let g = pool.daemon_group.get(t).copied().unwrap_or(0) as usize;
                let clash = pool.group_ports.get(g).is_some_and(|ps| {
                    ps.iter()
                        .any(|q| class.ports.iter().any(|p| p.conflicts(q)))
                });
                if clash {
                    survivors.remove(t);
                }
            }
        }
        if survivors.is_empty() {
            return Err((PERMANENT, Reason::Resources(total)));
        }
        let has_min_values = pool.min_values;
        let zonal = plan.is_zonal();
        let mut new_reqs = None;
        if !var.reqs.is_empty() || zonal {
            let mut reqs = claim.reqs.clone();
            let mut changed = !var.reqs.is_empty();
            reqs.add_all(&var.reqs, interner);
            match self.topo.narrow(plan, &mut reqs, interner) {
                Ok(c) => changed |= c,
                Err(e) => return Err((TRANSIENT, Reason::Topology(e.group))),
            }
            if changed {
                let compat = self.m.compat_bits(&reqs);
                survivors.and_with(&compat);
                if survivors.is_empty() {
                    let mut reqs_only = claim.options.clone();
                    reqs_only.and_with(&compat);
                    let with_resources = !reqs_only.is_empty();
                    return Err((
                        Fail { permanent: !zonal },
                        Reason::Requirements {
                            with_resources,
                            reqs,
                        },
                    ));
                }
                survivors.and_with(&self.m.offer_bits(&reqs));
                if survivors.is_empty() {
                    return Err((Fail { permanent: !zonal }, Reason::Offering(reqs)));
                }
                new_reqs = Some(reqs);
            }
        }
        if has_min_values
            && !self.m.options.min_values_best_effort
            && !self
                .m
                .min_values_ok(new_reqs.as_ref().unwrap_or(&claim.reqs), &survivors)
        {
            return Err((TRANSIENT, Reason::MinValues));
        }
        Ok(Added {
            reqs: new_reqs,
            options: survivors,
            total,
        })
    }

    fn try_claim(
        &mut self,
        c: usize,
        pod: usize,
        v: usize,
        plan: &Plan,
    ) -> std::result::Result<(), Fail> {
        let slot = self.slots.len() + c;
        let claim = match self.claims.get_mut(c) {
            Some(cl) => std::mem::replace(
                cl,
                Claim {
                    pool: 0,
                    reqs: Requirements::default(),
                    options: BitSet::new(0),
                    requests: ResVec::default(),
                    pods: Vec::new(),
                    ports: Vec::new(),
                },
            ),
            None => return Err(PERMANENT),
        };
        let r = self.can_add(&claim, slot, v, plan);
        let mut claim = claim;
        let out = match r {
            Ok(added) => {
                self.commit(&mut claim, c, slot, pod, v, added);
                Ok(())
            }
            Err((f, _)) => Err(f),
        };
        if let Some(cl) = self.claims.get_mut(c) {
            *cl = claim;
        }
        out
    }

    fn commit(
        &mut self,
        claim: &mut Claim,
        c: usize,
        slot: usize,
        pod: usize,
        v: usize,
        added: Added,
    ) {
        let Some(var) = self.variants.get(v) else {
            return;
        };
        let Some(class) = self.classes.get(var.class) else {
            return;
        };
        if let Some(reqs) = added.reqs {
            claim.reqs = reqs;
            for (key, by_dom) in self.single.iter_mut() {
                if let Some(d) = claim.reqs.get(*key).and_then(Requirement::single) {
                    by_dom.entry(d).or_default().insert(c);
                }
            }
        }
        claim.options = added.options;
        claim.requests = added.total;
        claim.pods.push(pod);
        claim.ports.extend(class.ports.iter().cloned());
        self.topo.record(
            &class.selected_by,
            &class.anti_req,
            slot,
            &claim.reqs,
            &self.m.interner,
        );
    }

    fn new_claim(
        &mut self,
        p: usize,
        pod: usize,
        v: usize,
        plan: &Plan,
    ) -> std::result::Result<(), String> {
        let Some(pool) = self.m.pools.get(p) else {
            return Err(String::new());
        };
        let name = pool.name.clone();
        if pool.types.is_empty() {
            return Err(format!(
                "nodepool {name:?}: nodepool requirements filtered out all available instance types"
            ));
        }
        if self.remaining_nodes.get(p).copied().flatten() == Some(0) {
            return Err(format!(
                "nodepool {name:?}: node limits have been exhausted for nodepool"
            ));
        }
        let mut options = pool.types.clone();
        if let Some(Some(limit)) = self.remaining_limits.get(p) {
            if self.limit_bits.get(p).is_none_or(|b| b.is_none()) {
                let mut b = BitSet::new(self.m.types.len());
                for t in pool.types.iter() {
                    if self
                        .m
                        .types
                        .get(t)
                        .is_some_and(|ti| ti.capacity.fits(limit))
                    {
                        b.insert(t);
                    }
                }
                if let Some(slot) = self.limit_bits.get_mut(p) {
                    *slot = Some(b);
                }
            }
            if let Some(Some(b)) = self.limit_bits.get(p) {
                options.and_with(b);
            }
            if options.is_empty() {
                return Err(format!(
                    "nodepool {name:?}: all available instance types exceed limits for nodepool"
                ));
            }
        }
        let mut reqs = pool.reqs.clone();
        reqs.set(
            self.m.keys.hostname,
            Requirement::in_values(vec![self.placeholder]),
        );
        let mut claim = Claim {
            pool: p,
            reqs,
            options,
            requests: ResVec::zeros(self.m.nres),
            pods: Vec::new(),
            ports: Vec::new(),
        };
        let c = self.claims.len();
        let slot = self.slots.len() + c;
        match self.can_add(&claim, slot, v, plan) {
            Ok(added) => {
                // pessimistic: subtract the element-wise max capacity over the options
                if let Some(Some(limit)) = self.remaining_limits.get_mut(p) {
                    let mut max = ResVec::zeros(self.m.nres);
                    for t in added.options.iter() {
                        if let Some(ti) = self.m.types.get(t) {
                            max.max_with(&ti.capacity);
                        }
                    }
                    limit.sub(&max);
                    if let Some(b) = self.limit_bits.get_mut(p) {
                        *b = None;
                    }
                }
                self.commit(&mut claim, c, slot, pod, v, added);
                self.claims.push(claim);
                self.insert_bucket(c, 1);
                Ok(())
            }
            Err((_, r)) => Err(format!(
                "incompatible with nodepool {name:?}, {}",
                self.reason(&r)
            )),
        }
    }

    fn finalize(&mut self, c: Claim) -> ClaimResult {
        let mut reqs = c.reqs;
        reqs.remove(self.m.keys.hostname);
        let table = self.m.price_table(&reqs);
        let launch = choose_launch(self.m, &table, &c.options, &c.requests);
        ClaimResult {
            pool: c.pool,
            options: c.options,
            reqs,
            pods: c.pods,
            requests: c.requests,
            launch,
        }
    }
}

impl ClaimResult {
    /// The instance-type options ordered by their cheapest compatible available offering.
    pub fn ordered_options(&self, m: &mut Model) -> Vec<(f64, usize)> {
        let table = m.price_table(&self.reqs);
        table
            .order
            .iter()
            .copied()
            .filter(|(_, t)| self.options.contains(*t))
            .collect()
    }
}

/// AWS launch over `options`: exotic filter (GPU/accelerator/metal only when asked for or nothing
/// else is left); capacity type reserved > spot > on-demand, where spot offerings pricier than the
/// cheapest on-demand one are dropped; then the cheapest offering (ties: lower type index).
pub fn choose_launch(
    m: &Model,
    table: &crate::model::PriceTable,
    options: &BitSet,
    requests: &ResVec,
) -> Option<Launch> {
    let asked_exotic = requests
        .0
        .iter()
        .enumerate()
        .skip(4)
        .any(|(d, v)| *v > 0 && m.res.name(d) != "vpc.amazonaws.com/pod-eni");
    let is_exotic = |t: usize| m.types.get(t).is_some_and(|ti| ti.exotic);
    let keep_exotic = asked_exotic || options.iter().all(is_exotic);
    let cheapest = |tier: usize| {
        table.tiers.get(tier).and_then(|list| {
            list.iter()
                .copied()
                .find(|(_, t, _)| options.contains(*t) && (keep_exotic || !is_exotic(*t)))
        })
    };
    let od = cheapest(2);
    let chosen = cheapest(0)
        .or_else(|| cheapest(1).filter(|s| od.is_none_or(|o| s.0 <= o.0)))
        .or(od);
    chosen.and_then(|(price, t, oi)| {
        let o = m.types.get(t)?.offerings.get(oi)?;
        Some(Launch {
            type_index: t,
            capacity_type: m.interner.resolve(o.capacity_type).to_string(),
            zone: m.interner.resolve(o.zone).to_string(),
            price,
        })
    })
}

/// The JSON plan printed by `binpack plan`.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PlanOutput {
    /// New NodeClaims.
    pub node_claims: Vec<PlannedClaim>,
    /// Placements on existing nodes (omitted when empty).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub existing_nodes: Vec<NodePlacement>,
    /// Unschedulable pods.
    pub unschedulable: Vec<Unschedulable>,
    /// Sum of the claims' launch prices.
    pub total_price_per_hour: f64,
}

/// One planned NodeClaim.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PlannedClaim {
    /// NodePool.
    pub node_pool: String,
    /// Instance type.
    pub instance_type: String,
    /// Capacity type.
    pub capacity_type: String,
    /// Zone.
    pub zone: String,
    /// Price per hour.
    pub price_per_hour: f64,
    /// `namespace/name` of the pods.
    pub pods: Vec<String>,
}

/// Pods placed on an existing node.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct NodePlacement {
    /// Node name.
    pub node: String,
    /// Pods.
    pub pods: Vec<String>,
}

/// An unschedulable pod.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Unschedulable {
    /// `namespace/name`.
    pub pod: String,
    /// Reason.
    pub reason: String,
}

impl Solution {
    /// Renders the plan. Claims whose options have no launchable offering are reported with
    /// their pods as unschedulable.
    pub fn plan(&self, m: &Model, pods: &[Pod], nodes: &[ClusterNode]) -> PlanOutput {
        let name = |i: usize| pods.get(i).map(Pod::key).unwrap_or_default();
        let mut unschedulable: Vec<Unschedulable> = self
            .errors
            .iter()
            .map(|(p, r)| Unschedulable {
                pod: name(*p),
                reason: r.clone(),
            })
            .collect();
        let mut node_claims = Vec::new();
        for c in &self.claims {
            let pool = m
                .pools
                .get(c.pool)
                .map(|p| p.name.clone())
                .unwrap_or_default();
            match &c.launch {
                Some(l) => node_claims.push(PlannedClaim {
                    node_pool: pool,
                    instance_type: m
                        .types
                        .get(l.type_index)
                        .map(|t| t.name.clone())
                        .unwrap_or_default(),
                    capacity_type: l.capacity_type.clone(),
                    zone: l.zone.clone(),
                    price_per_hour: l.price,
                    pods: c.pods.iter().map(|&p| name(p)).collect(),
                }),
                None => unschedulable.extend(c.pods.iter().map(|&p| Unschedulable {
                    pod: name(p),
                    reason: "no available offering for the NodeClaim's instance types".into(),
                })),
            }
        }
        let existing_nodes = self
            .node_pods
            .iter()
            .enumerate()
            .filter(|(_, ps)| !ps.is_empty())
            .map(|(i, ps)| NodePlacement {
                node: nodes
                    .get(i)
                    .map(|n| n.node.name().to_string())
                    .unwrap_or_default(),
                pods: ps.iter().map(|&p| name(p)).collect(),
            })
            .collect();
        let total_price_per_hour = node_claims.iter().map(|c| c.price_per_hour).sum();
        PlanOutput {
            node_claims,
            existing_nodes,
            unschedulable,
            total_price_per_hour,
        }
    }

    /// Sum of launch prices of the new claims.
    pub fn new_cost(&self) -> f64 {
        self.claims
            .iter()
            .filter_map(|c| c.launch.as_ref())
            .map(|l| l.price)
            .sum()
    }
}
