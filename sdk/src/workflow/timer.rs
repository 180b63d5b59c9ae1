//! Durable timers: [`WorkflowContext::sleep`].

use super::command::{Command, CommandKind};
use super::context::WorkflowContext;
use super::error::Cancelled;
use crate::executor::state::{CommandKey, CommandSpec, Resolution, RunState, SeqKind, SharedState};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use temporalio_common::protos::coresdk::workflow_commands::{self as wc, workflow_command::Variant};

/// A durable timer: [`WorkflowContext::sleep`]. Resolves `Ok(())` when it fires and
/// `Err(Cancelled)` when it is cancelled ([`Timer::cancel`], its cancellation scope, or the
/// workflow's cancellation). The timer starts when the future is first polled; dropping it
/// before it fires cancels it.
#[must_use = "a timer does nothing until it is awaited"]
pub struct Timer(Command<TimerKind>);

pub(crate) struct TimerKind {
    duration: Duration,
}

impl CommandKind for TimerKind {
    type Output = Result<(), Cancelled>;

    fn build(&mut self, st: &mut RunState) -> Result<CommandSpec, Self::Output> {
        if self.duration.is_zero() {
            return Err(Ok(()));
        }
        let seq = st.next_seq(SeqKind::Timer);
        let duration = self.duration;
        st.intercept(|i, call| i.timer_started(call, duration));
        Ok(CommandSpec {
            key: CommandKey::Timer(seq),
            command: Variant::StartTimer(wc::StartTimer {
                seq,
                start_to_fire_timeout: self.duration.try_into().ok(),
            }),
            cancel: Some(Variant::CancelTimer(wc::CancelTimer { seq })),
            cancelled_locally: Some(Resolution::TimerCancelled),
            cancelled_before_sent: Resolution::TimerCancelled,
        })
    }

    fn resolve(&mut self, _: &SharedState, resolution: Resolution) -> Self::Output {
        match resolution {
            Resolution::TimerFired => Ok(()),
            _ => Err(Cancelled),
        }
    }

    fn cancelled_before_issue(&mut self) -> Self::Output {
        Err(Cancelled)
    }
}

impl Timer {
    pub(crate) fn new(state: SharedState, duration: Duration) -> Self {
        Timer(Command::new(state, TimerKind { duration }))
    }

    /// Cancels the timer: it resolves with `Err(Cancelled)`.
    pub fn cancel(&self) {
        self.0.cancel();
    }
}

impl Future for Timer {
    type Output = Result<(), Cancelled>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl WorkflowContext {
    /// A durable timer: completes after `duration` of workflow time, even across worker restarts.
    /// Dropping the future before it fires cancels the timer.
    pub fn sleep(&self, duration: Duration) -> Timer {
        Timer::new(self.run_state().clone(), duration)
    }
}
