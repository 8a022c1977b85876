//! HPA status conditions (`setConditionInList` in `horizontal.go`).

use super::pods::ConditionStatus;
use crate::clock::Instant;

/// `AbleToScale`.
pub const ABLE_TO_SCALE: &str = "AbleToScale";
/// `ScalingActive`.
pub const SCALING_ACTIVE: &str = "ScalingActive";
/// `ScalingLimited`.
pub const SCALING_LIMITED: &str = "ScalingLimited";
/// `ScaledToZero` (KEP-2021).
pub const SCALED_TO_ZERO: &str = "ScaledToZero";

/// One entry of `status.conditions`.
#[derive(Debug, Clone, PartialEq)]
pub struct HpaCondition {
    /// Condition type, e.g. [`ABLE_TO_SCALE`].
    pub type_: String,
    /// Status.
    pub status: ConditionStatus,
    /// Machine-readable reason, e.g. `SucceededRescale`.
    pub reason: String,
    /// Human-readable message.
    pub message: String,
    /// When the status last changed.
    pub last_transition: Instant,
}

/// Sets a condition in place: an existing entry keeps its position (and its transition time
/// unless the status changes); a new type is appended.
pub fn set_condition(
    list: &mut Vec<HpaCondition>,
    type_: &str,
    status: ConditionStatus,
    reason: &str,
    message: String,
    now: Instant,
) {
    let idx = match list.iter().position(|c| c.type_ == type_) {
        Some(i) => i,
        None => {
            list.push(HpaCondition {
                type_: type_.to_owned(),
                status,
                reason: String::new(),
                message: String::new(),
                last_transition: now,
            });
            list.len() - 1
        }
    };
    if let Some(c) = list.get_mut(idx) {
        if c.status != status {
            c.last_transition = now;
        }
        c.status = status;
        c.reason = reason.to_owned();
        c.message = message;
    }
}

/// Removes a condition type.
pub fn remove_condition(list: &mut Vec<HpaCondition>, type_: &str) {
    list.retain(|c| c.type_ != type_);
}

/// The condition of a type, if present.
pub fn find<'a>(list: &'a [HpaCondition], type_: &str) -> Option<&'a HpaCondition> {
    list.iter().find(|c| c.type_ == type_)
}
