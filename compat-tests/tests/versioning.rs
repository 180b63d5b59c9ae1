//! Semver versioning on Worker Deployment Versions: two worker versions side by side, pinned
//! executions staying on v1 while new ones go to v2, the rollout compatibility check refusing an
//! incompatible v2, and an execution migrated to v2 with its state transformed.

use ironflow::client::{StartWorkflowOptions, WorkflowHandle};
use ironflow::replay::{ReplayInput, ReplayOutcome, Replayer};
use ironflow::versioning::{
    MigrationRule, RecordedExecution, VersionManager, VersioningBehavior, WorkflowVersion,
};
use ironflow::workflow::{ContinueAsNewOptions, SignalDefinition};
use ironflow::{Worker, Workflow, WorkflowContext, WorkflowResult};
use ironflow_compat_tests::{RunningWorker, client, unique, wait_until, within};
use semver::{Version, VersionReq};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(90);

#[derive(Debug, Clone, Serialize, Deserialize)]
enum Next {
    Finish,
    Migrate,
}

struct NextSignal;
impl SignalDefinition for NextSignal {
    const NAME: &'static str = "next";
    type Data = Next;
}

/// The state carried across versions.
type OrderState = serde_json::Value;

/// The versions of `VersionedOrder` and how state migrates between them.
static VERSIONS: LazyLock<VersionManager> = LazyLock::new(|| {
    let mut m = VersionManager::new("unused");
    m.register_version(WorkflowVersion::new("VersionedOrder", Version::new(1, 0, 0)))
        .unwrap();
    let mut v2 = WorkflowVersion::new("VersionedOrder", Version::new(2, 0, 0));
    v2.migration_rules.push(MigrationRule {
        from_version: VersionReq::parse("^1").unwrap(),
        to_version: Version::new(2, 0, 0),
        migrate: Arc::new(|mut state| {
            state["currency"] = "EUR".into();
            Ok(state)
        }),
    });
    m.register_version(v2).unwrap();
    m
});

/// Version 1: waits for `next`; finishes, or migrates to the current version.
struct OrderV1;
impl Workflow for OrderV1 {
    type Input = OrderState;
    type Output = String;
    const NAME: &'static str = "VersionedOrder";
    async fn run(ctx: WorkflowContext, state: OrderState) -> WorkflowResult<String> {
        match ctx.await_signal::<NextSignal>().await? {
            Next::Finish => Ok(format!("v1:{state}")),
            Next::Migrate => {
                let migrated = VERSIONS
                    .migrate_instance(
                        "VersionedOrder",
                        state,
                        &Version::new(1, 0, 0),
                        &Version::new(2, 0, 0),
                    )
                    .map_err(|e| ironflow::ApplicationError::non_retryable(e.to_string()))?;
                Err(ctx.continue_as_new_with(
                    migrated,
                    ContinueAsNewOptions {
                        upgrade_to_current_version: true,
                        ..Default::default()
                    },
                ))
            }
        }
    }
}

/// Version 2: starts with a timer (an incompatible change for v1 histories).
struct OrderV2;
impl Workflow for OrderV2 {
    type Input = OrderState;
    type Output = String;
    const NAME: &'static str = "VersionedOrder";
    async fn run(ctx: WorkflowContext, state: OrderState) -> WorkflowResult<String> {
        ctx.sleep(Duration::from_millis(10)).await?;
        let _ = ctx.await_signal::<NextSignal>().await?;
        Ok(format!("v2:{state}"))
    }
}

/// A compatible version 2: same commands as v1.
struct OrderV2Compatible;
impl Workflow for OrderV2Compatible {
    type Input = OrderState;
    type Output = String;
    const NAME: &'static str = "VersionedOrder";
    async fn run(ctx: WorkflowContext, state: OrderState) -> WorkflowResult<String> {
        let _ = ctx.await_signal::<NextSignal>().await?;
        Ok(format!("v2-compatible:{state}"))
    }
}

fn versioned_worker<W: Workflow>(
    client: &ironflow::client::Client,
    tq: &str,
    deployment: &str,
    build: &str,
) -> RunningWorker {
    RunningWorker::start(Worker::builder(client, tq).register_workflow::<W>().deployment(
        deployment,
        build,
        VersioningBehavior::Pinned,
    ))
}

async fn make_current(client: &ironflow::client::Client, deployment: &str, build: &str) {
    // The version exists once its workers have polled; until then the server refuses.
    wait_until(
        &format!("{deployment} {build} to become current"),
        LIMIT,
        || async {
            client
                .set_current_deployment_version(deployment, build)
                .await
                .ok()
        },
    )
    .await;
}

async fn wait_pinned(handle: &WorkflowHandle<String>, build: &str) {
    wait_until(
        &format!("{} to be pinned to {build}", handle.workflow_id()),
        LIMIT,
        || async {
            let d = handle.describe().await.ok()?;
            (d.deployment_build_id.as_deref() == Some(build)
                && d.versioning_behavior == Some(VersioningBehavior::Pinned))
            .then_some(())
        },
    )
    .await;
}

#[tokio::test]
async fn pinned_executions_stay_on_v1_new_ones_go_to_v2_and_incompatible_rollouts_are_refused() {
    let client = client().await;
    let tq = unique("versioned");
    let deployment = unique("orders");
    let v1 = versioned_worker::<OrderV1>(&client, &tq, &deployment, "1.0.0");
    let v2 = versioned_worker::<OrderV2>(&client, &tq, &deployment, "2.0.0");

    make_current(&client, &deployment, "1.0.0").await;
    let start = |state: serde_json::Value| {
        let client = client.clone();
        let tq = tq.clone();
        async move {
            client
                .start_workflow::<OrderV1>(state, StartWorkflowOptions::new(unique("order"), &tq))
                .await
                .unwrap()
        }
    };
    let a = start(serde_json::json!({"order": "a"})).await;
    let c = start(serde_json::json!({"order": "c"})).await;
    wait_pinned(&a, "1.0.0").await;
    wait_pinned(&c, "1.0.0").await;

    make_current(&client, &deployment, "2.0.0").await;
    let b = start(serde_json::json!({"order": "b"})).await;
    wait_pinned(&b, "2.0.0").await;

    // Pinned executions finish on v1; the new one runs v2.
    a.signal::<NextSignal>(Next::Finish).await.unwrap();
    b.signal::<NextSignal>(Next::Finish).await.unwrap();
    assert_eq!(
        within("a", LIMIT, a.get_result()).await.unwrap(),
        r#"v1:{"order":"a"}"#
    );
    assert_eq!(
        within("b", LIMIT, b.get_result()).await.unwrap(),
        r#"v2:{"order":"b"}"#
    );

    // migrate_instance: c moves to the current version (v2) with its state migrated.
    c.signal::<NextSignal>(Next::Migrate).await.unwrap();
    let latest_c = client.workflow_handle::<String>(c.workflow_id(), None);
    wait_until("c's new run on v2", LIMIT, || async {
        let d = latest_c.describe().await.ok()?;
        (d.deployment_build_id.as_deref() == Some("2.0.0") && d.run_id != c.run_id().unwrap_or_default())
            .then_some(())
    })
    .await;
    latest_c.signal::<NextSignal>(Next::Finish).await.unwrap();
    assert_eq!(
        within("c", LIMIT, c.get_result()).await.unwrap(),
        r#"v2:{"currency":"EUR","order":"c"}"#
    );
    v1.stop().await.unwrap();
    v2.stop().await.unwrap();

    // The rollout check, with a's history (recorded on v1).
    let recorded = vec![RecordedExecution {
        version: Version::new(1, 0, 0),
        history: ReplayInput::new("order a", a.fetch_history().await.unwrap()),
    }];
    let manager = |compatible: &str| {
        let mut m = VersionManager::new(&deployment);
        m.register_version(WorkflowVersion::new("VersionedOrder", Version::new(1, 0, 0)))
            .unwrap();
        let mut v2 = WorkflowVersion::new("VersionedOrder", Version::new(2, 0, 0));
        if !compatible.is_empty() {
            v2.compatible_with.push(VersionReq::parse(compatible).unwrap());
        }
        m.register_version(v2).unwrap();
        m
    };
    // v2 claims v1's executions, but its code changed incompatibly: refused before rollout.
    let refused = manager("^1")
        .check_rollout(
            "VersionedOrder",
            &Version::new(2, 0, 0),
            &Replayer::new().register_workflow::<OrderV2>(),
            recorded.clone(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(refused.failures[0].1, ReplayOutcome::Nondeterminism(_)),
        "{refused}"
    );
    assert!(refused.to_string().contains("order a"), "{refused}");
    // A compatible v2 takes them over.
    let plan = manager("^1")
        .check_rollout(
            "VersionedOrder",
            &Version::new(2, 0, 0),
            &Replayer::new().register_workflow::<OrderV2Compatible>(),
            recorded.clone(),
        )
        .await
        .unwrap();
    assert_eq!(plan.taken_over, vec!["order a".to_string()]);
    // A v2 that claims nothing leaves them pinned.
    let plan = manager("")
        .check_rollout(
            "VersionedOrder",
            &Version::new(2, 0, 0),
            &Replayer::new().register_workflow::<OrderV2>(),
            recorded,
        )
        .await
        .unwrap();
    assert_eq!(plan.stay_pinned, vec!["order a".to_string()]);
}

/// Declares its own versioning behaviour: pinned, whatever the worker's default.
struct PinnedByType;
impl Workflow for PinnedByType {
    const NAME: &'static str = "PinnedByType";
    type Input = ();
    type Output = String;
    fn versioning_behavior() -> Option<VersioningBehavior> {
        Some(VersioningBehavior::Pinned)
    }
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let _ = ctx.await_signal::<NextSignal>().await?;
        Ok("done".into())
    }
}

/// Declares nothing: the worker's default applies.
struct WorkerDefault;
impl Workflow for WorkerDefault {
    const NAME: &'static str = "WorkerDefault";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let _ = ctx.await_signal::<NextSignal>().await?;
        Ok("done".into())
    }
}

#[tokio::test]
async fn a_workflow_type_can_declare_its_own_versioning_behavior() {
    let client = client().await;
    let tq = unique("per-type");
    let deployment = unique("per-type");
    let worker = RunningWorker::start(
        Worker::builder(&client, &tq)
            .register_workflow::<PinnedByType>()
            .register_workflow::<WorkerDefault>()
            .deployment(&deployment, "1.0.0", VersioningBehavior::AutoUpgrade),
    );
    make_current(&client, &deployment, "1.0.0").await;
    let pinned = client
        .start_workflow::<PinnedByType>((), StartWorkflowOptions::new(unique("pinned"), &tq))
        .await
        .unwrap();
    let default = client
        .start_workflow::<WorkerDefault>((), StartWorkflowOptions::new(unique("default"), &tq))
        .await
        .unwrap();
    for (handle, expected) in [
        (&pinned, VersioningBehavior::Pinned),
        (&default, VersioningBehavior::AutoUpgrade),
    ] {
        wait_until(
            &format!("{} to be {expected:?}", handle.workflow_id()),
            LIMIT,
            || async { (handle.describe().await.ok()?.versioning_behavior == Some(expected)).then_some(()) },
        )
        .await;
        handle.signal::<NextSignal>(Next::Finish).await.unwrap();
        assert_eq!(
            within("the workflow", LIMIT, handle.get_result()).await.unwrap(),
            "done"
        );
    }
    worker.stop().await.unwrap();
}
