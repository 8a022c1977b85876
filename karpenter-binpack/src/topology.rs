//! Topology: spread constraints, pod affinity and anti-affinity (`topology.go`,
//! `topologygroup.go`). Groups are shared by identical terms; counts are kept per domain, with
//! hostname domains indexed by node slot (existing nodes first, then claims of the simulation).

use crate::affinity::LabelSelector;
use crate::intern::{Interner, Sym};
use crate::requirements::{Requirement, Requirements};
use rustc_hash::FxHashMap;

/// Kind of a topology group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GroupKind {
    /// Topology spread with maxSkew and minDomains.
    Spread {
        /// maxSkew.
        max_skew: i64,
        /// minDomains (0 = unset).
        min_domains: i64,
    },
    /// Pod affinity.
    Affinity,
    /// Pod anti-affinity.
    AntiAffinity,
}

/// Identity of a group: identical terms share counts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GroupKey {
    /// Kind.
    pub kind: GroupKind,
    /// Topology key.
    pub key: Sym,
    /// Namespaces the selector applies to (sorted; empty = all).
    pub namespaces: Vec<String>,
    /// Selector.
    pub selector: LabelSelector,
    /// Spread node filter (nodeAffinityPolicy Honor): OR of the owner's required terms.
    pub node_filter: Vec<Requirements>,
}

/// Per-domain counts.
#[derive(Clone, Debug, Default)]
pub struct Counts {
    by_slot: Vec<u32>,
    by_domain: FxHashMap<Sym, u32>,
    /// Total over all domains.
    pub total: u64,
}

impl Counts {
    fn slot(&self, s: usize) -> u32 {
        self.by_slot.get(s).copied().unwrap_or(0)
    }
    fn domain(&self, d: Sym) -> u32 {
        self.by_domain.get(&d).copied().unwrap_or(0)
    }
    fn inc_slot(&mut self, s: usize) {
        if self.by_slot.len() <= s {
            self.by_slot.resize(s + 1, 0);
        }
        if let Some(c) = self.by_slot.get_mut(s) {
            *c += 1;
        }
        self.total += 1;
    }
    fn inc_domain(&mut self, d: Sym) {
        *self.by_domain.entry(d).or_default() += 1;
        self.total += 1;
    }
}

/// A topology group.
#[derive(Clone, Debug)]
pub struct Group {
    /// Identity.
    pub id: GroupKey,
    /// Matching pods per domain.
    pub counts: Counts,
    /// Owners of a required anti-affinity term per domain (the inverse group).
    pub owners: Counts,
}

impl Group {
    /// Whether the group counts a pod of `namespace` with `labels`.
    pub fn selects(
        &self,
        namespace: &str,
        labels: &std::collections::BTreeMap<String, String>,
    ) -> bool {
        (self.id.namespaces.is_empty() || self.id.namespaces.iter().any(|n| n == namespace))
            && self.id.selector.matches(labels)
    }
}

/// How a pod uses a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The pod owns the term.
    Own,
    /// The pod is selected by another pod's required anti-affinity term.
    Inverse,
}

/// Why a topology check failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopologyError {
    /// Group.
    pub group: usize,
    /// Whether the failure can never turn into success on this node (hostname domains only grow).
    pub permanent: bool,
}

/// The allowed domains of one non-hostname group for one scheduling attempt, in preference order.
#[derive(Clone, Debug)]
pub struct ZonalPlan {
    group: usize,
    key: Sym,
    /// Spread: pick the first allowed domain the node admits. Others: narrow to all admitted.
    pick_one: bool,
    allowed: Vec<Sym>,
}

/// A hostname-keyed check.
#[derive(Clone, Copy, Debug)]
pub struct HostCheck {
    group: usize,
    role: Role,
    self_selects: bool,
}

/// The per-attempt topology plan of a pod.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    host: Vec<HostCheck>,
    zonal: Vec<ZonalPlan>,
    /// A zonal group has no allowed domain at all: fails on every node.
    pub impossible: Option<usize>,
}

impl Plan {
    /// Whether the plan narrows non-hostname domains (results then depend on global counts).
    pub fn is_zonal(&self) -> bool {
        !self.zonal.is_empty()
    }

    /// (key, allowed domains) of each non-hostname group.
    pub fn zonal_allowed(&self) -> impl Iterator<Item = (Sym, &[Sym])> {
        self.zonal.iter().map(|z| (z.key, z.allowed.as_slice()))
    }
}

/// All groups and domain universes of one simulation.
#[derive(Clone, Debug, Default)]
pub struct Topology {
    /// Groups.
    pub groups: Vec<Group>,
    index: FxHashMap<GroupKey, usize>,
    /// Domain universe per non-hostname key, sorted by name (deterministic tie-break).
    pub universe: FxHashMap<Sym, Vec<Sym>>,
    /// The hostname key.
    pub hostname: Sym,
}

impl Topology {
    /// An empty topology over the given hostname key.
    pub fn new(hostname: Sym) -> Self {
        Topology {
            hostname,
            ..Default::default()
        }
    }

    /// Registers (or finds) a group.
    pub fn group(&mut self, key: GroupKey) -> usize {
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        let i = self.groups.len();
        self.index.insert(key.clone(), i);
        self.groups.push(Group {
            id: key,
            counts: Counts::default(),
            owners: Counts::default(),
        });
        i
    }

    fn domains_for(&self, key: Sym, req: Option<&Requirement>, interner: &Interner) -> Vec<Sym> {
        self.universe
            .get(&key)
            .map(|u| {
                u.iter()
                    .copied()
                    .filter(|d| req.is_none_or(|r| r.has(*d, interner)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Builds the attempt plan for a pod: `owned` groups (with whether the pod selects itself),
    /// `inverse` groups that select the pod; `pod_reqs` / `strict_reqs` are its requirements.
    pub fn plan(
        &self,
        owned: &[(usize, bool)],
        inverse: &[usize],
        pod_reqs: &Requirements,
        strict_reqs: &Requirements,
        interner: &Interner,
    ) -> Plan {
        let mut plan = Plan::default();
        let all = owned
            .iter()
            .map(|&(g, s)| (g, Role::Own, s))
            .chain(inverse.iter().map(|&g| (g, Role::Inverse, false)));
        for (gi, role, self_selects) in all {
            let Some(g) = self.groups.get(gi) else {
                continue;
            };
            if g.id.key == self.hostname {
                plan.host.push(HostCheck {
                    group: gi,
                    role,
                    self_selects,
                });
                continue;
            }
            let key = g.id.key;
            let pod_domains = self.domains_for(key, pod_reqs.get(key), interner);
            let (pick_one, allowed) = match (role, g.id.kind) {
                (Role::Inverse, _) => (
                    false,
                    pod_domains
                        .into_iter()
                        .filter(|d| g.owners.domain(*d) == 0)
                        .collect(),
                ),
                (
                    Role::Own,
                    GroupKind::Spread {
                        max_skew,
                        min_domains,
                    },
                ) => {
                    let eligible = self.domains_for(key, strict_reqs.get(key), interner);
                    let mut min = eligible
                        .iter()
                        .map(|d| g.counts.domain(*d))
                        .min()
                        .unwrap_or(0) as i64;
                    if (eligible.len() as i64) < min_domains {
                        min = 0;
                    }
                    let me = i64::from(self_selects);
                    let mut valid: Vec<Sym> = pod_domains
                        .into_iter()
                        .filter(|d| i64::from(g.counts.domain(*d)) + me - min <= max_skew)
                        .collect();
                    // smallest count first; ties by domain name (the universe order)
                    valid.sort_by_key(|d| g.counts.domain(*d));
                    (true, valid)
                }
                (Role::Own, GroupKind::Affinity) => {
                    let with: Vec<Sym> = pod_domains
                        .iter()
                        .copied()
                        .filter(|d| g.counts.domain(*d) > 0)
                        .collect();
                    if with.is_empty() && self_selects && g.counts.total == 0 {
                        (true, pod_domains)
                    } else {
                        (false, with)
                    }
                }
                (Role::Own, GroupKind::AntiAffinity) => (
                    false,
                    pod_domains
                        .into_iter()
                        .filter(|d| g.counts.domain(*d) == 0)
                        .collect(),
                ),
            };
            if allowed.is_empty() {
                plan.impossible = Some(gi);
            }
            plan.zonal.push(ZonalPlan {
                group: gi,
                key,
                pick_one,
                allowed,
            });
        }
        plan
    }

    /// Checks the hostname-keyed groups of the plan on node slot `slot`.
    pub fn check_host(&self, plan: &Plan, slot: usize) -> Result<(), TopologyError> {
        for h in &plan.host {
            let Some(g) = self.groups.get(h.group) else {
                continue;
            };
            let ok = match (h.role, g.id.kind) {
                (Role::Inverse, _) => g.owners.slot(slot) == 0,
                (Role::Own, GroupKind::Spread { max_skew, .. }) => {
                    i64::from(g.counts.slot(slot)) + i64::from(h.self_selects) <= max_skew
                }
                (Role::Own, GroupKind::Affinity) => {
                    g.counts.slot(slot) > 0 || (h.self_selects && g.counts.total == 0)
                }
                (Role::Own, GroupKind::AntiAffinity) => g.counts.slot(slot) == 0,
            };
            if !ok {
                // hostname counts of a slot only grow; affinity may still be satisfied later
                let permanent = !matches!((h.role, g.id.kind), (Role::Own, GroupKind::Affinity));
                return Err(TopologyError {
                    group: h.group,
                    permanent,
                });
            }
        }
        Ok(())
    }

    /// Narrows `reqs` (node requirements ∩ pod requirements) to the allowed non-hostname domains.
    /// Returns whether `reqs` changed.
    pub fn narrow(
        &self,
        plan: &Plan,
        reqs: &mut Requirements,
        interner: &Interner,
    ) -> Result<bool, TopologyError> {
        let mut changed = false;
        for z in &plan.zonal {
            let node_req = reqs.get(z.key);
            let admitted: Vec<Sym> = z
                .allowed
                .iter()
                .copied()
                .filter(|d| node_req.is_none_or(|r| r.has(*d, interner)))
                .collect();
            let narrowed: Vec<Sym> = if z.pick_one {
                admitted.into_iter().take(1).collect()
            } else {
                admitted
            };
            if narrowed.is_empty() {
                return Err(TopologyError {
                    group: z.group,
                    permanent: false,
                });
            }
            let new = Requirement::in_values(narrowed);
            if node_req.is_none_or(|r| r.complement || r.values != new.values) {
                reqs.add(z.key, new, interner);
                changed = true;
            }
        }
        Ok(changed)
    }

    /// `Record`: counts a placed pod. `selected_by` are the groups whose selector matches the pod,
    /// `owned_required_anti` the required anti-affinity groups the pod owns.
    pub fn record(
        &mut self,
        selected_by: &[usize],
        owned_required_anti: &[usize],
        slot: usize,
        reqs: &Requirements,
        interner: &Interner,
    ) {
        let hostname = self.hostname;
        for (gi, owner) in selected_by
            .iter()
            .map(|g| (*g, false))
            .chain(owned_required_anti.iter().map(|g| (*g, true)))
        {
            let Some(g) = self.groups.get(gi) else {
                continue;
            };
            if !owner
                && !g.id.node_filter.is_empty()
                && !g
                    .id
                    .node_filter
                    .iter()
                    .any(|f| f.intersects(reqs, interner).is_ok())
            {
                continue;
            }
            let key = g.id.key;
            let kind = g.id.kind;
            let domains: Vec<Sym> = if key == hostname {
                Vec::new()
            } else {
                let req = reqs.get(key);
                match (kind, owner) {
                    (GroupKind::AntiAffinity, _) => self.domains_for(key, req, interner),
                    _ => req.and_then(Requirement::single).into_iter().collect(),
                }
            };
            let Some(g) = self.groups.get_mut(gi) else {
                continue;
            };
            let counts = if owner { &mut g.owners } else { &mut g.counts };
            if key == hostname {
                counts.inc_slot(slot);
            } else {
                for d in domains {
                    counts.inc_domain(d);
                }
            }
        }
    }
}
