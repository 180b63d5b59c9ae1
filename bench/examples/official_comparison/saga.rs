//! A saga: book a hotel, a flight and a car; when a step fails, undo the steps done so far, in
//! reverse order.

use futures::future::LocalBoxFuture;
use std::time::Duration;
use temporalio_client::{
    Client, ClientOptions, Connection, WorkflowGetResultOptions, WorkflowStartOptions,
    envconfig::LoadClientConfigProfileOptions,
};
use temporalio_macros::{activities, workflow, workflow_methods};
use temporalio_sdk::activities::{ActivityContext, ActivityError};
use temporalio_sdk::{
    ActivityExecutionError, ActivityOptions, ApplicationFailure, Runtime, Worker, WorkerOptions,
    WorkflowContext, WorkflowResult,
};

pub struct Bookings;

#[activities]
impl Bookings {
    #[activity(name = "book_hotel")]
    pub async fn book_hotel(_ctx: ActivityContext, trip: String) -> Result<String, ActivityError> {
        Ok(format!("hotel-{trip}"))
    }

    #[activity(name = "book_flight")]
    pub async fn book_flight(_ctx: ActivityContext, trip: String) -> Result<String, ActivityError> {
        Ok(format!("flight-{trip}"))
    }

    #[activity(name = "book_car")]
    pub async fn book_car(_ctx: ActivityContext, trip: String) -> Result<String, ActivityError> {
        if trip.contains("no-car") {
            Err(ApplicationFailure::non_retryable("no car available").into())
        } else {
            Ok(format!("car-{trip}"))
        }
    }

    #[activity(name = "cancel_hotel")]
    pub async fn cancel_hotel(_ctx: ActivityContext, booking: String) -> Result<(), ActivityError> {
        println!("compensated: {booking} cancelled");
        Ok(())
    }

    #[activity(name = "cancel_flight")]
    pub async fn cancel_flight(_ctx: ActivityContext, booking: String) -> Result<(), ActivityError> {
        println!("compensated: {booking} cancelled");
        Ok(())
    }
}

#[workflow]
#[derive(Default)]
pub struct TripWorkflow;

#[workflow_methods]
impl TripWorkflow {
    #[run(name = "Trip")]
    pub async fn run(ctx: &mut WorkflowContext<Self>, trip: String) -> WorkflowResult<Vec<String>> {
        let options = ActivityOptions::start_to_close_timeout(Duration::from_secs(60));
        let mut compensations: Vec<LocalBoxFuture<'static, Result<(), ActivityExecutionError>>> = Vec::new();
        let booked = async {
            let hotel = ctx
                .execute_activity(Bookings::book_hotel, trip.clone(), options.clone())
                .await?;
            let (c, o, booking) = (ctx.clone(), options.clone(), hotel.clone());
            compensations.push(Box::pin(async move {
                c.execute_activity(Bookings::cancel_hotel, booking, o).await
            }));
            let flight = ctx
                .execute_activity(Bookings::book_flight, trip.clone(), options.clone())
                .await?;
            let (c, o, booking) = (ctx.clone(), options.clone(), flight.clone());
            compensations.push(Box::pin(async move {
                c.execute_activity(Bookings::cancel_flight, booking, o).await
            }));
            let car = ctx
                .execute_activity(Bookings::book_car, trip.clone(), options.clone())
                .await?;
            Ok::<_, ActivityExecutionError>(vec![hotel, flight, car])
        };
        match booked.await {
            Ok(bookings) => Ok(bookings),
            Err(failure) => {
                for undo in compensations.into_iter().rev() {
                    undo.await?;
                }
                Err(failure.into())
            }
        }
    }
}

pub async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runtime = Runtime::from_current_tokio(Default::default())?;
    let (connection_options, client_options) =
        ClientOptions::load_from_config(LoadClientConfigProfileOptions::default())?;
    let client = Client::new(Connection::connect(connection_options).await?, client_options)?;
    let options = WorkerOptions::new("saga")
        .register_workflow::<TripWorkflow>()?
        .register_activities(Bookings)
        .build();
    let mut worker = Worker::new(&runtime, client.clone(), options)?;
    let shutdown = worker.shutdown_handle();
    let trips = async {
        for trip in ["paris", "rome-no-car"] {
            let options = WorkflowStartOptions::new("saga", format!("trip-{trip}")).build();
            let handle = client
                .start_workflow(TripWorkflow::run, trip.to_string(), options)
                .await;
            match handle?.get_result(WorkflowGetResultOptions::default()).await {
                Ok(bookings) => println!("trip {trip}: booked {bookings:?}"),
                Err(e) => println!("trip {trip}: failed and compensated: {e}"),
            }
        }
        shutdown();
        Ok::<_, Box<dyn std::error::Error>>(())
    };
    let (result, worker_result) = tokio::join!(trips, worker.run());
    worker_result?;
    result
}
