"""Child workflows: a parent fans out to one child per name, concurrently, and collects their
results in order."""
import asyncio
import os
import uuid

from temporalio import workflow
from temporalio.client import Client
from temporalio.worker import Worker


@workflow.defn(name="GreetingChild")
class GreetingChild:
    @workflow.run
    async def run(self, name: str) -> str:
        return f"Hello, {name}!"


@workflow.defn(name="FanOut")
class FanOutWorkflow:
    @workflow.run
    async def run(self, names: list[str]) -> list[str]:
        children = [workflow.execute_child_workflow(GreetingChild.run, name) for name in names]
        return list(await asyncio.gather(*children))


async def main() -> None:
    client = await Client.connect(os.environ.get("TEMPORAL_ADDRESS", "localhost:7233"))
    task_queue = f"children-{uuid.uuid4()}"
    async with Worker(client, task_queue=task_queue, workflows=[FanOutWorkflow, GreetingChild]):
        greetings = await client.execute_workflow(
            FanOutWorkflow.run, ["Ada", "Grace", "Linus"], id=f"fan-out-{uuid.uuid4()}", task_queue=task_queue
        )
    print(f"children answered: {greetings}")


if __name__ == "__main__":
    asyncio.run(main())
