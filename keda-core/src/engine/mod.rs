//! The polling engine: runs many ScaledObjects' scale loops on tokio.
//!
//! Each object is polled every `pollingInterval` (KEDA's `startScaleLoop`): every external metric
//! of every trigger is read (with a per-read timeout), passed through fallback, combined
//! ([`crate::lifecycle::scaled_object_state`]), and the scale executor's decision is applied
//! through a [`ScaleTarget`]. Optionally an in-process HPA ([`crate::lifecycle::KedaHpa`]) is
//! synced every `hpa_sync_period` against the metrics the KEDA metrics adapter would serve, with
//! `useCachedMetrics` triggers answering from the last poll.
//!
//! Built to hold many objects cheaply: one heap of due instants (no task or timer per object),
//! per-object state boxed in a slab and moved into a task only while it is being polled, at most
//! `max_concurrent_polls` tasks in flight. Errors never stop the loop: they become conditions,
//! health counters and, past `failureThreshold`, fallback metrics.

mod poll;
mod schedule;
mod spec;
mod target;

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tracing::Instrument;

pub use poll::PollReport;
pub use spec::{DEFAULT_POLLING_INTERVAL, ScaledObjectSpec, TriggerSpec};
pub use target::{InMemoryScaleTarget, ReplicaChange, ScaleTarget, TargetKey};

use crate::clock::Instant;
use crate::conditions::Conditions;
use crate::fallback::Health;
use crate::hpa::ControllerConfig;
use crate::lifecycle::{HpaSource, KedaHpa, hpa_spec};
use crate::scaler::{MetricValue, ScalerMetricSpec};
use crate::{Error, Result};
use poll::ObjectState;
use schedule::{Due, Schedule, Work};
use spec::Prepared;

/// Engine settings.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Polls (and HPA syncs) running at once.
    pub max_concurrent_polls: usize,
    /// Deadline of each metric read (KEDA's global HTTP timeout is 3 s).
    pub read_timeout: Duration,
    /// Run the HPA in-process with this controller configuration (`None`: an external HPA does).
    pub hpa: Option<ControllerConfig>,
    /// The HPA's sync period (kube-controller-manager's default is 15 s).
    pub hpa_sync_period: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            max_concurrent_polls: 64,
            read_timeout: Duration::from_secs(3),
            hpa: None,
            hpa_sync_period: Duration::from_secs(15),
        }
    }
}

/// Handle of an object in the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ObjectId {
    slot: u32,
    generation: u32,
}

/// A snapshot of an object's status.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectStatus {
    /// `status.conditions`.
    pub conditions: Conditions,
    /// `status.health`.
    pub health: Health,
    /// `status.lastActiveTime`.
    pub last_active_time: Option<Instant>,
    /// `status.originalReplicaCount`.
    pub original_replicas: Option<i32>,
    /// `status.triggersActivity`: per external metric name, active at the last poll.
    pub triggers_activity: Vec<(String, bool)>,
    /// The in-process HPA's last desired replicas.
    pub hpa_desired_replicas: Option<i32>,
}

type Observer = Box<dyn Fn(&PollReport) + Send + Sync>;

struct Slot {
    generation: u32,
    prepared: Option<Arc<Prepared>>,
    state: Option<Box<ObjectState>>,
}

type TaskResult = (u32, Box<ObjectState>, Option<PollReport>);

/// The engine. Drive it with [`Engine::run_for`] / [`Engine::run_until`]; between runs every
/// object is at rest and can be inspected, added or removed.
pub struct Engine {
    config: EngineConfig,
    target: Arc<dyn ScaleTarget>,
    memory_target: Option<Arc<InMemoryScaleTarget>>,
    slots: Vec<Slot>,
    free: Vec<u32>,
    schedule: Schedule,
    tasks: JoinSet<TaskResult>,
    epoch: tokio::time::Instant,
    observer: Option<Observer>,
    live: usize,
    /// Task id → slot of the work in flight (at most `max_concurrent_polls` entries).
    in_flight: Vec<(tokio::task::Id, u32)>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("config", &self.config)
            .field("objects", &self.live)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// An engine scaling through `target`. Its clock starts now (tokio time, so a paused test
    /// clock drives it).
    pub fn new(config: EngineConfig, target: Arc<dyn ScaleTarget>) -> Self {
        Self {
            config,
            target,
            memory_target: None,
            slots: Vec::new(),
            free: Vec::new(),
            schedule: Schedule::default(),
            tasks: JoinSet::new(),
            epoch: tokio::time::Instant::now(),
            observer: None,
            live: 0,
            in_flight: Vec::new(),
        }
    }

    /// An engine over an [`InMemoryScaleTarget`], whose writes it timestamps with engine time.
    pub fn with_memory_target(config: EngineConfig, target: Arc<InMemoryScaleTarget>) -> Self {
        let mut e = Self::new(config, target.clone());
        e.memory_target = Some(target);
        e
    }

    /// Calls `f` with every poll's report (per-trigger activity, decisions).
    pub fn set_observer(&mut self, f: impl Fn(&PollReport) + Send + Sync + 'static) {
        self.observer = Some(Box::new(f));
    }

    /// Engine time: milliseconds since the engine was created.
    pub fn now(&self) -> Instant {
        Instant::from_millis(i64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(i64::MAX))
    }

    /// Number of objects.
    pub fn len(&self) -> usize {
        self.live
    }

    /// True when the engine holds no object.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Adds a ScaledObject; its first poll is due now. Errors name the invalid field.
    pub fn add(&mut self, spec: ScaledObjectSpec) -> Result<ObjectId> {
        let p = Prepared::new(spec)?;
        let hpa = build_hpa(&p, self.config.hpa.as_ref())?;
        let now = self.now();
        let state = Box::new(ObjectState::new(&p, now, hpa));
        let with_hpa = state.hpa.is_some();
        let slot = match self.free.pop() {
            Some(i) => i,
            None => {
                let i = u32::try_from(self.slots.len())
                    .map_err(|_| Error::Metric("engine full".into()))?;
                self.slots.push(Slot {
                    generation: 0,
                    prepared: None,
                    state: None,
                });
                i
            }
        };
        let s = self
            .slots
            .get_mut(slot as usize)
            .ok_or_else(|| Error::Metric("slot vanished".into()))?;
        s.prepared = Some(Arc::new(p));
        s.state = Some(state);
        let generation = s.generation;
        self.live += 1;
        self.schedule.push(Due {
            at_ms: now.as_millis(),
            slot,
            generation,
            work: Work::Poll,
        });
        if with_hpa {
            let at_ms = now
                .as_millis()
                .saturating_add(millis(self.config.hpa_sync_period));
            self.schedule.push(Due {
                at_ms,
                slot,
                generation,
                work: Work::HpaSync,
            });
        }
        Ok(ObjectId { slot, generation })
    }

    fn slot(&self, id: ObjectId) -> Option<&Slot> {
        self.slots
            .get(id.slot as usize)
            .filter(|s| s.generation == id.generation && s.prepared.is_some())
    }

    /// Removes an object. With `restoreToOriginalReplicaCount` the target is set back to the
    /// replicas first observed (KEDA's finalizer).
    pub async fn remove(&mut self, id: ObjectId) -> Result<()> {
        let s = self
            .slots
            .get_mut(id.slot as usize)
            .filter(|s| s.generation == id.generation && s.prepared.is_some())
            .ok_or_else(|| Error::Metric("no such object".into()))?;
        let p = s.prepared.take();
        let st = s.state.take();
        s.generation = s.generation.wrapping_add(1);
        self.free.push(id.slot);
        self.live -= 1;
        if let (Some(p), Some(st)) = (p, st)
            && p.spec.restore_to_original_replica_count
            && let Some(original) = st.original_replicas
        {
            self.target.set_replicas(&p.key, original).await?;
        }
        Ok(())
    }

    /// A snapshot of an object's status.
    pub fn status(&self, id: ObjectId) -> Option<ObjectStatus> {
        let s = self.slot(id)?;
        let (p, st) = (s.prepared.as_ref()?, s.state.as_ref()?);
        Some(ObjectStatus {
            conditions: st.status.conditions.clone(),
            health: st.status.health.clone(),
            last_active_time: st.last_active_time,
            original_replicas: st.original_replicas,
            triggers_activity: p
                .metrics()
                .map(|(_, m)| m.metric_name.clone())
                .zip(st.activity.iter().copied())
                .collect(),
            hpa_desired_replicas: st.hpa.as_ref().map(|h| h.status().desired_replicas),
        })
    }

    /// The metrics the KEDA metrics adapter would serve for the object now (cached records for
    /// `useCachedMetrics` triggers, live reads for the others, fallback applied).
    pub async fn adapter_metrics(&mut self, id: ObjectId) -> Result<Vec<MetricValue>> {
        let timeout = self.config.read_timeout;
        let target = self.target.clone();
        let s = self
            .slots
            .get_mut(id.slot as usize)
            .filter(|s| s.generation == id.generation)
            .ok_or_else(|| Error::Metric("no such object".into()))?;
        let (Some(p), Some(st)) = (s.prepared.clone(), s.state.as_mut()) else {
            return Err(Error::Metric("no such object".into()));
        };
        Ok(poll::adapter_metrics(&p, st, target.as_ref(), timeout).await)
    }

    /// Runs for `d` of (tokio) time.
    pub async fn run_for(&mut self, d: Duration) {
        let deadline = tokio::time::Instant::now() + d;
        self.run_until(deadline).await;
    }

    /// Runs until `deadline`: starts due work (bounded), collects finished work, sleeps until the
    /// next due instant. Work in flight at the deadline is awaited before returning.
    pub async fn run_until(&mut self, deadline: tokio::time::Instant) {
        let deadline_ms = self.ms_of(deadline);
        loop {
            let now_ms = self.now().as_millis();
            while self.tasks.len() < self.config.max_concurrent_polls.max(1) {
                let Some(due) = self.schedule.pop_due(now_ms.min(deadline_ms)) else {
                    break;
                };
                self.start(due);
            }
            let next_ms = self
                .schedule
                .next_at()
                .unwrap_or(deadline_ms)
                .min(deadline_ms);
            let wake = self.epoch + Duration::from_millis(u64::try_from(next_ms).unwrap_or(0));
            if self.tasks.is_empty() {
                if next_ms >= deadline_ms && now_ms >= deadline_ms {
                    break;
                }
                tokio::time::sleep_until(wake).await;
                if next_ms >= deadline_ms && self.schedule.next_at().is_none_or(|n| n > deadline_ms)
                {
                    break;
                }
                continue;
            }
            let saturated = self.tasks.len() >= self.config.max_concurrent_polls.max(1);
            let joined = if saturated || now_ms >= deadline_ms {
                self.tasks.join_next_with_id().await
            } else {
                tokio::time::timeout_at(wake, self.tasks.join_next_with_id())
                    .await
                    .ok()
                    .flatten()
            };
            if let Some(done) = joined {
                self.finish(done);
            }
        }
        while let Some(done) = self.tasks.join_next_with_id().await {
            self.finish(done);
        }
    }

    fn ms_of(&self, t: tokio::time::Instant) -> i64 {
        i64::try_from(t.saturating_duration_since(self.epoch).as_millis()).unwrap_or(i64::MAX)
    }

    /// Moves the object's state into a task running `due.work`.
    fn start(&mut self, due: Due) {
        let Some(s) = self
            .slots
            .get_mut(due.slot as usize)
            .filter(|s| s.generation == due.generation)
        else {
            return;
        };
        let Some(p) = s.prepared.clone() else { return };
        let Some(mut st) = s.state.take() else {
            // Busy with the other kind of work: retry shortly.
            self.schedule.push(Due {
                at_ms: due.at_ms.saturating_add(100),
                ..due
            });
            return;
        };
        let (target, timeout) = (self.target.clone(), self.config.read_timeout);
        let now = Instant::from_millis(due.at_ms);
        if let Some(m) = &self.memory_target {
            m.set_now(now);
        }
        let slot = due.slot;
        let want_report = self.observer.is_some();
        let (period, hpa_period) = (
            millis(p.spec.polling_interval),
            millis(self.config.hpa_sync_period),
        );
        self.schedule.push(match due.work {
            Work::Poll => Due {
                at_ms: due.at_ms.saturating_add(period),
                ..due
            },
            Work::HpaSync => Due {
                at_ms: due.at_ms.saturating_add(hpa_period),
                ..due
            },
        });
        let span = tracing::debug_span!("keda_scaled_object", namespace = %p.spec.namespace, name = %p.spec.name, work = ?due.work);
        let handle = self.tasks.spawn(
            async move {
                let report = match due.work {
                    Work::Poll => {
                        poll::poll(&p, &mut st, target.as_ref(), now, timeout, want_report).await
                    }
                    Work::HpaSync => {
                        poll::hpa_sync(&p, &mut st, target.as_ref(), now, timeout).await;
                        None
                    }
                };
                (slot, st, report)
            }
            .instrument(span),
        );
        self.in_flight.push((handle.id(), slot));
    }

    fn finish(
        &mut self,
        done: std::result::Result<(tokio::task::Id, TaskResult), tokio::task::JoinError>,
    ) {
        let id = match &done {
            Ok((id, _)) => *id,
            Err(e) => e.id(),
        };
        let slot = self
            .in_flight
            .iter()
            .position(|(t, _)| *t == id)
            .map(|i| self.in_flight.swap_remove(i).1);
        let (slot, st, report) = match done {
            Ok((_, r)) => r,
            Err(_) => {
                // A panicking scaler: the object restarts from a fresh state; the engine goes on.
                tracing::error!("a poll task panicked; resetting the object's state");
                let Some(slot) = slot else { return };
                let now = self.now();
                let hpa_config = self.config.hpa.clone();
                let Some(s) = self.slots.get_mut(slot as usize) else {
                    return;
                };
                if let Some(p) = s.prepared.clone() {
                    let hpa = build_hpa(&p, hpa_config.as_ref()).ok().flatten();
                    s.state = Some(Box::new(ObjectState::new(&p, now, hpa)));
                }
                return;
            }
        };
        if let Some(s) = self.slots.get_mut(slot as usize)
            && s.prepared.is_some()
        {
            s.state = Some(st);
        }
        if let (Some(r), Some(f)) = (report, &self.observer) {
            f(&r);
        }
    }
}

/// The in-process HPA of an object, when the engine runs one.
fn build_hpa(p: &Prepared, config: Option<&ControllerConfig>) -> Result<Option<KedaHpa>> {
    let Some(cfg) = config else { return Ok(None) };
    let external: Vec<ScalerMetricSpec> = p.metrics().map(|(_, s)| s.clone()).collect();
    let src = HpaSource {
        scaled_object: &p.spec.name,
        target: crate::hpa::CrossVersionObjectReference {
            kind: p.spec.target_kind.clone(),
            name: p.spec.target_name.clone(),
            api_version: "apps/v1".into(),
        },
        min_replica_count: p.spec.min_replica_count,
        max_replica_count: p.spec.max_replica_count,
        external: &external,
        resource: &[],
        modifiers: p.modifiers.as_ref(),
        behavior: p.spec.behavior.as_ref(),
        annotations: p.annotations,
    };
    Ok(Some(KedaHpa::new(hpa_spec(&src)?, cfg.clone())))
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}
