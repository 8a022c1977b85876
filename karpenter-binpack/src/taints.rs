//! Taints and tolerations (Kubernetes `ToleratesTaint`, with the comparison operators enabled).

use serde::{Deserialize, Serialize};

/// A node taint.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct Taint {
    /// Key.
    pub key: String,
    /// Value.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub value: String,
    /// NoSchedule, PreferNoSchedule or NoExecute.
    pub effect: String,
}

/// The effect that relaxation step 6 may tolerate.
pub const PREFER_NO_SCHEDULE: &str = "PreferNoSchedule";

/// A pod toleration.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Toleration {
    /// Key (empty with `Exists` matches every key).
    #[serde(default)]
    pub key: String,
    /// Equal (default), Exists, Gt, Lt.
    #[serde(default)]
    pub operator: String,
    /// Value.
    #[serde(default)]
    pub value: String,
    /// Effect (empty matches all effects).
    #[serde(default)]
    pub effect: String,
    /// Ignored for scheduling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toleration_seconds: Option<i64>,
}

impl Toleration {
    /// Whether this toleration tolerates `taint`.
    pub fn tolerates(&self, taint: &Taint) -> bool {
        if !self.effect.is_empty() && self.effect != taint.effect {
            return false;
        }
        if self.key.is_empty() {
            return self.operator == "Exists";
        }
        if self.key != taint.key {
            return false;
        }
        match self.operator.as_str() {
            "Exists" => true,
            "" | "Equal" => self.value == taint.value,
            "Gt" | "Lt" => match (taint.value.parse::<i64>(), self.value.parse::<i64>()) {
                (Ok(t), Ok(v)) => {
                    if self.operator == "Gt" {
                        t > v
                    } else {
                        t < v
                    }
                }
                _ => false,
            },
            _ => false,
        }
    }
}

/// Returns the first taint not tolerated, if any. `tolerate_prefer_no_schedule` is relaxation step 6.
pub fn untolerated<'a>(
    taints: &'a [Taint],
    tolerations: &[Toleration],
    tolerate_prefer_no_schedule: bool,
) -> Option<&'a Taint> {
    taints.iter().find(|t| {
        !(tolerations.iter().any(|tol| tol.tolerates(t))
            || tolerate_prefer_no_schedule && t.effect == PREFER_NO_SCHEDULE)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taint(k: &str, v: &str, e: &str) -> Taint {
        Taint {
            key: k.into(),
            value: v.into(),
            effect: e.into(),
        }
    }

    #[test]
    fn matching() {
        let t = taint("gpu", "true", "NoSchedule");
        let eq = Toleration {
            key: "gpu".into(),
            value: "true".into(),
            ..Default::default()
        };
        assert!(eq.tolerates(&t));
        let wrong = Toleration {
            key: "gpu".into(),
            value: "false".into(),
            ..Default::default()
        };
        assert!(!wrong.tolerates(&t));
        let all = Toleration {
            operator: "Exists".into(),
            ..Default::default()
        };
        assert!(all.tolerates(&t));
        let other_effect = Toleration {
            key: "gpu".into(),
            operator: "Exists".into(),
            effect: "NoExecute".into(),
            ..Default::default()
        };
        assert!(!other_effect.tolerates(&t));
        let gt = Toleration {
            key: "level".into(),
            operator: "Gt".into(),
            value: "3".into(),
            ..Default::default()
        };
        assert!(gt.tolerates(&taint("level", "5", "NoSchedule")));
        assert!(!gt.tolerates(&taint("level", "2", "NoSchedule")));
    }

    #[test]
    fn prefer_no_schedule_is_hard_until_relaxed() {
        let taints = vec![taint("soft", "", PREFER_NO_SCHEDULE)];
        assert!(untolerated(&taints, &[], false).is_some());
        assert!(untolerated(&taints, &[], true).is_none());
    }
}
