//! Status conditions of ScaledObjects and ScaledJobs (KEDA's `apis/keda/v1alpha1/condition_types.go`).
//!
//! Reasons and messages are `Cow<'static, str>`: KEDA's are nearly all constants, so an engine
//! holding thousands of objects stores pointers, not copies.

use std::borrow::Cow;

/// A condition type.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum ConditionType {
    /// `Ready`: the object is valid and its triggers work.
    Ready,
    /// `Active`: the triggers are active (or activation is forced).
    Active,
    /// `Fallback`: some trigger is serving fallback metrics.
    Fallback,
    /// `Paused`: scaling is paused by annotation.
    Paused,
    /// `HPAActive`: mirror of the HPA's `ScalingActive` condition (ScaledObjects only).
    #[serde(rename = "HPAActive")]
    HpaActive,
}

impl ConditionType {
    /// The name as written in status.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ready => "Ready",
            Self::Active => "Active",
            Self::Fallback => "Fallback",
            Self::Paused => "Paused",
            Self::HpaActive => "HPAActive",
        }
    }
}

/// `True`, `False` or `Unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ConditionStatus {
    /// The condition holds.
    True,
    /// It does not.
    False,
    /// Not determined.
    Unknown,
}

impl ConditionStatus {
    /// The name as written in status.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::True => "True",
            Self::False => "False",
            Self::Unknown => "Unknown",
        }
    }
}

/// One condition.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Condition {
    /// Its type.
    #[serde(rename = "type")]
    pub type_: ConditionType,
    /// Its status.
    pub status: ConditionStatus,
    /// One-word CamelCase reason.
    #[serde(default)]
    pub reason: Cow<'static, str>,
    /// Human-readable message.
    #[serde(default)]
    pub message: Cow<'static, str>,
}

/// The condition list of an object's status.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Conditions(pub Vec<Condition>);

impl Conditions {
    /// KEDA's `GetInitializedConditions`: Ready, Active and Fallback Unknown, Paused False.
    pub fn initialized() -> Self {
        let c = |type_, status| Condition {
            type_,
            status,
            reason: Cow::Borrowed(""),
            message: Cow::Borrowed(""),
        };
        Self(vec![
            c(ConditionType::Ready, ConditionStatus::Unknown),
            c(ConditionType::Active, ConditionStatus::Unknown),
            c(ConditionType::Fallback, ConditionStatus::Unknown),
            c(ConditionType::Paused, ConditionStatus::False),
        ])
    }

    /// Sets a condition, appending it when absent (KEDA's `SetCondition`).
    pub fn set(
        &mut self,
        type_: ConditionType,
        status: ConditionStatus,
        reason: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) {
        let new = Condition {
            type_,
            status,
            reason: reason.into(),
            message: message.into(),
        };
        match self.0.iter_mut().find(|c| c.type_ == type_) {
            Some(c) => *c = new,
            None => self.0.push(new),
        }
    }

    /// The condition of a type, if present.
    pub fn get(&self, type_: ConditionType) -> Option<&Condition> {
        self.0.iter().find(|c| c.type_ == type_)
    }

    /// Whether the condition of a type is present and `True`.
    pub fn is_true(&self, type_: ConditionType) -> bool {
        self.get(type_)
            .is_some_and(|c| c.status == ConditionStatus::True)
    }

    /// Copies every condition of `other` over this list (how a scale result is merged into the
    /// object's status).
    pub fn merge(&mut self, other: &Conditions) {
        for c in &other.0 {
            self.set(c.type_, c.status, c.reason.clone(), c.message.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_replaces_or_appends_and_merge_copies() {
        let mut c = Conditions::initialized();
        c.set(
            ConditionType::Active,
            ConditionStatus::True,
            "ScalerActive",
            "m",
        );
        assert_eq!(c.0.len(), 4);
        assert!(c.is_true(ConditionType::Active));
        let mut delta = Conditions::default();
        delta.set(ConditionType::HpaActive, ConditionStatus::False, "X", "");
        assert_eq!(delta.0.len(), 1);
        c.merge(&delta);
        assert_eq!(c.0.len(), 5);
        assert_eq!(
            c.get(ConditionType::Paused).map(|p| p.status),
            Some(ConditionStatus::False)
        );
    }
}
