//! The implemented features, one module per upstream directory (`activity/retry_on_error` is
//! `activity::retry_on_error`), each written from the upstream README spec.

use super::Implemented;

pub mod activity {
    pub mod basic_no_workflow_timeout;
    pub mod retry_on_error;
}
pub mod child_workflow {
    pub mod result;
    pub mod signal;
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

macro_rules! implemented {
    ($($fn_name:ident => $($module:ident)::+;)*) => {
        $(
            pub fn $fn_name() -> Implemented {
                Implemented {
                    register: $($module)::+::register,
                    replayer: $($module)::+::replayer,
                    run: |client, task_queue| Box::pin($($module)::+::run(client, task_queue)),
                }
            }
        )*
    };
}

implemented! {
    activity_basic_no_workflow_timeout => activity::basic_no_workflow_timeout;
    activity_retry_on_error => activity::retry_on_error;
    child_workflow_result => child_workflow::result;
    child_workflow_signal => child_workflow::signal;
    continue_as_new_continue_as_same => continue_as_new::continue_as_same;
    data_converter_json => data_converter::json;
    query_successful_query => query::successful_query;
    query_unexpected_query_type_name => query::unexpected_query_type_name;
    signal_basic => signal::basic;
    update_basic => update::basic;
}
