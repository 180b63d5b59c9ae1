//! [`WorkflowLogger`]: logs with the workflow's id, run id, type and attempt, and stays silent
//! while the workflow replays, so a line appears once per execution, not once per replay (as
//! Python's `workflow.logger`). It logs through `tracing`, target `ironflow::workflow`.

use crate::executor::state::SharedState;
use std::fmt::Display;

/// A workflow's logger; see [`crate::WorkflowContext::logger`]. Whether the workflow replays is
/// checked at each line, so a logger kept across `.await`s stays right.
#[derive(Clone)]
pub struct WorkflowLogger {
    workflow_id: String,
    run_id: String,
    workflow_type: String,
    attempt: u32,
    state: SharedState,
}

impl std::fmt::Debug for WorkflowLogger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkflowLogger")
            .field("workflow_id", &self.workflow_id)
            .field("run_id", &self.run_id)
            .field("workflow_type", &self.workflow_type)
            .field("attempt", &self.attempt)
            .finish()
    }
}

macro_rules! workflow_event {
    ($self:ident, $level:expr, $message:ident) => {
        if !$self.replaying() {
            match $level {
                tracing::Level::ERROR => tracing::error!(target: "ironflow::workflow", workflow_id = %$self.workflow_id, run_id = %$self.run_id, workflow_type = %$self.workflow_type, attempt = $self.attempt, "{}", $message),
                tracing::Level::WARN => tracing::warn!(target: "ironflow::workflow", workflow_id = %$self.workflow_id, run_id = %$self.run_id, workflow_type = %$self.workflow_type, attempt = $self.attempt, "{}", $message),
                tracing::Level::INFO => tracing::info!(target: "ironflow::workflow", workflow_id = %$self.workflow_id, run_id = %$self.run_id, workflow_type = %$self.workflow_type, attempt = $self.attempt, "{}", $message),
                _ => tracing::debug!(target: "ironflow::workflow", workflow_id = %$self.workflow_id, run_id = %$self.run_id, workflow_type = %$self.workflow_type, attempt = $self.attempt, "{}", $message),
            }
        }
    };
}

impl WorkflowLogger {
    /// True while the workflow replays (a line is logged when that cannot be told).
    fn replaying(&self) -> bool {
        self.state.try_borrow().is_ok_and(|st| st.is_replaying())
    }

    /// Logs at debug level (not while replaying).
    pub fn debug(&self, message: impl Display) {
        workflow_event!(self, tracing::Level::DEBUG, message);
    }
    /// Logs at info level (not while replaying).
    pub fn info(&self, message: impl Display) {
        workflow_event!(self, tracing::Level::INFO, message);
    }
    /// Logs at warn level (not while replaying).
    pub fn warn(&self, message: impl Display) {
        workflow_event!(self, tracing::Level::WARN, message);
    }
    /// Logs at error level (not while replaying).
    pub fn error(&self, message: impl Display) {
        workflow_event!(self, tracing::Level::ERROR, message);
    }
}

impl super::context::WorkflowContext {
    /// A logger carrying this workflow's id, run id, type and attempt; silent while replaying.
    ///
    /// ```no_run
    /// # async fn body(ctx: ironflow::WorkflowContext) {
    /// ctx.logger().info(format_args!("charging {} cents", 1200));
    /// # }
    /// ```
    pub fn logger(&self) -> WorkflowLogger {
        let st = self.run_state().borrow();
        let info = st.info();
        WorkflowLogger {
            workflow_id: info.workflow_id.clone(),
            run_id: info.run_id.clone(),
            workflow_type: info.workflow_type.clone(),
            attempt: info.attempt,
            state: self.run_state().clone(),
        }
    }
}
