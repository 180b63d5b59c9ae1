//! A saga: book a hotel, a flight and a car; when a step fails, undo the steps done so far, in
//! reverse order. A compensation is an activity call made but not awaited yet: calls are sent
//! when first awaited, so the list holds exactly the undo steps still owed.

use ironflow::client::StartWorkflowOptions;
use ironflow::prelude::*;
use ironflow::workflow::ActivityCall;

#[ironflow::activity]
async fn book_hotel(_ctx: ActivityContext, trip: String) -> Result<String, ApplicationError> {
    Ok(format!("hotel-{trip}"))
}

#[ironflow::activity]
async fn book_flight(_ctx: ActivityContext, trip: String) -> Result<String, ApplicationError> {
    Ok(format!("flight-{trip}"))
}

#[ironflow::activity]
async fn book_car(_ctx: ActivityContext, trip: String) -> Result<String, ApplicationError> {
    if trip.contains("no-car") {
        Err(ApplicationError::non_retryable("no car available").with_type("NoCar"))
    } else {
        Ok(format!("car-{trip}"))
    }
}

#[ironflow::activity]
async fn cancel_hotel(_ctx: ActivityContext, booking: String) -> Result<(), ApplicationError> {
    println!("compensated: {booking} cancelled");
    Ok(())
}

#[ironflow::activity]
async fn cancel_flight(_ctx: ActivityContext, booking: String) -> Result<(), ApplicationError> {
    println!("compensated: {booking} cancelled");
    Ok(())
}

pub struct TripWorkflow;

impl Workflow for TripWorkflow {
    const NAME: &'static str = "Trip";
    type Input = String;
    type Output = Vec<String>;

    async fn run(ctx: WorkflowContext, trip: String) -> WorkflowResult<Vec<String>> {
        let mut compensations: Vec<ActivityCall<()>> = Vec::new();
        let booked = async {
            let hotel = ctx.activity::<BookHotel>(trip.clone()).await?;
            compensations.push(ctx.activity::<CancelHotel>(hotel.clone()));
            let flight = ctx.activity::<BookFlight>(trip.clone()).await?;
            compensations.push(ctx.activity::<CancelFlight>(flight.clone()));
            let car = ctx.activity::<BookCar>(trip.clone()).await?;
            Ok::<_, ActivityError>(vec![hotel, flight, car])
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

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let example = ironflow_examples::start().await?;
    let client = &example.client;
    let task_queue = ironflow_examples::unique("saga");
    let worker = Worker::builder(client, &task_queue)
        .register_workflow::<TripWorkflow>()
        .register_activity(BookHotel)
        .register_activity(BookFlight)
        .register_activity(BookCar)
        .register_activity(CancelHotel)
        .register_activity(CancelFlight)
        .build()?;
    let trips = async {
        for trip in ["paris", "rome-no-car"] {
            let options = StartWorkflowOptions::new(ironflow_examples::unique("trip"), &task_queue);
            match client
                .execute_workflow::<TripWorkflow>(trip.into(), options)
                .await
            {
                Ok(bookings) => println!("trip {trip}: booked {bookings:?}"),
                Err(e) => println!(
                    "trip {trip}: failed and compensated: {}",
                    e.failure()
                        .map_or(e.to_string(), |f| f.root_cause().message.clone())
                ),
            }
        }
    };
    worker.run_until(trips).await?;
    Ok(())
}
