"""Python SDK client: runs Ironflow's GreetWorkflow and RejectWorkflow, prints what it saw."""
import asyncio
import os
import json
import sys

from temporalio.client import Client, WorkflowFailureError


async def main():
    address, task_queue, ok_id, fail_id = sys.argv[1:5]
    client = await Client.connect(address)
    result = await client.execute_workflow("GreetWorkflow", "Python", id=ok_id, task_queue=task_queue)
    failure = None
    try:
        await client.execute_workflow("RejectWorkflow", "no stock", id=fail_id, task_queue=task_queue)
    except WorkflowFailureError as e:
        failure = {"type": e.cause.type, "message": e.cause.message, "non_retryable": e.cause.non_retryable}
    print(json.dumps({"result": result, "failure": failure}))



asyncio.run(main())
# The SDK's native threads can abort the interpreter during finalization (SIGABRT in
# PyGILState_Release); the work is done and printed, so leave without finalizing.
sys.stdout.flush()
os._exit(0)
