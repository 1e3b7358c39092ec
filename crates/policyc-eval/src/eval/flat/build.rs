//! Laying an indication out flat: each condition's parts, and each group's nodes, side by side in
//! the arrays, in reading order, so that a condition's leaves are numbered as they are read.

use super::{Body, Leaf, C, N, NONE};
use policyc_ir::ir::{Cond, Node, NodeBody};

/// Lays an indication out flat.
pub(super) struct Builder {
    pub(super) leaves: Vec<Leaf>,
    pub(super) conds: Vec<C>,
    pub(super) nodes: Vec<N>,
}

impl Builder {
    /// Lay out `c` at `conds[at]` (reserved), its children side by side after it.
    fn cond(&mut self, c: &Cond, at: usize) {
        let flat = match c {
            Cond::All { all: v } | Cond::Any { any: v } => {
                let start = self.conds.len();
                self.conds.extend(v.iter().map(|_| C::Leaf(0)));
                for (j, x) in v.iter().enumerate() {
                    self.cond(x, start + j);
                }
                let (s, n) = (start as u32, v.len() as u32);
                if matches!(c, Cond::All { .. }) {
                    C::All(s, n)
                } else {
                    C::Any(s, n)
                }
            }
            Cond::Not { not } => {
                let j = self.conds.len();
                self.conds.push(C::Leaf(0));
                self.cond(not, j);
                C::Not(j as u32)
            }
            leaf => {
                self.leaves.push(Leaf::new(leaf));
                C::Leaf(self.leaves.len() as u32 - 1)
            }
        };
        self.conds[at] = flat;
    }

    pub(super) fn new_cond(&mut self, c: Option<&Cond>) -> u32 {
        match c {
            None => NONE,
            Some(c) => {
                let at = self.conds.len();
                self.conds.push(C::Leaf(0));
                self.cond(c, at);
                at as u32
            }
        }
    }

    /// Lay out `n` at `nodes[at]` (reserved), its children side by side.
    fn node(&mut self, n: &Node, at: usize) {
        let guard = self.new_cond(n.guard.as_ref());
        let only_if = self.new_cond(n.only_if.as_ref());
        let body = match &n.body {
            NodeBody::Condition { condition } => Body::Cond(self.new_cond(Some(condition))),
            NodeBody::Referral { .. } => Body::Referral,
            NodeBody::Group { of, children } => {
                let start = self.nodes.len();
                self.nodes.extend(children.iter().map(|_| N {
                    guard: NONE,
                    only_if: NONE,
                    body: Body::Referral,
                }));
                for (j, c) in children.iter().enumerate() {
                    self.node(c, start + j);
                }
                Body::Group(*of, start as u32, children.len() as u32)
            }
        };
        self.nodes[at] = N {
            guard,
            only_if,
            body,
        };
    }

    pub(super) fn new_node(&mut self, n: Option<&Node>) -> u32 {
        match n {
            None => NONE,
            Some(n) => {
                let at = self.nodes.len();
                self.nodes.push(N {
                    guard: NONE,
                    only_if: NONE,
                    body: Body::Referral,
                });
                self.node(n, at);
                at as u32
            }
        }
    }
}
