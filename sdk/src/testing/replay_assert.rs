//! [`assert_replays`]: the deploy guard for CI — every recorded history in a folder must replay
//! against the current workflow code.

use crate::replay::{ReplayReport, Replayer};
use std::path::Path;

/// Replays every history file (`*.json`, the CLI's and the Web UI's export format) in `dir`
/// with `replayer` and panics unless all pass. The panic message has one line per history with
/// its classified verdict (non-determinism, workflow task failure, invalid history, timeout)
/// and the reason of each failure. An empty or unreadable folder fails too: a guard that checks
/// nothing must not pass.
///
/// ```no_run
/// # use ironflow::prelude::*;
/// # struct Order;
/// # impl Workflow for Order { const NAME: &'static str = "Order"; type Input = (); type Output = ();
/// #   async fn run(_c: WorkflowContext, _: ()) -> WorkflowResult<()> { Ok(()) } }
/// #[tokio::test]
/// async fn recorded_orders_still_replay() {
///     let replayer = ironflow::replay::Replayer::new().register_workflow::<Order>();
///     ironflow::testing::assert_replays(&replayer, "tests/histories").await;
/// }
/// ```
pub async fn assert_replays(replayer: &Replayer, dir: impl AsRef<Path>) -> ReplayReport {
    let dir = dir.as_ref();
    let report = match replayer.replay_dir(dir).await {
        Ok(report) => report,
        Err(e) => panic!("cannot replay the histories in {}: {e}", dir.display()),
    };
    assert!(
        !report.results.is_empty(),
        "{} holds no history files (*.json): nothing was replayed",
        dir.display()
    );
    if !report.all_passed() {
        let mut message = format!(
            "{} of {} histories in {} do not replay against this code:\n",
            report.failures().count(),
            report.results.len(),
            dir.display()
        );
        for failure in report.failures() {
            message.push_str(&format!(
                "- {} ({} `{}`, {} events): {}: {}\n",
                failure.source,
                failure.workflow_id,
                failure.workflow_type,
                failure.events,
                failure.outcome.kind(),
                failure.outcome.message().unwrap_or_default()
            ));
        }
        message.push_str(&format!("\nall results:\n{report}"));
        panic!("{message}");
    }
    report
}
