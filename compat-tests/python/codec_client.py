"""Python SDK client with the samples' encryption codec: runs a workflow and prints its JSON
result.

Usage: codec_client.py <address> <key-id> <key-hex> <workflow-type> <workflow-id> <task-queue> <JSON input>
"""
import asyncio
import json
import os
import sys

from temporalio.client import Client

from encryption_codec import converter


async def main():
    address, key_id, key_hex, workflow_type, workflow_id, task_queue, arg = sys.argv[1:8]
    client = await Client.connect(address, data_converter=converter(key_id, key_hex))
    result = await client.execute_workflow(workflow_type, json.loads(arg), id=workflow_id, task_queue=task_queue)
    print(json.dumps(result))


try:
    asyncio.run(main())
finally:
    sys.stdout.flush()
    os._exit(0)
