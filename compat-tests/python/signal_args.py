"""Python SDK client: sends a signal with several arguments (`args=[...]`, one payload each).

Usage: signal_args.py <address> <workflow-id> <signal-name> <JSON list of arguments>
"""
import asyncio
import json
import os
import sys

from temporalio.client import Client


async def main():
    address, workflow_id, signal_name, arguments = sys.argv[1:5]
    client = await Client.connect(address)
    await client.get_workflow_handle(workflow_id).signal(signal_name, args=json.loads(arguments))
    print("sent")


asyncio.run(main())
# The SDK's native threads can abort the interpreter during finalization (SIGABRT in
# PyGILState_Release); the work is done and printed, so leave without finalizing.
sys.stdout.flush()
os._exit(0)
