//! Visibility: listing and counting workflows with Temporal's query language, and registering
//! search attributes.

use super::{Client, ClientError, WorkflowStatus};
use crate::converter::{
    Memo, SearchAttributeType, SearchAttributes, memo_from_proto, search_attributes_from_proto,
};
use std::collections::HashMap;
use std::time::SystemTime;
use temporalio_common::protos::temporal::api::{
    operatorservice::v1::{AddSearchAttributesRequest, ListSearchAttributesRequest},
    workflowservice::v1::{CountWorkflowExecutionsRequest, ListWorkflowExecutionsRequest},
};

/// One workflow execution, as visibility lists it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WorkflowExecutionSummary {
    /// The workflow id.
    pub workflow_id: String,
    /// The run id.
    pub run_id: String,
    /// The workflow type.
    pub workflow_type: String,
    /// The status.
    pub status: WorkflowStatus,
    /// The task queue.
    pub task_queue: String,
    /// When it started.
    pub start_time: Option<SystemTime>,
    /// When it closed.
    pub close_time: Option<SystemTime>,
    /// Search attributes.
    pub search_attributes: SearchAttributes,
    /// Memo.
    pub memo: Memo,
}

impl Client {
    /// Lists workflow executions matching a visibility query, e.g.
    /// `WorkflowType = 'Order' AND CustomKeywordField = 'vip'` (every page).
    pub async fn list_workflows(&self, query: &str) -> Result<Vec<WorkflowExecutionSummary>, ClientError> {
        let mut out = Vec::new();
        let mut token = Vec::new();
        loop {
            let mut response = self
                .connection()
                .workflow_service()
                .list_workflow_executions(tonic::Request::new(ListWorkflowExecutionsRequest {
                    namespace: self.namespace().to_string(),
                    page_size: 1000,
                    next_page_token: std::mem::take(&mut token),
                    query: query.to_string(),
                }))
                .await
                .map_err(|s| ClientError::rpc("ListWorkflowExecutions", s))?
                .into_inner();
            self.decode("the memo of listed workflows", &mut response).await?;
            let time = super::system_time;
            out.extend(response.executions.into_iter().map(|e| {
                WorkflowExecutionSummary {
                    workflow_id: e
                        .execution
                        .as_ref()
                        .map(|x| x.workflow_id.clone())
                        .unwrap_or_default(),
                    run_id: e.execution.as_ref().map(|x| x.run_id.clone()).unwrap_or_default(),
                    workflow_type: e.r#type.as_ref().map(|t| t.name.clone()).unwrap_or_default(),
                    status: WorkflowStatus::from_proto(e.status),
                    task_queue: e.task_queue.clone(),
                    start_time: time(e.start_time),
                    close_time: time(e.close_time),
                    search_attributes: e
                        .search_attributes
                        .as_ref()
                        .map(search_attributes_from_proto)
                        .unwrap_or_default(),
                    memo: e.memo.as_ref().map(memo_from_proto).unwrap_or_default(),
                }
            }));
            if response.next_page_token.is_empty() {
                return Ok(out);
            }
            token = response.next_page_token;
        }
    }

    /// Counts workflow executions matching a visibility query.
    pub async fn count_workflows(&self, query: &str) -> Result<u64, ClientError> {
        let response = self
            .connection()
            .workflow_service()
            .count_workflow_executions(tonic::Request::new(CountWorkflowExecutionsRequest {
                namespace: self.namespace().to_string(),
                query: query.to_string(),
            }))
            .await
            .map_err(|s| ClientError::rpc("CountWorkflowExecutions", s))?
            .into_inner();
        Ok(response.count.max(0) as u64)
    }

    /// Registers custom search attributes on the namespace, skipping those already registered
    /// (with any type). Returns the names it added.
    pub async fn ensure_search_attributes(
        &self,
        attributes: &[(&str, SearchAttributeType)],
    ) -> Result<Vec<String>, ClientError> {
        let existing = self
            .connection()
            .operator_service()
            .list_search_attributes(tonic::Request::new(ListSearchAttributesRequest {
                namespace: self.namespace().to_string(),
            }))
            .await
            .map_err(|s| ClientError::rpc("ListSearchAttributes", s))?
            .into_inner();
        let missing: HashMap<String, i32> = attributes
            .iter()
            .filter(|(name, _)| {
                !existing.custom_attributes.contains_key(*name)
                    && !existing.system_attributes.contains_key(*name)
            })
            .map(|(name, ty)| (name.to_string(), ty.to_proto() as i32))
            .collect();
        if missing.is_empty() {
            return Ok(Vec::new());
        }
        let added: Vec<String> = missing.keys().cloned().collect();
        self.connection()
            .operator_service()
            .add_search_attributes(tonic::Request::new(AddSearchAttributesRequest {
                search_attributes: missing,
                namespace: self.namespace().to_string(),
            }))
            .await
            .map_err(|s| ClientError::rpc("AddSearchAttributes", s))?;
        Ok(added)
    }
}
