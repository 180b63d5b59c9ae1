"""Python SDK worker with the samples' encryption codec. Hosts PyEncrypted: one activity
(py_shout) and a failing branch, so results and failures cross the codec.

Usage: codec_worker.py <address> <key-id> <key-hex> <task-queue>; prints "ready" once it polls.
"""
import asyncio
import os
import sys
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from encryption_codec import converter


@activity.defn(name="py_shout")
async def py_shout(text: str) -> str:
    return text.upper()


@workflow.defn(name="PyEncrypted")
class PyEncrypted:
    @workflow.run
    async def run(self, text: str) -> str:
        shouted = await workflow.execute_activity(py_shout, text, start_to_close_timeout=timedelta(seconds=30))
        return f"python shouted {shouted}"


async def main():
    address, key_id, key_hex, task_queue = sys.argv[1:5]
    client = await Client.connect(address, data_converter=converter(key_id, key_hex))
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[PyEncrypted],
        activities=[py_shout],
        workflow_runner=UnsandboxedWorkflowRunner(),
    )
    async with worker:
        print("ready", flush=True)
        await asyncio.Event().wait()


try:
    asyncio.run(main())
finally:
    sys.stdout.flush()
    os._exit(0)
