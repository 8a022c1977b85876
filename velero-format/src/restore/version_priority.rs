//! API group version choice for restores with `EnableAPIGroupVersions`
//! (`pkg/restore/prioritize_group_version.go`).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::archive::tree::{ApiGroup, GroupVersionForDiscovery};

#[derive(Debug, PartialEq, Eq)]
enum Kube {
    Ga(u64),
    Beta(u64, u64),
    Alpha(u64, u64),
}

fn parse_kube(v: &str) -> Option<Kube> {
    let rest = v.strip_prefix('v')?;
    let digits_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (major, tail) = rest.split_at(digits_end);
    if major.is_empty() {
        return None;
    }
    let major: u64 = major.parse().ok()?;
    if tail.is_empty() {
        return Some(Kube::Ga(major));
    }
    let (kind, minor) = tail
        .strip_prefix("beta")
        .map(|m| (1, m))
        .or_else(|| tail.strip_prefix("alpha").map(|m| (0, m)))?;
    if minor.is_empty() || !minor.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let minor: u64 = minor.parse().ok()?;
    Some(if kind == 1 {
        Kube::Beta(major, minor)
    } else {
        Kube::Alpha(major, minor)
    })
}

/// `version.CompareKubeAwareVersionStrings`: `Greater` when `a` has the higher priority
/// (GA > beta > alpha > anything else; higher numbers first; other strings lexically).
pub fn compare_kube_aware(a: &str, b: &str) -> Ordering {
    let rank = |k: &Kube| match k {
        Kube::Ga(m) => (3, *m, 0),
        Kube::Beta(m, n) => (2, *m, *n),
        Kube::Alpha(m, n) => (1, *m, *n),
    };
    match (parse_kube(a), parse_kube(b)) {
        (Some(x), Some(y)) => rank(&x).cmp(&rank(&y)),
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        (None, None) => b.cmp(a),
    }
}

/// `k8sPrioritySort`: stable sort, highest priority first.
pub fn k8s_priority_sort(v: &mut [GroupVersionForDiscovery]) {
    v.sort_by(|a, b| compare_kube_aware(&b.version, &a.version));
}

/// `userResourceGroupVersionPriorities`: parses `restoreResourcesVersionPriority` lines
/// `gr=v1,v2` (spaces removed, invalid lines skipped); `None` when no valid line.
pub fn user_priorities(data: Option<&str>) -> Option<BTreeMap<String, ApiGroup>> {
    let mut out = BTreeMap::new();
    for line in data?
        .split('\n')
        .map(|l| l.replace(' ', ""))
        .filter(|l| !l.is_empty())
    {
        if line.matches('=').count() != 1 {
            continue;
        }
        let Some((rg, versions)) = line.split_once('=') else {
            continue;
        };
        if rg.is_empty() || versions.is_empty() {
            continue;
        }
        let versions = versions
            .split(',')
            .map(|v| GroupVersionForDiscovery {
                group_version: String::new(),
                version: v.to_owned(),
            })
            .collect();
        out.insert(
            rg.to_owned(),
            ApiGroup {
                versions,
                ..ApiGroup::default()
            },
        );
    }
    if out.is_empty() { None } else { Some(out) }
}

/// `findAPIGroup`: the group named `name`, or an empty group.
pub fn find_api_group(groups: &[ApiGroup], name: &str) -> ApiGroup {
    groups
        .iter()
        .find(|g| g.name == name)
        .cloned()
        .unwrap_or_default()
}

/// `versionsContain`.
pub fn versions_contain(gvs: &[GroupVersionForDiscovery], version: &str) -> bool {
    gvs.iter().any(|g| g.version == version)
}

/// `findSupportedUserVersion`: the first user version present in both target and source.
pub fn find_supported_user_version(
    user: &[GroupVersionForDiscovery],
    target: &[GroupVersionForDiscovery],
    source: &[GroupVersionForDiscovery],
) -> String {
    user.iter()
        .find(|u| versions_contain(target, &u.version) && versions_contain(source, &u.version))
        .map(|u| u.version.clone())
        .unwrap_or_default()
}
