"""Python SDK client with the SDK's TracingInterceptor, exporting spans over OTLP/gRPC: runs a
workflow (an Ironflow one, in the tests) and prints its result once its spans are exported.

Usage: otel_client.py <address> <otlp-endpoint> <workflow-type> <workflow-id> <task-queue> <JSON input>
"""
import asyncio
import json
import os
import sys

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor


async def main():
    address, endpoint, workflow_type, workflow_id, task_queue, arg = sys.argv[1:7]
    provider = TracerProvider(resource=Resource.create({"service.name": "python-client"}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=endpoint, insecure=True)))
    trace.set_tracer_provider(provider)
    client = await Client.connect(address, interceptors=[TracingInterceptor()])
    result = await client.execute_workflow(workflow_type, json.loads(arg), id=workflow_id, task_queue=task_queue)
    provider.force_flush()
    print(json.dumps(result))


asyncio.run(main())
# The SDK's native threads can abort the interpreter during finalization; the work is done and
# printed, so leave without finalizing.
sys.stdout.flush()
os._exit(0)
