//! Cost of the KEDA model's input handling, each against a baseline measured in the same run:
//! * strict decoding + webhook validation of a ScaledObject vs. parsing its YAML into a JSON value;
//! * typed reading of 8 trigger parameters vs. 8 plain map lookups of the same keys.
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use keda_core::manifest::{Manifest, parse_documents};
use keda_core::scaler::ScalerConfig;
use keda_core::scaler_config::{MetadataParser, Param, Source};
use keda_core::validation::Validator;

const SO: &str = r#"
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: orders
  namespace: shop
  labels: {app: orders}
  annotations: {autoscaling.keda.sh/paused-scale-in: "false"}
spec:
  scaleTargetRef: {name: orders}
  pollingInterval: 15
  cooldownPeriod: 120
  minReplicaCount: 0
  maxReplicaCount: 50
  fallback: {failureThreshold: 3, replicas: 6}
  advanced:
    horizontalPodAutoscalerConfig:
      behavior:
        scaleDown:
          stabilizationWindowSeconds: 60
          policies: [{type: Percent, value: 50, periodSeconds: 30}]
  triggers:
  - type: redis
    name: queue
    metadata: {address: "redis:6379", listName: orders, listLength: "10", activationListLength: "1"}
  - type: prometheus
    name: latency
    metadata: {serverAddress: "http://prometheus:9090", query: "sum(rate(http_requests_total[1m]))", threshold: "100.5"}
"#;

fn manifests(c: &mut Criterion) {
    let mut g = c.benchmark_group("scaledobject");
    g.bench_function("baseline: YAML to JSON value", |b| {
        b.iter(|| parse_documents(black_box(SO)).unwrap())
    });
    g.bench_function("YAML, strict decode, validate", |b| {
        b.iter(|| {
            let doc = parse_documents(black_box(SO)).unwrap().remove(0);
            let m = Manifest::from_value(doc).unwrap();
            Validator::default().validate(&m).unwrap()
        })
    });
    g.finish();
}

fn metadata(c: &mut Criterion) {
    let config = ScalerConfig {
        trigger_metadata: [
            ("address", "redis:6379"),
            ("listName", "orders"),
            ("listLength", "10"),
            ("activationListLength", "1"),
            ("enableTLS", "true"),
            ("timeout", "1500"),
            ("hosts", "a, b, c"),
            ("databaseIndex", "2"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect(),
        ..ScalerConfig::default()
    };
    let meta = |n: &str| {
        Param::new(n).from(&[
            Source::TriggerMetadata,
            Source::ResolvedEnv,
            Source::AuthParams,
        ])
    };
    let mut g = c.benchmark_group("trigger metadata (8 parameters)");
    g.bench_function("baseline: map lookups", |b| {
        b.iter(|| {
            [
                "address",
                "listName",
                "listLength",
                "activationListLength",
                "enableTLS",
                "timeout",
                "hosts",
                "databaseIndex",
            ]
            .iter()
            .filter_map(|k| black_box(&config).trigger_metadata.get(*k))
            .count()
        })
    });
    g.bench_function("typed parse", |b| {
        b.iter(|| {
            let mut p = MetadataParser::new(black_box(&config));
            let address: String = p.get(meta("address")).unwrap();
            let list: String = p.get(meta("listName")).unwrap();
            let len: i64 = p.get(meta("listLength").default("5")).unwrap();
            let act: f64 = p.get(meta("activationListLength").default("0")).unwrap();
            let tls: bool = p.get(meta("enableTLS").optional()).unwrap();
            let timeout: Duration = p.get(meta("timeout")).unwrap();
            let hosts: Vec<String> = p.get(meta("hosts")).unwrap();
            let db: u32 = p.get(meta("databaseIndex")).unwrap();
            (address, list, len, act, tls, timeout, hosts, db)
        })
    });
    g.finish();
}

criterion_group!(benches, manifests, metadata);
criterion_main!(benches);
