//! The ScaledObject lifecycle, pure and clock-injected: what a poll of the triggers amounts to
//! ([`state`]), what the scale executor does with it ([`executor`]), and the annotations that
//! steer both ([`annotations`]), and the HPA KEDA derives from the object ([`hpa`]).

pub mod annotations;
pub mod executor;
pub mod hpa;
pub mod state;

pub use annotations::ScaleAnnotations;
pub use executor::{
    Event, ExecutorInput, ExecutorSpec, ExecutorStatus, HpaObservation, ScaleDecision, ScaleReason,
    ScaleWrite, TargetRef, request_scale,
};
pub use hpa::{HpaSource, HpaStep, KedaHpa, hpa_min_replicas, hpa_spec};
pub use state::{MetricRead, ScaledObjectState, TriggerRead, scaled_object_state};
