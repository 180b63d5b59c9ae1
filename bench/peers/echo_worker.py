"""The Python SDK's echo worker for the benchmark (`bash scripts/bench.sh`): the same workload as
bench/src/bin/echo_worker_*.rs — workflow `EchoWorkflow(s) -> s` running one activity
`echo(s) -> s` (start-to-close 30 s) — with the SDK's default worker settings.

    python3 bench/peers/echo_worker.py worker --address HOST:PORT --task-queue QUEUE

Prints `ready` once the worker runs, then serves until killed.
"""

import argparse
import asyncio
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker


@activity.defn(name="echo")
async def echo(s: str) -> str:
    return s


@workflow.defn(name="EchoWorkflow")
class EchoWorkflow:
    @workflow.run
    async def run(self, s: str) -> str:
        return await workflow.execute_activity(
            echo, s, start_to_close_timeout=timedelta(seconds=30)
        )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["worker"])
    parser.add_argument("--address", required=True)
    parser.add_argument("--task-queue", required=True)
    args = parser.parse_args()
    client = await Client.connect(args.address)
    async with Worker(
        client,
        task_queue=args.task_queue,
        workflows=[EchoWorkflow],
        activities=[echo],
    ):
        print("ready", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
