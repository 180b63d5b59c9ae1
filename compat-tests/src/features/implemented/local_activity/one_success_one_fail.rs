//! `local_activity/one_success_one_fail`: two local activities run in one workflow task; one
//! succeeds, the other fails its first attempt and succeeds on its second (retried in the
//! worker). The success is recorded, the failed attempt is not (no failure marker; the SDK forces
//! a new workflow task instead), and the retry's success is: two result markers.

use crate::features::support::{fail, failed_markers, history_attributes, local_activity_markers, start};
use ironflow::client::Client;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// Succeeds at once.
pub struct Succeeds;
impl ActivityDefinition for Succeeds {
    const NAME: &'static str = "succeeds";
    type Input = ();
    type Output = String;
}
impl Activity for Succeeds {
    type Error = ApplicationError;
    async fn execute(&self, _: ActivityContext, _: ()) -> Result<String, ApplicationError> {
        Ok("success".into())
    }
}

/// Fails its first attempt, succeeds on the next.
pub struct FailsOnce;
impl ActivityDefinition for FailsOnce {
    const NAME: &'static str = "fails_once";
    type Input = ();
    type Output = String;
}
impl Activity for FailsOnce {
    type Error = ApplicationError;
    async fn execute(&self, ctx: ActivityContext, _: ()) -> Result<String, ApplicationError> {
        tokio::time::sleep(Duration::from_millis(100)).await;
        match ctx.info().attempt {
            1 => Err(ApplicationError::new("first attempt fails")),
            n => Ok(format!("success on attempt {n}")),
        }
    }
}

/// Runs both at once.
pub struct OneSuccessOneFail;
impl Workflow for OneSuccessOneFail {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = (String, String);
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<(String, String)> {
        let ok = ctx
            .local_activity::<Succeeds>(())
            .start_to_close_timeout(Duration::from_secs(10));
        let retried = ctx
            .local_activity::<FailsOnce>(())
            .schedule_to_close_timeout(Duration::from_secs(30))
            .start_to_close_timeout(None)
            .local_retry_threshold(Duration::from_secs(60))
            .retry_policy(RetryPolicy {
                initial_interval: Duration::from_millis(10),
                ..RetryPolicy::default()
            });
        let (ok, retried) = futures::join!(ok, retried);
        Ok((ok?, retried?))
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<OneSuccessOneFail>()
        .register_activity(Succeeds)
        .register_activity(FailsOnce)
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<OneSuccessOneFail>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle = start::<OneSuccessOneFail>(&client, &task_queue, "la-one-success-one-fail", ()).await?;
    let out = handle.get_result().await.map_err(fail)?;
    if out != ("success".to_string(), "success on attempt 2".to_string()) {
        return Err(format!("got {out:?}"));
    }
    let events = history_attributes(&handle).await?;
    let (markers, failed) = (local_activity_markers(&events).len(), failed_markers(&events));
    if (markers, failed) != (2, 0) {
        return Err(format!(
            "expected two result markers and no failure marker, got {markers} and {failed}"
        ));
    }
    Ok(vec![handle.workflow_id().to_string()])
}
