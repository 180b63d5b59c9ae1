//! Cancellation scopes: a tree rooted at the workflow itself. Cancelling a scope cancels every
//! pending command created in it or in its descendants, except in detached (non-cancellable)
//! descendants, which the cancellation of an ancestor does not reach. The workflow's own
//! cancellation is the cancellation of the root scope.
//!
//! Commands join the scope that is *current* when they are issued; scope futures make their
//! scope current while they poll the code they wrap (see `crate::workflow::CancellationScope`).

use super::RunState;
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use std::task::Waker;

struct Node {
    cancelled: Cell<bool>,
    /// A detached scope is not cancelled by its ancestors (only by itself).
    detached: bool,
    children: RefCell<Vec<Weak<Node>>>,
    wakers: RefCell<Vec<Waker>>,
}

/// A cancellation scope. Cheap to clone; scopes live as long as something refers to them.
#[derive(Clone)]
pub(crate) struct Scope(Rc<Node>);

impl Scope {
    fn new_root() -> Self {
        Scope(Rc::new(Node {
            cancelled: Cell::new(false),
            detached: false,
            children: RefCell::default(),
            wakers: RefCell::default(),
        }))
    }

    fn child(&self, detached: bool) -> Self {
        let child = Scope(Rc::new(Node {
            cancelled: Cell::new(!detached && self.is_cancelled()),
            detached,
            children: RefCell::default(),
            wakers: RefCell::default(),
        }));
        let mut children = self.0.children.borrow_mut();
        children.retain(|w| w.strong_count() > 0);
        children.push(Rc::downgrade(&child.0));
        child
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.0.cancelled.get()
    }

    pub(crate) fn is_detached(&self) -> bool {
        self.0.detached
    }

    /// Marks this scope and its non-detached descendants cancelled and wakes their waiters.
    fn mark_cancelled(&self) {
        if !self.0.cancelled.replace(true) {
            for w in self.0.wakers.borrow_mut().drain(..) {
                w.wake();
            }
        }
        let children: Vec<Scope> = self
            .0
            .children
            .borrow()
            .iter()
            .filter_map(Weak::upgrade)
            .map(Scope)
            .collect();
        for child in children.iter().filter(|c| !c.0.detached) {
            child.mark_cancelled();
        }
    }

    pub(crate) fn register_waker(&self, waker: &Waker) {
        let mut wakers = self.0.wakers.borrow_mut();
        if !wakers.iter().any(|w| w.will_wake(waker)) {
            wakers.push(waker.clone());
        }
    }
}

pub(super) struct Scopes {
    root: Scope,
    current: Scope,
}

impl Scopes {
    pub(super) fn new() -> Self {
        let root = Scope::new_root();
        Self {
            current: root.clone(),
            root,
        }
    }

    pub(super) fn root(&self) -> Scope {
        self.root.clone()
    }

    pub(super) fn current(&self) -> Scope {
        self.current.clone()
    }
}

impl RunState {
    /// The scope new commands join.
    pub(crate) fn current_scope(&self) -> Scope {
        self.scopes.current()
    }

    /// A new scope under the current one.
    pub(crate) fn new_scope(&mut self, detached: bool) -> Scope {
        self.scopes.current.child(detached)
    }

    /// Makes `scope` current (while a scope future polls its code); returns the previous one,
    /// to give back to [`RunState::leave_scope`].
    pub(crate) fn enter_scope(&mut self, scope: Scope) -> Scope {
        std::mem::replace(&mut self.scopes.current, scope)
    }

    pub(crate) fn leave_scope(&mut self, previous: Scope) {
        self.scopes.current = previous;
    }

    /// Cancels a scope: it and its non-detached descendants are marked cancelled, and their
    /// pending commands are cancelled in creation order.
    pub(crate) fn cancel_scope(&mut self, scope: &Scope) {
        scope.mark_cancelled();
        self.bump_epoch();
        self.cancel_commands_of_cancelled_scopes();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancellation_reaches_descendants_but_not_detached_ones() {
        let root = Scope::new_root();
        let a = root.child(false);
        let a1 = a.child(false);
        let detached = a.child(true);
        let under_detached = detached.child(false);
        a.mark_cancelled();
        assert!(!root.is_cancelled());
        assert!(a.is_cancelled() && a1.is_cancelled());
        assert!(!detached.is_cancelled() && !under_detached.is_cancelled());
        // A scope created under a cancelled one starts cancelled, unless detached.
        assert!(a.child(false).is_cancelled());
        assert!(!a.child(true).is_cancelled());
        detached.mark_cancelled();
        assert!(under_detached.is_cancelled());
    }
}
