//! The deterministic executor: runs workflow code on workflow threads, one [`run::Run`] per run
//! id, turning Core's activations into command lists.

pub(crate) mod registry;
pub(crate) mod run;
pub(crate) mod state;
pub(crate) mod threads;
pub(crate) mod waker;

#[cfg(test)]
mod tests;
