"""Python SDK client over TLS with a private CA and an API key: runs a workflow and prints its
JSON result.

Usage: tls_client.py <unused-address> <tls-address> <ca-file> <api-key> <workflow-type> <workflow-id> <task-queue> <JSON input>
"""
import asyncio
import json
import os
import sys

from temporalio.client import Client, TLSConfig


async def main():
    address, ca_file, api_key, workflow_type, workflow_id, task_queue, arg = sys.argv[2:9]
    with open(ca_file, "rb") as f:
        ca = f.read()
    client = await Client.connect(address, tls=TLSConfig(server_root_ca_cert=ca), api_key=api_key)
    result = await client.execute_workflow(workflow_type, json.loads(arg), id=workflow_id, task_queue=task_queue)
    print(json.dumps(result))


try:
    asyncio.run(main())
finally:
    sys.stdout.flush()
    os._exit(0)
