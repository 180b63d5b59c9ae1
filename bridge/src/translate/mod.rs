//! Translation between native event logs and Temporal histories.

mod from_temporal;
mod to_temporal;

pub use from_temporal::{ExportError, from_history};
pub use to_temporal::{
    StateRepresentation, TranslateError, TranslateOptions, run_id_for, to_histories, to_history,
};

#[cfg(test)]
mod tests;
