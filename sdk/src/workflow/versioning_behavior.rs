//! [`VersioningBehavior`]: how executions relate to Worker Deployment Versions.

use temporalio_common::protos::temporal::api::enums::v1::VersioningBehavior as ProtoBehavior;

/// How executions relate to the worker's Worker Deployment Version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersioningBehavior {
    /// An execution stays on the version that started it.
    Pinned,
    /// An execution moves to the deployment's current version at its next workflow task.
    AutoUpgrade,
}

impl VersioningBehavior {
    pub(crate) fn to_proto(self) -> ProtoBehavior {
        match self {
            Self::Pinned => ProtoBehavior::Pinned,
            Self::AutoUpgrade => ProtoBehavior::AutoUpgrade,
        }
    }

    pub(crate) fn from_proto(v: i32) -> Option<Self> {
        match ProtoBehavior::try_from(v) {
            Ok(ProtoBehavior::Pinned) => Some(Self::Pinned),
            Ok(ProtoBehavior::AutoUpgrade) => Some(Self::AutoUpgrade),
            _ => None,
        }
    }
}
