"""Replays translated native histories with the Python SDK's Replayer.

Usage: replay_bridge_order.py <address (unused)> <history dir> <variant: matching|renamed>
Prints a JSON object: history file name -> "ok" or the replay failure's class and message.
"""
import asyncio
import json
import os
import sys
from datetime import timedelta
from typing import Sequence

from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.common import RawValue, RetryPolicy, SearchAttributeKey
from temporalio.exceptions import ApplicationError
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner

STATE = SearchAttributeKey.for_keyword("LegacyState")


# Which activity the "charging" state calls: "charge_payment" matches the translated
# histories, "charge_card" is a deliberate change the replayer must reject.
CHARGE_ACTIVITY = "charge_payment"


# The interpreter's decisions for BridgeOrder 1.0.0, written by hand in Python.

@workflow.defn(name="BridgeOrder", sandboxed=False)
class BridgeOrder:
    def __init__(self) -> None:
        self.signal = None

    @workflow.signal(dynamic=True)
    def on_signal(self, name: str, args: Sequence[RawValue]) -> None:
        self.signal = name

    async def call(self, name: str, data):
        return await workflow.execute_activity(
            name, data, start_to_close_timeout=timedelta(seconds=60),
            retry_policy=RetryPolicy(maximum_attempts=3),
        )

    def state(self, s: str) -> None:
        workflow.upsert_search_attributes([STATE.value_set(s)])

    @workflow.run
    async def run(self, data) -> dict:
        self.state("reserving")
        try:
            data["reserve_inventory"] = await self.call("reserve_inventory", data)
        except Exception:
            self.state("failed")
            raise
        self.state("charging")
        data["charge_payment"] = await self.call(CHARGE_ACTIVITY, data)
        self.state("awaiting_approval")
        await workflow.wait_condition(lambda: self.signal is not None)
        if self.signal == "reject":
            self.state("rejected")
            raise ApplicationError("rejected")
        self.state("shipping")
        data["ship"] = await self.call("ship", data)
        self.state("done")
        return data


async def main():
    directory, variant = sys.argv[2], sys.argv[3]
    global CHARGE_ACTIVITY
    CHARGE_ACTIVITY = "charge_payment" if variant == "matching" else "charge_card"
    replayer = Replayer(workflows=[BridgeOrder], workflow_runner=UnsandboxedWorkflowRunner())
    results = {}
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(directory, name)) as f:
            history = WorkflowHistory.from_json(name[:-5], json.load(f))
        r = await replayer.replay_workflow(history, raise_on_replay_failure=False)
        failure = r.replay_failure
        results[name] = "ok" if failure is None else f"{type(failure).__name__}: {failure}"
    # Core logs its warnings to stdout too; the result is the line after the marker.
    print("IRONFLOW-RESULT " + json.dumps(results))


asyncio.run(main())
sys.stdout.flush()
os._exit(0)
