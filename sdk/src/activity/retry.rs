//! [`RetryPolicy`]: the seed's retry policy, carried out by the Temporal server.

use serde::{Deserialize, Serialize};
use std::time::Duration;
use temporalio_common::protos::temporal::api::common::v1::RetryPolicy as ProtoRetryPolicy;

/// Header through which a caller's `retryable_errors` allow-list reaches the activity worker.
pub(crate) const RETRYABLE_ERRORS_HEADER: &str = "ironflow-retryable-errors";

/// How a failed activity is retried.
///
/// The seed's engine retried in-process; on Temporal the **server** retries, durably, across
/// worker restarts. The fields map onto Temporal's `RetryPolicy`:
///
/// | seed field            | Temporal                                                         |
/// |-----------------------|------------------------------------------------------------------|
/// | `max_attempts`        | `maximum_attempts` (0 = unlimited, 1 = no retries)              |
/// | `initial_interval`    | `initial_interval`                                               |
/// | `max_interval`        | `maximum_interval` (`None`: the server's default, 100 × `initial_interval`) |
/// | `backoff_coefficient` | `backoff_coefficient` (must be ≥ 1)                              |
/// | `retryable_errors`    | allow-list enforced by the worker: a failure matching none of the patterns is reported as non-retryable, so the server stops |
/// | `non_retryable_errors`| `non_retryable_error_types` (deny-list enforced by the server)  |
///
/// A pattern matches when the error's type name or its message contains it.
///
/// ```
/// use ironflow::RetryPolicy;
/// use std::time::Duration;
/// let p = RetryPolicy {
///     max_attempts: 5,
///     retryable_errors: vec!["Timeout".into(), "Unavailable".into()],
///     ..RetryPolicy::default()
/// };
/// assert!(p.allows_retry("HttpError", "503 Unavailable"));
/// assert!(!p.allows_retry("ValidationError", "bad card number"));
/// assert_eq!(RetryPolicy::default().initial_interval, Duration::from_secs(1));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetryPolicy {
    /// Maximum number of attempts, the first included. 0 means unlimited; 1 disables retries.
    pub max_attempts: u32,
    /// Delay before the first retry.
    pub initial_interval: Duration,
    /// Upper bound of the delay between retries; `None` leaves it to the server (100 ×
    /// `initial_interval`).
    pub max_interval: Option<Duration>,
    /// Multiplier applied to the delay after each retry (≥ 1.0).
    pub backoff_coefficient: f64,
    /// Allow-list of error patterns that may be retried; empty means every error may be.
    pub retryable_errors: Vec<String>,
    /// Error types the server must never retry (Temporal's `non_retryable_error_types`).
    #[serde(default)]
    pub non_retryable_errors: Vec<String>,
}

impl Default for RetryPolicy {
    /// The seed's defaults: 3 attempts, 1 s initial interval, 60 s cap, coefficient 2.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_interval: Duration::from_secs(1),
            max_interval: Some(Duration::from_secs(60)),
            backoff_coefficient: 2.0,
            retryable_errors: Vec::new(),
            non_retryable_errors: Vec::new(),
        }
    }
}

/// A retry policy the server would reject.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("invalid retry policy: {0}")]
pub struct InvalidRetryPolicy(pub String);

impl RetryPolicy {
    /// A policy that never retries.
    pub fn no_retries() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Temporal's default policy: retries until the activity's timeouts end it, backing off
    /// from 1 s by 2× up to the server's cap (100 × the initial interval).
    pub fn unlimited() -> Self {
        Self {
            max_attempts: 0,
            max_interval: None,
            ..Self::default()
        }
    }

    /// True when this policy's allow-list and deny-list let a failure of this type and message
    /// be retried. (Attempt counting is the server's job.)
    pub fn allows_retry(&self, error_type: &str, message: &str) -> bool {
        let matches = |p: &String| error_type.contains(p.as_str()) || message.contains(p.as_str());
        if self.non_retryable_errors.iter().any(|t| t == error_type) {
            return false;
        }
        self.retryable_errors.is_empty() || self.retryable_errors.iter().any(matches)
    }

    /// Checks what the server would reject, naming the field.
    pub fn validate(&self) -> Result<(), InvalidRetryPolicy> {
        if self.backoff_coefficient.is_nan() || self.backoff_coefficient < 1.0 {
            return Err(InvalidRetryPolicy(format!(
                "backoff_coefficient is {}, it must be at least 1.0",
                self.backoff_coefficient
            )));
        }
        if self.initial_interval.is_zero() {
            return Err(InvalidRetryPolicy(
                "initial_interval must be greater than zero".into(),
            ));
        }
        if let Some(max) = self.max_interval
            && max < self.initial_interval
        {
            return Err(InvalidRetryPolicy(format!(
                "max_interval ({max:?}) is shorter than initial_interval ({:?})",
                self.initial_interval
            )));
        }
        if self.max_attempts > i32::MAX as u32 {
            return Err(InvalidRetryPolicy(format!(
                "max_attempts {} is too large",
                self.max_attempts
            )));
        }
        Ok(())
    }

    /// Temporal's proto. Call [`RetryPolicy::validate`] first.
    pub fn to_proto(&self) -> ProtoRetryPolicy {
        ProtoRetryPolicy {
            initial_interval: self.initial_interval.try_into().ok(),
            backoff_coefficient: self.backoff_coefficient,
            maximum_interval: self.max_interval.and_then(|d| d.try_into().ok()),
            maximum_attempts: self.max_attempts.min(i32::MAX as u32) as i32,
            non_retryable_error_types: self.non_retryable_errors.clone(),
        }
    }

    /// From Temporal's proto (the allow-list is not part of it and comes back empty).
    pub fn from_proto(p: &ProtoRetryPolicy) -> Self {
        let dur = |d: &Option<prost_wkt_types::Duration>| d.and_then(|d| Duration::try_from(d).ok());
        Self {
            max_attempts: p.maximum_attempts.max(0) as u32,
            initial_interval: dur(&p.initial_interval).unwrap_or_default(),
            max_interval: dur(&p.maximum_interval).filter(|d| !d.is_zero()),
            backoff_coefficient: p.backoff_coefficient,
            retryable_errors: Vec::new(),
            non_retryable_errors: p.non_retryable_error_types.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_onto_temporal_fields() {
        let p = RetryPolicy {
            max_attempts: 4,
            non_retryable_errors: vec!["Fatal".into()],
            ..Default::default()
        };
        let proto = p.to_proto();
        assert_eq!(proto.maximum_attempts, 4);
        assert_eq!(proto.backoff_coefficient, 2.0);
        assert_eq!(proto.initial_interval.unwrap().seconds, 1);
        assert_eq!(proto.maximum_interval.unwrap().seconds, 60);
        assert_eq!(proto.non_retryable_error_types, vec!["Fatal".to_string()]);
        assert_eq!(RetryPolicy::from_proto(&proto), p);
        assert!(RetryPolicy::unlimited().to_proto().maximum_interval.is_none());
    }

    #[test]
    fn allow_list_and_deny_list() {
        let p = RetryPolicy {
            retryable_errors: vec!["Transient".into()],
            non_retryable_errors: vec!["TransientButFatal".into()],
            ..Default::default()
        };
        assert!(p.allows_retry("TransientError", ""));
        assert!(p.allows_retry("Error", "Transient network"));
        assert!(!p.allows_retry("Error", "permanent"));
        assert!(!p.allows_retry("TransientButFatal", ""));
        assert!(RetryPolicy::default().allows_retry("Anything", "at all"));
    }

    #[test]
    fn validation_names_the_field() {
        let bad = RetryPolicy {
            backoff_coefficient: 0.5,
            ..Default::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("backoff_coefficient")
        );
        let bad = RetryPolicy {
            max_interval: Some(Duration::from_millis(10)),
            ..Default::default()
        };
        assert!(bad.validate().unwrap_err().to_string().contains("max_interval"));
    }
}
