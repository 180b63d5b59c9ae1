"""A saga: book a hotel, a flight and a car; when a step fails, undo the steps done so far, in
reverse order."""
import asyncio
import os
import uuid
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker


@activity.defn
async def book_hotel(trip: str) -> str:
    return f"hotel-{trip}"


@activity.defn
async def book_flight(trip: str) -> str:
    return f"flight-{trip}"


@activity.defn
async def book_car(trip: str) -> str:
    if "no-car" in trip:
        raise ApplicationError("no car available", non_retryable=True)
    return f"car-{trip}"


@activity.defn
async def cancel_hotel(booking: str) -> None:
    print(f"compensated: {booking} cancelled")


@activity.defn
async def cancel_flight(booking: str) -> None:
    print(f"compensated: {booking} cancelled")


@workflow.defn(name="Trip")
class TripWorkflow:
    @workflow.run
    async def run(self, trip: str) -> list[str]:
        timeout = timedelta(seconds=60)
        compensations = []
        try:
            hotel = await workflow.execute_activity(book_hotel, trip, start_to_close_timeout=timeout)
            compensations.append((cancel_hotel, hotel))
            flight = await workflow.execute_activity(book_flight, trip, start_to_close_timeout=timeout)
            compensations.append((cancel_flight, flight))
            car = await workflow.execute_activity(book_car, trip, start_to_close_timeout=timeout)
            return [hotel, flight, car]
        except Exception:
            for undo, booking in reversed(compensations):
                await workflow.execute_activity(undo, booking, start_to_close_timeout=timeout)
            raise


async def main() -> None:
    client = await Client.connect(os.environ.get("TEMPORAL_ADDRESS", "localhost:7233"))
    task_queue = f"saga-{uuid.uuid4()}"
    activities = [book_hotel, book_flight, book_car, cancel_hotel, cancel_flight]
    async with Worker(client, task_queue=task_queue, workflows=[TripWorkflow], activities=activities):
        for trip in ["paris", "rome-no-car"]:
            try:
                bookings = await client.execute_workflow(
                    TripWorkflow.run, trip, id=f"trip-{uuid.uuid4()}", task_queue=task_queue
                )
                print(f"trip {trip}: booked {bookings}")
            except WorkflowFailureError as e:
                print(f"trip {trip}: failed and compensated: {e.cause.cause}")


if __name__ == "__main__":
    asyncio.run(main())
