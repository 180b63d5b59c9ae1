//! Changing workflow code while executions of the old code run: patching, checked by replay,
//! and the seed's semver versions (`VersionManager`) with a state migration and a rollout check
//! that replays recorded executions against the new code before it goes live.

use ironflow::client::StartWorkflowOptions;
use ironflow::prelude::*;
use ironflow::replay::{ReplayInput, Replayer};
use ironflow::versioning::{MigrationRule, RecordedExecution, VersionManager, WorkflowVersion};
use semver::{Version, VersionReq};
use std::sync::Arc;

#[ironflow::activity]
async fn charge(_ctx: ActivityContext, order: String) -> Result<String, ApplicationError> {
    Ok(format!("{order} charged"))
}

#[ironflow::activity]
async fn fraud_check(_ctx: ActivityContext, order: String) -> Result<bool, ApplicationError> {
    Ok(!order.contains("suspicious"))
}

/// Version 1: charge.
pub struct OrderV1;
impl Workflow for OrderV1 {
    const NAME: &'static str = "Order";
    type Input = String;
    type Output = String;
    async fn run(ctx: WorkflowContext, order: String) -> WorkflowResult<String> {
        Ok(ctx.activity::<Charge>(order).await?)
    }
}

/// Version 2, patched: new executions check for fraud first; old ones replay as before.
pub struct OrderV2;
impl Workflow for OrderV2 {
    const NAME: &'static str = "Order";
    type Input = String;
    type Output = String;
    async fn run(ctx: WorkflowContext, order: String) -> WorkflowResult<String> {
        if ctx.patched("fraud-check") && !ctx.activity::<FraudCheck>(order.clone()).await? {
            return Err(WorkflowError::application("fraud suspected", "Fraud"));
        }
        Ok(ctx.activity::<Charge>(order).await?)
    }
}

/// Version 2 without the patch: would break running executions.
pub struct OrderV2Unguarded;
impl Workflow for OrderV2Unguarded {
    const NAME: &'static str = "Order";
    type Input = String;
    type Output = String;
    async fn run(ctx: WorkflowContext, order: String) -> WorkflowResult<String> {
        ctx.activity::<FraudCheck>(order.clone()).await?;
        Ok(ctx.activity::<Charge>(order).await?)
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let example = ironflow_examples::start().await?;
    let client = &example.client;

    // An execution of version 1, recorded.
    let v1_queue = ironflow_examples::unique("orders-v1");
    let v1 = Worker::builder(client, &v1_queue)
        .register_workflow::<OrderV1>()
        .register_activity(Charge)
        .build()?;
    let id = ironflow_examples::unique("order");
    let options = StartWorkflowOptions::new(&id, &v1_queue);
    println!(
        "v1: {}",
        v1.run_until(client.execute_workflow::<OrderV1>("order-1".into(), options))
            .await??
    );
    let history = client
        .workflow_handle::<String>(&id, None)
        .fetch_history()
        .await?;
    let recorded = ReplayInput::new("order-1 (v1)", history);

    // Patching, checked by replay before deploying.
    for (label, replayer) in [
        (
            "v2 with the patch",
            Replayer::new().register_workflow::<OrderV2>(),
        ),
        (
            "v2 without the patch",
            Replayer::new().register_workflow::<OrderV2Unguarded>(),
        ),
    ] {
        let result = replayer
            .replay_all(vec![recorded.clone()])
            .await
            .results
            .remove(0);
        println!(
            "replaying v1's history against {label}: {}",
            result.outcome.kind()
        );
    }

    // Version 2 runs new executions with the fraud check.
    let v2_queue = ironflow_examples::unique("orders-v2");
    let v2 = Worker::builder(client, &v2_queue)
        .register_workflow::<OrderV2>()
        .register_activity(Charge)
        .register_activity(FraudCheck)
        .build()?;
    let options = StartWorkflowOptions::new(ironflow_examples::unique("order"), &v2_queue);
    let suspicious = v2
        .run_until(client.execute_workflow::<OrderV2>("suspicious-order".into(), options))
        .await?;
    println!(
        "v2: suspicious order -> {}",
        suspicious
            .err()
            .and_then(|e| e.failure().map(|f| f.message.clone()))
            .unwrap_or_default()
    );

    // The seed's semver model: versions, a state migration, and the rollout check.
    let mut versions = VersionManager::new("orders");
    versions.register_version(WorkflowVersion::new("Order", Version::new(1, 0, 0)))?;
    let mut two = WorkflowVersion::new("Order", Version::new(2, 0, 0));
    two.compatible_with.push(VersionReq::parse("^1")?);
    two.migration_rules.push(MigrationRule {
        from_version: VersionReq::parse("^1")?,
        to_version: Version::new(2, 0, 0),
        migrate: Arc::new(|mut state| {
            state["fraud_checked"] = false.into();
            Ok(state)
        }),
    });
    versions.register_version(two)?;
    let migrated = versions.migrate_instance(
        "Order",
        serde_json::json!({"order": "order-1"}),
        &Version::new(1, 0, 0),
        &Version::new(2, 0, 0),
    )?;
    println!("state migrated 1.0.0 -> 2.0.0: {migrated}");
    let executions = vec![RecordedExecution {
        version: Version::new(1, 0, 0),
        history: recorded,
    }];
    let plan = versions
        .check_rollout(
            "Order",
            &Version::new(2, 0, 0),
            &Replayer::new().register_workflow::<OrderV2>(),
            executions,
        )
        .await?;
    println!("rollout of 2.0.0 accepted: takes over {:?}", plan.taken_over);
    Ok(())
}
