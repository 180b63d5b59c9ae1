//! Services that implement several activities, registered at once.

use super::definition::{Activity, ActivityDefinition};
use super::registry::ActivityRegistry;
use std::sync::Arc;

/// A service implementing several activities, registered all at once with
/// [`crate::worker::WorkerBuilder::register_activities`]. `#[ironflow::activities]` implements it;
/// by hand, add each definition the service implements:
///
/// ```
/// # use ironflow::prelude::*;
/// # use ironflow::activity::{ActivityGroup, ActivityRegistrar};
/// # use std::sync::Arc;
/// # pub struct Charge; impl ActivityDefinition for Charge { const NAME: &'static str = "charge"; type Input = u64; type Output = (); }
/// pub struct Payments;
/// # impl Activity<Charge> for Payments { type Error = std::io::Error; async fn execute(&self, _: ActivityContext, _: u64) -> Result<(), std::io::Error> { Ok(()) } }
/// impl ActivityGroup for Payments {
///     fn register(self: Arc<Self>, registrar: &mut ActivityRegistrar) {
///         registrar.add::<Charge, _>(self);
///     }
/// }
/// ```
pub trait ActivityGroup: Send + Sync + 'static {
    /// Adds each activity this service implements.
    fn register(self: Arc<Self>, registrar: &mut ActivityRegistrar);
}

/// Where an [`ActivityGroup`] adds its activities.
pub struct ActivityRegistrar<'a> {
    pub(crate) registry: &'a mut ActivityRegistry,
}

impl ActivityRegistrar<'_> {
    /// Adds `implementation` as activity `D`.
    pub fn add<D: ActivityDefinition, A: Activity<D>>(&mut self, implementation: A) {
        self.registry.register::<D, A>(implementation);
    }
}
