//! Helpers the feature modules share: starting a workflow, reading its history, letting a
//! command reach the server before cancelling it.

use futures::future::{Either, select};
use ironflow::client::{Client, StartWorkflowOptions, WorkflowHandle};
use ironflow::history::history_event::Attributes;
use ironflow::{Workflow, WorkflowContext};
use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

/// An error as the feature's failure message.
pub(crate) fn fail(e: impl Display) -> String {
    e.to_string()
}

/// Starts workflow `W` with a unique id made from `prefix`.
pub(crate) async fn start<W: Workflow>(
    client: &Client,
    task_queue: &str,
    prefix: &str,
    input: W::Input,
) -> Result<WorkflowHandle<W::Output>, String> {
    client
        .start_workflow::<W>(
            input,
            StartWorkflowOptions::new(crate::unique(prefix), task_queue),
        )
        .await
        .map_err(fail)
}

/// The attributes of every event of a workflow's history, in order.
pub(crate) async fn history_attributes<O>(handle: &WorkflowHandle<O>) -> Result<Vec<Attributes>, String> {
    let history = handle.fetch_history().await.map_err(fail)?;
    Ok(history.events.into_iter().filter_map(|e| e.attributes).collect())
}

/// How many events of the history match `pred`.
pub(crate) fn count(events: &[Attributes], pred: impl Fn(&Attributes) -> bool) -> usize {
    events.iter().filter(|a| pred(a)).count()
}

/// Polls `future` until it resolves or a `delay` timer fires (which ends the workflow task, so
/// the commands `future` issued reach the server); `None` if the timer fired first.
pub(crate) async fn poll_for<F: Future + Unpin>(
    ctx: &WorkflowContext,
    future: &mut F,
    delay: Duration,
) -> Option<F::Output> {
    match select(future, ctx.sleep(delay)).await {
        Either::Left((out, _)) => Some(out),
        Either::Right(_) => None,
    }
}

/// Polls `check` every 50 ms until it holds; an error naming `what` after `timeout`.
pub(crate) async fn wait_for<F, Fut>(what: &str, timeout: Duration, mut check: F) -> Result<(), String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + timeout;
    while !check().await {
        if std::time::Instant::now() >= deadline {
            return Err(format!("timed out after {timeout:?} waiting for {what}"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// Queries `name` (no arguments) until the answer is `Some`; an error after `timeout`.
pub(crate) async fn query_until_some<T: serde::de::DeserializeOwned, O>(
    handle: &WorkflowHandle<O>,
    name: &str,
    timeout: Duration,
) -> Result<T, String> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if let Ok(Some(answer)) = handle.query_by_name::<(), Option<T>>(name, ()).await {
            return Ok(answer);
        }
        if std::time::Instant::now() >= deadline {
            return Err(format!("query `{name}` had no answer within {timeout:?}"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The local-activity markers of a history (Core's `core_local_activity` markers), in order.
pub(crate) fn local_activity_markers(
    events: &[Attributes],
) -> Vec<&temporalio_common::protos::temporal::api::history::v1::MarkerRecordedEventAttributes> {
    events
        .iter()
        .filter_map(|a| match a {
            Attributes::MarkerRecordedEventAttributes(m) if m.marker_name == "core_local_activity" => Some(m),
            _ => None,
        })
        .collect()
}

/// How many local-activity markers record a failure (rather than a result).
pub(crate) fn failed_markers(events: &[Attributes]) -> usize {
    local_activity_markers(events)
        .iter()
        .filter(|m| m.failure.is_some())
        .count()
}

/// A one-shot record shared by a feature's activity and its checks (each feature runs once per
/// process).
pub(crate) struct Record(std::sync::Mutex<Vec<String>>);

impl Record {
    pub(crate) const fn new() -> Self {
        Record(std::sync::Mutex::new(Vec::new()))
    }
    pub(crate) fn push(&self, what: impl Into<String>) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(what.into());
    }
    pub(crate) fn get(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
    pub(crate) fn clear(&self) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// Starts workflow `W` like [`start`], with `options` applied to its start options.
pub(crate) async fn start_with<W: Workflow>(
    client: &Client,
    task_queue: &str,
    prefix: &str,
    input: W::Input,
    options: impl FnOnce(StartWorkflowOptions) -> StartWorkflowOptions,
) -> Result<WorkflowHandle<W::Output>, String> {
    client
        .start_workflow::<W>(
            input,
            options(StartWorkflowOptions::new(crate::unique(prefix), task_queue)),
        )
        .await
        .map_err(fail)
}

/// The first argument payload (`WorkflowExecutionStarted`) and the result payload
/// (`WorkflowExecutionCompleted`) of a closed workflow, as recorded in its history.
pub(crate) async fn argument_and_result_payloads<O>(
    handle: &WorkflowHandle<O>,
) -> Result<(Option<ironflow::converter::Payload>, ironflow::converter::Payload), String> {
    let mut argument = None;
    let mut result = None;
    for event in history_attributes(handle).await? {
        match event {
            Attributes::WorkflowExecutionStartedEventAttributes(a) => {
                argument = a.input.and_then(|p| p.payloads.into_iter().next())
            }
            Attributes::WorkflowExecutionCompletedEventAttributes(a) => {
                result = a.result.and_then(|p| p.payloads.into_iter().next())
            }
            _ => {}
        }
    }
    Ok((argument, result.ok_or("the history has no result payload")?))
}

/// A payload's metadata value as text.
pub(crate) fn metadata(payload: &ironflow::converter::Payload, key: &str) -> Option<String> {
    payload
        .metadata
        .get(key)
        .map(|v| String::from_utf8_lossy(v).into_owned())
}

/// A local activity that takes a second, recording its start in the feature's [`Record`]: it
/// holds the workflow task open, the window in which a feature sends a signal or an update that
/// must arrive while the task is in flight.
pub(crate) struct Lag(pub(crate) &'static Record);

impl ironflow::ActivityDefinition for Lag {
    const NAME: &'static str = "lag";
    type Input = ();
    type Output = ();
}

impl ironflow::Activity for Lag {
    type Error = ironflow::ApplicationError;
    async fn execute(&self, _: ironflow::ActivityContext, _: ()) -> Result<(), ironflow::ApplicationError> {
        self.0.push("lag");
        tokio::time::sleep(Duration::from_secs(1)).await;
        Ok(())
    }
}
