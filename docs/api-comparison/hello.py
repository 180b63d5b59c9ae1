"""Hello: a workflow that calls two activities with a durable timer between them."""
import asyncio
import os
import uuid
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker


@activity.defn(name="greet")
async def greet(name: str) -> str:
    return f"Hello, {name}!"


@activity.defn(name="shout")
async def shout(text: str) -> str:
    return text.upper()


@workflow.defn(name="HelloWorkflow")
class HelloWorkflow:
    @workflow.run
    async def run(self, name: str) -> str:
        timeout = timedelta(seconds=60)
        greeting = await workflow.execute_activity(greet, name, start_to_close_timeout=timeout)
        await asyncio.sleep(1)
        return await workflow.execute_activity(shout, greeting, start_to_close_timeout=timeout)


async def main() -> None:
    client = await Client.connect(os.environ.get("TEMPORAL_ADDRESS", "localhost:7233"))
    task_queue = f"hello-{uuid.uuid4()}"
    async with Worker(client, task_queue=task_queue, workflows=[HelloWorkflow], activities=[greet, shout]):
        result = await client.execute_workflow(
            HelloWorkflow.run, "Temporal", id=f"hello-{uuid.uuid4()}", task_queue=task_queue
        )
    print(f"workflow result: {result}")


if __name__ == "__main__":
    asyncio.run(main())
