//! Migration of a native store to Temporal.
//!
//! For each instance of the store:
//!
//! * **running** → a Temporal execution of the interpreter is started *at the instance's current
//!   state, with its data* (the [`MigratedStart`] envelope), with workflow id = the native id,
//!   memo (`legacy_workflow_id`, `legacy_state`, `legacy_last_sequence`, `definition_version`),
//!   search attributes `LegacyWorkflowId` and `LegacyState` (registered on the namespace if
//!   missing) and a static summary, so it can be found in the Web UI. The id-reuse policy
//!   rejects duplicates, so running the migration again starts nothing and reports the instance
//!   as already migrated. An activity that was in flight in the native engine runs again on
//!   Temporal (activities run at least once).
//! * **completed or failed** → its translated history is written as CLI-format JSON (viewable in
//!   the Web UI's "Import Event History" page and replayable).

use crate::interpreter::{
    Definitions, LEGACY_ID_ATTRIBUTE, MIGRATED_KEY, MigratedStart, STATE_ATTRIBUTE, VERSION_MEMO,
};
use crate::native::{EventStore, InstanceStatus, WorkflowInstance, rebuild};
use crate::translate::{TranslateOptions, to_history};
use ironflow::client::{Client, ClientError, IdReusePolicy, StartWorkflowOptions};
use ironflow::converter::SearchAttributeValue;
use std::fmt;
use std::path::PathBuf;

/// Migration settings.
#[derive(Debug, Clone)]
pub struct MigrateOptions {
    /// The task queue the interpreter workers poll.
    pub task_queue: String,
    /// Report what would happen; change nothing.
    pub dry_run: bool,
    /// Where histories of finished instances are written.
    pub export_dir: PathBuf,
}

/// What happened to one instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrationOutcome {
    /// Started on Temporal.
    Started {
        /// The workflow id (= native id).
        workflow_id: String,
        /// The state it resumes in.
        state: String,
        /// The Temporal run id.
        run_id: String,
    },
    /// An execution with this id exists already: nothing was started.
    AlreadyMigrated {
        /// The workflow id.
        workflow_id: String,
    },
    /// A finished instance's history was exported.
    Exported {
        /// The workflow id.
        workflow_id: String,
        /// Completed or failed.
        status: InstanceStatus,
        /// The JSON file.
        path: PathBuf,
    },
    /// Dry run: would start.
    WouldStart {
        /// The workflow id.
        workflow_id: String,
        /// The state it would resume in.
        state: String,
    },
    /// Dry run: would export.
    WouldExport {
        /// The workflow id.
        workflow_id: String,
        /// Completed or failed.
        status: InstanceStatus,
    },
    /// This instance could not be migrated (the others still are).
    Failed {
        /// The workflow id.
        workflow_id: String,
        /// Why.
        error: String,
    },
}

impl fmt::Display for MigrationOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Started {
                workflow_id,
                state,
                run_id,
            } => write!(
                f,
                "started        {workflow_id} at state `{state}` (run {run_id})"
            ),
            Self::AlreadyMigrated { workflow_id } => write!(f, "already migrated {workflow_id}"),
            Self::Exported {
                workflow_id,
                status,
                path,
            } => write!(
                f,
                "exported       {workflow_id} ({status:?}) to {}",
                path.display()
            ),
            Self::WouldStart { workflow_id, state } => {
                write!(f, "would start    {workflow_id} at state `{state}`")
            }
            Self::WouldExport { workflow_id, status } => {
                write!(f, "would export   {workflow_id} ({status:?})")
            }
            Self::Failed { workflow_id, error } => write!(f, "FAILED         {workflow_id}: {error}"),
        }
    }
}

/// Why the migration could not run at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MigrateError {
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] crate::native::EventStoreError),
    /// The server refused (search attribute registration).
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The export directory cannot be created.
    #[error("cannot create {path}: {message}")]
    Io {
        /// The directory.
        path: String,
        /// Why.
        message: String,
    },
    /// A real run needs a client.
    #[error("a migration that is not a dry run needs a Temporal client")]
    NoClient,
}

/// Migrates every instance of `store`. See the [module docs](self).
pub async fn migrate(
    store: &dyn EventStore,
    definitions: &Definitions,
    client: Option<&Client>,
    options: &MigrateOptions,
) -> Result<Vec<MigrationOutcome>, MigrateError> {
    if !options.dry_run {
        let client = client.ok_or(MigrateError::NoClient)?;
        crate::interpreter::ensure_search_attributes(client).await?;
        std::fs::create_dir_all(&options.export_dir).map_err(|e| MigrateError::Io {
            path: options.export_dir.display().to_string(),
            message: e.to_string(),
        })?;
    }
    let mut outcomes = Vec::new();
    for workflow_id in store.workflow_ids().await? {
        let outcome = match migrate_one(store, definitions, client, options, &workflow_id).await {
            Ok(o) => o,
            Err(error) => MigrationOutcome::Failed {
                workflow_id: workflow_id.clone(),
                error,
            },
        };
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

async fn migrate_one(
    store: &dyn EventStore,
    definitions: &Definitions,
    client: Option<&Client>,
    options: &MigrateOptions,
    workflow_id: &str,
) -> Result<MigrationOutcome, String> {
    let events = store
        .get_sequenced_events(workflow_id, 1)
        .await
        .map_err(|e| e.to_string())?;
    let name = match events.first().map(|e| &e.event) {
        Some(crate::native::WorkflowEvent::WorkflowStarted { workflow_name, .. }) => workflow_name.clone(),
        _ => return Err("its first event is not WorkflowStarted".into()),
    };
    let definition = definitions.get(&name, None).ok_or_else(|| {
        format!(
            "no definition named `{name}` (known: [{}])",
            definitions.names().join(", ")
        )
    })?;
    let instance = rebuild(&events, Some(&definition.initial_state)).map_err(|e| e.to_string())?;
    match instance.status {
        InstanceStatus::Running => start(client, options, &instance, &definition.version.to_string()).await,
        status => {
            if options.dry_run {
                return Ok(MigrationOutcome::WouldExport {
                    workflow_id: workflow_id.into(),
                    status,
                });
            }
            let history = to_history(&events, &TranslateOptions::for_definition(&definition))
                .map_err(|e| e.to_string())?;
            let path = options.export_dir.join(format!("{}.json", sanitize(workflow_id)));
            ironflow::history::write_file(&path, &history).map_err(|e| e.to_string())?;
            Ok(MigrationOutcome::Exported {
                workflow_id: workflow_id.into(),
                status,
                path,
            })
        }
    }
}

async fn start(
    client: Option<&Client>,
    options: &MigrateOptions,
    instance: &WorkflowInstance,
    version: &str,
) -> Result<MigrationOutcome, String> {
    let state = instance.current_state.clone().unwrap_or_default();
    if options.dry_run {
        return Ok(MigrationOutcome::WouldStart {
            workflow_id: instance.workflow_id.clone(),
            state,
        });
    }
    let client = client.ok_or("no client")?;
    let envelope = serde_json::json!({
        MIGRATED_KEY: MigratedStart {
            state: state.clone(),
            data: instance.data.clone(),
            definition_version: version.to_string(),
            legacy_workflow_id: instance.workflow_id.clone(),
        }
    });
    let start_options = StartWorkflowOptions::new(&instance.workflow_id, &options.task_queue)
        .id_reuse_policy(IdReusePolicy::RejectDuplicate)
        .search_attribute(
            LEGACY_ID_ATTRIBUTE,
            SearchAttributeValue::Keyword(instance.workflow_id.clone()),
        )
        .search_attribute(STATE_ATTRIBUTE, SearchAttributeValue::Keyword(state.clone()))
        .memo_field("legacy_workflow_id", serde_json::json!(instance.workflow_id))
        .memo_field("legacy_state", serde_json::json!(state))
        .memo_field("legacy_last_sequence", serde_json::json!(instance.last_sequence))
        .memo_field(VERSION_MEMO, serde_json::json!(version))
        .static_summary(format!(
            "Migrated from the Ironflow engine at state `{state}` (native event #{})",
            instance.last_sequence
        ))
        .static_details(format!(
            "Native instance `{}` of `{}` {version}, data: {}",
            instance.workflow_id, instance.workflow_name, instance.data
        ));
    match client
        .start_workflow_by_name::<_, serde_json::Value>(&instance.workflow_name, envelope, start_options)
        .await
    {
        Ok(handle) => Ok(MigrationOutcome::Started {
            workflow_id: instance.workflow_id.clone(),
            state,
            run_id: handle.run_id().unwrap_or_default().to_string(),
        }),
        Err(ClientError::AlreadyStarted { .. }) => Ok(MigrationOutcome::AlreadyMigrated {
            workflow_id: instance.workflow_id.clone(),
        }),
        Err(e) => Err(e.to_string()),
    }
}

/// A file name for a workflow id (characters other than letters, digits, `-_.` become `_`).
pub fn sanitize(workflow_id: &str) -> String {
    workflow_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}
