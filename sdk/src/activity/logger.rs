//! [`ActivityLogger`]: logs with the activity's id, type and attempt and its workflow's id,
//! through `tracing`, target `ironflow::activity`.

use std::fmt::Display;

/// An activity's logger; see [`crate::ActivityContext::logger`].
#[derive(Debug, Clone)]
pub struct ActivityLogger {
    pub(crate) activity_id: String,
    pub(crate) activity_type: String,
    pub(crate) attempt: u32,
    pub(crate) workflow_id: String,
}

macro_rules! activity_event {
    ($self:ident, $level:expr, $message:ident) => {
        match $level {
            tracing::Level::ERROR => tracing::error!(target: "ironflow::activity", activity_id = %$self.activity_id, activity_type = %$self.activity_type, attempt = $self.attempt, workflow_id = %$self.workflow_id, "{}", $message),
            tracing::Level::WARN => tracing::warn!(target: "ironflow::activity", activity_id = %$self.activity_id, activity_type = %$self.activity_type, attempt = $self.attempt, workflow_id = %$self.workflow_id, "{}", $message),
            tracing::Level::INFO => tracing::info!(target: "ironflow::activity", activity_id = %$self.activity_id, activity_type = %$self.activity_type, attempt = $self.attempt, workflow_id = %$self.workflow_id, "{}", $message),
            _ => tracing::debug!(target: "ironflow::activity", activity_id = %$self.activity_id, activity_type = %$self.activity_type, attempt = $self.attempt, workflow_id = %$self.workflow_id, "{}", $message),
        }
    };
}

impl ActivityLogger {
    /// Logs at debug level.
    pub fn debug(&self, message: impl Display) {
        activity_event!(self, tracing::Level::DEBUG, message);
    }
    /// Logs at info level.
    pub fn info(&self, message: impl Display) {
        activity_event!(self, tracing::Level::INFO, message);
    }
    /// Logs at warn level.
    pub fn warn(&self, message: impl Display) {
        activity_event!(self, tracing::Level::WARN, message);
    }
    /// Logs at error level.
    pub fn error(&self, message: impl Display) {
        activity_event!(self, tracing::Level::ERROR, message);
    }
}

impl super::context::ActivityContext {
    /// A logger carrying this activity's id, type and attempt and its workflow's id.
    pub fn logger(&self) -> ActivityLogger {
        let info = self.info();
        ActivityLogger {
            activity_id: info.activity_id.clone(),
            activity_type: info.activity_type.clone(),
            attempt: info.attempt,
            workflow_id: info.workflow_id.clone(),
        }
    }
}
