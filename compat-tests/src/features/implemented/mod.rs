//! The implemented features, one module per upstream directory (`activity/retry_on_error` is
//! `activity::retry_on_error`), each written from the upstream README spec.

use super::Implemented;

pub mod activity {
    pub mod basic_no_workflow_timeout;
    pub mod cancel_abandon;
    pub mod cancel_try_cancel;
    pub mod cancel_wait_cancel;
    pub mod heartbeating;
    pub mod retry_on_error;
    pub mod running_concurrently;
    pub mod shutdown;
}
pub mod child_workflow {
    pub mod cancel_abandon;
    pub mod cancel_try_cancel;
    pub mod cancel_wait_completed;
    pub mod cancel_wait_requested;
    pub mod handle;
    pub mod result;
    pub mod retry;
    pub mod signal;
    pub mod start;
    pub mod throws_on_execute;
    pub mod throws_on_start;
    pub mod throws_on_termination;
    pub mod throws_on_timeout;
}
pub mod data_converter {
    pub mod binary;
    pub mod binary_protobuf;
    pub mod codec;
    pub mod empty;
    pub mod failure;
    pub mod json;
    pub mod json_protobuf;
}
pub mod continue_as_new {
    pub mod continue_as_same;
    pub mod signals_block_continue_as_new;
    pub mod updates_do_not_block_continue_as_new;
}
pub mod query {
    pub mod successful_query;
    pub mod timeout_due_to_no_active_workers;
    pub mod unexpected_arguments;
    pub mod unexpected_query_type_name;
    pub mod unexpected_return_type;
}
pub mod signal {
    pub mod activities;
    pub mod basic;
    pub mod child_workflow;
    pub mod external;
    pub mod prevent_close;
    pub mod signal_with_start;
    pub mod workflow_to_workflow;
}
pub mod update {
    pub mod activities;
    pub mod async_accepted;
    pub mod basic;
    pub mod basic_async;
    pub mod client_interceptor;
    pub mod deduplication;
    pub mod non_durable_reject;
    pub mod self_update;
    pub mod task_failure;
    pub mod validation_replay;
    pub mod worker_restart;
}

pub mod local_activity {
    pub mod backoff_with_persistent_timer;
    pub mod cancel_abandon;
    pub mod cancel_failing;
    pub mod cancel_try_cancel;
    pub mod cancel_wait_completed;
    pub mod complete_after_shutdown;
    pub mod complete_eventually;
    pub mod complete_immediately;
    pub mod concurrent;
    pub mod non_retryable_error_from_activity;
    pub mod non_retryable_error_in_options;
    pub mod one_success_one_fail;
    pub mod retry_on_error;
    pub mod serial;
}

pub mod search_attributes {
    pub mod set;
    pub mod upsert;
}

pub mod timer;

pub mod client {
    pub mod http_proxy;
    pub mod http_proxy_auth;
}

pub mod worker_shutdown {
    pub mod poll_complete_on_shutdown;
}

pub mod reset;

pub mod schedule {
    pub mod backfill;
    pub mod basic;
    pub mod cron;
    pub mod duplicate_error;
    pub mod pause;
    pub mod trigger;
}

pub mod eager_workflow {
    pub mod successful_start;
}

pub mod eager_activity {
    pub mod non_remote_activities_worker;
}

pub mod deployment_versioning {
    pub mod aa_clean_old_deployments;
    pub mod routing_auto_upgrade;
    pub mod routing_pinned;
    pub mod routing_with_override;
    pub mod routing_with_ramp;
}

pub mod tracing;

pub mod telemetry {
    pub mod metrics;
}

pub mod nexus {
    pub mod sync_success;
}

/// `name => module;` for a feature run under the harness's worker, `name => module, own_worker;`
/// for one whose run starts and stops its own workers.
macro_rules! implemented {
    ($($fn_name:ident => $($module:ident)::+ $(, $own:ident)?;)*) => {
        $(
            pub fn $fn_name() -> Implemented {
                Implemented {
                    register: $($module)::+::register,
                    replayer: $($module)::+::replayer,
                    run: |client, task_queue| Box::pin($($module)::+::run(client, task_queue)),
                    own_worker: implemented!(@own $($own)?),
                }
            }
        )*
    };
    (@own own_worker) => { true };
    (@own) => { false };
}

implemented! {
    activity_basic_no_workflow_timeout => activity::basic_no_workflow_timeout;
    activity_cancel_abandon => activity::cancel_abandon;
    activity_cancel_try_cancel => activity::cancel_try_cancel;
    activity_cancel_wait_cancel => activity::cancel_wait_cancel;
    activity_heartbeating => activity::heartbeating;
    activity_retry_on_error => activity::retry_on_error;
    activity_running_concurrently => activity::running_concurrently;
    activity_shutdown => activity::shutdown, own_worker;
    child_workflow_cancel_abandon => child_workflow::cancel_abandon;
    child_workflow_cancel_try_cancel => child_workflow::cancel_try_cancel;
    child_workflow_cancel_wait_completed => child_workflow::cancel_wait_completed;
    child_workflow_cancel_wait_requested => child_workflow::cancel_wait_requested;
    child_workflow_handle => child_workflow::handle;
    child_workflow_result => child_workflow::result;
    child_workflow_retry => child_workflow::retry;
    child_workflow_signal => child_workflow::signal;
    child_workflow_start => child_workflow::start;
    child_workflow_throws_on_execute => child_workflow::throws_on_execute;
    child_workflow_throws_on_start => child_workflow::throws_on_start;
    child_workflow_throws_on_termination => child_workflow::throws_on_termination;
    child_workflow_throws_on_timeout => child_workflow::throws_on_timeout;
    client_http_proxy => client::http_proxy;
    client_http_proxy_auth => client::http_proxy_auth;
    continue_as_new_continue_as_same => continue_as_new::continue_as_same;
    continue_as_new_signals_block_continue_as_new => continue_as_new::signals_block_continue_as_new;
    continue_as_new_updates_do_not_block_continue_as_new => continue_as_new::updates_do_not_block_continue_as_new;
    data_converter_binary => data_converter::binary;
    data_converter_binary_protobuf => data_converter::binary_protobuf;
    data_converter_codec => data_converter::codec, own_worker;
    data_converter_empty => data_converter::empty;
    data_converter_failure => data_converter::failure, own_worker;
    data_converter_json => data_converter::json;
    data_converter_json_protobuf => data_converter::json_protobuf;
    deployment_versioning_aa_clean_old_deployments => deployment_versioning::aa_clean_old_deployments;
    deployment_versioning_routing_auto_upgrade => deployment_versioning::routing_auto_upgrade, own_worker;
    deployment_versioning_routing_pinned => deployment_versioning::routing_pinned, own_worker;
    deployment_versioning_routing_with_override => deployment_versioning::routing_with_override, own_worker;
    deployment_versioning_routing_with_ramp => deployment_versioning::routing_with_ramp, own_worker;
    eager_activity_non_remote_activities_worker => eager_activity::non_remote_activities_worker, own_worker;
    eager_workflow_successful_start => eager_workflow::successful_start;
    local_activity_backoff_with_persistent_timer => local_activity::backoff_with_persistent_timer;
    local_activity_cancel_abandon => local_activity::cancel_abandon;
    local_activity_cancel_failing => local_activity::cancel_failing;
    local_activity_cancel_try_cancel => local_activity::cancel_try_cancel;
    local_activity_cancel_wait_completed => local_activity::cancel_wait_completed;
    local_activity_complete_after_shutdown => local_activity::complete_after_shutdown, own_worker;
    local_activity_complete_eventually => local_activity::complete_eventually;
    local_activity_complete_immediately => local_activity::complete_immediately;
    local_activity_concurrent => local_activity::concurrent;
    local_activity_non_retryable_error_from_activity => local_activity::non_retryable_error_from_activity;
    local_activity_non_retryable_error_in_options => local_activity::non_retryable_error_in_options;
    local_activity_one_success_one_fail => local_activity::one_success_one_fail;
    local_activity_retry_on_error => local_activity::retry_on_error;
    local_activity_serial => local_activity::serial;
    nexus_sync_success => nexus::sync_success;
    query_successful_query => query::successful_query;
    query_timeout_due_to_no_active_workers => query::timeout_due_to_no_active_workers, own_worker;
    query_unexpected_arguments => query::unexpected_arguments;
    query_unexpected_query_type_name => query::unexpected_query_type_name;
    query_unexpected_return_type => query::unexpected_return_type;
    reset => reset;
    reset_reset_and_delete => reset::reset_and_delete;
    schedule_backfill => schedule::backfill;
    schedule_basic => schedule::basic;
    schedule_cron => schedule::cron;
    schedule_duplicate_error => schedule::duplicate_error;
    schedule_pause => schedule::pause;
    schedule_trigger => schedule::trigger;
    search_attributes_set => search_attributes::set;
    search_attributes_upsert => search_attributes::upsert;
    signal_activities => signal::activities;
    signal_basic => signal::basic;
    signal_child_workflow => signal::child_workflow;
    signal_external => signal::external;
    signal_prevent_close => signal::prevent_close;
    signal_signal_with_start => signal::signal_with_start;
    signal_workflow_to_workflow => signal::workflow_to_workflow;
    telemetry_metrics => telemetry::metrics, own_worker;
    timer => timer;
    tracing => tracing, own_worker;
    update_activities => update::activities;
    update_async_accepted => update::async_accepted;
    update_basic => update::basic;
    update_basic_async => update::basic_async;
    update_client_interceptor => update::client_interceptor;
    update_deduplication => update::deduplication;
    update_non_durable_reject => update::non_durable_reject;
    update_self => update::self_update;
    update_task_failure => update::task_failure;
    update_validation_replay => update::validation_replay;
    update_worker_restart => update::worker_restart, own_worker;
    worker_shutdown_poll_complete_on_shutdown => worker_shutdown::poll_complete_on_shutdown, own_worker;
}
