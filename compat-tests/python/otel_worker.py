"""Python SDK worker with the SDK's TracingInterceptor, exporting spans over OTLP/gRPC as they
end. Hosts PyTraced (one activity, py_activity).

Usage: otel_worker.py <address> <otlp-endpoint> <task-queue>; prints "ready" once it polls.
"""
import asyncio
import os
import sys
from datetime import timedelta

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.worker import UnsandboxedWorkflowRunner, Worker


@activity.defn(name="py_activity")
async def py_activity(name: str) -> str:
    return f"python says hello to {name}"


@workflow.defn(name="PyTraced")
class PyTraced:
    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_activity(py_activity, name, start_to_close_timeout=timedelta(seconds=30))


async def main():
    address, endpoint, task_queue = sys.argv[1:4]
    provider = TracerProvider(resource=Resource.create({"service.name": "python-worker"}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=endpoint, insecure=True)))
    trace.set_tracer_provider(provider)
    client = await Client.connect(address, interceptors=[TracingInterceptor()])
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[PyTraced],
        activities=[py_activity],
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
