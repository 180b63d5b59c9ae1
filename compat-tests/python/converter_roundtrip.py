"""The Python SDK's default payload converter on the values of the converter round-trip test.

Usage (the first argument, the server address, is unused):
  converter_roundtrip.py <address> encode       prints {"payloads": [...]} (proto JSON) for the values below
  converter_roundtrip.py <address> decode FILE  reads {"payloads": [...]} (the same values, written by
                                                Ironflow) and prints, for each, whether it equals the value here
"""
import json
import sys

import temporalio.converter
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads, WorkflowExecution

EXECUTION = WorkflowExecution(workflow_id="order-7", run_id="run-1")
VALUES = [
    (None, type(None)),
    (b"\x00\x9f\x92\x96 raw", bytes),
    (EXECUTION, WorkflowExecution),  # the default converter writes json/protobuf
    ({"order": "order-7", "items": [1, 2, 3], "paid": True}, dict),
]


def main():
    conv = temporalio.converter.default().payload_converter
    if sys.argv[2] == "encode":
        payloads = conv.to_payloads([v for v, _ in VALUES])
        # And the binary protobuf form, which the default converter reads but does not write.
        binary = temporalio.converter.BinaryProtoPayloadConverter().to_payload(EXECUTION)
        print(json_format.MessageToJson(Payloads(payloads=list(payloads) + [binary])))
    else:
        with open(sys.argv[3]) as f:
            payloads = json_format.Parse(f.read(), Payloads()).payloads
        expected = [v for v, _ in VALUES] + [EXECUTION]
        hints = [t for _, t in VALUES] + [WorkflowExecution]
        results = []
        for p, want, hint in zip(payloads, expected, hints):
            got = conv.from_payload(p, hint)
            results.append({"encoding": p.metadata["encoding"].decode(), "equal": got == want})
        print(json.dumps(results))


main()
