//! HPA status conditions (`setConditionInList` in `horizontal.go`).

use std::borrow::Cow;
use std::fmt::{self, Write};

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

/// One entry of `status.conditions`. Strings are `Cow` so the controller's own (static) types,
/// reasons and messages cost no allocation.
#[derive(Debug, Clone, PartialEq)]
pub struct HpaCondition {
    /// Condition type, e.g. [`ABLE_TO_SCALE`].
    pub type_: Cow<'static, str>,
    /// Status.
    pub status: ConditionStatus,
    /// Machine-readable reason, e.g. `SucceededRescale`.
    pub reason: Cow<'static, str>,
    /// Human-readable message.
    pub message: Cow<'static, str>,
    /// When the status last changed.
    pub last_transition: Instant,
}

/// A `fmt::Write` that checks whether the formatted text equals `target`, without allocating.
struct EqWriter<'a> {
    rest: &'a str,
    equal: bool,
}

impl Write for EqWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        match self.rest.strip_prefix(s) {
            Some(r) if self.equal => self.rest = r,
            _ => self.equal = false,
        }
        Ok(())
    }
}

fn same_text(existing: &str, message: fmt::Arguments<'_>) -> bool {
    let mut w = EqWriter {
        rest: existing,
        equal: true,
    };
    // Writing into EqWriter cannot fail.
    let _ = w.write_fmt(message);
    w.equal && w.rest.is_empty()
}

/// A condition message: static text, borrowed text, or a format to render only on change.
#[derive(Clone, Copy)]
pub enum Message<'a> {
    /// Text known at compile time (stored without allocating).
    Static(&'static str),
    /// Text owned elsewhere (copied only when it changes).
    Text(&'a str),
    /// A format (rendered only when it changes).
    Args(fmt::Arguments<'a>),
}

impl Message<'_> {
    fn equals(&self, existing: &str) -> bool {
        match self {
            Message::Static(t) => existing == *t,
            Message::Text(t) => existing == *t,
            Message::Args(a) => same_text(existing, *a),
        }
    }

    fn render(&self) -> Cow<'static, str> {
        match self {
            Message::Static(t) => Cow::Borrowed(t),
            Message::Text(t) => Cow::Owned((*t).to_owned()),
            Message::Args(a) => a
                .as_str()
                .map_or_else(|| Cow::Owned(a.to_string()), Cow::Borrowed),
        }
    }
}

/// Sets a condition in place: an existing entry keeps its position (and its transition time
/// unless the status changes); a new type is appended. Returns whether anything changed.
pub fn set_condition(
    list: &mut Vec<HpaCondition>,
    type_: &'static str,
    status: ConditionStatus,
    reason: &'static str,
    message: fmt::Arguments<'_>,
    now: Instant,
) -> bool {
    set_condition_message(list, type_, status, reason, Message::Args(message), now)
}

/// [`set_condition`] with any [`Message`].
pub fn set_condition_message(
    list: &mut Vec<HpaCondition>,
    type_: &'static str,
    status: ConditionStatus,
    reason: &'static str,
    message: Message<'_>,
    now: Instant,
) -> bool {
    let render = || message.render();
    let Some(c) = list.iter_mut().find(|c| c.type_ == type_) else {
        list.push(HpaCondition {
            type_: Cow::Borrowed(type_),
            status,
            reason: Cow::Borrowed(reason),
            message: render(),
            last_transition: now,
        });
        return true;
    };
    let mut changed = false;
    if c.status != status {
        c.last_transition = now;
        c.status = status;
        changed = true;
    }
    if c.reason != reason {
        c.reason = Cow::Borrowed(reason);
        changed = true;
    }
    if !message.equals(&c.message) {
        c.message = render();
        changed = true;
    }
    changed
}

/// Removes a condition type; returns whether it was present.
pub fn remove_condition(list: &mut Vec<HpaCondition>, type_: &str) -> bool {
    let before = list.len();
    list.retain(|c| c.type_ != type_);
    list.len() != before
}

/// The condition of a type, if present.
pub fn find<'a>(list: &'a [HpaCondition], type_: &str) -> Option<&'a HpaCondition> {
    list.iter().find(|c| c.type_ == type_)
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

    #[test]
    fn keeps_position_and_transition_time_unless_status_changes() {
        let mut l = Vec::new();
        assert!(set_condition(
            &mut l,
            ABLE_TO_SCALE,
            ConditionStatus::True,
            "A",
            format_args!("m{}", 1),
            Instant(1)
        ));
        assert!(set_condition(
            &mut l,
            SCALING_ACTIVE,
            ConditionStatus::True,
            "B",
            format_args!("x"),
            Instant(1)
        ));
        assert!(!set_condition(
            &mut l,
            ABLE_TO_SCALE,
            ConditionStatus::True,
            "A",
            format_args!("m{}", 1),
            Instant(2)
        ));
        assert!(set_condition(
            &mut l,
            ABLE_TO_SCALE,
            ConditionStatus::True,
            "C",
            format_args!("m{}", 2),
            Instant(3)
        ));
        assert_eq!(
            (
                l[0].reason.as_ref(),
                l[0].message.as_ref(),
                l[0].last_transition
            ),
            ("C", "m2", Instant(1))
        );
        assert!(set_condition(
            &mut l,
            ABLE_TO_SCALE,
            ConditionStatus::False,
            "C",
            format_args!("m2"),
            Instant(4)
        ));
        assert_eq!(l[0].last_transition, Instant(4));
        assert_eq!(l[1].type_, SCALING_ACTIVE);
    }

    #[test]
    fn message_comparison_is_exact() {
        assert!(same_text("ab12", format_args!("ab{}", 12)));
        assert!(!same_text("ab1", format_args!("ab{}", 12)));
        assert!(!same_text("ab123", format_args!("ab{}", 12)));
    }
}
