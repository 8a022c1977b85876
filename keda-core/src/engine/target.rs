//! Where the engine reads and writes replica counts: the `/scale` subresource of a workload.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::clock::Instant;
use crate::{Error, Result};

/// Identifies a scale target: the ScaledObject's namespace and `scaleTargetRef`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TargetKey {
    /// Namespace.
    pub namespace: String,
    /// `scaleTargetRef.kind` (e.g. `Deployment`).
    pub kind: String,
    /// `scaleTargetRef.name`.
    pub name: String,
}

impl std::fmt::Display for TargetKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
    }
}

/// Reads and sets a workload's replicas. Implementations talk to the Kubernetes API (`/scale`),
/// a simulator, or memory ([`InMemoryScaleTarget`]).
#[async_trait::async_trait]
pub trait ScaleTarget: Send + Sync {
    /// `spec.replicas` of the target.
    async fn replicas(&self, target: &TargetKey) -> Result<i32>;

    /// Sets `spec.replicas`.
    async fn set_replicas(&self, target: &TargetKey, replicas: i32) -> Result<()>;

    /// Running and Ready pods (for `Value`-target fallback and the HPA). Defaults to
    /// [`ScaleTarget::replicas`], i.e. every replica ready.
    async fn ready_replicas(&self, target: &TargetKey) -> Result<i32> {
        self.replicas(target).await
    }
}

/// One write recorded by [`InMemoryScaleTarget`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplicaChange {
    /// When (engine time).
    pub at: Instant,
    /// The new count.
    pub replicas: i32,
}

#[derive(Debug, Default)]
struct Workload {
    replicas: i32,
    history: Vec<ReplicaChange>,
}

/// Workloads in memory, for tests, simulations and benchmarks. Writes are timestamped with the
/// time set by [`InMemoryScaleTarget::set_now`] (the engine does this before each poll when
/// given the target through [`super::Engine::with_memory_target`]).
#[derive(Debug, Default)]
pub struct InMemoryScaleTarget {
    workloads: Mutex<HashMap<TargetKey, Workload>>,
    now: std::sync::atomic::AtomicI64,
    record_history: bool,
}

impl InMemoryScaleTarget {
    /// An empty set of workloads; `record_history` keeps every write (see [`Self::history`]).
    pub fn new(record_history: bool) -> Self {
        Self {
            record_history,
            ..Self::default()
        }
    }

    /// Creates or overwrites a workload with `replicas`.
    pub fn insert(&self, target: TargetKey, replicas: i32) {
        if let Ok(mut w) = self.workloads.lock() {
            w.insert(
                target,
                Workload {
                    replicas,
                    history: Vec::new(),
                },
            );
        }
    }

    /// The instant stamped on subsequent writes.
    pub fn set_now(&self, now: Instant) {
        self.now
            .store(now.as_millis(), std::sync::atomic::Ordering::Relaxed);
    }

    /// Current replicas of a workload.
    pub fn get(&self, target: &TargetKey) -> Option<i32> {
        self.workloads.lock().ok()?.get(target).map(|w| w.replicas)
    }

    /// Every write to a workload, in order (empty unless history is recorded).
    pub fn history(&self, target: &TargetKey) -> Vec<ReplicaChange> {
        self.workloads
            .lock()
            .ok()
            .and_then(|w| w.get(target).map(|w| w.history.clone()))
            .unwrap_or_default()
    }

    fn missing(target: &TargetKey) -> Error {
        Error::Metric(format!("scale target {target} not found"))
    }
}

#[async_trait::async_trait]
impl ScaleTarget for InMemoryScaleTarget {
    async fn replicas(&self, target: &TargetKey) -> Result<i32> {
        self.get(target).ok_or_else(|| Self::missing(target))
    }

    async fn set_replicas(&self, target: &TargetKey, replicas: i32) -> Result<()> {
        let at = Instant::from_millis(self.now.load(std::sync::atomic::Ordering::Relaxed));
        let mut all = self
            .workloads
            .lock()
            .map_err(|_| Error::Metric("scale target store poisoned".into()))?;
        let w = all.get_mut(target).ok_or_else(|| Self::missing(target))?;
        if w.replicas != replicas && self.record_history {
            w.history.push(ReplicaChange { at, replicas });
        }
        w.replicas = replicas;
        Ok(())
    }
}
