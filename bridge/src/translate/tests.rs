use super::*;
use crate::native::{SequencedEvent, WorkflowEvent};
use serde_json::json;

fn order_log() -> Vec<WorkflowEvent> {
    let wf = || "order-1".to_string();
    vec![
        WorkflowEvent::WorkflowStarted {
            workflow_id: wf(),
            workflow_name: "order".into(),
            input: json!({"amount": 42}),
            timestamp: 1_000,
        },
        WorkflowEvent::ActivityStarted {
            workflow_id: wf(),
            activity_name: "reserve_inventory".into(),
            input: json!({"amount": 42}),
            timestamp: 1_010,
        },
        WorkflowEvent::ActivityCompleted {
            workflow_id: wf(),
            activity_name: "reserve_inventory".into(),
            output: json!("r1"),
            timestamp: 1_020,
        },
        WorkflowEvent::StateTransitioned {
            workflow_id: wf(),
            from_state: "reserving".into(),
            to_state: "charging".into(),
            timestamp: 1_021,
        },
        WorkflowEvent::ActivityStarted {
            workflow_id: wf(),
            activity_name: "charge_payment".into(),
            input: json!({"amount": 42}),
            timestamp: 1_030,
        },
        WorkflowEvent::ActivityFailed {
            workflow_id: wf(),
            activity_name: "charge_payment".into(),
            error: "gateway timeout".into(),
            timestamp: 1_040,
        },
        WorkflowEvent::ActivityStarted {
            workflow_id: wf(),
            activity_name: "charge_payment".into(),
            input: json!({"amount": 42}),
            timestamp: 1_050,
        },
        WorkflowEvent::ActivityFailed {
            workflow_id: wf(),
            activity_name: "charge_payment".into(),
            error: "gateway busy".into(),
            timestamp: 1_060,
        },
        WorkflowEvent::ActivityStarted {
            workflow_id: wf(),
            activity_name: "charge_payment".into(),
            input: json!({"amount": 42}),
            timestamp: 1_070,
        },
        WorkflowEvent::ActivityCompleted {
            workflow_id: wf(),
            activity_name: "charge_payment".into(),
            output: json!({"charge_id": "ch_1"}),
            timestamp: 1_080,
        },
        WorkflowEvent::StateTransitioned {
            workflow_id: wf(),
            from_state: "charging".into(),
            to_state: "awaiting_approval".into(),
            timestamp: 1_081,
        },
        WorkflowEvent::SignalReceived {
            workflow_id: wf(),
            signal_name: "approve".into(),
            data: json!({"by": "alice"}),
            timestamp: 1_090,
        },
        WorkflowEvent::StateTransitioned {
            workflow_id: wf(),
            from_state: "awaiting_approval".into(),
            to_state: "done".into(),
            timestamp: 1_091,
        },
        WorkflowEvent::WorkflowCompleted {
            workflow_id: wf(),
            output: json!({"status": "done"}),
            timestamp: 1_092,
        },
    ]
}

fn sequenced(events: Vec<WorkflowEvent>) -> Vec<SequencedEvent> {
    SequencedEvent::numbered(events, 1)
}

fn options() -> TranslateOptions {
    TranslateOptions {
        initial_state: Some("reserving".into()),
        ..Default::default()
    }
}

#[test]
fn native_to_temporal_to_native_is_lossless() {
    let events = order_log();
    let history = to_history(&sequenced(events.clone()), &options()).unwrap();
    ironflow::history::validate(&history).unwrap();
    let back = from_history(&history, "ignored", &options().states, Some("reserving")).unwrap();
    assert_eq!(back, events);
    // Through the CLI/UI JSON format too.
    let json = ironflow::history::to_json(&history).unwrap();
    let reread = ironflow::history::from_json(&json).unwrap();
    assert_eq!(
        from_history(&reread, "ignored", &options().states, Some("reserving")).unwrap(),
        events
    );
}

/// The fast history JSON writer produces what prost-reflect's serializer produces: byte for byte
/// when every map has one key (prost-reflect writes several in hash order, the fast writer in key
/// order, as the CLI does), the same JSON value otherwise; and the same bytes every time.
#[test]
fn the_fast_json_writer_matches_the_reference() {
    let code_driven = TranslateOptions {
        states: StateRepresentation::Dropped,
        ..options()
    };
    let plain = to_history(&sequenced(order_log()), &code_driven).unwrap();
    let fast = ironflow::history::to_json(&plain).unwrap();
    assert!(
        fast.len() > 1000 && fast.contains("\"eventTime\""),
        "a real history"
    );
    if fast != ironflow::history::to_json_reference(&plain).unwrap() {
        panic!("the fast writer differs from the reference on a history whose maps have one key");
    }
    // Search attribute payloads have two metadata keys.
    let with_states = to_history(&sequenced(order_log()), &options()).unwrap();
    let fast = ironflow::history::to_json(&with_states).unwrap();
    assert_eq!(
        fast,
        ironflow::history::to_json(&with_states).unwrap(),
        "deterministic"
    );
    let reference = ironflow::history::to_json_reference(&with_states).unwrap();
    let (a, b): (serde_json::Value, serde_json::Value) = (
        serde_json::from_str(&fast).unwrap(),
        serde_json::from_str(&reference).unwrap(),
    );
    assert!(
        a == b,
        "the fast writer's JSON value differs from the reference's"
    );
    let empty = ironflow::history::History { events: vec![] };
    assert_eq!(
        ironflow::history::to_json(&empty).unwrap(),
        ironflow::history::to_json_reference(&empty).unwrap()
    );
}

#[test]
fn the_history_has_the_shape_replay_needs() {
    use ironflow::history::history_event::Attributes as A;
    let history = to_history(&sequenced(order_log()), &options()).unwrap();
    let kinds: Vec<&str> = history
        .events
        .iter()
        .map(|e| match e.attributes.as_ref().unwrap() {
            A::WorkflowExecutionStartedEventAttributes(_) => "WES",
            A::WorkflowTaskScheduledEventAttributes(_) => "WTS",
            A::WorkflowTaskStartedEventAttributes(_) => "WTSt",
            A::WorkflowTaskCompletedEventAttributes(_) => "WTC",
            A::ActivityTaskScheduledEventAttributes(_) => "AS",
            A::ActivityTaskStartedEventAttributes(_) => "ASt",
            A::ActivityTaskCompletedEventAttributes(_) => "AC",
            A::UpsertWorkflowSearchAttributesEventAttributes(_) => "UP",
            A::WorkflowExecutionSignaledEventAttributes(_) => "SIG",
            A::WorkflowExecutionCompletedEventAttributes(_) => "WEC",
            _ => "?",
        })
        .collect();
    assert_eq!(
        kinds.join(" "),
        "WES WTS WTSt WTC UP AS ASt AC WTS WTSt WTC UP AS ASt AC WTS WTSt WTC UP SIG WTS WTSt WTC UP WEC"
    );
    // Retries are collapsed: one started event, attempt 3, the failures in lastFailure.
    let started: Vec<_> = history
        .events
        .iter()
        .filter_map(|e| match e.attributes.as_ref().unwrap() {
            A::ActivityTaskStartedEventAttributes(s) => {
                Some((s.attempt, s.last_failure.as_ref().map(|f| f.message.clone())))
            }
            _ => None,
        })
        .collect();
    assert_eq!(started, vec![(1, None), (3, Some("gateway busy".into()))]);
    // The first completed workflow task carries Core's flags; the run id is deterministic.
    let A::WorkflowTaskCompletedEventAttributes(c) = history.events[3].attributes.as_ref().unwrap() else {
        panic!()
    };
    assert_eq!(c.sdk_metadata.as_ref().unwrap().core_used_flags, vec![1, 2, 3, 4]);
    let A::WorkflowExecutionStartedEventAttributes(s) = history.events[0].attributes.as_ref().unwrap() else {
        panic!()
    };
    assert_eq!(s.original_execution_run_id, run_id_for("order-1"));
}

#[test]
fn bad_logs_are_refused_naming_the_event() {
    let mut events = sequenced(order_log());
    events.remove(2); // reserve_inventory never completes: the next completion is unmatched? no: a gap
    let e = to_history(&events, &options()).unwrap_err().to_string();
    assert!(e.contains("event #4") && e.contains("sequence gap"), "{e}");
    let mut events = order_log();
    events.push(WorkflowEvent::SignalReceived {
        workflow_id: "order-1".into(),
        signal_name: "late".into(),
        data: json!(null),
        timestamp: 2_000,
    });
    let e = to_history(&sequenced(events), &options())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("event #15") && e.contains("after the workflow ended"),
        "{e}"
    );
}
