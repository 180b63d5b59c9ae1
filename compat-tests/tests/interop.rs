//! Other Temporal tools drive Ironflow workflows: the `temporal` CLI and the Python SDK client.

use ironflow::Worker;
use ironflow_compat_tests::fixtures::register_all;
use ironflow_compat_tests::peers::{cli, python_script};
use ironflow_compat_tests::{RunningWorker, client, unique};

#[tokio::test]
async fn the_cli_starts_an_ironflow_workflow_with_json_and_reads_its_json_result() {
    let client = client().await;
    let tq = unique("cli");
    let worker = RunningWorker::start(register_all(Worker::builder(&client, &tq)));
    let id = unique("cli-wf");
    let out = cli(&[
        "workflow",
        "execute",
        "--type",
        "GreetWorkflow",
        "--task-queue",
        &tq,
        "--workflow-id",
        &id,
        "--input",
        r#""CLI""#,
        "--output",
        "json",
    ])
    .await;
    let json: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(json["status"], "COMPLETED", "{json}");
    assert_eq!(json["result"], "Hello, CLI!", "{json}");
    worker.stop().await.unwrap();
}

const PYTHON_CLIENT: &str = r#"
import asyncio, json, sys
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
"#;

#[tokio::test]
async fn the_python_sdk_client_runs_an_ironflow_workflow_and_reads_its_failure() {
    let client = client().await;
    let tq = unique("py");
    let worker = RunningWorker::start(register_all(Worker::builder(&client, &tq)));
    let out = python_script(PYTHON_CLIENT, &[&tq, &unique("py-ok"), &unique("py-fail")]).await;
    let json: serde_json::Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(json["result"], "Hello, Python!", "{json}");
    assert_eq!(json["failure"]["type"], "OrderRejected", "{json}");
    assert_eq!(json["failure"]["message"], "order rejected: no stock", "{json}");
    assert_eq!(json["failure"]["non_retryable"], true, "{json}");
    worker.stop().await.unwrap();
}
