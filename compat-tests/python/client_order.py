"""Python SDK client: signals, queries and updates Ironflow's OrderWorkflow."""
import asyncio
import os
import json
import sys

from temporalio.client import Client, WorkflowUpdateFailedError


async def main():
    address, task_queue, workflow_id = sys.argv[1:4]
    client = await Client.connect(address)
    handle = await client.start_workflow("OrderWorkflow", 2, id=workflow_id, task_queue=task_queue)
    await handle.signal("add_item", "py-signal")
    count = await handle.execute_update("add_item_checked", "py-update")
    rejected = None
    try:
        await handle.execute_update("add_item_checked", "forbidden")
    except WorkflowUpdateFailedError as e:
        rejected = e.cause.type
    items = await handle.query("items")
    first = await handle.query("item_at", 0)
    await handle.signal("approve", "python")
    result = await handle.result()
    print(json.dumps({"count": count, "rejected": rejected, "items": items, "first": first, "result": result}))



asyncio.run(main())
# The SDK's native threads can abort the interpreter during finalization (SIGABRT in
# PyGILState_Release); the work is done and printed, so leave without finalizing.
sys.stdout.flush()
os._exit(0)
