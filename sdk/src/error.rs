//! [`ApplicationError`]: an error raised by user code, with Temporal's retry and type controls,
//! and the conversion of any Rust error into a Temporal [`Failure`].

use crate::converter::{Failure, FailureKind, Payload, PayloadError, to_payload};
use serde::Serialize;
use std::error::Error as StdError;
use std::fmt;

/// An error raised by activity or workflow code, as Temporal's `ApplicationFailure`.
///
/// Any `std::error::Error` can be returned from an activity; use `ApplicationError` (as the
/// error type, or as the `source` of your own error) when you want to choose the error type name
/// the server matches retry policies against, forbid retries explicitly, or attach details.
///
/// ```
/// use ironflow::ApplicationError;
/// let e = ApplicationError::non_retryable("card number is malformed")
///     .with_type("ValidationError")
///     .with_details(&serde_json::json!({"field": "card"}))
///     .unwrap();
/// assert!(e.is_non_retryable());
/// assert_eq!(e.error_type(), "ValidationError");
/// ```
#[derive(Debug)]
pub struct ApplicationError {
    message: String,
    error_type: String,
    non_retryable: bool,
    details: Vec<Payload>,
    source: Option<Box<dyn StdError + Send + Sync + 'static>>,
}

impl ApplicationError {
    /// A retryable error (the retry policy still decides).
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            error_type: "ApplicationError".to_string(),
            non_retryable: false,
            details: Vec::new(),
            source: None,
        }
    }

    /// An error the server must not retry, whatever the retry policy says.
    pub fn non_retryable(message: impl Into<String>) -> Self {
        Self {
            non_retryable: true,
            ..Self::new(message)
        }
    }

    /// Sets the error type name (matched by retry policies and shown in the Web UI).
    pub fn with_type(mut self, error_type: impl Into<String>) -> Self {
        self.error_type = error_type.into();
        self
    }

    /// Attaches details, serialized as a `json/plain` payload.
    pub fn with_details<T: Serialize + ?Sized>(mut self, details: &T) -> Result<Self, PayloadError> {
        self.details.push(to_payload(details)?);
        Ok(self)
    }

    /// Sets the underlying error, recorded as the failure's cause.
    pub fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The error type name.
    pub fn error_type(&self) -> &str {
        &self.error_type
    }

    /// True when retries are forbidden.
    pub fn is_non_retryable(&self) -> bool {
        self.non_retryable
    }
}

impl fmt::Display for ApplicationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error_type, self.message)
    }
}

impl StdError for ApplicationError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source.as_deref().map(|s| s as &(dyn StdError + 'static))
    }
}

/// The last path segment of a type name, without generics: `my_crate::MyError` → `MyError`.
pub(crate) fn short_type_name(full: &str) -> &str {
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
}

/// Converts any error into a Temporal failure chain.
///
/// An [`ApplicationError`] or a [`Failure`] anywhere in the top error keeps its type, retry flag
/// and details; other errors become application failures named after `type_name` (the Rust type),
/// and each `source()` becomes a cause.
pub fn failure_from_error(err: &(dyn StdError + 'static), type_name: &str) -> Failure {
    if let Some(f) = err.downcast_ref::<Failure>() {
        return f.clone();
    }
    let mut failure = if let Some(app) = err.downcast_ref::<ApplicationError>() {
        Failure {
            message: app.message.clone(),
            kind: FailureKind::Application {
                error_type: app.error_type.clone(),
                non_retryable: app.non_retryable,
                details: app.details.clone(),
            },
            ..Failure::application("", "", false)
        }
    } else {
        Failure::application(err.to_string(), short_type_name(type_name), false)
    };
    if let Some(src) = err.source() {
        failure.cause = Some(Box::new(failure_from_error(src, "")));
    }
    failure
}

/// The first [`ApplicationError`] in an error's source chain, if any.
pub(crate) fn find_application_error<'a>(err: &'a (dyn StdError + 'static)) -> Option<&'a ApplicationError> {
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(app) = e.downcast_ref::<ApplicationError>() {
            return Some(app);
        }
        cur = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    enum PaymentError {
        #[error("gateway unavailable")]
        Gateway(#[source] std::io::Error),
        #[error("rejected")]
        Rejected(#[source] ApplicationError),
    }

    #[test]
    fn plain_error_becomes_application_failure_with_cause_chain() {
        let err = PaymentError::Gateway(std::io::Error::other("connection reset"));
        let f = failure_from_error(&err, std::any::type_name::<PaymentError>());
        assert_eq!(f.application_type(), Some("PaymentError"));
        assert_eq!(f.message, "gateway unavailable");
        assert!(!f.is_non_retryable());
        assert_eq!(f.cause.as_ref().unwrap().message, "connection reset");
    }

    #[test]
    fn application_error_in_the_chain_is_found() {
        let err = PaymentError::Rejected(ApplicationError::non_retryable("no").with_type("Declined"));
        assert!(find_application_error(&err).unwrap().is_non_retryable());
        let f = failure_from_error(&err, "x::PaymentError");
        assert_eq!(f.cause.as_ref().unwrap().application_type(), Some("Declined"));
        assert!(f.cause.as_ref().unwrap().is_non_retryable());
    }

    #[test]
    fn short_names() {
        assert_eq!(short_type_name("a::b::MyError"), "MyError");
        assert_eq!(short_type_name("a::Wrap<b::C>"), "Wrap");
        assert_eq!(short_type_name("MyError"), "MyError");
    }
}
