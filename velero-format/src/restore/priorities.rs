//! Restore resource priorities (`pkg/types/priority.go`, `getOrderedResources`).

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// High priorities (restored first, in order) and low priorities (restored last).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Priorities {
    /// Restored first, verbatim.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub high_priorities: Vec<String>,
    /// Restored last, verbatim.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub low_priorities: Vec<String>,
}

impl Priorities {
    /// Velero's default list (`pkg/cmd/server/config/config.go`).
    pub fn default_restore() -> Self {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect();
        Self {
            high_priorities: s(&[
                "customresourcedefinitions",
                "namespaces",
                "storageclasses",
                "volumesnapshotclass.snapshot.storage.k8s.io",
                "volumesnapshotcontents.snapshot.storage.k8s.io",
                "volumesnapshots.snapshot.storage.k8s.io",
                "datauploads.velero.io",
                "persistentvolumes",
                "persistentvolumeclaims",
                "clusterroles",
                "roles",
                "serviceaccounts",
                "clusterrolebindings",
                "rolebindings",
                "secrets",
                "configmaps",
                "limitranges",
                "priorityclasses",
                "pods",
                "replicasets.apps",
                "clusterclasses.cluster.x-k8s.io",
                "endpoints",
                "services",
            ]),
            low_priorities: s(&[
                "clusterbootstraps.run.tanzu.vmware.com",
                "clusters.cluster.x-k8s.io",
                "clusterresourcesets.addons.cluster.x-k8s.io",
                "apps.kappctrl.k14s.io",
                "packageinstalls.packaging.carvel.dev",
            ]),
        }
    }

    /// Parses the `--restore-resource-priorities` syntax: comma list, a single `-` separates
    /// high from low. More than one `-` is an error (and leaves `self` untouched).
    pub fn set(&mut self, s: &str) -> Result<(), Error> {
        if s.is_empty() {
            return Ok(());
        }
        let parts: Vec<&str> = s.split(',').collect();
        let seps = parts.iter().filter(|p| **p == "-").count();
        if seps > 1 {
            return Err(Error::invalid(
                "restore-resource-priorities",
                s,
                "multiple separators",
            ));
        }
        let mut high = Vec::new();
        let mut low = Vec::new();
        let mut after = false;
        for p in parts {
            if p == "-" {
                after = true;
            } else if after {
                low.push(p.to_owned());
            } else {
                high.push(p.to_owned());
            }
        }
        self.high_priorities = high;
        self.low_priorities = low;
        Ok(())
    }
}

impl fmt::Display for Priorities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.high_priorities.join(","))?;
        if !self.low_priorities.is_empty() {
            write!(f, ",-,{}", self.low_priorities.join(","))?;
        }
        Ok(())
    }
}

/// `getOrderedResources`: high priorities verbatim, then backup resource directories not
/// textually equal to any priority entry (sorted), then low priorities verbatim.
pub fn ordered_resources<'a, I: IntoIterator<Item = &'a str>>(
    p: &Priorities,
    backup_resources: I,
) -> Vec<String> {
    let named: BTreeSet<&str> = p
        .high_priorities
        .iter()
        .chain(&p.low_priorities)
        .map(String::as_str)
        .collect();
    let rest: BTreeSet<&str> = backup_resources
        .into_iter()
        .filter(|r| !named.contains(r))
        .collect();
    p.high_priorities
        .iter()
        .cloned()
        .chain(rest.into_iter().map(str::to_owned))
        .chain(p.low_priorities.iter().cloned())
        .collect()
}
