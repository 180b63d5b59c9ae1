//! The deterministic executor: runs workflow code on workflow threads, one [`run::Run`] per run
//! id, turning Core's activations into command lists. It knows workflows only through the
//! type-erased factories of [`registry`]; the typed API on top of it is `crate::workflow`.

pub(crate) mod info;
pub(crate) mod registry;
pub(crate) mod run;
pub(crate) mod state;
pub(crate) mod threads;
pub(crate) mod waker;
