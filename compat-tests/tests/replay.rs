//! History JSON and the replayer: histories produced on a real server round-trip through
//! Ironflow's JSON exactly as the CLI prints them, replay cleanly against the code that made
//! them, and fail with a named non-determinism against changed code; malformed histories give
//! clear errors within the timeout; patches replay old and new histories.

use ironflow::client::{StartWorkflowOptions, WorkflowHandle};
use ironflow::history::{self, History};
use ironflow::replay::{ReplayInput, ReplayOutcome, Replayer};
use ironflow::{Worker, Workflow, WorkflowContext, WorkflowResult};
use ironflow_compat_tests::fixtures::*;
use ironflow_compat_tests::{
    RunningWorker, check_history, client, fixture_replayer, temp_dir, unique, within,
};
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(90);

#[tokio::test]
async fn every_fixture_workflow_round_trips_through_json_and_replays() {
    let client = client().await;
    let tq = unique("replay-all");
    let worker = RunningWorker::start(register_all(Worker::builder(&client, &tq)));
    let opts = |p: &str| StartWorkflowOptions::new(unique(p), &tq);

    let greet = client
        .start_workflow::<GreetWorkflow>("replay".into(), opts("greet"))
        .await
        .unwrap();
    let retry = client
        .start_workflow::<RetryWorkflow>(2, opts("retry"))
        .await
        .unwrap();
    let decline = client
        .start_workflow::<DeclineWorkflow>(true, opts("decline"))
        .await
        .unwrap();
    let timer = client
        .start_workflow::<TimerWorkflow>(200, opts("timer"))
        .await
        .unwrap();
    let local = client
        .start_workflow::<LocalEchoWorkflow>("l".into(), opts("local"))
        .await
        .unwrap();
    let two = client
        .start_workflow::<TwoStepWorkflow>(100, opts("two"))
        .await
        .unwrap();
    let reject = client
        .start_workflow::<RejectWorkflow>("r".into(), opts("reject"))
        .await
        .unwrap();
    let panic_once = client
        .start_workflow::<PanicOnceWorkflow>(unique("k"), opts("panic"))
        .await
        .unwrap();
    let order = client
        .start_workflow::<OrderWorkflow>(2, opts("order"))
        .await
        .unwrap();
    let collect = client
        .start_workflow::<CollectWorkflow>(3, opts("collect"))
        .await
        .unwrap();
    let sender = client
        .start_workflow::<SignalSenderWorkflow>(collect.workflow_id().to_string(), opts("sender"))
        .await
        .unwrap();

    order.signal::<AddItem>("a".to_string()).await.unwrap();
    order
        .execute_update::<AddItemChecked>("b".to_string())
        .await
        .unwrap();
    let _ = order
        .execute_update::<AddItemChecked>("forbidden".to_string())
        .await;
    order.signal::<Approve>("z".to_string()).await.unwrap();
    collect.signal::<Num>(1).await.unwrap();
    collect.signal::<Num>(2).await.unwrap();

    within("greet", LIMIT, greet.get_result()).await.unwrap();
    within("retry", LIMIT, retry.get_result()).await.unwrap();
    within("decline", LIMIT, decline.get_result()).await.unwrap_err();
    within("timer", LIMIT, timer.get_result()).await.unwrap();
    within("local", LIMIT, local.get_result()).await.unwrap();
    within("two", LIMIT, two.get_result()).await.unwrap();
    within("reject", LIMIT, reject.get_result()).await.unwrap_err();
    within("panic", LIMIT, panic_once.get_result()).await.unwrap();
    within("order", LIMIT, order.get_result()).await.unwrap();
    within("sender", LIMIT, sender.get_result()).await.unwrap();
    within("collect", LIMIT, collect.get_result()).await.unwrap();
    worker.stop().await.unwrap();

    let dir = temp_dir("histories");
    let replayer = fixture_replayer();
    async fn check<O>(h: &WorkflowHandle<O>, r: &Replayer, d: &std::path::Path) {
        check_history(h, r, d).await;
    }
    check(&greet, &replayer, &dir).await;
    check(&retry, &replayer, &dir).await;
    check(&decline, &replayer, &dir).await;
    check(&timer, &replayer, &dir).await;
    check(&local, &replayer, &dir).await;
    check(&two, &replayer, &dir).await;
    check(&reject, &replayer, &dir).await;
    check(&panic_once, &replayer, &dir).await;
    check(&order, &replayer, &dir).await;
    check(&collect, &replayer, &dir).await;
    check(&sender, &replayer, &dir).await;

    // The CLI's own exports replay too, all at once from a folder (as a CI job would).
    let cli_dir = temp_dir("cli-histories");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().ends_with(".cli.json") {
            std::fs::copy(&path, cli_dir.join(path.file_name().unwrap())).unwrap();
        }
    }
    let report = replayer.replay_dir(&cli_dir).await.unwrap();
    assert_eq!(report.results.len(), 11, "{report}");
    assert!(report.all_passed(), "{report}");
}

/// GreetWorkflow, changed: calls a renamed activity.
struct RenamedActivity;
impl Workflow for RenamedActivity {
    type Input = String;
    type Output = String;
    const NAME: &'static str = "GreetWorkflow";
    async fn run(ctx: WorkflowContext, name: String) -> WorkflowResult<String> {
        Ok(ctx
            .activity_by_name::<_, String>("echo_v2", name)
            .start_to_close_timeout(Duration::from_secs(5))
            .await?)
    }
}

/// GreetWorkflow, changed: sleeps before its activity.
struct ExtraTimer;
impl Workflow for ExtraTimer {
    type Input = String;
    type Output = String;
    const NAME: &'static str = "GreetWorkflow";
    async fn run(ctx: WorkflowContext, name: String) -> WorkflowResult<String> {
        ctx.sleep(Duration::from_secs(1)).await?;
        Ok(ctx.activity::<Echo>(format!("Hello, {name}!")).await?)
    }
}

/// TwoStepWorkflow, changed: the timer comes before the first activity.
struct SwappedOrder;
impl Workflow for SwappedOrder {
    type Input = u64;
    type Output = String;
    const NAME: &'static str = "TwoStepWorkflow";
    async fn run(ctx: WorkflowContext, ms: u64) -> WorkflowResult<String> {
        ctx.sleep(Duration::from_millis(ms)).await?;
        let first = ctx.activity::<Echo>("first".to_string()).await?;
        let second = ctx.activity::<Echo>("second".to_string()).await?;
        Ok(format!("{first}+{second}"))
    }
}

async fn run_and_fetch<W: Workflow>(input: W::Input) -> History {
    let client = client().await;
    let tq = unique("replay-src");
    let worker = RunningWorker::start(register_all(Worker::builder(&client, &tq)));
    let handle = client
        .start_workflow::<W>(input, StartWorkflowOptions::new(unique("src"), &tq))
        .await
        .unwrap();
    within("the workflow", LIMIT, handle.get_result()).await.unwrap();
    worker.stop().await.unwrap();
    handle.fetch_history().await.unwrap()
}

fn assert_nondeterminism(outcome: &ReplayOutcome, needle: &str) {
    let ReplayOutcome::Nondeterminism(message) = outcome else {
        panic!("expected a non-determinism error, got {outcome:?}")
    };
    assert!(message.contains(needle), "`{needle}` missing from: {message}");
}

#[tokio::test]
async fn changed_workflows_fail_replay_with_a_named_mismatch() {
    let greet = run_and_fetch::<GreetWorkflow>("x".into()).await;
    let two = run_and_fetch::<TwoStepWorkflow>(50).await;

    let renamed = Replayer::new().register_workflow::<RenamedActivity>();
    assert_nondeterminism(
        &renamed.replay_history("greet", &greet).await.outcome,
        "Activity type of scheduled event 'echo' does not match activity type of activity command 'echo_v2'",
    );
    let extra_timer = Replayer::new().register_workflow::<ExtraTimer>();
    assert_nondeterminism(
        &extra_timer.replay_history("greet", &greet).await.outcome,
        "Timer",
    );
    let swapped = Replayer::new().register_workflow::<SwappedOrder>();
    assert_nondeterminism(&swapped.replay_history("two", &two).await.outcome, "Timer");

    // The unchanged code still passes, and an unregistered type is a task failure naming it.
    assert!(fixture_replayer().replay_history("greet", &greet).await.passed());
    let other = Replayer::new().register_workflow::<TimerWorkflow>();
    let ReplayOutcome::WorkflowTaskFailure(message) = other.replay_history("greet", &greet).await.outcome
    else {
        panic!("expected a task failure")
    };
    assert!(message.contains("`GreetWorkflow` is not registered"), "{message}");
}

#[tokio::test]
async fn malformed_histories_give_clear_errors_within_the_timeout() {
    let good = run_and_fetch::<TwoStepWorkflow>(50).await;
    let replayer = fixture_replayer().timeout(Duration::from_secs(10));
    let dir = temp_dir("bad-histories");

    // Files that are not histories at all.
    std::fs::write(dir.join("garbage.json"), "{not json").unwrap();
    std::fs::write(dir.join("wrong-shape.json"), r#"{"evnts": []}"#).unwrap();
    let r = replayer.replay_file(dir.join("garbage.json")).await;
    assert!(
        matches!(&r.outcome, ReplayOutcome::InvalidHistory(m) if m.contains("not valid JSON")),
        "{r:?}"
    );
    let r = replayer.replay_file(dir.join("wrong-shape.json")).await;
    assert!(
        matches!(&r.outcome, ReplayOutcome::InvalidHistory(m) if m.contains("`events` array")),
        "{r:?}"
    );

    // Structural damage, each named.
    let mut no_queue = good.clone();
    if let Some(history::history_event::Attributes::WorkflowExecutionStartedEventAttributes(a)) =
        no_queue.events[0].attributes.as_mut()
    {
        a.task_queue = None;
    }
    let mut no_completion = good.clone();
    no_completion.events.remove(3); // the first WorkflowTaskCompleted
    let mut gap = good.clone();
    gap.events[6].event_id = 9;
    let mut after_close = good.clone();
    let mut extra = after_close.events[1].clone();
    extra.event_id = after_close.events.len() as i64 + 1;
    after_close.events.push(extra);
    for (label, history, needle) in [
        ("empty", History { events: vec![] }, "empty"),
        ("no task queue", no_queue, "no taskQueue"),
        (
            "no completion",
            no_completion,
            "a started workflow task must be completed",
        ),
        ("gap", gap, "event ids must be 1, 2, 3"),
        ("after close", after_close, "closed the workflow"),
    ] {
        let r = replayer.replay_history(label, &history).await;
        assert!(
            matches!(&r.outcome, ReplayOutcome::InvalidHistory(m) if m.contains(needle)),
            "{label}: {:?}",
            r.outcome
        );
    }

    // Every truncation of a real history ends, quickly, with a verdict (open workflows are valid
    // histories; cuts inside a workflow task are invalid); none hangs.
    let started = Instant::now();
    for len in 1..good.events.len() {
        let truncated = History {
            events: good.events[..len].to_vec(),
        };
        let r = replayer
            .replay_history(&format!("first {len} events"), &truncated)
            .await;
        assert!(
            matches!(
                r.outcome,
                ReplayOutcome::Passed | ReplayOutcome::InvalidHistory(_)
            ),
            "first {len} events: {:?}",
            r.outcome
        );
    }
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "truncated histories took {:?}",
        started.elapsed()
    );
}

/// Version 1: no patch.
struct PatchV1;
impl Workflow for PatchV1 {
    type Input = ();
    type Output = String;
    const NAME: &'static str = "PatchyWorkflow";
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        Ok(ctx.activity::<Echo>("old".to_string()).await?)
    }
}

/// Version 2: a new branch behind a patch.
struct PatchV2;
impl Workflow for PatchV2 {
    type Input = ();
    type Output = String;
    const NAME: &'static str = "PatchyWorkflow";
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        if ctx.patched("v2-new-greeting") {
            Ok(ctx.activity::<Echo>("new".to_string()).await?)
        } else {
            Ok(ctx.activity::<Echo>("old".to_string()).await?)
        }
    }
}

/// Version 3: the patch deprecated, the old branch gone.
struct PatchV3;
impl Workflow for PatchV3 {
    type Input = ();
    type Output = String;
    const NAME: &'static str = "PatchyWorkflow";
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        ctx.deprecate_patch("v2-new-greeting");
        Ok(ctx.activity::<Echo>("new".to_string()).await?)
    }
}

async fn run_version<W: Workflow<Input = (), Output = String>>(client: &ironflow::client::Client) -> History {
    let tq = unique("patch");
    let worker = RunningWorker::start(
        Worker::builder(client, &tq)
            .register_workflow::<W>()
            .register_activity(Echo),
    );
    let handle = client
        .start_workflow::<W>((), StartWorkflowOptions::new(unique("patchy"), &tq))
        .await
        .unwrap();
    let out = within("the patched workflow", LIMIT, handle.get_result())
        .await
        .unwrap();
    worker.stop().await.unwrap();
    assert!(out == "old" || out == "new");
    handle.fetch_history().await.unwrap()
}

#[tokio::test]
async fn a_patched_workflow_replays_old_and_new_histories() {
    let client = client().await;
    let v1_history = run_version::<PatchV1>(&client).await;
    let v2_history = run_version::<PatchV2>(&client).await;
    let v3_history = run_version::<PatchV3>(&client).await;
    let marker = |h: &History| {
        h.events.iter().any(|e| {
            matches!(&e.attributes, Some(history::history_event::Attributes::MarkerRecordedEventAttributes(m)) if m.marker_name == "core_patch")
        })
    };
    assert!(!marker(&v1_history) && marker(&v2_history) && marker(&v3_history));

    let v1 = Replayer::new().register_workflow::<PatchV1>();
    let v2 = Replayer::new().register_workflow::<PatchV2>();
    let v3 = Replayer::new().register_workflow::<PatchV3>();
    // v2 replays both the old history (takes the old branch) and its own.
    assert!(v2.replay_history("v1", &v1_history).await.passed());
    assert!(v2.replay_history("v2", &v2_history).await.passed());
    // v1 cannot replay a history that recorded the patch.
    assert_nondeterminism(
        &v1.replay_history("v2", &v2_history).await.outcome,
        "v2-new-greeting",
    );
    // v3 (deprecated) replays histories made by v2 and by itself.
    assert!(v3.replay_history("v2", &v2_history).await.passed());
    assert!(v3.replay_history("v3", &v3_history).await.passed());
}

#[tokio::test]
async fn a_workflow_fetched_from_the_server_replays() {
    let client = client().await;
    let tq = unique("replay-fetch");
    let worker = RunningWorker::start(register_all(Worker::builder(&client, &tq)));
    let handle = client
        .start_workflow::<RejectWorkflow>("x".into(), StartWorkflowOptions::new(unique("fetch"), &tq))
        .await
        .unwrap();
    within("the workflow", LIMIT, handle.get_result())
        .await
        .unwrap_err();
    worker.stop().await.unwrap();
    let r = fixture_replayer()
        .replay_from_server(&client, handle.workflow_id(), None)
        .await
        .unwrap();
    assert!(r.passed(), "{r:?}");
    assert_eq!(r.workflow_type, "RejectWorkflow");
}

/// TwoStepWorkflow, broken: blocks its thread (the replay of its history hangs).
struct BlockingTwoStep;
impl Workflow for BlockingTwoStep {
    type Input = u64;
    type Output = String;
    const NAME: &'static str = "TwoStepWorkflow";
    async fn run(_ctx: WorkflowContext, _ms: u64) -> WorkflowResult<String> {
        // The replayer abandons this thread after its timeout; it ends with the test process.
        std::thread::sleep(Duration::from_secs(3600));
        Ok(String::new())
    }
}

#[tokio::test]
async fn sharded_replay_reports_in_input_order_and_survives_a_hung_history() {
    let greet = run_and_fetch::<GreetWorkflow>("shards".into()).await;
    let two = run_and_fetch::<TwoStepWorkflow>(10).await;
    let mut not_started = greet.clone();
    not_started.events.truncate(2); // started + scheduled: nothing to replay
    // Position 3 hangs; with 3 shards it shares a shard with positions 0 and 6, so that shard
    // must start a fresh Core worker for position 6 after the hang.
    let inputs: Vec<(&str, &History)> = vec![
        ("greet-0", &greet),
        ("greet-1", &greet),
        ("invalid-2", &not_started),
        ("hangs-3", &two),
        ("greet-4", &greet),
        ("greet-5", &greet),
        ("greet-6", &greet),
    ];
    for shards in [1, 3] {
        let replayer = Replayer::new()
            .register_workflow::<GreetWorkflow>()
            .register_workflow::<BlockingTwoStep>()
            .timeout(Duration::from_secs(3))
            .parallelism(shards);
        let report = replayer
            .replay_all(
                inputs
                    .iter()
                    .map(|(label, h)| ReplayInput::new(*label, (*h).clone()))
                    .collect(),
            )
            .await;
        let got: Vec<(&str, &str)> = report
            .results
            .iter()
            .map(|r| (r.source.as_str(), r.outcome.kind()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("greet-0", "passed"),
                ("greet-1", "passed"),
                ("invalid-2", "invalid history"),
                ("hangs-3", "timed out"),
                ("greet-4", "passed"),
                ("greet-5", "passed"),
                ("greet-6", "passed"),
            ],
            "{shards} shard(s):\n{report}"
        );
    }
}
