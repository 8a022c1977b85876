//! Checks across a set of resources that KEDA's webhook makes against the cluster: one
//! ScaledObject per scale target and per HPA name within a namespace.

use crate::manifest::{Manifest, ScaledObject};
use crate::{Error, Result};

/// `group/version.Kind` of a scale target, as KEDA prints it (`apps/v1.Deployment`).
fn gvk(so: &ScaledObject) -> String {
    let t = &so.spec.scale_target_ref;
    format!("{}.{}", t.api_version(), t.kind())
}

/// For each manifest, the set-level error KEDA's `verifyScaledObjects` would raise when the
/// others already exist in the cluster: the same target (namespace, kind and name) or the same
/// HPA name already managed by an earlier ScaledObject.
pub fn check_set(manifests: &[Manifest]) -> Vec<Result<()>> {
    let mut out = Vec::with_capacity(manifests.len());
    for (i, m) in manifests.iter().enumerate() {
        let Manifest::ScaledObject(so) = m else {
            out.push(Ok(()));
            continue;
        };
        let earlier = manifests.iter().take(i).filter_map(|m| match m {
            Manifest::ScaledObject(o)
                if o.metadata.namespace() == so.metadata.namespace()
                    && o.metadata.name() != so.metadata.name() =>
            {
                Some(o)
            }
            _ => None,
        });
        let mut result = Ok(());
        for other in earlier {
            if other.spec.scale_target_ref.name == so.spec.scale_target_ref.name
                && gvk(other) == gvk(so)
            {
                result = Err(Error::invalid(
                    "spec.scaleTargetRef",
                    &so.spec.scale_target_ref.name,
                    format!(
                        "the workload '{}' of type '{}' is already managed by the ScaledObject '{}'",
                        so.spec.scale_target_ref.name,
                        gvk(so),
                        other.metadata.name()
                    ),
                ));
                break;
            }
            if other.hpa_name() == so.hpa_name() {
                result = Err(Error::invalid(
                    "spec.advanced.horizontalPodAutoscalerConfig.name",
                    so.hpa_name(),
                    format!(
                        "the HPA '{}' is already managed by the ScaledObject '{}'",
                        so.hpa_name(),
                        other.metadata.name()
                    ),
                ));
                break;
            }
        }
        out.push(result);
    }
    out
}
