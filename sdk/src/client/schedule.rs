//! Schedules: start a workflow on a calendar or an interval, run by the server (Temporal's
//! replacement for cron workflows). Create one with [`Client::create_schedule`], then describe,
//! update, pause, trigger, backfill or delete it through its [`ScheduleHandle`];
//! [`Client::list_schedules`] lists them.
//!
//! ```no_run
//! # async fn demo(client: ironflow::client::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use ironflow::client::{Schedule, ScheduleAction, ScheduleSpec};
//! use std::time::Duration;
//!
//! let action = ScheduleAction::start_workflow_by_name("Report", &"daily", "report", "reports")?;
//! let schedule = Schedule::new(action, ScheduleSpec::every(Duration::from_secs(24 * 3600)));
//! let handle = client.create_schedule("daily-report", schedule).await?;
//! handle.pause(Some("holiday")).await?;
//! handle.trigger().await?; // runs now, paused or not
//! # Ok(()) }
//! ```
//!
//! Schedule actions' arguments and memo go through the client's payload codecs; search
//! attributes do not (the server indexes them).

use super::{Client, ClientError, system_time};
use crate::Workflow;
use crate::converter::{Memo, Payload, PayloadError, SearchAttributes, from_payloads, to_payloads};
use serde::{Serialize, de::DeserializeOwned};
use std::time::{Duration, SystemTime};
use temporalio_common::protos::temporal::api::{
    common::v1::{Payloads, WorkflowType},
    enums::v1::ScheduleOverlapPolicy as ProtoOverlap,
    schedule::v1 as proto,
    taskqueue::v1::TaskQueue,
    workflow::v1::NewWorkflowExecutionInfo,
    workflowservice::v1::{
        CreateScheduleRequest, DeleteScheduleRequest, DescribeScheduleRequest, DescribeScheduleResponse,
        ListSchedulesRequest, PatchScheduleRequest, UpdateScheduleRequest,
    },
};
use tonic::Code;

/// What a schedule does when it fires: start a workflow.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleAction {
    /// The workflow type.
    pub workflow_type: String,
    /// The workflow's arguments, as payloads (see [`ScheduleAction::args`]).
    pub args: Vec<Payload>,
    /// The workflow id; the server appends each run's scheduled time to it.
    pub workflow_id: String,
    /// The task queue.
    pub task_queue: String,
    /// Execution timeout of each workflow started.
    pub execution_timeout: Option<Duration>,
    /// Run timeout.
    pub run_timeout: Option<Duration>,
    /// Workflow task timeout.
    pub task_timeout: Option<Duration>,
    /// Memo of each workflow started.
    pub memo: Memo,
    /// Search attributes of each workflow started.
    pub search_attributes: SearchAttributes,
}

impl ScheduleAction {
    /// Starts workflow `W` with `input`.
    pub fn start_workflow<W: Workflow>(
        input: &W::Input,
        workflow_id: impl Into<String>,
        task_queue: impl Into<String>,
    ) -> Result<Self, PayloadError> {
        Self::start_workflow_by_name(W::NAME, input, workflow_id, task_queue)
    }

    /// Starts a workflow by type name with `input` (`()` for none, [`crate::converter::Args`] for
    /// several arguments).
    pub fn start_workflow_by_name<I: Serialize + ?Sized>(
        workflow_type: impl Into<String>,
        input: &I,
        workflow_id: impl Into<String>,
        task_queue: impl Into<String>,
    ) -> Result<Self, PayloadError> {
        Ok(Self {
            workflow_type: workflow_type.into(),
            args: to_payloads(input)?,
            workflow_id: workflow_id.into(),
            task_queue: task_queue.into(),
            execution_timeout: None,
            run_timeout: None,
            task_timeout: None,
            memo: Memo::new(),
            search_attributes: SearchAttributes::new(),
        })
    }

    /// The arguments, decoded.
    pub fn args<T: DeserializeOwned>(&self) -> Result<T, PayloadError> {
        from_payloads(&self.args)
    }

    /// Replaces the arguments.
    pub fn set_args<I: Serialize + ?Sized>(&mut self, input: &I) -> Result<(), PayloadError> {
        self.args = to_payloads(input)?;
        Ok(())
    }
}

/// An interval a schedule fires on: every `every`, shifted by `offset` from the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleInterval {
    /// The period.
    pub every: Duration,
    /// The offset within the period.
    pub offset: Duration,
}

/// When a schedule fires: the union of its intervals and cron expressions, between
/// `start_at` and `end_at`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScheduleSpec {
    /// Intervals.
    pub intervals: Vec<ScheduleInterval>,
    /// Cron expressions (`"0 12 * * MON-FRI"`, `"@hourly"`). The server turns them into
    /// calendars, which a description shows in [`ScheduleSpec::calendars`].
    pub cron_expressions: Vec<String>,
    /// Calendars as the server describes them (structured); kept unchanged by updates.
    pub calendars: Vec<proto::StructuredCalendarSpec>,
    /// No action before this time.
    pub start_at: Option<SystemTime>,
    /// No action after this time.
    pub end_at: Option<SystemTime>,
    /// Random delay added to each action, up to this.
    pub jitter: Option<Duration>,
    /// The time zone of the calendars (IANA name; UTC when empty).
    pub time_zone: String,
}

impl ScheduleSpec {
    /// Fires every `every`.
    pub fn every(every: Duration) -> Self {
        Self {
            intervals: vec![ScheduleInterval {
                every,
                offset: Duration::ZERO,
            }],
            ..Self::default()
        }
    }

    /// Fires on a cron expression.
    pub fn cron(expression: impl Into<String>) -> Self {
        Self {
            cron_expressions: vec![expression.into()],
            ..Self::default()
        }
    }
}

/// What happens when a schedule fires while its previous workflow still runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScheduleOverlapPolicy {
    /// Do not start another (the server's default).
    #[default]
    Skip,
    /// Start one more once the running one finished.
    BufferOne,
    /// Start every missed one, in turn.
    BufferAll,
    /// Cancel the running one, then start.
    CancelOther,
    /// Terminate the running one, then start.
    TerminateOther,
    /// Start regardless.
    AllowAll,
}

impl ScheduleOverlapPolicy {
    fn to_proto(self) -> ProtoOverlap {
        match self {
            Self::Skip => ProtoOverlap::Skip,
            Self::BufferOne => ProtoOverlap::BufferOne,
            Self::BufferAll => ProtoOverlap::BufferAll,
            Self::CancelOther => ProtoOverlap::CancelOther,
            Self::TerminateOther => ProtoOverlap::TerminateOther,
            Self::AllowAll => ProtoOverlap::AllowAll,
        }
    }

    fn from_proto(p: i32) -> Self {
        match ProtoOverlap::try_from(p) {
            Ok(ProtoOverlap::BufferOne) => Self::BufferOne,
            Ok(ProtoOverlap::BufferAll) => Self::BufferAll,
            Ok(ProtoOverlap::CancelOther) => Self::CancelOther,
            Ok(ProtoOverlap::TerminateOther) => Self::TerminateOther,
            Ok(ProtoOverlap::AllowAll) => Self::AllowAll,
            _ => Self::Skip,
        }
    }
}

/// How a schedule handles overlaps, missed actions and failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SchedulePolicy {
    /// Overlapping runs.
    pub overlap: ScheduleOverlapPolicy,
    /// How late a missed action (the server was down) may still run (server default: 1 year).
    pub catchup_window: Option<Duration>,
    /// Pause the schedule when a workflow it started fails.
    pub pause_on_failure: bool,
}

/// Whether a schedule runs, and why (a note).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScheduleState {
    /// Paused: the spec does not fire (triggers and backfills still run).
    pub paused: bool,
    /// A note about the state.
    pub note: String,
    /// How many actions remain, when limited.
    pub remaining_actions: Option<i64>,
}

/// A schedule: what it starts, when, and how.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// What it does when it fires.
    pub action: ScheduleAction,
    /// When it fires.
    pub spec: ScheduleSpec,
    /// Overlaps, catch-up and failures.
    pub policy: SchedulePolicy,
    /// Paused or not.
    pub state: ScheduleState,
}

impl Schedule {
    /// A running schedule with default policies.
    pub fn new(action: ScheduleAction, spec: ScheduleSpec) -> Self {
        Self {
            action,
            spec,
            policy: SchedulePolicy::default(),
            state: ScheduleState::default(),
        }
    }

    /// Paused, with a note.
    pub fn paused(mut self, note: impl Into<String>) -> Self {
        self.state.paused = true;
        self.state.note = note.into();
        self
    }

    /// With an overlap policy.
    pub fn overlap(mut self, overlap: ScheduleOverlapPolicy) -> Self {
        self.policy.overlap = overlap;
        self
    }

    /// Writes the schedule over `base` (a described schedule: what this model does not hold,
    /// such as calendars with exclusions, is kept).
    fn to_proto(&self, base: Option<proto::Schedule>) -> Result<proto::Schedule, ClientError> {
        let mut out = base.unwrap_or_default();
        let a = &self.action;
        let mut workflow = match out.action.take().and_then(|a| a.action) {
            Some(proto::schedule_action::Action::StartWorkflow(w)) => w,
            _ => NewWorkflowExecutionInfo::default(),
        };
        workflow.workflow_id = a.workflow_id.clone();
        workflow.workflow_type = Some(WorkflowType {
            name: a.workflow_type.clone(),
        });
        workflow.task_queue = Some(TaskQueue {
            name: a.task_queue.clone(),
            ..Default::default()
        });
        workflow.input = (!a.args.is_empty()).then(|| Payloads {
            payloads: a.args.clone(),
        });
        workflow.workflow_execution_timeout = duration(a.execution_timeout);
        workflow.workflow_run_timeout = duration(a.run_timeout);
        workflow.workflow_task_timeout = duration(a.task_timeout);
        workflow.memo = (!a.memo.is_empty())
            .then(|| crate::converter::memo_to_proto(&a.memo))
            .transpose()?;
        workflow.search_attributes = (!a.search_attributes.is_empty())
            .then(|| crate::converter::search_attributes_to_proto(&a.search_attributes))
            .transpose()?;
        out.action = Some(proto::ScheduleAction {
            action: Some(proto::schedule_action::Action::StartWorkflow(workflow)),
        });
        let mut spec = out.spec.take().unwrap_or_default();
        let s = &self.spec;
        spec.interval = s
            .intervals
            .iter()
            .map(|i| proto::IntervalSpec {
                interval: duration(Some(i.every)),
                phase: duration(Some(i.offset)).filter(|_| !i.offset.is_zero()),
            })
            .collect();
        spec.cron_string = s.cron_expressions.clone();
        spec.structured_calendar = s.calendars.clone();
        spec.start_time = s.start_at.map(Into::into);
        spec.end_time = s.end_at.map(Into::into);
        spec.jitter = duration(s.jitter);
        spec.timezone_name = s.time_zone.clone();
        out.spec = Some(spec);
        let mut policies = out.policies.take().unwrap_or_default();
        policies.overlap_policy = self.policy.overlap.to_proto() as i32;
        policies.catchup_window = duration(self.policy.catchup_window);
        policies.pause_on_failure = self.policy.pause_on_failure;
        out.policies = Some(policies);
        out.state = Some(proto::ScheduleState {
            notes: self.state.note.clone(),
            paused: self.state.paused,
            limited_actions: self.state.remaining_actions.is_some(),
            remaining_actions: self.state.remaining_actions.unwrap_or_default(),
        });
        Ok(out)
    }

    fn from_proto(p: &proto::Schedule) -> Self {
        let workflow = match p.action.as_ref().and_then(|a| a.action.as_ref()) {
            Some(proto::schedule_action::Action::StartWorkflow(w)) => w.clone(),
            _ => NewWorkflowExecutionInfo::default(),
        };
        let action = ScheduleAction {
            workflow_type: workflow.workflow_type.map(|t| t.name).unwrap_or_default(),
            args: workflow.input.map(|i| i.payloads).unwrap_or_default(),
            workflow_id: workflow.workflow_id,
            task_queue: workflow.task_queue.map(|t| t.name).unwrap_or_default(),
            execution_timeout: std_duration(workflow.workflow_execution_timeout),
            run_timeout: std_duration(workflow.workflow_run_timeout),
            task_timeout: std_duration(workflow.workflow_task_timeout),
            memo: workflow
                .memo
                .as_ref()
                .map(crate::converter::memo_from_proto)
                .unwrap_or_default(),
            search_attributes: workflow
                .search_attributes
                .as_ref()
                .map(crate::converter::search_attributes_from_proto)
                .unwrap_or_default(),
        };
        let spec = p.spec.clone().unwrap_or_default();
        let policies = p.policies.unwrap_or_default();
        let state = p.state.clone().unwrap_or_default();
        Schedule {
            action,
            spec: ScheduleSpec {
                intervals: spec
                    .interval
                    .iter()
                    .map(|i| ScheduleInterval {
                        every: std_duration(i.interval).unwrap_or_default(),
                        offset: std_duration(i.phase).unwrap_or_default(),
                    })
                    .collect(),
                cron_expressions: spec.cron_string,
                calendars: spec.structured_calendar,
                start_at: system_time(spec.start_time),
                end_at: system_time(spec.end_time),
                jitter: std_duration(spec.jitter),
                time_zone: spec.timezone_name,
            },
            policy: SchedulePolicy {
                overlap: ScheduleOverlapPolicy::from_proto(policies.overlap_policy),
                catchup_window: std_duration(policies.catchup_window),
                pause_on_failure: policies.pause_on_failure,
            },
            state: ScheduleState {
                paused: state.paused,
                note: state.notes,
                remaining_actions: state.limited_actions.then_some(state.remaining_actions),
            },
        }
    }
}

fn duration(d: Option<Duration>) -> Option<prost_wkt_types::Duration> {
    d.and_then(|d| d.try_into().ok())
}

fn std_duration(d: Option<prost_wkt_types::Duration>) -> Option<Duration> {
    d.and_then(|d| Duration::try_from(d).ok())
}

/// One workflow a schedule started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleActionResult {
    /// When the spec said to start it.
    pub scheduled_at: Option<SystemTime>,
    /// When it was started.
    pub started_at: Option<SystemTime>,
    /// Its workflow id.
    pub workflow_id: String,
    /// Its run id.
    pub run_id: String,
}

/// What a schedule did so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScheduleInfo {
    /// Workflows started (spec, triggers and backfills).
    pub num_actions: i64,
    /// Actions missed because they were later than the catch-up window.
    pub missed_catchup_window: i64,
    /// Actions skipped by the overlap policy.
    pub overlap_skipped: i64,
    /// Workflows it started that still run (workflow id, run id).
    pub running_workflows: Vec<(String, String)>,
    /// The latest actions, oldest first.
    pub recent_actions: Vec<ScheduleActionResult>,
    /// The next times the spec fires.
    pub next_action_times: Vec<SystemTime>,
}

/// A schedule as the server describes it.
#[derive(Debug, Clone)]
pub struct ScheduleDescription {
    /// The schedule id.
    pub id: String,
    /// The schedule.
    pub schedule: Schedule,
    /// What it did so far.
    pub info: ScheduleInfo,
    raw: proto::Schedule,
    conflict_token: Vec<u8>,
}

/// A schedule as listed: its id, state and workflow type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleSummary {
    /// The schedule id.
    pub id: String,
    /// The type of the workflow it starts.
    pub workflow_type: String,
    /// Paused or not.
    pub paused: bool,
    /// The state's note.
    pub note: String,
}

/// A window of past times to run a schedule for, as if its spec had fired then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleBackfill {
    /// First time (inclusive).
    pub start: SystemTime,
    /// Last time (inclusive).
    pub end: SystemTime,
    /// Overlaps within the backfill.
    pub overlap: ScheduleOverlapPolicy,
}

/// A schedule on the server, by id.
#[derive(Debug, Clone)]
pub struct ScheduleHandle {
    client: Client,
    id: String,
}

impl ScheduleHandle {
    /// The schedule id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The schedule and what it did so far.
    pub async fn describe(&self) -> Result<ScheduleDescription, ClientError> {
        let mut response: DescribeScheduleResponse = self
            .client
            .connection()
            .workflow_service()
            .describe_schedule(tonic::Request::new(DescribeScheduleRequest {
                namespace: self.client.namespace().to_string(),
                schedule_id: self.id.clone(),
            }))
            .await
            .map_err(|s| ClientError::rpc("DescribeSchedule", s))?
            .into_inner();
        self.client
            .decode(
                &format!("the description of schedule `{}`", self.id),
                &mut response,
            )
            .await?;
        let raw = response.schedule.unwrap_or_default();
        let info = response.info.unwrap_or_default();
        Ok(ScheduleDescription {
            id: self.id.clone(),
            schedule: Schedule::from_proto(&raw),
            info: ScheduleInfo {
                num_actions: info.action_count,
                missed_catchup_window: info.missed_catchup_window,
                overlap_skipped: info.overlap_skipped,
                running_workflows: info
                    .running_workflows
                    .into_iter()
                    .map(|w| (w.workflow_id, w.run_id))
                    .collect(),
                recent_actions: info
                    .recent_actions
                    .into_iter()
                    .map(|a| {
                        let started = a.start_workflow_result.unwrap_or_default();
                        ScheduleActionResult {
                            scheduled_at: system_time(a.schedule_time),
                            started_at: system_time(a.actual_time),
                            workflow_id: started.workflow_id,
                            run_id: started.run_id,
                        }
                    })
                    .collect(),
                next_action_times: info
                    .future_action_times
                    .into_iter()
                    .filter_map(|t| system_time(Some(t)))
                    .collect(),
            },
            raw,
            conflict_token: response.conflict_token,
        })
    }

    /// Changes the schedule: `change` edits the described schedule, which is then written back
    /// (refused by the server if the schedule changed in between).
    pub async fn update(&self, change: impl FnOnce(&mut Schedule)) -> Result<(), ClientError> {
        let described = self.describe().await?;
        let mut schedule = described.schedule.clone();
        change(&mut schedule);
        let mut request = UpdateScheduleRequest {
            namespace: self.client.namespace().to_string(),
            schedule_id: self.id.clone(),
            schedule: Some(schedule.to_proto(Some(described.raw))?),
            conflict_token: described.conflict_token,
            identity: self.client.identity().to_string(),
            request_id: uuid::Uuid::new_v4().to_string(),
            ..Default::default()
        };
        self.client
            .encode(&format!("updating schedule `{}`", self.id), &mut request)
            .await?;
        self.client
            .connection()
            .workflow_service()
            .update_schedule(tonic::Request::new(request))
            .await
            .map_err(|s| ClientError::rpc("UpdateSchedule", s))?;
        Ok(())
    }

    async fn patch(&self, patch: proto::SchedulePatch) -> Result<(), ClientError> {
        self.client
            .connection()
            .workflow_service()
            .patch_schedule(tonic::Request::new(PatchScheduleRequest {
                namespace: self.client.namespace().to_string(),
                schedule_id: self.id.clone(),
                patch: Some(patch),
                identity: self.client.identity().to_string(),
                request_id: uuid::Uuid::new_v4().to_string(),
            }))
            .await
            .map_err(|s| ClientError::rpc("PatchSchedule", s))?;
        Ok(())
    }

    /// Pauses the schedule with a note (default: "Paused via Ironflow"). Pausing a paused
    /// schedule only changes the note.
    pub async fn pause(&self, note: Option<&str>) -> Result<(), ClientError> {
        self.patch(proto::SchedulePatch {
            pause: note.unwrap_or("Paused via Ironflow").to_string(),
            ..Default::default()
        })
        .await
    }

    /// Unpauses the schedule with a note (default: "Unpaused via Ironflow").
    pub async fn unpause(&self, note: Option<&str>) -> Result<(), ClientError> {
        self.patch(proto::SchedulePatch {
            unpause: note.unwrap_or("Unpaused via Ironflow").to_string(),
            ..Default::default()
        })
        .await
    }

    /// Runs the action now (paused or not), with the schedule's overlap policy.
    pub async fn trigger(&self) -> Result<(), ClientError> {
        self.patch(proto::SchedulePatch {
            trigger_immediately: Some(proto::TriggerImmediatelyRequest::default()),
            ..Default::default()
        })
        .await
    }

    /// Runs the action for past windows, as if the spec had fired then.
    pub async fn backfill(&self, windows: &[ScheduleBackfill]) -> Result<(), ClientError> {
        self.patch(proto::SchedulePatch {
            backfill_request: windows
                .iter()
                .map(|w| proto::BackfillRequest {
                    start_time: Some(w.start.into()),
                    end_time: Some(w.end.into()),
                    overlap_policy: w.overlap.to_proto() as i32,
                })
                .collect(),
            ..Default::default()
        })
        .await
    }

    /// Deletes the schedule (the workflows it started are not affected).
    pub async fn delete(&self) -> Result<(), ClientError> {
        self.client
            .connection()
            .workflow_service()
            .delete_schedule(tonic::Request::new(DeleteScheduleRequest {
                namespace: self.client.namespace().to_string(),
                schedule_id: self.id.clone(),
                identity: self.client.identity().to_string(),
            }))
            .await
            .map_err(|s| ClientError::rpc("DeleteSchedule", s))?;
        Ok(())
    }
}

impl Client {
    /// Creates a schedule; [`ClientError::ScheduleAlreadyExists`] if the id is taken.
    pub async fn create_schedule(
        &self,
        id: impl Into<String>,
        schedule: Schedule,
    ) -> Result<ScheduleHandle, ClientError> {
        let id = id.into();
        let mut request = CreateScheduleRequest {
            namespace: self.namespace().to_string(),
            schedule_id: id.clone(),
            schedule: Some(schedule.to_proto(None)?),
            identity: self.identity().to_string(),
            request_id: uuid::Uuid::new_v4().to_string(),
            ..Default::default()
        };
        self.encode(&format!("creating schedule `{id}`"), &mut request)
            .await?;
        self.connection()
            .workflow_service()
            .create_schedule(tonic::Request::new(request))
            .await
            .map_err(|s| match s.code() {
                Code::AlreadyExists => ClientError::ScheduleAlreadyExists {
                    schedule_id: id.clone(),
                },
                _ => ClientError::rpc("CreateSchedule", s),
            })?;
        Ok(self.schedule_handle(id))
    }

    /// A handle to an existing schedule.
    pub fn schedule_handle(&self, id: impl Into<String>) -> ScheduleHandle {
        ScheduleHandle {
            client: self.clone(),
            id: id.into(),
        }
    }

    /// Lists the namespace's schedules (visibility is eventually consistent: a schedule just
    /// created may take a moment to appear). `query` filters with a visibility query.
    pub async fn list_schedules(&self, query: Option<&str>) -> Result<Vec<ScheduleSummary>, ClientError> {
        let mut out = Vec::new();
        let mut next_page_token = Vec::new();
        loop {
            let response = self
                .connection()
                .workflow_service()
                .list_schedules(tonic::Request::new(ListSchedulesRequest {
                    namespace: self.namespace().to_string(),
                    maximum_page_size: 1000,
                    next_page_token: next_page_token.clone(),
                    query: query.unwrap_or_default().to_string(),
                }))
                .await
                .map_err(|s| ClientError::rpc("ListSchedules", s))?
                .into_inner();
            out.extend(response.schedules.into_iter().map(|entry| {
                let info = entry.info.unwrap_or_default();
                ScheduleSummary {
                    id: entry.schedule_id,
                    workflow_type: info.workflow_type.map(|t| t.name).unwrap_or_default(),
                    paused: info.paused,
                    note: info.notes,
                }
            }));
            if response.next_page_token.is_empty() {
                return Ok(out);
            }
            next_page_token = response.next_page_token;
        }
    }
}
