"""Python SDK worker hosting PyOrder, a workflow with signal, query and update handlers.

Usage: worker_order.py <address> <task-queue>; prints "ready" once it polls.
"""
import asyncio
import sys

from temporalio import workflow
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.worker import UnsandboxedWorkflowRunner, Worker


@workflow.defn(name="PyOrder")
class PyOrder:
    def __init__(self) -> None:
        self.items: list = []
        self.approver = None

    @workflow.run
    async def run(self, n: int) -> str:
        await workflow.wait_condition(lambda: len(self.items) >= n and self.approver is not None)
        return f"{len(self.items)} items approved by {self.approver}"

    @workflow.signal(name="add_item")
    def add_item(self, item: str) -> None:
        self.items.append(item)

    @workflow.signal(name="approve")
    def approve(self, who: str) -> None:
        self.approver = who

    @workflow.query(name="items")
    def get_items(self) -> list:
        return self.items

    @workflow.update(name="add_item_checked")
    def add_item_checked(self, item: str) -> int:
        self.items.append(item)
        return len(self.items)

    @add_item_checked.validator
    def validate(self, item: str) -> None:
        if item == "forbidden":
            raise ApplicationError(f"item `{item}` is not allowed", type="InvalidItem")


async def main():
    client = await Client.connect(sys.argv[1])
    worker = Worker(
        client,
        task_queue=sys.argv[2],
        workflows=[PyOrder],
        workflow_runner=UnsandboxedWorkflowRunner(),
    )
    async with worker:
        print("ready", flush=True)
        await asyncio.Event().wait()


asyncio.run(main())
