//! A Rust harness for Temporal's cross-SDK feature suite (`temporalio/features`): every upstream
//! feature directory, pinned to [`UPSTREAM_COMMIT`], is listed here as implemented (a module
//! mirroring its path, written from its README spec), skipped with a reason, or not applicable
//! with a reason. [`run_feature`] runs one against a server, then replays its closed histories
//! with Ironflow's replayer (a history check upstream does not make). Two front ends use it:
//! `tests/features.rs` (one test per feature) and the `features` binary (a table).

mod implemented;
mod support;

use ironflow::client::Client;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

/// The upstream commit the directory list is pinned to.
pub const UPSTREAM_COMMIT: &str = "98d4694b7bb831a38f98a549f7281a856b924cf1";

/// Every feature directory under `features/` at [`UPSTREAM_COMMIT`] (a README or an
/// implementation in some SDK).
pub const UPSTREAM: &[&str] = &[
    "activity/basic_no_workflow_timeout",
    "activity/cancel_abandon",
    "activity/cancel_try_cancel",
    "activity/cancel_wait_cancel",
    "activity/heartbeating",
    "activity/retry_on_error",
    "activity/running_concurrently",
    "activity/shutdown",
    "bugs/go/activity_start_race",
    "bugs/go/child_workflow_cancel_panic",
    "build_id_versioning/activity_and_child_on_correct_version",
    "build_id_versioning/continues_as_new_on_correct_version",
    "build_id_versioning/only_appropriate_worker_gets_task",
    "build_id_versioning/unversioned_worker_gets_unversioned_task",
    "build_id_versioning/unversioned_worker_no_task",
    "build_id_versioning/versions_added_while_worker_polling",
    "child_workflow/cancel_abandon",
    "child_workflow/cancel_try_cancel",
    "child_workflow/cancel_wait_completed",
    "child_workflow/cancel_wait_requested",
    "child_workflow/handle",
    "child_workflow/result",
    "child_workflow/retry",
    "child_workflow/signal",
    "child_workflow/start",
    "child_workflow/throws_on_execute",
    "child_workflow/throws_on_start",
    "child_workflow/throws_on_termination",
    "child_workflow/throws_on_timeout",
    "client/http_proxy",
    "client/http_proxy_auth",
    "client/http_proxy_nativeconn",
    "client/http_proxy_nativeconn_auth",
    "continue_as_new/continue_as_same",
    "continue_as_new/signals_block_continue_as_new",
    "continue_as_new/updates_do_not_block_continue_as_new",
    "data_converter/binary",
    "data_converter/binary_protobuf",
    "data_converter/codec",
    "data_converter/empty",
    "data_converter/failure",
    "data_converter/json",
    "data_converter/json_protobuf",
    "deployment_versioning/aa_clean_old_deployments",
    "deployment_versioning/routing_auto_upgrade",
    "deployment_versioning/routing_pinned",
    "deployment_versioning/routing_with_override",
    "deployment_versioning/routing_with_ramp",
    "eager_activity/non_remote_activities_worker",
    "eager_workflow/successful_start",
    "local_activity/backoff_with_persistent_timer",
    "local_activity/cancel_abandon",
    "local_activity/cancel_failing",
    "local_activity/cancel_try_cancel",
    "local_activity/cancel_wait_completed",
    "local_activity/complete_after_shutdown",
    "local_activity/complete_eventually",
    "local_activity/complete_immediately",
    "local_activity/concurrent",
    "local_activity/non_retryable_error_from_activity",
    "local_activity/non_retryable_error_in_options",
    "local_activity/one_success_one_fail",
    "local_activity/retry_on_error",
    "local_activity/serial",
    "local_activity/shutdown_sends_cancellation",
    "nexus/sync_success",
    "query/successful_query",
    "query/timeout_due_to_no_active_workers",
    "query/unexpected_arguments",
    "query/unexpected_query_type_name",
    "query/unexpected_return_type",
    "reset",
    "reset/reset_and_delete",
    "schedule/backfill",
    "schedule/basic",
    "schedule/cron",
    "schedule/duplicate_error",
    "schedule/pause",
    "schedule/trigger",
    "search_attributes/set",
    "search_attributes/upsert",
    "signal/activities",
    "signal/basic",
    "signal/child_workflow",
    "signal/external",
    "signal/prevent_close",
    "signal/signal_with_start",
    "signal/workflow_to_workflow",
    "telemetry/metrics",
    "timer",
    "tracing",
    "update/activities",
    "update/async_accepted",
    "update/basic",
    "update/basic_async",
    "update/client_interceptor",
    "update/deduplication",
    "update/non_durable_reject",
    "update/self",
    "update/task_failure",
    "update/validation_replay",
    "update/worker_restart",
    "worker_shutdown/poll_complete_on_shutdown",
];

/// Dynamic config the upstream runner gives its dev server.
pub const DYNAMIC_CONFIG: &[&str] = &[
    "system.enableEagerWorkflowStart=true",
    "system.enableActivityEagerExecution=true",
    "system.enableDeployments=true",
    "system.forceSearchAttributesCacheRefreshOnRead=true",
];

/// The search attributes the features use, registered on the features' server (the upstream
/// runner's server has them).
pub const SEARCH_ATTRIBUTES: &[&str] = &[
    "CustomKeywordField=Keyword",
    "CustomTextField=Text",
    "CustomIntField=Int",
    "CustomDoubleField=Double",
    "CustomBoolField=Bool",
    "CustomDatetimeField=Datetime",
];

/// A dev server with [`DYNAMIC_CONFIG`] and [`SEARCH_ATTRIBUTES`], one per process (started on first use, killed with it).
pub fn server_address() -> &'static str {
    static ADDRESS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ADDRESS.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = tx.send(Err(e.to_string()));
                    return;
                }
            };
            let options = ironflow::testing::DevServerOptions {
                extra_args: DYNAMIC_CONFIG
                    .iter()
                    .flat_map(|kv| ["--dynamic-config-value", kv])
                    .chain(SEARCH_ATTRIBUTES.iter().flat_map(|sa| ["--search-attribute", sa]))
                    .map(String::from)
                    .collect(),
                die_with_parent_thread: true,
                ..Default::default()
            };
            match rt.block_on(ironflow::testing::DevServer::start_with(options)) {
                Ok(server) => {
                    let _ = tx.send(Ok(server.address().to_string()));
                    loop {
                        std::thread::park();
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(e.to_string()));
                }
            }
        });
        match rx.recv() {
            Ok(Ok(address)) => address,
            Ok(Err(e)) => panic!("the features dev server did not start: {e}"),
            Err(e) => panic!("the features dev server thread died: {e}"),
        }
    })
}

/// What a feature run returns: the workflow ids whose histories are replayed afterwards
/// (`id@run id` for a run other than the latest).
pub type RunFuture = Pin<Box<dyn Future<Output = Result<Vec<String>, String>> + Send>>;

/// An implemented feature: its worker registrations, its replayer, and the run (start,
/// interact, check) given a client and a fresh task queue.
pub struct Implemented {
    /// Registers the feature's workflows and activities.
    pub register: fn(WorkerBuilder) -> WorkerBuilder,
    /// A replayer with the feature's workflows.
    pub replayer: fn() -> Replayer,
    /// Starts the feature's workflows and checks what upstream checks.
    pub run: fn(Client, String) -> RunFuture,
    /// The run starts and stops its own workers (features about worker shutdown or restart);
    /// otherwise the harness runs one worker with `register` while `run` runs.
    pub own_worker: bool,
}

/// How a feature stands in this harness.
pub enum Status {
    /// Written from the spec.
    Implemented(Implemented),
    /// Not (yet) run, and why.
    Skipped(&'static str),
    /// Does not apply to Ironflow, and why.
    NotApplicable(&'static str),
}

/// Every upstream feature, in path order.
pub fn registry() -> Vec<(&'static str, Status)> {
    vec![
        (
            "activity/basic_no_workflow_timeout",
            Status::Implemented(implemented::activity_basic_no_workflow_timeout()),
        ),
        (
            "activity/cancel_abandon",
            Status::Implemented(implemented::activity_cancel_abandon()),
        ),
        (
            "activity/cancel_try_cancel",
            Status::Implemented(implemented::activity_cancel_try_cancel()),
        ),
        (
            "activity/cancel_wait_cancel",
            Status::Implemented(implemented::activity_cancel_wait_cancel()),
        ),
        (
            "activity/heartbeating",
            Status::Implemented(implemented::activity_heartbeating()),
        ),
        (
            "activity/retry_on_error",
            Status::Implemented(implemented::activity_retry_on_error()),
        ),
        (
            "activity/running_concurrently",
            Status::Implemented(implemented::activity_running_concurrently()),
        ),
        (
            "activity/shutdown",
            Status::Implemented(implemented::activity_shutdown()),
        ),
        (
            "bugs/go/activity_start_race",
            Status::NotApplicable("a regression test for a Go SDK bug"),
        ),
        (
            "bugs/go/child_workflow_cancel_panic",
            Status::NotApplicable("a regression test for a Go SDK bug"),
        ),
        (
            "build_id_versioning/activity_and_child_on_correct_version",
            Status::NotApplicable(
                "the deprecated build-id versioning API (broken on servers >= 1.25); Ironflow implements Worker Deployment Versioning, covered by deployment_versioning/*",
            ),
        ),
        (
            "build_id_versioning/continues_as_new_on_correct_version",
            Status::NotApplicable(
                "the deprecated build-id versioning API (broken on servers >= 1.25); Ironflow implements Worker Deployment Versioning, covered by deployment_versioning/*",
            ),
        ),
        (
            "build_id_versioning/only_appropriate_worker_gets_task",
            Status::NotApplicable(
                "the deprecated build-id versioning API (broken on servers >= 1.25); Ironflow implements Worker Deployment Versioning, covered by deployment_versioning/*",
            ),
        ),
        (
            "build_id_versioning/unversioned_worker_gets_unversioned_task",
            Status::NotApplicable(
                "the deprecated build-id versioning API (broken on servers >= 1.25); Ironflow implements Worker Deployment Versioning, covered by deployment_versioning/*",
            ),
        ),
        (
            "build_id_versioning/unversioned_worker_no_task",
            Status::NotApplicable(
                "the deprecated build-id versioning API (broken on servers >= 1.25); Ironflow implements Worker Deployment Versioning, covered by deployment_versioning/*",
            ),
        ),
        (
            "build_id_versioning/versions_added_while_worker_polling",
            Status::NotApplicable(
                "the deprecated build-id versioning API (broken on servers >= 1.25); Ironflow implements Worker Deployment Versioning, covered by deployment_versioning/*",
            ),
        ),
        (
            "child_workflow/cancel_abandon",
            Status::Implemented(implemented::child_workflow_cancel_abandon()),
        ),
        (
            "child_workflow/cancel_try_cancel",
            Status::Implemented(implemented::child_workflow_cancel_try_cancel()),
        ),
        (
            "child_workflow/cancel_wait_completed",
            Status::Implemented(implemented::child_workflow_cancel_wait_completed()),
        ),
        (
            "child_workflow/cancel_wait_requested",
            Status::Implemented(implemented::child_workflow_cancel_wait_requested()),
        ),
        (
            "child_workflow/handle",
            Status::Implemented(implemented::child_workflow_handle()),
        ),
        (
            "child_workflow/result",
            Status::Implemented(implemented::child_workflow_result()),
        ),
        (
            "child_workflow/retry",
            Status::Implemented(implemented::child_workflow_retry()),
        ),
        (
            "child_workflow/signal",
            Status::Implemented(implemented::child_workflow_signal()),
        ),
        (
            "child_workflow/start",
            Status::Implemented(implemented::child_workflow_start()),
        ),
        (
            "child_workflow/throws_on_execute",
            Status::Implemented(implemented::child_workflow_throws_on_execute()),
        ),
        (
            "child_workflow/throws_on_start",
            Status::Implemented(implemented::child_workflow_throws_on_start()),
        ),
        (
            "child_workflow/throws_on_termination",
            Status::Implemented(implemented::child_workflow_throws_on_termination()),
        ),
        (
            "child_workflow/throws_on_timeout",
            Status::Implemented(implemented::child_workflow_throws_on_timeout()),
        ),
        (
            "client/http_proxy",
            Status::Implemented(implemented::client_http_proxy()),
        ),
        (
            "client/http_proxy_auth",
            Status::Implemented(implemented::client_http_proxy_auth()),
        ),
        (
            "client/http_proxy_nativeconn",
            Status::NotApplicable(
                "TypeScript's NativeConnection; Ironflow's one connection type is covered by client/http_proxy",
            ),
        ),
        (
            "client/http_proxy_nativeconn_auth",
            Status::NotApplicable(
                "TypeScript's NativeConnection; Ironflow's one connection type is covered by client/http_proxy_auth",
            ),
        ),
        (
            "continue_as_new/continue_as_same",
            Status::Implemented(implemented::continue_as_new_continue_as_same()),
        ),
        (
            "continue_as_new/signals_block_continue_as_new",
            Status::Implemented(implemented::continue_as_new_signals_block_continue_as_new()),
        ),
        (
            "continue_as_new/updates_do_not_block_continue_as_new",
            Status::Implemented(implemented::continue_as_new_updates_do_not_block_continue_as_new()),
        ),
        (
            "data_converter/binary",
            Status::Implemented(implemented::data_converter_binary()),
        ),
        (
            "data_converter/binary_protobuf",
            Status::Implemented(implemented::data_converter_binary_protobuf()),
        ),
        (
            "data_converter/codec",
            Status::Implemented(implemented::data_converter_codec()),
        ),
        (
            "data_converter/empty",
            Status::Implemented(implemented::data_converter_empty()),
        ),
        (
            "data_converter/failure",
            Status::Implemented(implemented::data_converter_failure()),
        ),
        (
            "data_converter/json",
            Status::Implemented(implemented::data_converter_json()),
        ),
        (
            "data_converter/json_protobuf",
            Status::Implemented(implemented::data_converter_json_protobuf()),
        ),
        (
            "deployment_versioning/aa_clean_old_deployments",
            Status::Implemented(implemented::deployment_versioning_aa_clean_old_deployments()),
        ),
        (
            "deployment_versioning/routing_auto_upgrade",
            Status::Implemented(implemented::deployment_versioning_routing_auto_upgrade()),
        ),
        (
            "deployment_versioning/routing_pinned",
            Status::Implemented(implemented::deployment_versioning_routing_pinned()),
        ),
        (
            "deployment_versioning/routing_with_override",
            Status::Implemented(implemented::deployment_versioning_routing_with_override()),
        ),
        (
            "deployment_versioning/routing_with_ramp",
            Status::Implemented(implemented::deployment_versioning_routing_with_ramp()),
        ),
        (
            "eager_activity/non_remote_activities_worker",
            Status::Implemented(implemented::eager_activity_non_remote_activities_worker()),
        ),
        (
            "eager_workflow/successful_start",
            Status::Implemented(implemented::eager_workflow_successful_start()),
        ),
        (
            "local_activity/backoff_with_persistent_timer",
            Status::Implemented(implemented::local_activity_backoff_with_persistent_timer()),
        ),
        (
            "local_activity/cancel_abandon",
            Status::Implemented(implemented::local_activity_cancel_abandon()),
        ),
        (
            "local_activity/cancel_failing",
            Status::Implemented(implemented::local_activity_cancel_failing()),
        ),
        (
            "local_activity/cancel_try_cancel",
            Status::Implemented(implemented::local_activity_cancel_try_cancel()),
        ),
        (
            "local_activity/cancel_wait_completed",
            Status::Implemented(implemented::local_activity_cancel_wait_completed()),
        ),
        (
            "local_activity/complete_after_shutdown",
            Status::Implemented(implemented::local_activity_complete_after_shutdown()),
        ),
        (
            "local_activity/complete_eventually",
            Status::Implemented(implemented::local_activity_complete_eventually()),
        ),
        (
            "local_activity/complete_immediately",
            Status::Implemented(implemented::local_activity_complete_immediately()),
        ),
        (
            "local_activity/concurrent",
            Status::Implemented(implemented::local_activity_concurrent()),
        ),
        (
            "local_activity/non_retryable_error_from_activity",
            Status::Implemented(implemented::local_activity_non_retryable_error_from_activity()),
        ),
        (
            "local_activity/non_retryable_error_in_options",
            Status::Implemented(implemented::local_activity_non_retryable_error_in_options()),
        ),
        (
            "local_activity/one_success_one_fail",
            Status::Implemented(implemented::local_activity_one_success_one_fail()),
        ),
        (
            "local_activity/retry_on_error",
            Status::Implemented(implemented::local_activity_retry_on_error()),
        ),
        (
            "local_activity/serial",
            Status::Implemented(implemented::local_activity_serial()),
        ),
        (
            "local_activity/shutdown_sends_cancellation",
            Status::Skipped(
                "Core 0.10.1 does not cancel running local activities at worker shutdown (it waits for them; Ironflow tells them through ActivityContext::worker_shutdown), and recording no marker for an acknowledged cancel, then restarting at attempt 1, is Core's to do",
            ),
        ),
        (
            "nexus/sync_success",
            Status::Implemented(implemented::nexus_sync_success()),
        ),
        (
            "query/successful_query",
            Status::Implemented(implemented::query_successful_query()),
        ),
        (
            "query/timeout_due_to_no_active_workers",
            Status::Implemented(implemented::query_timeout_due_to_no_active_workers()),
        ),
        (
            "query/unexpected_arguments",
            Status::Implemented(implemented::query_unexpected_arguments()),
        ),
        (
            "query/unexpected_query_type_name",
            Status::Implemented(implemented::query_unexpected_query_type_name()),
        ),
        (
            "query/unexpected_return_type",
            Status::Implemented(implemented::query_unexpected_return_type()),
        ),
        ("reset", Status::Implemented(implemented::reset())),
        (
            "reset/reset_and_delete",
            Status::Implemented(implemented::reset_reset_and_delete()),
        ),
        (
            "schedule/backfill",
            Status::Implemented(implemented::schedule_backfill()),
        ),
        (
            "schedule/basic",
            Status::Implemented(implemented::schedule_basic()),
        ),
        ("schedule/cron", Status::Implemented(implemented::schedule_cron())),
        (
            "schedule/duplicate_error",
            Status::Implemented(implemented::schedule_duplicate_error()),
        ),
        (
            "schedule/pause",
            Status::Implemented(implemented::schedule_pause()),
        ),
        (
            "schedule/trigger",
            Status::Implemented(implemented::schedule_trigger()),
        ),
        (
            "search_attributes/set",
            Status::Implemented(implemented::search_attributes_set()),
        ),
        (
            "search_attributes/upsert",
            Status::Implemented(implemented::search_attributes_upsert()),
        ),
        (
            "signal/activities",
            Status::Implemented(implemented::signal_activities()),
        ),
        ("signal/basic", Status::Implemented(implemented::signal_basic())),
        (
            "signal/child_workflow",
            Status::Implemented(implemented::signal_child_workflow()),
        ),
        (
            "signal/external",
            Status::Implemented(implemented::signal_external()),
        ),
        (
            "signal/prevent_close",
            Status::Implemented(implemented::signal_prevent_close()),
        ),
        (
            "signal/signal_with_start",
            Status::Implemented(implemented::signal_signal_with_start()),
        ),
        (
            "signal/workflow_to_workflow",
            Status::Implemented(implemented::signal_workflow_to_workflow()),
        ),
        (
            "telemetry/metrics",
            Status::Implemented(implemented::telemetry_metrics()),
        ),
        ("timer", Status::Implemented(implemented::timer())),
        ("tracing", Status::Implemented(implemented::tracing())),
        (
            "update/activities",
            Status::Implemented(implemented::update_activities()),
        ),
        (
            "update/async_accepted",
            Status::Implemented(implemented::update_async_accepted()),
        ),
        ("update/basic", Status::Implemented(implemented::update_basic())),
        (
            "update/basic_async",
            Status::Implemented(implemented::update_basic_async()),
        ),
        (
            "update/client_interceptor",
            Status::Implemented(implemented::update_client_interceptor()),
        ),
        (
            "update/deduplication",
            Status::Implemented(implemented::update_deduplication()),
        ),
        (
            "update/non_durable_reject",
            Status::Implemented(implemented::update_non_durable_reject()),
        ),
        ("update/self", Status::Implemented(implemented::update_self())),
        (
            "update/task_failure",
            Status::Implemented(implemented::update_task_failure()),
        ),
        (
            "update/validation_replay",
            Status::Implemented(implemented::update_validation_replay()),
        ),
        (
            "update/worker_restart",
            Status::Implemented(implemented::update_worker_restart()),
        ),
        (
            "worker_shutdown/poll_complete_on_shutdown",
            Status::Implemented(implemented::worker_shutdown_poll_complete_on_shutdown()),
        ),
    ]
}

/// How a feature run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Its checks and the replay of its histories passed.
    Passed,
    /// Why it failed.
    Failed(String),
    /// Skipped or not applicable, with the reason.
    Skipped(String),
}

/// Runs one feature on `client`'s server with a worker on a fresh task queue; returns the
/// outcome and the seconds it took.
pub async fn run_feature(client: &Client, path: &str, status: &Status) -> (Outcome, f64) {
    let started = Instant::now();
    let feature = match status {
        Status::Implemented(f) => f,
        Status::Skipped(why) => return (Outcome::Skipped(format!("skipped: {why}")), 0.0),
        Status::NotApplicable(why) => return (Outcome::Skipped(format!("not applicable: {why}")), 0.0),
    };
    let task_queue = crate::unique(&format!("features-{}", path.replace('/', "-")));
    if feature.own_worker {
        let run = (feature.run)(client.clone(), task_queue.clone());
        let outcome = match tokio::time::timeout(Duration::from_secs(120), run).await {
            Err(_) => Outcome::Failed("did not finish within 120 s".into()),
            Ok(Err(e)) => Outcome::Failed(e),
            Ok(Ok(ids)) => replay(client, &(feature.replayer)(), &ids).await,
        };
        return (outcome, started.elapsed().as_secs_f64());
    }
    let worker = match (feature.register)(ironflow::Worker::builder(client, &task_queue)).build() {
        Ok(w) => w,
        Err(e) => return (Outcome::Failed(format!("cannot build the worker: {e}")), 0.0),
    };
    let run = (feature.run)(client.clone(), task_queue.clone());
    let outcome = match tokio::time::timeout(Duration::from_secs(120), worker.run_until(run)).await {
        Err(_) => Outcome::Failed("did not finish within 120 s".into()),
        Ok(Err(e)) => Outcome::Failed(format!("the worker stopped: {e}")),
        Ok(Ok(Err(e))) => Outcome::Failed(e),
        Ok(Ok(Ok(ids))) => replay(client, &(feature.replayer)(), &ids).await,
    };
    (outcome, started.elapsed().as_secs_f64())
}

/// Executes workflow `W` with `input` on `task_queue` and checks that it returns `expected`
/// (what upstream's `expect_run_result` checks); returns its id for the replay.
pub(crate) async fn expect_result<W: ironflow::Workflow>(
    client: &Client,
    task_queue: &str,
    id_prefix: &str,
    input: W::Input,
    expected: W::Output,
) -> Result<Vec<String>, String>
where
    W::Output: PartialEq + std::fmt::Debug,
{
    let id = crate::unique(id_prefix);
    let out = client
        .execute_workflow::<W>(
            input,
            ironflow::client::StartWorkflowOptions::new(&id, task_queue),
        )
        .await
        .map_err(|e| e.to_string())?;
    if out != expected {
        return Err(format!("expected {expected:?}, got {out:?}"));
    }
    Ok(vec![id])
}

/// Replays the closed histories of `ids` (`workflow id` for the latest run, `workflow id@run id`
/// for another) with `replayer`.
pub(crate) async fn replay(client: &Client, replayer: &Replayer, ids: &[String]) -> Outcome {
    for id in ids {
        let (workflow_id, run_id) = match id.split_once('@') {
            Some((w, r)) => (w, Some(r.to_string())),
            None => (id.as_str(), None),
        };
        let history = match client
            .workflow_handle::<()>(workflow_id, run_id)
            .fetch_history()
            .await
        {
            Ok(h) => h,
            Err(e) => return Outcome::Failed(format!("cannot fetch the history of {id}: {e}")),
        };
        let result = replayer.replay_history(id, &history).await;
        if !result.passed() {
            return Outcome::Failed(format!(
                "the history of {id} does not replay: {}: {}",
                result.outcome.kind(),
                result
                    .mismatch
                    .or_else(|| result.outcome.message())
                    .unwrap_or_default()
            ));
        }
    }
    Outcome::Passed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_lists_exactly_the_pinned_upstream_directories() {
        let listed: Vec<&str> = registry().iter().map(|(p, _)| *p).collect();
        let mut upstream = UPSTREAM.to_vec();
        upstream.sort_unstable();
        assert_eq!(
            listed, upstream,
            "the registry and the pinned upstream list disagree"
        );
        assert_eq!(UPSTREAM.len(), 103);
        for (path, status) in registry() {
            if let Status::Skipped(why) | Status::NotApplicable(why) = status {
                assert!(!why.trim().is_empty(), "{path} needs a reason");
            }
        }
    }
}
