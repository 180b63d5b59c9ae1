//! Porting a code-driven native workflow to Ironflow, and proving the port makes the same
//! decisions: the seed's engine ran `Order` as code (`execute_activity` calls, no state machine),
//! writing native events to its write-ahead log. Its team ports it to an Ironflow workflow;
//! `ironflow_bridge::verify::verify_port` replays every native log against the port. A correct
//! port passes every instance; a port that ships before it charges is caught, with the event
//! that differs.
//!
//! `cargo run -p ironflow-examples --bin port_verification` (no server needed: replay only).

use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow_bridge::native::{EventStore, FileEventStore, WorkflowEvent};
use ironflow_bridge::verify::verify_port;
use serde_json::{Value, json};

// ---- The old code-driven workflow, as the native engine ran it ----

/// The seed's `WorkflowEngine::execute_activity`, reduced to what it records.
struct NativeEngine<'a> {
    store: &'a FileEventStore,
    id: String,
    clock: i64,
}

impl NativeEngine<'_> {
    async fn record(
        &mut self,
        event: impl FnOnce(String, i64) -> WorkflowEvent,
    ) -> Result<(), Box<dyn std::error::Error>> {
        self.clock += 10;
        self.store
            .append_event(event(self.id.clone(), self.clock))
            .await?;
        Ok(())
    }

    /// Runs an activity, retrying failed attempts, recording each.
    async fn execute_activity(
        &mut self,
        name: &str,
        input: Value,
        mut attempt: impl FnMut(u32) -> Result<Value, String>,
    ) -> Result<Value, Box<dyn std::error::Error>> {
        for n in 1..=3 {
            let i = input.clone();
            self.record(|workflow_id, timestamp| WorkflowEvent::ActivityStarted {
                workflow_id,
                activity_name: name.into(),
                input: i,
                timestamp,
            })
            .await?;
            match attempt(n) {
                Ok(output) => {
                    let o = output.clone();
                    self.record(|workflow_id, timestamp| WorkflowEvent::ActivityCompleted {
                        workflow_id,
                        activity_name: name.into(),
                        output: o,
                        timestamp,
                    })
                    .await?;
                    return Ok(output);
                }
                Err(error) => {
                    self.record(|workflow_id, timestamp| WorkflowEvent::ActivityFailed {
                        workflow_id,
                        activity_name: name.into(),
                        error,
                        timestamp,
                    })
                    .await?;
                }
            }
        }
        Err(format!("{name} failed 3 times").into())
    }
}

/// The old `Order` code: reserve, wait for approval, charge (the gateway fails now and then),
/// ship. `approved` false leaves the instance waiting for its approval signal.
async fn native_order(
    store: &FileEventStore,
    id: &str,
    order: u32,
    approved: bool,
    charge_failures: u32,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut engine = NativeEngine {
        store,
        id: id.into(),
        clock: 1_700_000_000_000,
    };
    let input = json!({"order": order, "cents": 1000 + order});
    let i = input.clone();
    engine
        .record(|workflow_id, timestamp| WorkflowEvent::WorkflowStarted {
            workflow_id,
            workflow_name: "Order".into(),
            input: i,
            timestamp,
        })
        .await?;
    let reservation = engine
        .execute_activity("reserve", json!({"order": order}), |_| {
            Ok(json!(format!("res-{order}")))
        })
        .await?;
    if !approved {
        return Ok(());
    }
    engine
        .record(|workflow_id, timestamp| WorkflowEvent::SignalReceived {
            workflow_id,
            signal_name: "approve".into(),
            data: json!("alice"),
            timestamp,
        })
        .await?;
    let receipt = engine
        .execute_activity("charge", json!({"order": order, "cents": 1000 + order}), |n| {
            if n <= charge_failures {
                Err("gateway timeout".into())
            } else {
                Ok(json!(format!("rcpt-{order}")))
            }
        })
        .await?;
    let tracking = engine
        .execute_activity("ship", reservation, |_| Ok(json!(format!("trk-{order}"))))
        .await?;
    let output = json!({"receipt": receipt, "tracking": tracking});
    engine
        .record(|workflow_id, timestamp| WorkflowEvent::WorkflowCompleted {
            workflow_id,
            output,
            timestamp,
        })
        .await?;
    Ok(())
}

// ---- The Ironflow port ----

macro_rules! activity {
    ($ty:ident, $name:literal) => {
        struct $ty;
        impl ActivityDefinition for $ty {
            const NAME: &'static str = $name;
            type Input = Value;
            type Output = Value;
        }
    };
}
activity!(Reserve, "reserve");
activity!(Charge, "charge");
activity!(Ship, "ship");

struct Approve;
impl ironflow::workflow::SignalDefinition for Approve {
    const NAME: &'static str = "approve";
    type Data = Value;
}

/// The port: the same decisions in the same order.
struct Order;
impl Workflow for Order {
    const NAME: &'static str = "Order";
    type Input = Value;
    type Output = Value;
    async fn run(ctx: WorkflowContext, input: Value) -> WorkflowResult<Value> {
        let reservation = ctx.activity::<Reserve>(json!({"order": input["order"]})).await?;
        ctx.await_signal::<Approve>().await?;
        let receipt = ctx.activity::<Charge>(input.clone()).await?;
        let tracking = ctx.activity::<Ship>(reservation).await?;
        Ok(json!({"receipt": receipt, "tracking": tracking}))
    }
}

/// A wrong port: it ships before it charges.
struct ShipsFirst;
impl Workflow for ShipsFirst {
    const NAME: &'static str = "Order";
    type Input = Value;
    type Output = Value;
    async fn run(ctx: WorkflowContext, input: Value) -> WorkflowResult<Value> {
        let reservation = ctx.activity::<Reserve>(json!({"order": input["order"]})).await?;
        ctx.await_signal::<Approve>().await?;
        let tracking = ctx.activity::<Ship>(reservation).await?;
        let receipt = ctx.activity::<Charge>(input.clone()).await?;
        Ok(json!({"receipt": receipt, "tracking": tracking}))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(ironflow_examples::unique("native-orders"));
    let store = FileEventStore::open(&dir)?;
    native_order(&store, "order-1", 1, true, 0).await?;
    native_order(&store, "order-2", 2, true, 2).await?; // two failed charges, then paid
    native_order(&store, "order-3", 3, false, 0).await?; // still waiting for approval
    println!(
        "native store: {} instances in {}",
        store.workflow_ids().await?.len(),
        dir.display()
    );

    for (label, replayer) in [
        ("the port", Replayer::new().register_workflow::<Order>()),
        (
            "a port that ships before charging",
            Replayer::new().register_workflow::<ShipsFirst>(),
        ),
    ] {
        let verdicts = verify_port(&store, &replayer).await?;
        let failed = verdicts.iter().filter(|v| !v.passed()).count();
        println!(
            "{label}: {} of {} instances make the same decisions",
            verdicts.len() - failed,
            verdicts.len()
        );
        for v in &verdicts {
            println!("  {v}");
        }
    }
    Ok(())
}
