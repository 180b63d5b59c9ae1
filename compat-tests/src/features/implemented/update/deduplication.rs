//! `update/deduplication`: two updates sent with the same update id run the handler once and both
//! get its result (1); a third update with a fresh id runs again. The history holds two accepted
//! updates, and the only completed one is the deduplicated id's (the third is still waiting).

use crate::features::support::{fail, history_attributes, start};
use ironflow::client::{Client, UpdateOptions};
use ironflow::history::history_event::Attributes;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;

/// The counter, and whether a waiting update may proceed.
#[derive(Default)]
pub struct Counter {
    counter: i64,
    proceed: bool,
}

/// `inc_counter`: increments, waits for `unblock`, returns the count.
pub struct IncCounter;
impl UpdateDefinition for IncCounter {
    const NAME: &'static str = "inc_counter";
    type Args = ();
    type Result = i64;
}

/// `unblock`.
pub struct Unblock;
impl SignalDefinition for Unblock {
    const NAME: &'static str = "unblock";
    type Data = ();
}

/// Returns once the counter reached 2.
pub struct Deduplication;
impl Workflow for Deduplication {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let state = ctx.state(Counter::default());
        state.on_signal::<Unblock>(|s, ()| s.proceed = true);
        state.on_update_async::<IncCounter, _, _>(|state, ()| async move {
            state.update(|s| s.counter += 1);
            state.wait(|s| s.proceed).await?;
            state.update(|s| s.proceed = false);
            Ok(state.get(|s| s.counter))
        });
        state.wait(|s| s.counter == 2).await?;
        Ok("Hello, World!".into())
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<Deduplication>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<Deduplication>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle = start::<Deduplication>(&client, &task_queue, "update-deduplication", ()).await?;
    let update_id = "incrementer";
    let h1 = handle
        .start_update::<IncCounter>((), UpdateOptions::accepted().id(update_id))
        .await
        .map_err(fail)?;
    let h2 = handle
        .start_update::<IncCounter>((), UpdateOptions::accepted().id(update_id))
        .await
        .map_err(fail)?;
    handle.signal::<Unblock>(()).await.map_err(fail)?;
    let (r1, r2) = futures::join!(h1.result(), h2.result());
    let results = (r1.map_err(fail)?, r2.map_err(fail)?);
    if results != (1, 1) {
        return Err(format!("expected both calls to get 1, got {results:?}"));
    }
    handle
        .start_update::<IncCounter>((), UpdateOptions::accepted())
        .await
        .map_err(fail)?;
    handle.get_result().await.map_err(fail)?;
    let events = history_attributes(&handle).await?;
    let accepted = events
        .iter()
        .filter(|a| matches!(a, Attributes::WorkflowExecutionUpdateAcceptedEventAttributes(_)))
        .count();
    let completed: Vec<String> = events
        .iter()
        .filter_map(|a| match a {
            Attributes::WorkflowExecutionUpdateCompletedEventAttributes(c) => {
                Some(c.meta.as_ref().map(|m| m.update_id.clone()).unwrap_or_default())
            }
            _ => None,
        })
        .collect();
    if accepted != 2 || completed != [update_id] {
        return Err(format!(
            "expected two accepted updates and `{update_id}` alone completed, got {accepted} and {completed:?}"
        ));
    }
    Ok(vec![handle.workflow_id().to_string()])
}
