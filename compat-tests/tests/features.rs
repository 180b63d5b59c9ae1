//! Temporal's cross-SDK feature suite (`temporalio/features`, pinned in
//! `ironflow_compat_tests::features::UPSTREAM_COMMIT`): one test per implemented feature, each
//! run on a dev server with the upstream runner's dynamic config and its histories replayed
//! afterwards; the features not run are listed with their reasons. `cargo run -p
//! ironflow-compat-tests --bin features` prints the same as a table.

use ironflow::client::{Client, ConnectOptions};
use ironflow_compat_tests::features::{Outcome, Status, registry, run_feature, server_address};

async fn run(path: &str) {
    let client = Client::connect(ConnectOptions::new(server_address()))
        .await
        .expect("connect");
    let registry = registry();
    let (_, status) = registry
        .iter()
        .find(|(p, _)| *p == path)
        .unwrap_or_else(|| panic!("{path} is not in the registry"));
    let (outcome, seconds) = run_feature(&client, path, status).await;
    assert_eq!(outcome, Outcome::Passed, "feature {path} ({seconds:.1} s)");
}

macro_rules! features {
    ($($name:ident => $path:literal,)*) => {
        $(
            #[tokio::test]
            async fn $name() {
                run($path).await;
            }
        )*

        /// Every implemented feature has a test above; the rest are listed with their reasons.
        #[test]
        fn every_feature_is_run_or_listed_with_its_reason() {
            let tested = [$($path),*];
            let mut skipped = 0;
            for (path, status) in registry() {
                match status {
                    Status::Implemented(_) => {
                        assert!(tested.contains(&path), "{path} is implemented but has no test here")
                    }
                    Status::Skipped(why) | Status::NotApplicable(why) => {
                        skipped += 1;
                        eprintln!("SKIPPED {path}: {why}");
                    }
                }
            }
            assert_eq!(tested.len() + skipped, 103);
        }
    };
}

features! {
    activity_basic_no_workflow_timeout => "activity/basic_no_workflow_timeout",
    activity_cancel_abandon => "activity/cancel_abandon",
    activity_cancel_try_cancel => "activity/cancel_try_cancel",
    activity_cancel_wait_cancel => "activity/cancel_wait_cancel",
    activity_heartbeating => "activity/heartbeating",
    activity_retry_on_error => "activity/retry_on_error",
    activity_running_concurrently => "activity/running_concurrently",
    activity_shutdown => "activity/shutdown",
    child_workflow_cancel_abandon => "child_workflow/cancel_abandon",
    child_workflow_cancel_try_cancel => "child_workflow/cancel_try_cancel",
    child_workflow_cancel_wait_completed => "child_workflow/cancel_wait_completed",
    child_workflow_cancel_wait_requested => "child_workflow/cancel_wait_requested",
    child_workflow_handle => "child_workflow/handle",
    child_workflow_result => "child_workflow/result",
    child_workflow_retry => "child_workflow/retry",
    child_workflow_signal => "child_workflow/signal",
    child_workflow_start => "child_workflow/start",
    child_workflow_throws_on_execute => "child_workflow/throws_on_execute",
    child_workflow_throws_on_start => "child_workflow/throws_on_start",
    child_workflow_throws_on_termination => "child_workflow/throws_on_termination",
    child_workflow_throws_on_timeout => "child_workflow/throws_on_timeout",
    client_http_proxy => "client/http_proxy",
    client_http_proxy_auth => "client/http_proxy_auth",
    continue_as_new_continue_as_same => "continue_as_new/continue_as_same",
    continue_as_new_signals_block_continue_as_new => "continue_as_new/signals_block_continue_as_new",
    continue_as_new_updates_do_not_block_continue_as_new => "continue_as_new/updates_do_not_block_continue_as_new",
    data_converter_binary => "data_converter/binary",
    data_converter_binary_protobuf => "data_converter/binary_protobuf",
    data_converter_codec => "data_converter/codec",
    data_converter_empty => "data_converter/empty",
    data_converter_failure => "data_converter/failure",
    data_converter_json => "data_converter/json",
    data_converter_json_protobuf => "data_converter/json_protobuf",
    deployment_versioning_aa_clean_old_deployments => "deployment_versioning/aa_clean_old_deployments",
    deployment_versioning_routing_auto_upgrade => "deployment_versioning/routing_auto_upgrade",
    deployment_versioning_routing_pinned => "deployment_versioning/routing_pinned",
    deployment_versioning_routing_with_override => "deployment_versioning/routing_with_override",
    deployment_versioning_routing_with_ramp => "deployment_versioning/routing_with_ramp",
    eager_activity_non_remote_activities_worker => "eager_activity/non_remote_activities_worker",
    eager_workflow_successful_start => "eager_workflow/successful_start",
    local_activity_backoff_with_persistent_timer => "local_activity/backoff_with_persistent_timer",
    local_activity_cancel_abandon => "local_activity/cancel_abandon",
    local_activity_cancel_failing => "local_activity/cancel_failing",
    local_activity_cancel_try_cancel => "local_activity/cancel_try_cancel",
    local_activity_cancel_wait_completed => "local_activity/cancel_wait_completed",
    local_activity_complete_after_shutdown => "local_activity/complete_after_shutdown",
    local_activity_complete_eventually => "local_activity/complete_eventually",
    local_activity_complete_immediately => "local_activity/complete_immediately",
    local_activity_concurrent => "local_activity/concurrent",
    local_activity_non_retryable_error_from_activity => "local_activity/non_retryable_error_from_activity",
    local_activity_non_retryable_error_in_options => "local_activity/non_retryable_error_in_options",
    local_activity_one_success_one_fail => "local_activity/one_success_one_fail",
    local_activity_retry_on_error => "local_activity/retry_on_error",
    local_activity_serial => "local_activity/serial",
    nexus_sync_success => "nexus/sync_success",
    query_successful_query => "query/successful_query",
    query_timeout_due_to_no_active_workers => "query/timeout_due_to_no_active_workers",
    query_unexpected_arguments => "query/unexpected_arguments",
    query_unexpected_query_type_name => "query/unexpected_query_type_name",
    query_unexpected_return_type => "query/unexpected_return_type",
    reset => "reset",
    reset_reset_and_delete => "reset/reset_and_delete",
    schedule_backfill => "schedule/backfill",
    schedule_basic => "schedule/basic",
    schedule_cron => "schedule/cron",
    schedule_duplicate_error => "schedule/duplicate_error",
    schedule_pause => "schedule/pause",
    schedule_trigger => "schedule/trigger",
    search_attributes_set => "search_attributes/set",
    search_attributes_upsert => "search_attributes/upsert",
    signal_activities => "signal/activities",
    signal_basic => "signal/basic",
    signal_child_workflow => "signal/child_workflow",
    signal_external => "signal/external",
    signal_prevent_close => "signal/prevent_close",
    signal_signal_with_start => "signal/signal_with_start",
    signal_workflow_to_workflow => "signal/workflow_to_workflow",
    telemetry_metrics => "telemetry/metrics",
    timer => "timer",
    tracing => "tracing",
    update_activities => "update/activities",
    update_async_accepted => "update/async_accepted",
    update_basic => "update/basic",
    update_basic_async => "update/basic_async",
    update_client_interceptor => "update/client_interceptor",
    update_deduplication => "update/deduplication",
    update_non_durable_reject => "update/non_durable_reject",
    update_self => "update/self",
    update_task_failure => "update/task_failure",
    update_validation_replay => "update/validation_replay",
    update_worker_restart => "update/worker_restart",
    worker_shutdown_poll_complete_on_shutdown => "worker_shutdown/poll_complete_on_shutdown",
}
