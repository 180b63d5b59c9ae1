//! # Ironflow bridge
//!
//! Moves workflows from the Ironflow native engine (the seed's event-sourced engine) onto
//! Temporal: the native model made durable ([`native`]), the translation of native event logs to
//! Temporal histories and back ([`translate`]), an interpreter workflow that runs the native
//! state-machine definitions on Temporal ([`interpreter`]), and the migration of running
//! instances ([`migrate`]). The `ironflow-bridge` binary wraps them in a command-line tool.

pub mod interpreter;
pub mod migrate;
pub mod native;
pub mod parallel;
pub mod translate;
pub mod verify;
