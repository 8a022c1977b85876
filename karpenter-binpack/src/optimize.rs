//! Cost optimisation beyond upstream: the LP lower bound of a generic workload and the
//! `--optimize` packing guided by it.
//!
//! LP (solved exactly with `microlp`): pods grouped into request classes; `x[c,t]` pods of class
//! `c` on type `t` (only where one pod fits), `y[t]` a fractional node count with
//! `Σ_c r[c,d] x[c,t] <= alloc[t,d] y[t]` for every resource `d`; minimise `Σ price[t] y[t]`.
//! Types dominated by a larger type with at least the same allocatable per dollar in every
//! resource are pruned first (exact: any use of the dominated type can be moved at no extra cost).

use crate::bitset::BitSet;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::resources::ResVec;
use crate::scheduler::{ClaimResult, Solution, choose_launch};
use microlp::{ComparisonOp, OptimizationDirection, Problem};

/// A request class of the LP.
#[derive(Clone, Debug, PartialEq)]
pub struct LpClass {
    /// Requests of one pod.
    pub requests: ResVec,
    /// Number of pods.
    pub count: usize,
}

/// The LP optimum.
#[derive(Clone, Debug, Default)]
pub struct LpSolution {
    /// Objective: the lower bound on $/hour.
    pub cost: f64,
    /// Candidate types (model indices) after pruning.
    pub types: Vec<usize>,
    /// Fractional node count per candidate type.
    pub y: Vec<f64>,
    /// Pods per class per candidate type.
    pub x: Vec<Vec<f64>>,
}

/// Groups pod requests into classes (first-seen order).
pub fn classes(requests: &[ResVec]) -> (Vec<LpClass>, Vec<usize>) {
    let mut out: Vec<LpClass> = Vec::new();
    let mut index: rustc_hash::FxHashMap<&ResVec, usize> = rustc_hash::FxHashMap::default();
    let mut of = Vec::with_capacity(requests.len());
    for r in requests {
        let c = *index.entry(r).or_insert_with(|| {
            out.push(LpClass {
                requests: r.clone(),
                count: 0,
            });
            out.len() - 1
        });
        if let Some(cl) = out.get_mut(c) {
            cl.count += 1;
        }
        of.push(c);
    }
    (out, of)
}

/// Solves the LP over pool `pool`'s instance types (optionally without exotic types).
pub fn lp_bound(
    m: &mut Model,
    pool: usize,
    classes: &[LpClass],
    include_exotic: bool,
) -> Result<LpSolution> {
    let Some(p) = m.pools.get(pool) else {
        return Err(Error::invalid("pool", pool.to_string(), "no such pool"));
    };
    let (reqs, pool_types, eff) = (p.reqs.clone(), p.types.clone(), p.eff_alloc.clone());
    let table = m.price_table(&reqs);
    let dims: Vec<usize> = (0..m.nres)
        .filter(|&d| classes.iter().any(|c| c.requests.get(d) > 0))
        .collect();
    let alloc = |t: usize| eff.get(t).cloned().unwrap_or_default();
    let mut cands: Vec<(usize, f64)> = table
        .order
        .iter()
        .copied()
        .map(|(price, t)| (t, price))
        .filter(|&(t, price)| {
            pool_types.contains(t)
                && price > 0.0
                && (include_exotic || !m.types.get(t).is_some_and(|ti| ti.exotic))
                && classes.iter().any(|c| c.requests.fits(&alloc(t)))
        })
        .collect();
    // prune dominated types
    let dominated = |a: (usize, f64), b: (usize, f64)| {
        let (aa, ab) = (alloc(a.0), alloc(b.0));
        dims.iter()
            .all(|&d| ab.get(d) >= aa.get(d) && ab.get(d) as f64 / b.1 >= aa.get(d) as f64 / a.1)
    };
    let snapshot = cands.clone();
    cands.retain(|&a| {
        !snapshot
            .iter()
            .any(|&b| b.0 != a.0 && dominated(a, b) && !(dominated(b, a) && b.0 > a.0))
    });
    let mut lp = Problem::new(OptimizationDirection::Minimize);
    let y: Vec<microlp::Variable> = cands
        .iter()
        .map(|&(_, price)| lp.add_var(price, (0.0, f64::INFINITY)))
        .collect();
    let x: Vec<Vec<Option<microlp::Variable>>> = classes
        .iter()
        .map(|c| {
            cands
                .iter()
                .map(|&(t, _)| {
                    c.requests
                        .fits(&alloc(t))
                        .then(|| lp.add_var(0.0, (0.0, f64::INFINITY)))
                })
                .collect()
        })
        .collect();
    for (c, row) in classes.iter().zip(&x) {
        let terms: Vec<(microlp::Variable, f64)> =
            row.iter().flatten().map(|v| (*v, 1.0)).collect();
        if terms.is_empty() {
            return Err(Error::invalid(
                "lp",
                format!("{:?}", c.requests.0),
                "a request class fits no instance type",
            ));
        }
        lp.add_constraint(terms, ComparisonOp::Eq, c.count as f64);
    }
    for (ti, &(t, _)) in cands.iter().enumerate() {
        let a = alloc(t);
        for &d in &dims {
            // scale to units (milli-values of memory are large)
            let scale = 1.0 / (a.get(d).max(1) as f64);
            let mut terms: Vec<(microlp::Variable, f64)> = Vec::new();
            for (c, row) in classes.iter().zip(&x) {
                if let Some(Some(v)) = row.get(ti) {
                    let r = c.requests.get(d) as f64 * scale;
                    if r > 0.0 {
                        terms.push((*v, r));
                    }
                }
            }
            if let Some(yv) = y.get(ti) {
                terms.push((*yv, -(a.get(d) as f64) * scale));
            }
            lp.add_constraint(terms, ComparisonOp::Le, 0.0);
        }
    }
    let sol = lp
        .solve()
        .map_err(|e| Error::invalid("lp", "", e.to_string()))?
        .into_solution()
        .map_err(|_| Error::invalid("lp", "", "solve interrupted"))?;
    Ok(LpSolution {
        cost: sol.objective(),
        types: cands.iter().map(|c| c.0).collect(),
        y: y.iter().map(|v| sol.var_value(*v)).collect(),
        x: x.iter()
            .map(|row| {
                row.iter()
                    .map(|v| v.map_or(0.0, |v| sol.var_value(v)))
                    .collect()
            })
            .collect(),
    })
}

/// Whether a pod is "generic": no node selector, affinity, spread or host ports.
pub fn is_generic(p: &crate::pod::Pod) -> bool {
    p.spec.node_selector.is_empty()
        && p.spec.affinity.is_none()
        && p.spec.topology_spread_constraints.is_empty()
        && p.host_ports().is_empty()
}

/// A packed node: pod indices and summed requests.
type Node = (Vec<usize>, ResVec);

/// First-fit-decreasing of `items` (indices into `reqs`) into nodes of allocatable `cap`.
fn ffd(items: &mut [usize], reqs: &[ResVec], cap: &ResVec, nres: usize) -> Vec<Node> {
    let key = |i: usize| {
        reqs.get(i).map(|r| {
            (
                r.get(crate::resources::CPU),
                r.get(crate::resources::MEMORY),
            )
        })
    };
    items.sort_by_key(|&i| std::cmp::Reverse(key(i)));
    let mut open: Vec<Node> = Vec::new();
    for &i in items.iter() {
        let Some(r) = reqs.get(i) else { continue };
        match open.iter_mut().find(|(_, used)| used.fits_with(r, cap)) {
            Some((ps, used)) => {
                ps.push(i);
                used.add(r);
            }
            None => {
                let mut used = ResVec::zeros(nres);
                used.add(r);
                open.push((vec![i], used));
            }
        }
    }
    open
}

/// Spreads `items` over exactly `n` nodes of allocatable `cap`, largest first, each into the node
/// whose fullest resource stays lowest (keeps the LP's complementary mix balanced per node).
/// Returns the nodes and the items that fit nowhere.
fn balance(
    items: &mut [usize],
    reqs: &[ResVec],
    cap: &ResVec,
    n: usize,
    nres: usize,
) -> (Vec<Node>, Vec<usize>) {
    let norm = |r: &ResVec| {
        cap.0
            .iter()
            .zip(&r.0)
            .filter(|(c, _)| **c > 0)
            .map(|(c, v)| *v as f64 / *c as f64)
            .fold(0.0, f64::max)
    };
    items.sort_by(|&a, &b| {
        let (ra, rb) = (reqs.get(a).map_or(0.0, norm), reqs.get(b).map_or(0.0, norm));
        rb.total_cmp(&ra)
    });
    let mut nodes: Vec<Node> = (0..n).map(|_| (Vec::new(), ResVec::zeros(nres))).collect();
    let mut left = Vec::new();
    for &i in items.iter() {
        let Some(r) = reqs.get(i) else { continue };
        let best = nodes
            .iter()
            .enumerate()
            .filter(|(_, (_, used))| used.fits_with(r, cap))
            .map(|(k, (_, used))| {
                let mut u = used.clone();
                u.add(r);
                (norm(&u), k)
            })
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        match best.and_then(|(_, k)| nodes.get_mut(k)) {
            Some((ps, used)) => {
                ps.push(i);
                used.add(r);
            }
            None => left.push(i),
        }
    }
    nodes.retain(|(ps, _)| !ps.is_empty());
    (nodes, left)
}

/// Packs pods (indices with their requests) of one pool guided by the LP. Rounds: solve the LP
/// on the pods left, and for every type with `y >= 1` fill `floor(y)` nodes with the LP's share
/// of each class (first-fit decreasing); the pods left after the rounds are split across types as
/// the LP says and packed the same way. Every node is finally shrunk to the cheapest type that
/// holds it.
pub fn pack(m: &mut Model, pool: usize, pods: &[(usize, ResVec)]) -> Result<Vec<ClaimResult>> {
    let reqs_list: Vec<ResVec> = pods.iter().map(|(_, r)| r.clone()).collect();
    let Some(p) = m.pools.get(pool) else {
        return Ok(Vec::new());
    };
    let (pool_reqs, eff) = (p.reqs.clone(), p.eff_alloc.clone());
    let mut remaining: Vec<usize> = (0..pods.len()).collect();
    let mut bins: Vec<Node> = Vec::new();
    for _round in 0..8 {
        if remaining.is_empty() {
            break;
        }
        let sub: Vec<ResVec> = remaining
            .iter()
            .filter_map(|&i| reqs_list.get(i).cloned())
            .collect();
        let (cls, of) = classes(&sub);
        let lp = lp_bound(m, pool, &cls, false)?;
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); cls.len()];
        for (k, c) in of.iter().enumerate() {
            if let (Some(v), Some(&i)) = (members.get_mut(*c), remaining.get(k)) {
                v.push(i);
            }
        }
        let mut taken_any = false;
        let mut spill: Vec<usize> = Vec::new();
        let mut order: Vec<usize> = (0..lp.types.len()).collect();
        order.sort_by(|&a, &b| {
            lp.y.get(b)
                .copied()
                .unwrap_or(0.0)
                .total_cmp(&lp.y.get(a).copied().unwrap_or(0.0))
        });
        for ti in order {
            let y = lp.y.get(ti).copied().unwrap_or(0.0);
            let full = y.floor();
            if full < 1.0 || y <= 1e-9 {
                continue;
            }
            let f = (full / y).min(1.0);
            let mut items = Vec::new();
            for (c, list) in members.iter_mut().enumerate() {
                let want =
                    lp.x.get(c)
                        .and_then(|row| row.get(ti))
                        .copied()
                        .unwrap_or(0.0)
                        * f;
                let n = (want + 1e-6).floor() as usize;
                let n = n.min(list.len());
                items.extend(list.drain(..n));
            }
            if items.is_empty() {
                continue;
            }
            taken_any = true;
            let Some(&t) = lp.types.get(ti) else { continue };
            let cap = eff.get(t).cloned().unwrap_or_default();
            let (nodes, left) = balance(&mut items, &reqs_list, &cap, full as usize, m.nres);
            bins.extend(nodes);
            spill.extend(left);
        }
        remaining = members.into_iter().flatten().collect();
        remaining.append(&mut spill);
        if !taken_any {
            break;
        }
    }
    let residual_types: Vec<usize> = if remaining.is_empty() {
        Vec::new()
    } else {
        let sub: Vec<ResVec> = remaining
            .iter()
            .filter_map(|&i| reqs_list.get(i).cloned())
            .collect();
        lp_bound(m, pool, &classes(&sub).0, false)?.types
    };
    let table = m.price_table(&pool_reqs);
    let Some(p) = m.pools.get(pool) else {
        return Ok(Vec::new());
    };
    // the cheapest non-exotic type holding a node's contents
    let shrink = |used: &ResVec| {
        let mut fit = p.types.clone();
        p.fit.narrow(&mut fit, used);
        table
            .order
            .iter()
            .copied()
            .find(|(_, t)| fit.contains(*t) && !m.types.get(*t).is_some_and(|ti| ti.exotic))
    };
    if !remaining.is_empty() {
        // residual: first-fit decreasing into the largest type of the pool, or into each type
        // the LP uses; keep the cheaper after shrinking
        let mut best: Option<(f64, Vec<Node>)> = None;
        let largest = p
            .types
            .iter()
            .filter(|t| !m.types.get(*t).is_some_and(|ti| ti.exotic))
            .max_by_key(|t| {
                let a = eff.get(*t).cloned().unwrap_or_default();
                (
                    a.get(crate::resources::CPU),
                    a.get(crate::resources::MEMORY),
                )
            });
        for t in largest.into_iter().chain(residual_types) {
            let cap = eff.get(t).cloned().unwrap_or_default();
            let mut items = remaining.clone();
            let packed = ffd(&mut items, &reqs_list, &cap, m.nres);
            if packed
                .iter()
                .any(|(ps, used)| ps.len() == 1 && !used.fits(&cap))
            {
                continue;
            }
            let cost: Option<f64> = packed
                .iter()
                .map(|(_, used)| shrink(used).map(|(p, _)| p))
                .sum();
            if let Some(c) = cost
                && best.as_ref().is_none_or(|(b, _)| c < *b)
            {
                best = Some((c, packed));
            }
        }
        match best {
            Some((_, packed)) => bins.extend(packed),
            None => {
                return Err(Error::invalid(
                    "optimize",
                    remaining.len().to_string(),
                    "pods left after packing",
                ));
            }
        }
    }
    // improvement: empty the cheapest-to-drain nodes into the free room of the others
    let mut caps: Vec<(f64, ResVec)> = bins
        .iter()
        .map(|(_, used)| {
            shrink(used).map_or((0.0, used.clone()), |(price, t)| {
                (price, eff.get(t).cloned().unwrap_or_default())
            })
        })
        .collect();
    let mut order: Vec<usize> = (0..bins.len()).collect();
    order.sort_by(|&a, &b| {
        let util = |i: usize| bins.get(i).map_or(0, |(ps, _)| ps.len());
        util(a).cmp(&util(b))
    });
    let mut removed = vec![false; bins.len()];
    for &src in &order {
        let Some((moving, _)) = bins.get(src).cloned() else {
            continue;
        };
        let mut trial: Vec<(usize, usize)> = Vec::new();
        let mut extra: Vec<ResVec> = vec![ResVec::zeros(m.nres); bins.len()];
        let ok = moving.iter().all(|&i| {
            let Some(r) = reqs_list.get(i) else {
                return false;
            };
            let dest = (0..bins.len()).find(|&d| {
                d != src
                    && !removed.get(d).copied().unwrap_or(true)
                    && match (bins.get(d), caps.get(d), extra.get(d)) {
                        (Some((_, used)), Some((_, cap)), Some(e)) => {
                            let mut u = used.clone();
                            u.add(e);
                            u.fits_with(r, cap)
                        }
                        _ => false,
                    }
            });
            match dest.and_then(|d| extra.get_mut(d).map(|e| (d, e))) {
                Some((d, e)) => {
                    e.add(r);
                    trial.push((i, d));
                    true
                }
                None => false,
            }
        });
        if !ok {
            continue;
        }
        for (i, d) in trial {
            if let (Some((ps, used)), Some(r)) = (bins.get_mut(d), reqs_list.get(i)) {
                ps.push(i);
                used.add(r);
            }
        }
        if let Some(flag) = removed.get_mut(src) {
            *flag = true;
        }
        if let Some((ps, used)) = bins.get_mut(src) {
            ps.clear();
            *used = ResVec::zeros(m.nres);
        }
        if let Some(c) = caps.get_mut(src) {
            c.0 = 0.0;
        }
    }
    bins.retain(|(ps, _)| !ps.is_empty());
    let mut out = Vec::with_capacity(bins.len());
    for (ps, used) in bins {
        let mut options = BitSet::new(m.types.len());
        if let Some((_, t)) = shrink(&used) {
            options.insert(t);
        }
        let launch = choose_launch(m, &table, &options, &used);
        out.push(ClaimResult {
            pool,
            options,
            reqs: pool_reqs.clone(),
            pods: ps
                .iter()
                .filter_map(|&i| pods.get(i).map(|(pi, _)| *pi))
                .collect(),
            requests: used,
            launch,
        });
    }
    Ok(out)
}

impl Model {
    /// `--optimize`: solve as Karpenter does, then re-pack the pods of new claims that hold only
    /// generic pods with [`pack`], per pool, keeping the re-packing where it is cheaper.
    pub fn solve_optimized(
        &mut self,
        pods: &[crate::pod::Pod],
        nodes: &[crate::node::ClusterNode],
    ) -> Result<Solution> {
        let mut sol = self.solve(pods, nodes)?;
        let generic: Vec<bool> = pods.iter().map(is_generic).collect();
        for pool in 0..self.pools.len() {
            let idx: Vec<usize> = sol
                .claims
                .iter()
                .enumerate()
                .filter(|(_, c)| {
                    c.pool == pool
                        && c.launch.is_some()
                        && c.pods
                            .iter()
                            .all(|&p| generic.get(p).copied().unwrap_or(false))
                })
                .map(|(i, _)| i)
                .collect();
            if idx.is_empty() {
                continue;
            }
            let mut items = Vec::new();
            for &ci in &idx {
                let Some(c) = sol.claims.get(ci) else {
                    continue;
                };
                for &p in &c.pods {
                    let Some(pod) = pods.get(p) else { continue };
                    let r = pod.effective_requests(&mut self.res)?;
                    items.push((p, ResVec::from_sparse(&r, self.nres)));
                }
            }
            let before: f64 = idx
                .iter()
                .filter_map(|&i| sol.claims.get(i))
                .filter_map(|c| c.launch.as_ref())
                .map(|l| l.price)
                .sum();
            let Ok(packed) = pack(self, pool, &items) else {
                continue;
            };
            if packed.iter().any(|c| c.launch.is_none()) {
                continue;
            }
            let after: f64 = packed
                .iter()
                .filter_map(|c| c.launch.as_ref())
                .map(|l| l.price)
                .sum();
            if after < before {
                let mut keep: Vec<ClaimResult> = sol
                    .claims
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| !idx.contains(i))
                    .map(|(_, c)| c)
                    .collect();
                keep.extend(packed);
                sol.claims = keep;
            }
        }
        Ok(sol)
    }
}
