"""Signals, queries and a validated update on a workflow's state: a counter."""
import asyncio
import os
import uuid

from temporalio import workflow
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.worker import Worker


@workflow.defn(name="Counter")
class CounterWorkflow:
    @workflow.init
    def __init__(self, start: int) -> None:
        self.value = start
        self.finished = False

    @workflow.run
    async def run(self, start: int) -> int:
        await workflow.wait_condition(lambda: self.finished)
        return self.value

    @workflow.signal
    def increment(self, by: int) -> None:
        self.value += by

    @workflow.signal
    def finish(self) -> None:
        self.finished = True

    @workflow.query
    def get_value(self) -> int:
        return self.value

    @workflow.update
    def set_value(self, value: int) -> int:
        old, self.value = self.value, value
        return old

    @set_value.validator
    def validate_set_value(self, value: int) -> None:
        if value < 0:
            raise ValueError("the counter cannot be negative")


async def main() -> None:
    client = await Client.connect(os.environ.get("TEMPORAL_ADDRESS", "localhost:7233"))
    task_queue = f"counter-{uuid.uuid4()}"
    async with Worker(client, task_queue=task_queue, workflows=[CounterWorkflow]):
        handle = await client.start_workflow(
            CounterWorkflow.run, 10, id=f"counter-{uuid.uuid4()}", task_queue=task_queue
        )
        await handle.signal(CounterWorkflow.increment, 5)
        print(f"value after increment(5): {await handle.query(CounterWorkflow.get_value)}")
        print(f"set_value(100) returned the old value {await handle.execute_update(CounterWorkflow.set_value, 100)}")
        try:
            await handle.execute_update(CounterWorkflow.set_value, -1)
        except WorkflowUpdateFailedError as e:
            print(f"set_value(-1) was rejected: {e.cause}")
        await handle.signal(CounterWorkflow.finish)
        print(f"workflow result: {await handle.result()}")


if __name__ == "__main__":
    asyncio.run(main())
