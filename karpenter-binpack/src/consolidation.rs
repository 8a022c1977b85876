//! Consolidation (`pkg/controllers/disruption`): emptiness, multi-node (binary search over the
//! cheapest-to-disrupt prefix, at most 100 candidates), single-node (round-robin across pools),
//! the worst-case launch price rule for replacements, spot-to-spot rules, budgets, do-not-disrupt
//! and PDBs. Beyond upstream: a minimum-savings threshold. The 15 s validation wait and
//! re-simulation are not modelled (one decision pass over a static snapshot).

use crate::budgets::{self, Reason};
use crate::error::Result;
use crate::model::{Model, offering_ok};
use crate::node::{ClusterNode, DO_NOT_DISRUPT};
use crate::nodepool::parse_duration;
use crate::pdb::PodDisruptionBudget;
use crate::pod::Pod;
use crate::requirements::{Requirement, labels};
use chrono::{DateTime, Utc};
use rustc_hash::FxHashMap;
use serde::Serialize;

/// Knobs of a consolidation pass.
#[derive(Clone, Debug, Default)]
pub struct ConsolidationOptions {
    /// Feature gate `SpotToSpotConsolidation` (default off: spot nodes are only deleted).
    pub spot_to_spot: bool,
    /// Minimum savings as a fraction of the disrupted nodes' price (0 = upstream: any saving).
    pub min_savings_fraction: f64,
    /// Minimum savings in $/hour (0 = upstream).
    pub min_savings_per_hour: f64,
}

/// The replacement NodeClaim of a replace command.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Replacement {
    /// NodePool.
    pub node_pool: String,
    /// Estimated launch: the cheapest option.
    pub instance_type: String,
    /// Capacity type (pinned to spot when spot was allowed).
    pub capacity_type: String,
    /// Zone of the estimated launch.
    pub zone: String,
    /// Estimated price per hour.
    pub price_per_hour: f64,
    /// Price-filtered instance-type options, cheapest first.
    pub instance_type_options: Vec<String>,
}

/// One disruption command.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Command {
    /// `delete` or `replace`.
    pub action: String,
    /// `Empty` or `Underutilized`.
    pub reason: String,
    /// Disrupted nodes.
    pub nodes: Vec<String>,
    /// Replacement (replace only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replacement: Option<Replacement>,
    /// Estimated savings per hour.
    pub savings_per_hour: f64,
}

/// The result of one disruption pass.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// The method that produced the commands (emptiness, multi-node, single-node) or none.
    pub method: Option<String>,
    /// Commands.
    pub commands: Vec<Command>,
    /// Price of all priced nodes before.
    pub price_before: f64,
    /// Estimated price after the commands.
    pub price_after: f64,
}

#[derive(Clone, Debug)]
struct Candidate {
    node: usize,
    pool: usize,
    price: f64,
    spot: bool,
    type_name: String,
    cost: f64,
    empty: bool,
    reschedulable: Vec<usize>,
}

const POD_DELETION_COST: &str = "controller.kubernetes.io/pod-deletion-cost";

/// `EvictionCost`: clamp(1 + deletion_cost/2^27 + priority/2^25, -10, 10).
pub fn eviction_cost(p: &Pod) -> f64 {
    let del: f64 = p
        .metadata
        .annotations
        .get(POD_DELETION_COST)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    let prio = f64::from(p.spec.priority.unwrap_or(0));
    (1.0 + del / 2f64.powi(27) + prio / 2f64.powi(25)).clamp(-10.0, 10.0)
}

fn reschedulable(p: &Pod) -> bool {
    !p.is_daemon_or_node_owned()
}

fn do_not_disrupt(p: &Pod, now: DateTime<Utc>) -> bool {
    match p
        .metadata
        .annotations
        .get(DO_NOT_DISRUPT)
        .map(String::as_str)
    {
        None => false,
        Some("true") => true,
        Some(d) => match (
            parse_duration("annotation", d),
            p.metadata.creation_timestamp.as_deref(),
        ) {
            (Ok(secs), Some(ts)) => match DateTime::parse_from_rfc3339(ts) {
                Ok(start) => {
                    (now - start.with_timezone(&Utc)).num_seconds()
                        < i64::try_from(secs).unwrap_or(i64::MAX)
                }
                Err(_) => true,
            },
            _ => false,
        },
    }
}

/// The price of a node from its instance-type, zone and capacity-type labels (None if unknown).
pub fn node_price(m: &Model, n: &ClusterNode) -> Option<f64> {
    let l = &n.node.metadata.labels;
    let t = m.type_index(l.get(labels::INSTANCE_TYPE)?)?;
    let (zone, ct) = (l.get(labels::ZONE)?, l.get(labels::CAPACITY_TYPE)?);
    m.types
        .get(t)?
        .offerings
        .iter()
        .find(|o| m.interner.resolve(o.zone) == zone && m.interner.resolve(o.capacity_type) == ct)
        .map(|o| o.price)
}

struct Ctx<'a> {
    nodes: &'a [ClusterNode],
    pending: &'a [Pod],
    opts: &'a ConsolidationOptions,
}

/// One disruption pass: emptiness, then multi-node, then single-node consolidation; stops at the
/// first method that produces a command.
pub fn consolidate(
    m: &mut Model,
    nodes: &[ClusterNode],
    pending: &[Pod],
    pdbs: &[PodDisruptionBudget],
    now: DateTime<Utc>,
    opts: &ConsolidationOptions,
) -> Result<Outcome> {
    let price_before: f64 = nodes.iter().filter_map(|n| node_price(m, n)).sum();
    let all_pods: Vec<&Pod> = nodes.iter().flat_map(|n| &n.pods).collect();
    let pdb_allowed: Vec<i64> = pdbs
        .iter()
        .map(|p| p.disruptions_allowed(&all_pods))
        .collect();
    let pool_index: FxHashMap<&str, usize> = m
        .nodepools
        .iter()
        .enumerate()
        .map(|(i, p)| (p.name(), i))
        .collect();
    // budgets per pool and reason
    let mut counted = vec![0usize; m.nodepools.len()];
    for n in nodes {
        if let Some(&pi) = n
            .node
            .metadata
            .labels
            .get(labels::NODEPOOL)
            .and_then(|p| pool_index.get(p.as_str()))
            && n.node.initialized()
            && let Some(c) = counted.get_mut(pi)
        {
            *c += 1;
        }
    }
    let mut budget: FxHashMap<(usize, Reason), usize> = FxHashMap::default();
    for (pi, p) in m.nodepools.iter().enumerate() {
        for r in [Reason::Empty, Reason::Underutilized] {
            let c = counted.get(pi).copied().unwrap_or(0);
            budget.insert(
                (pi, r),
                budgets::allowed(p, r, c, now)?.unwrap_or(usize::MAX),
            );
        }
    }
    let mut cands = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        let Some(&pool) = n
            .node
            .metadata
            .labels
            .get(labels::NODEPOOL)
            .and_then(|p| pool_index.get(p.as_str()))
        else {
            continue;
        };
        let Some(np) = m.nodepools.get(pool) else {
            continue;
        };
        if !n.node.initialized()
            || n.node
                .metadata
                .annotations
                .get(DO_NOT_DISRUPT)
                .is_some_and(|v| v == "true")
        {
            continue;
        }
        if np.spec.disruption.consolidate_after.as_deref() == Some("Never") {
            continue;
        }
        let Some(price) = node_price(m, n) else {
            continue;
        };
        if n.pods.iter().any(|p| do_not_disrupt(p, now)) {
            continue;
        }
        let resched: Vec<usize> = n
            .pods
            .iter()
            .enumerate()
            .filter(|(_, p)| reschedulable(p))
            .map(|(j, _)| j)
            .collect();
        let evictable = resched.iter().filter_map(|&j| n.pods.get(j)).all(|p| {
            let covering: Vec<usize> = pdbs
                .iter()
                .enumerate()
                .filter(|(_, b)| b.covers(p))
                .map(|(k, _)| k)
                .collect();
            match covering.as_slice() {
                [] => true,
                [k] => pdb_allowed.get(*k).is_some_and(|a| *a > 0),
                _ => false,
            }
        });
        if !evictable {
            continue;
        }
        let cost: f64 = resched
            .iter()
            .filter_map(|&j| n.pods.get(j))
            .map(eviction_cost)
            .sum();
        let spot = n
            .node
            .metadata
            .labels
            .get(labels::CAPACITY_TYPE)
            .is_some_and(|c| c == "spot");
        let type_name = n
            .node
            .metadata
            .labels
            .get(labels::INSTANCE_TYPE)
            .cloned()
            .unwrap_or_default();
        cands.push(Candidate {
            node: i,
            pool,
            price,
            spot,
            type_name,
            cost,
            empty: resched.is_empty(),
            reschedulable: resched,
        });
    }
    // long-standing ordering: disruption cost ascending (ties by name)
    cands.sort_by(|a, b| {
        a.cost.total_cmp(&b.cost).then_with(|| {
            let na = nodes.get(a.node).map(|n| n.node.name());
            let nb = nodes.get(b.node).map(|n| n.node.name());
            na.cmp(&nb)
        })
    });
    let ctx = Ctx {
        nodes,
        pending,
        opts,
    };
    let name = |c: &Candidate| {
        nodes
            .get(c.node)
            .map(|n| n.node.name().to_string())
            .unwrap_or_default()
    };
    let finish = |method: &str, commands: Vec<Command>| {
        let saved: f64 = commands.iter().map(|c| c.savings_per_hour).sum();
        Outcome {
            method: Some(method.into()),
            commands,
            price_before,
            price_after: price_before - saved,
        }
    };
    // 1. emptiness
    let mut empties = Vec::new();
    let mut saved = 0.0;
    for c in cands.iter().filter(|c| c.empty) {
        if let Some(b) = budget.get_mut(&(c.pool, Reason::Empty))
            && *b > 0
        {
            *b -= 1;
            empties.push(name(c));
            saved += c.price;
        }
    }
    if !empties.is_empty() && meets_threshold(opts, saved, saved) {
        let cmd = Command {
            action: "delete".into(),
            reason: "Empty".into(),
            nodes: empties,
            replacement: None,
            savings_per_hour: saved,
        };
        return Ok(finish("emptiness", vec![cmd]));
    }
    let underutilized: Vec<&Candidate> = cands
        .iter()
        .filter(|c| !c.empty)
        .filter(|c| {
            m.nodepools
                .get(c.pool)
                .and_then(|p| p.spec.disruption.consolidation_policy.as_deref())
                != Some("WhenEmpty")
        })
        .collect();
    // 2. multi-node
    let mut budget_multi = budget.clone();
    let mut multi: Vec<&Candidate> = Vec::new();
    for c in &underutilized {
        if let Some(b) = budget_multi.get_mut(&(c.pool, Reason::Underutilized))
            && *b > 0
        {
            *b -= 1;
            multi.push(c);
        }
    }
    multi.truncate(100);
    if multi.len() >= 2 {
        let (mut lo, mut hi) = (
            1usize,
            if multi.len() <= 100 {
                multi.len() - 1
            } else {
                100
            },
        );
        let mut best = None;
        while lo <= hi {
            let mid = (lo + hi) / 2;
            let batch: Vec<&Candidate> = multi.iter().take(mid + 1).copied().collect();
            match compute(m, &ctx, &batch, false)? {
                Some(cmd) => {
                    best = Some(cmd);
                    lo = mid + 1;
                }
                None => hi = mid - 1,
            }
        }
        if let Some(cmd) = best {
            return Ok(finish("multi-node", vec![cmd]));
        }
    }
    // 3. single-node, round-robin across pools
    let mut by_pool: Vec<Vec<&Candidate>> = Vec::new();
    let mut pool_slot: FxHashMap<usize, usize> = FxHashMap::default();
    for c in &underutilized {
        let s = *pool_slot.entry(c.pool).or_insert_with(|| {
            by_pool.push(Vec::new());
            by_pool.len() - 1
        });
        if let Some(v) = by_pool.get_mut(s) {
            v.push(c);
        }
    }
    let longest = by_pool.iter().map(Vec::len).max().unwrap_or(0);
    for round in 0..longest {
        for list in &by_pool {
            let Some(c) = list.get(round) else { continue };
            if budget
                .get(&(c.pool, Reason::Underutilized))
                .copied()
                .unwrap_or(0)
                == 0
            {
                continue;
            }
            if let Some(cmd) = compute(m, &ctx, &[c], true)? {
                return Ok(finish("single-node", vec![cmd]));
            }
        }
    }
    Ok(Outcome {
        method: None,
        commands: Vec::new(),
        price_before,
        price_after: price_before,
    })
}

fn meets_threshold(opts: &ConsolidationOptions, savings: f64, candidate_price: f64) -> bool {
    savings > 0.0
        && savings >= opts.min_savings_per_hour
        && savings >= opts.min_savings_fraction * candidate_price
}

/// `computeConsolidation` for a candidate set.
fn compute(
    m: &mut Model,
    ctx: &Ctx<'_>,
    cands: &[&Candidate],
    single: bool,
) -> Result<Option<Command>> {
    let removed: Vec<usize> = cands.iter().map(|c| c.node).collect();
    let remaining: Vec<ClusterNode> = ctx
        .nodes
        .iter()
        .enumerate()
        .filter(|(i, _)| !removed.contains(i))
        .map(|(_, n)| n.clone())
        .collect();
    let mut pods: Vec<Pod> = ctx.pending.to_vec();
    for c in cands {
        if let Some(n) = ctx.nodes.get(c.node) {
            pods.extend(
                c.reschedulable
                    .iter()
                    .filter_map(|&j| n.pods.get(j))
                    .cloned(),
            );
        }
    }
    let sol = m.solve(&pods, &remaining)?;
    if sol.errors.iter().any(|(p, _)| *p >= ctx.pending.len()) {
        return Ok(None);
    }
    let names: Vec<String> = cands
        .iter()
        .filter_map(|c| ctx.nodes.get(c.node))
        .map(|n| n.node.name().to_string())
        .collect();
    let candidate_price: f64 = cands.iter().map(|c| c.price).sum();
    match sol.claims.as_slice() {
        [] => {
            if !meets_threshold(ctx.opts, candidate_price, candidate_price) {
                return Ok(None);
            }
            Ok(Some(Command {
                action: "delete".into(),
                reason: "Underutilized".into(),
                nodes: names,
                replacement: None,
                savings_per_hour: candidate_price,
            }))
        }
        [claim] => {
            let mut reqs = claim.reqs.clone();
            let k = m.keys;
            let may_spot = reqs
                .get(k.capacity_type)
                .is_none_or(|r| r.has(k.spot, &m.interner));
            let may_od = reqs
                .get(k.capacity_type)
                .is_none_or(|r| r.has(k.on_demand, &m.interner));
            let all_spot = cands.iter().all(|c| c.spot);
            let spot_to_spot = all_spot && may_spot;
            if spot_to_spot && !ctx.opts.spot_to_spot {
                return Ok(None);
            }
            if spot_to_spot || (may_spot && may_od) {
                reqs.set(k.capacity_type, Requirement::in_values(vec![k.spot]));
            }
            let ordered = claim.ordered_options(m);
            let mut options: Vec<usize> = ordered
                .iter()
                .map(|(_, t)| *t)
                .filter(|&t| {
                    worst_launch_price(m, t, &claim.reqs, spot_to_spot)
                        .is_some_and(|w| w < candidate_price)
                })
                .collect();
            if !single {
                // filterOutSameInstanceType
                let own: Vec<f64> = cands
                    .iter()
                    .filter(|c| {
                        options
                            .iter()
                            .any(|&t| m.types.get(t).is_some_and(|ti| ti.name == c.type_name))
                    })
                    .map(|c| c.price)
                    .collect();
                if let Some(min) = own.into_iter().reduce(f64::min) {
                    options.retain(|&t| cheapest_price(m, t, &reqs).is_some_and(|p| p < min));
                }
            }
            if spot_to_spot && single {
                if options.len() < 15 {
                    return Ok(None);
                }
                options.truncate(15);
            }
            let mut set = crate::bitset::BitSet::new(m.types.len());
            for &t in &options {
                set.insert(t);
            }
            if options.is_empty() || !m.min_values_ok(&reqs, &set) {
                return Ok(None);
            }
            let Some((t, off)) = options.iter().find_map(|&t| {
                m.types
                    .get(t)
                    .and_then(|ti| ti.cheapest(&reqs, &k, &m.interner))
                    .map(|o| (t, o.clone()))
            }) else {
                return Ok(None);
            };
            let savings = candidate_price - off.price;
            if !meets_threshold(ctx.opts, savings, candidate_price) {
                return Ok(None);
            }
            let type_name = |t: usize| m.types.get(t).map(|ti| ti.name.clone()).unwrap_or_default();
            Ok(Some(Command {
                action: "replace".into(),
                reason: "Underutilized".into(),
                nodes: names,
                replacement: Some(Replacement {
                    node_pool: m
                        .pools
                        .get(claim.pool)
                        .map(|p| p.name.clone())
                        .unwrap_or_default(),
                    instance_type: type_name(t),
                    capacity_type: m.interner.resolve(off.capacity_type).to_string(),
                    zone: m.interner.resolve(off.zone).to_string(),
                    price_per_hour: off.price,
                    instance_type_options: options.iter().map(|&t| type_name(t)).collect(),
                }),
                savings_per_hour: savings,
            }))
        }
        _ => Ok(None),
    }
}

fn cheapest_price(m: &Model, t: usize, reqs: &crate::requirements::Requirements) -> Option<f64> {
    m.types
        .get(t)
        .and_then(|ti| ti.cheapest(reqs, &m.keys, &m.interner))
        .map(|o| o.price)
}

/// The worst launch price: the most expensive compatible available offering of the first
/// capacity-type tier (reserved, spot, on-demand) that has one; spot only for spot-to-spot.
pub fn worst_launch_price(
    m: &Model,
    t: usize,
    reqs: &crate::requirements::Requirements,
    spot_only: bool,
) -> Option<f64> {
    let ti = m.types.get(t)?;
    let k = m.keys;
    let tiers: &[u32] = if spot_only {
        &[k.spot]
    } else {
        &[k.reserved, k.spot, k.on_demand]
    };
    tiers.iter().find_map(|&tier| {
        ti.offerings
            .iter()
            .filter(|o| {
                o.available && o.capacity_type == tier && offering_ok(o, reqs, &k, &m.interner)
            })
            .map(|o| o.price)
            .reduce(f64::max)
    })
}
