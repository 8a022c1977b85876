//! Validation of the HPA spec as the API server does it
//! (`pkg/apis/autoscaling/validation/validation.go`). Errors carry the field path and render
//! like Kubernetes' `field.Error`.

use super::defaults::FeatureGates;
use super::spec::{
    Behavior, HpaSpec, MetricSourceType, MetricSpec, MetricTarget, MetricTargetType,
    ScalingPolicySelect, ScalingPolicyType, ScalingRules,
};
use crate::Error;

/// Longest stabilization window (`MaxStabilizationWindowSeconds`).
pub const MAX_STABILIZATION_WINDOW_SECONDS: i32 = 3600;
/// Longest policy period (`MaxPeriodSeconds`).
pub const MAX_PERIOD_SECONDS: i32 = 1800;

/// Options that depend on the object being updated (ratcheting) rather than created.
#[derive(Debug, Clone, Default)]
pub struct ValidationOptions {
    /// The old object already had a behavior tolerance, so the gate does not forbid it.
    pub old_has_tolerance: bool,
    /// The old object already had `minReplicas: 0`.
    pub old_min_replicas_zero: bool,
}

/// Validates a whole spec; returns every error found, in upstream order.
pub fn validate_spec(spec: &HpaSpec, gates: &FeatureGates, opts: &ValidationOptions) -> Vec<Error> {
    let mut errs = Vec::new();
    let lower = if gates.scale_to_zero || opts.old_min_replicas_zero {
        0
    } else {
        1
    };
    if let Some(min) = spec.min_replicas
        && min < lower
    {
        errs.push(Error::invalid(
            "spec.minReplicas",
            min,
            format!("must be greater than or equal to {lower}"),
        ));
    }
    if spec.max_replicas < 1 {
        errs.push(Error::invalid(
            "spec.maxReplicas",
            spec.max_replicas,
            "must be greater than 0",
        ));
    }
    if let Some(min) = spec.min_replicas
        && spec.max_replicas < min
    {
        errs.push(Error::invalid(
            "spec.maxReplicas",
            spec.max_replicas,
            "must be greater than or equal to `minReplicas`",
        ));
    }
    if spec.scale_target_ref.kind.is_empty() {
        errs.push(Error::required("spec.scaleTargetRef.kind", ""));
    }
    if spec.scale_target_ref.name.is_empty() {
        errs.push(Error::required("spec.scaleTargetRef.name", ""));
    }
    if spec.min_replicas == Some(0) && !spec.metrics.iter().any(MetricSpec::is_object_or_external) {
        errs.push(Error::Forbidden {
            field: "spec.minReplicas".into(),
            message: "must specify at least one Object or External metric to support scaling to zero replicas".into(),
        });
    }
    for (i, m) in spec.metrics.iter().enumerate() {
        errs.extend(validate_metric_spec(m, &format!("spec.metrics[{i}]")));
    }
    if let Some(b) = &spec.behavior {
        errs.extend(validate_behavior(b, gates, opts));
    }
    errs
}

/// Validates `spec.behavior` (`validateBehavior`), without defaulting it first.
pub fn validate_behavior(
    behavior: &Behavior,
    gates: &FeatureGates,
    opts: &ValidationOptions,
) -> Vec<Error> {
    let mut errs = Vec::new();
    for (name, rules) in [
        ("scaleUp", &behavior.scale_up),
        ("scaleDown", &behavior.scale_down),
    ] {
        if let Some(r) = rules {
            errs.extend(validate_scaling_rules(
                r,
                &format!("spec.behavior.{name}"),
                gates,
                opts,
            ));
        }
    }
    errs
}

fn validate_scaling_rules(
    rules: &ScalingRules,
    path: &str,
    gates: &FeatureGates,
    opts: &ValidationOptions,
) -> Vec<Error> {
    let mut errs = Vec::new();
    if let Some(w) = rules.stabilization_window_seconds {
        let field = format!("{path}.stabilizationWindowSeconds");
        if w < 0 {
            errs.push(Error::invalid(
                &field,
                w,
                "must be greater than or equal to zero",
            ));
        }
        if w > MAX_STABILIZATION_WINDOW_SECONDS {
            errs.push(Error::invalid(
                &field,
                w,
                format!("must be less than or equal to {MAX_STABILIZATION_WINDOW_SECONDS}"),
            ));
        }
    }
    if let Some(ScalingPolicySelect::Other(s)) = &rules.select_policy {
        errs.push(Error::Unsupported {
            field: format!("{path}.selectPolicy"),
            value: format!("{s:?}"),
            supported: r#""Disabled", "Max", "Min""#.into(),
        });
    }
    match rules.policies.as_deref() {
        None | Some([]) => errs.push(Error::required(
            format!("{path}.policies"),
            "must specify at least one Policy",
        )),
        Some(policies) => {
            for (i, p) in policies.iter().enumerate() {
                let pp = format!("{path}.policies[{i}]");
                if let ScalingPolicyType::Other(t) = &p.type_ {
                    errs.push(Error::Unsupported {
                        field: format!("{pp}.type"),
                        value: format!("{t:?}"),
                        supported: r#""Percent", "Pods""#.into(),
                    });
                }
                if p.value <= 0 {
                    errs.push(Error::invalid(
                        format!("{pp}.value"),
                        p.value,
                        "must be greater than zero",
                    ));
                }
                if p.period_seconds <= 0 {
                    errs.push(Error::invalid(
                        format!("{pp}.periodSeconds"),
                        p.period_seconds,
                        "must be greater than zero",
                    ));
                }
                if p.period_seconds > MAX_PERIOD_SECONDS {
                    errs.push(Error::invalid(
                        format!("{pp}.periodSeconds"),
                        p.period_seconds,
                        format!("must be less than or equal to {MAX_PERIOD_SECONDS}"),
                    ));
                }
            }
        }
    }
    if let Some(t) = &rules.tolerance {
        let field = format!("{path}.tolerance");
        if !gates.configurable_tolerance && !opts.old_has_tolerance {
            errs.push(Error::Forbidden { field, message: "tolerance is not supported when the HPAConfigurableTolerance feature gate is disabled".into() });
        } else {
            match t.milli_value(&field) {
                Ok(v) if v < 0 => errs.push(Error::invalid(
                    &field,
                    format!("{:?}", t.0),
                    "must be greater or equal to zero",
                )),
                Ok(_) => {}
                Err(e) => errs.push(e),
            }
        }
    }
    errs
}

/// Validates one `spec.metrics[i]` (`validateMetricSpec`).
pub fn validate_metric_spec(m: &MetricSpec, path: &str) -> Vec<Error> {
    let mut errs = Vec::new();
    let set = [
        ("resource", m.resource.is_some(), MetricSourceType::Resource),
        (
            "containerResource",
            m.container_resource.is_some(),
            MetricSourceType::ContainerResource,
        ),
        ("pods", m.pods.is_some(), MetricSourceType::Pods),
        ("object", m.object.is_some(), MetricSourceType::Object),
        ("external", m.external.is_some(), MetricSourceType::External),
    ];
    if m.type_.as_str().is_empty() {
        errs.push(Error::required(
            format!("{path}.type"),
            "must specify a metric source type",
        ));
    }
    if let MetricSourceType::Other(t) = &m.type_
        && !t.is_empty()
    {
        errs.push(Error::Unsupported {
            field: format!("{path}.type"),
            value: format!("{t:?}"),
            supported: r#""ContainerResource", "External", "Object", "Pods", "Resource""#.into(),
        });
    }
    let populated = set.iter().filter(|(_, on, _)| *on).count();
    if let Some((name, _, _)) = set.iter().find(|(_, _, ty)| *ty == m.type_) {
        if !set.iter().any(|(_, on, ty)| *on && *ty == m.type_) {
            errs.push(Error::required(
                format!("{path}.{name}"),
                "must populate information for the given metric source",
            ));
        } else if populated > 1 {
            errs.push(Error::Forbidden {
                field: path.to_owned(),
                message: "must populate the given metric source only".into(),
            });
        }
    }
    if let Some(r) = &m.resource {
        errs.extend(validate_resource_target(
            &r.name,
            &r.target,
            &format!("{path}.resource"),
        ));
    }
    if let Some(r) = &m.container_resource {
        if r.container.is_empty() {
            errs.push(Error::required(
                format!("{path}.containerResource.container"),
                "must specify a container",
            ));
        }
        errs.extend(validate_resource_target(
            &r.name,
            &r.target,
            &format!("{path}.containerResource"),
        ));
    }
    if let Some(p) = &m.pods {
        let tp = format!("{path}.pods.target");
        errs.extend(validate_metric_name(
            &p.metric.name,
            &format!("{path}.pods.metric.name"),
        ));
        errs.extend(validate_target(&p.target, &tp));
        if p.target.average_value.is_none() {
            errs.push(Error::required(
                format!("{tp}.averageValue"),
                "must specify a positive target averageValue",
            ));
        }
    }
    if let Some(o) = &m.object {
        let tp = format!("{path}.object.target");
        errs.extend(validate_metric_name(
            &o.metric.name,
            &format!("{path}.object.metric.name"),
        ));
        errs.extend(validate_target(&o.target, &tp));
        if o.target.value.is_none() && o.target.average_value.is_none() {
            errs.push(Error::required(
                format!("{tp}.averageValue"),
                "must set either a target value or averageValue",
            ));
        }
    }
    if let Some(e) = &m.external {
        let tp = format!("{path}.external.target");
        errs.extend(validate_metric_name(
            &e.metric.name,
            &format!("{path}.external.metric.name"),
        ));
        errs.extend(validate_target(&e.target, &tp));
        if e.target.value.is_none() && e.target.average_value.is_none() {
            errs.push(Error::required(
                format!("{tp}.averageValue"),
                "must set either a target value for metric or a per-pod target",
            ));
        }
        if e.target.value.is_some() && e.target.average_value.is_some() {
            errs.push(Error::Forbidden {
                field: format!("{tp}.value"),
                message: "may not set both a target value for metric and a per-pod target".into(),
            });
        }
    }
    errs
}

fn validate_metric_name(name: &str, field: &str) -> Vec<Error> {
    if name.is_empty() {
        vec![Error::required(field, "must specify a metric name")]
    } else {
        Vec::new()
    }
}

fn validate_resource_target(name: &str, target: &MetricTarget, path: &str) -> Vec<Error> {
    let mut errs = Vec::new();
    if name.is_empty() {
        errs.push(Error::required(
            format!("{path}.name"),
            "must specify a resource name",
        ));
    }
    let tp = format!("{path}.target");
    errs.extend(validate_target(target, &tp));
    if target.average_utilization.is_none() && target.average_value.is_none() {
        errs.push(Error::required(
            format!("{tp}.averageUtilization"),
            "must set either a target raw value or a target utilization",
        ));
    }
    if target.average_utilization.is_some() && target.average_value.is_some() {
        errs.push(Error::Forbidden {
            field: format!("{tp}.averageValue"),
            message: "may not set both a target raw value and a target utilization".into(),
        });
    }
    errs
}

/// `validateMetricTarget`.
fn validate_target(t: &MetricTarget, path: &str) -> Vec<Error> {
    let mut errs = Vec::new();
    match &t.type_ {
        None => errs.push(Error::required(
            format!("{path}.type"),
            "must specify a metric target type",
        )),
        Some(MetricTargetType::Other(s)) => errs.push(Error::invalid(
            format!("{path}.type"),
            format!("{s:?}"),
            "must be either Utilization, Value, or AverageValue",
        )),
        Some(_) => {}
    }
    for (name, q) in [("value", &t.value), ("averageValue", &t.average_value)] {
        if let Some(q) = q {
            let field = format!("{path}.{name}");
            match q.milli_value(&field) {
                Ok(v) if v <= 0 => errs.push(Error::invalid(
                    &field,
                    format!("{:?}", q.0),
                    "must be positive",
                )),
                Ok(_) => {}
                Err(e) => errs.push(e),
            }
        }
    }
    if let Some(u) = t.average_utilization
        && u < 1
    {
        errs.push(Error::invalid(
            format!("{path}.averageUtilization"),
            u,
            "must be greater than 0",
        ));
    }
    errs
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
mod tests {
    use super::*;
    use crate::hpa::spec::ScalingPolicy;

    #[test]
    fn spec_errors_name_fields() {
        let spec = HpaSpec {
            min_replicas: Some(5),
            max_replicas: 3,
            ..HpaSpec::default()
        };
        let errs: Vec<String> = validate_spec(
            &spec,
            &FeatureGates::default(),
            &ValidationOptions::default(),
        )
        .iter()
        .map(ToString::to_string)
        .collect();
        assert!(errs.iter().any(|e| e == "spec.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`"), "{errs:?}");
        assert!(
            errs.iter()
                .any(|e| e.starts_with("spec.scaleTargetRef.name: Required value")),
            "{errs:?}"
        );
    }

    #[test]
    fn metric_target_checks() {
        let mut m = MetricSpec::resource_utilization("cpu", 0);
        let errs = validate_metric_spec(&m, "spec.metrics[0]");
        assert_eq!(
            errs[0].to_string(),
            "spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0"
        );
        m.resource = None;
        let errs = validate_metric_spec(&m, "spec.metrics[0]");
        assert!(
            errs[0].to_string().contains("must populate information"),
            "{errs:?}"
        );
        let bad_q = MetricSpec::external("q", MetricTargetType::Value, 0);
        assert!(
            validate_metric_spec(&bad_q, "m")
                .iter()
                .any(|e| e.to_string().contains("must be positive"))
        );
    }

    #[test]
    fn period_upper_bound() {
        let rules = ScalingRules {
            policies: Some(vec![ScalingPolicy::pods(1, 1801)]),
            ..ScalingRules::default()
        };
        let b = Behavior {
            scale_up: Some(rules),
            scale_down: None,
        };
        let errs = validate_behavior(&b, &FeatureGates::default(), &ValidationOptions::default());
        assert_eq!(errs.len(), 1);
        assert!(
            errs[0]
                .to_string()
                .contains("must be less than or equal to 1800")
        );
    }
}
