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
    pub mod json;
}
pub mod continue_as_new {
    pub mod continue_as_same;
}
pub mod query {
    pub mod successful_query;
    pub mod unexpected_query_type_name;
}
pub mod signal {
    pub mod basic;
}
pub mod update {
    pub mod basic;
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
    continue_as_new_continue_as_same => continue_as_new::continue_as_same;
    data_converter_json => data_converter::json;
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
    query_successful_query => query::successful_query;
    query_unexpected_query_type_name => query::unexpected_query_type_name;
    signal_basic => signal::basic;
    update_basic => update::basic;
}
