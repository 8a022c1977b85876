//! The HorizontalPodAutoscaler KEDA creates for a ScaledObject (`controllers/keda/hpa.go`).

use std::collections::BTreeMap;

use super::annotations::SCALED_OBJECT_NAME_LABEL;
use super::scaled_object::{COMPOSITE_METRIC_NAME, ScaledObject};
use crate::hpa::{
    self, CrossVersionObjectReference, HpaSpec, MetricSourceType, MetricSpec, ScalingPolicySelect,
    ScalingRules,
};
use crate::scaler::ScalerMetricSpec;
use crate::{Error, Result};

/// The HPA derived from a ScaledObject, with the status fields KEDA records alongside.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DerivedHpa {
    /// The HPA's name (`keda-hpa-<name>` unless configured).
    pub name: String,
    /// The HPA's spec.
    pub spec: HpaSpec,
    /// `status.externalMetricNames`: the scalers' external metric names, in trigger order.
    pub external_metric_names: Vec<String>,
    /// `status.resourceMetricNames`.
    pub resource_metric_names: Vec<String>,
}

/// The HPA metric of one external scaler metric (`GetMetricSpecForScaling`'s External spec).
pub fn external_metric_spec(spec: &ScalerMetricSpec) -> MetricSpec {
    let target_type = match spec.target_type {
        crate::scaler::MetricTargetType::Value => hpa::MetricTargetType::Value,
        _ => hpa::MetricTargetType::AverageValue,
    };
    MetricSpec::external(&spec.metric_name, target_type, spec.target_milli)
}

/// KEDA's `newHPAForScaledObject` as plain data: `minReplicas` = `minReplicaCount` if > 0 else 1,
/// `maxReplicas` = `maxReplicaCount` or 100, the scalers' metric specs (`metrics`, all triggers
/// in order) with each External metric selecting `scaledobject.keda.sh/name: <name>`, sorted by
/// source type; with scalingModifiers the External metrics are replaced by one `composite-metric`
/// (Resource metrics kept). The behavior is passed through, with `selectPolicy: Disabled` on
/// scale-down / scale-up when the paused-scale-in / paused-scale-out annotations are truthy.
///
/// Errors: no metrics, an External metric name defined twice, or a Utilization modifiers type.
pub fn derive_hpa(so: &ScaledObject, metrics: Vec<MetricSpec>) -> Result<DerivedHpa> {
    let name = so.metadata.name().to_owned();
    if metrics.is_empty() {
        return Err(Error::invalid(
            "spec.triggers",
            &name,
            "no metric specs returned from scalers",
        ));
    }
    let selector = serde_json::json!({ "matchLabels": { SCALED_OBJECT_NAME_LABEL: name } });
    let (mut external_names, mut resource_names) = (Vec::new(), Vec::new());
    let mut metrics = metrics;
    for m in &mut metrics {
        if let Some(r) = &m.resource {
            resource_names.push(r.name.clone());
        }
        if let Some(e) = &mut m.external {
            if external_names.contains(&e.metric.name) {
                return Err(Error::invalid(
                    "spec.triggers",
                    &e.metric.name,
                    format!(
                        "metricName {} defined multiple times in ScaledObject {name}",
                        e.metric.name
                    ),
                ));
            }
            e.metric.selector = Some(selector.clone());
            external_names.push(e.metric.name.clone());
        }
    }
    metrics.sort_by(|a, b| a.type_.as_str().cmp(b.type_.as_str()));
    if let Some(sm) = so.scaling_modifiers() {
        let target: f64 = sm.target.parse().unwrap_or(0.0);
        if sm.metric_type == Some(crate::scaler::MetricTargetType::Utilization) {
            return Err(Error::Unsupported {
                field: "spec.advanced.scalingModifiers.metricType".into(),
                value: "Utilization".into(),
                supported: "AverageValue, Value".into(),
            });
        }
        if target > 0.0 {
            let mut composite = external_metric_spec(&ScalerMetricSpec {
                metric_name: COMPOSITE_METRIC_NAME.into(),
                target_type: sm.metric_type.unwrap_or_default(),
                // Go's int64(target*1000): truncation toward zero, saturating here.
                target_milli: (target * 1000.0) as i64,
            });
            if let Some(e) = &mut composite.external {
                e.metric.selector = Some(selector.clone());
            }
            metrics.retain(|m| m.type_ == MetricSourceType::Resource);
            metrics.push(composite);
        }
    }
    let mut behavior = so.hpa_behavior().cloned();
    let disable = |rules: &mut Option<ScalingRules>| {
        rules
            .get_or_insert_with(ScalingRules::default)
            .select_policy = Some(ScalingPolicySelect::Disabled);
    };
    if so.need_to_pause_scale_in() {
        disable(&mut behavior.get_or_insert_with(Default::default).scale_down);
    }
    if so.need_to_pause_scale_out() {
        disable(&mut behavior.get_or_insert_with(Default::default).scale_up);
    }
    let target = &so.spec.scale_target_ref;
    let spec = HpaSpec {
        scale_target_ref: CrossVersionObjectReference {
            kind: target.kind().to_owned(),
            name: target.name.clone(),
            api_version: target.api_version().to_owned(),
        },
        min_replicas: Some(so.hpa_min_replicas()),
        max_replicas: so.hpa_max_replicas(),
        metrics,
        behavior,
    };
    Ok(DerivedHpa {
        name: so.hpa_name(),
        spec,
        external_metric_names: external_names,
        resource_metric_names: resource_names,
    })
}

/// The labels KEDA puts on the HPA: its own four plus the ScaledObject's labels minus those
/// listed in `scaledobject.keda.sh/hpa-excluded-labels`.
pub fn hpa_labels(so: &ScaledObject, keda_version: &str) -> BTreeMap<String, String> {
    let mut label_name = so.hpa_name();
    if label_name.len() > 63 {
        label_name = label_name.chars().take(63).collect();
        label_name = label_name
            .trim_end_matches(|c: char| !c.is_alphanumeric())
            .to_owned();
    }
    let mut labels: BTreeMap<String, String> = [
        ("app.kubernetes.io/name", label_name),
        ("app.kubernetes.io/version", keda_version.to_owned()),
        ("app.kubernetes.io/part-of", so.metadata.name().to_owned()),
        ("app.kubernetes.io/managed-by", "keda-operator".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let excluded: Vec<&str> = so
        .annotations()
        .get(super::annotations::HPA_EXCLUDED_LABELS)
        .map(|v| v.split(',').collect())
        .unwrap_or_default();
    for (k, v) in &so.metadata.labels {
        if !excluded.contains(&k.as_str()) {
            labels.insert(k.clone(), v.clone());
        }
    }
    labels
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::manifest::{Trigger, annotations};
    use crate::scaler::MetricTargetType;

    fn so() -> ScaledObject {
        ScaledObject::new(
            "app",
            "ns",
            "web",
            vec![Trigger::new("redis", [("listName", "q")])],
        )
    }

    fn ext(name: &str) -> MetricSpec {
        external_metric_spec(&ScalerMetricSpec {
            metric_name: name.into(),
            target_type: MetricTargetType::AverageValue,
            target_milli: 5000,
        })
    }

    #[test]
    fn min_is_at_least_one_and_metrics_select_the_object() {
        let d = derive_hpa(
            &so(),
            vec![
                ext("s0-redis-q"),
                MetricSpec::resource_utilization("cpu", 50),
            ],
        )
        .unwrap();
        assert_eq!(
            (d.name.as_str(), d.spec.min_replicas, d.spec.max_replicas),
            ("keda-hpa-app", Some(1), 100)
        );
        assert_eq!(d.spec.metrics[0].type_, MetricSourceType::External);
        assert_eq!(d.spec.metrics[1].type_, MetricSourceType::Resource);
        let sel = d.spec.metrics[0]
            .external
            .as_ref()
            .unwrap()
            .metric
            .selector
            .clone()
            .unwrap();
        assert_eq!(sel["matchLabels"]["scaledobject.keda.sh/name"], "app");
        assert_eq!(
            (d.external_metric_names, d.resource_metric_names),
            (vec!["s0-redis-q".to_owned()], vec!["cpu".to_owned()])
        );
        assert!(derive_hpa(&so(), vec![ext("a"), ext("a")]).is_err());
    }

    #[test]
    fn pause_annotations_disable_directions() {
        let mut o = so();
        o.metadata
            .annotations
            .insert(annotations::PAUSED_SCALE_IN.into(), "true".into());
        let d = derive_hpa(&o, vec![ext("m")]).unwrap();
        let b = d.spec.behavior.unwrap();
        assert_eq!(
            b.scale_down.unwrap().select_policy,
            Some(ScalingPolicySelect::Disabled)
        );
        assert!(b.scale_up.is_none());
    }

    #[test]
    fn modifiers_replace_external_metrics_by_composite() {
        let mut o = so();
        let mut adv = crate::manifest::AdvancedConfig::default();
        adv.scaling_modifiers.formula = "a + b".into();
        adv.scaling_modifiers.target = "2.5".into();
        o.spec.advanced = Some(adv);
        let d = derive_hpa(
            &o,
            vec![
                ext("s0-a"),
                ext("s1-b"),
                MetricSpec::resource_utilization("memory", 80),
            ],
        )
        .unwrap();
        assert_eq!(d.spec.metrics.len(), 2);
        let e = d.spec.metrics[1].external.as_ref().unwrap();
        assert_eq!(e.metric.name, COMPOSITE_METRIC_NAME);
        assert_eq!(
            e.target
                .average_value
                .as_ref()
                .unwrap()
                .milli_value("t")
                .unwrap(),
            2500
        );
    }
}
