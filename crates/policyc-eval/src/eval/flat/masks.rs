//! The recursive reading of an indication over bit masks, with the leaf the search settles first:
//! the plain form of what [`super::post`] computes in postorder, used where an indication has no
//! postorder form, and what the tests compare the postorder form with.

use super::{Body, Ind, Masks, C, NONE};
use crate::eval::logic::{and3, node_value, or3, Sec, Tv, Values};
use policyc_syntax::ast::GroupKind;

impl Ind {
    /// Condition `i` over masks, with the first unknown leaf that makes it unknown (in reading
    /// order; [`NONE`] when it is not unknown): [`Ind::cond`] and the tree's `pick_cond` in one.
    fn mcond(&self, i: u32, m: &Masks) -> (Tv, u32) {
        match self.conds[i as usize] {
            C::Leaf(k) => {
                let v = m.get(k);
                (v, if v == Tv::Unknown { k } else { NONE })
            }
            C::All(start, n) => {
                let (mut r, mut pick) = (Tv::True, NONE);
                for j in start..start + n {
                    match self.mcond(j, m) {
                        (Tv::False, _) => return (Tv::False, NONE),
                        (Tv::Unknown, p) if r != Tv::Unknown => (r, pick) = (Tv::Unknown, p),
                        _ => {}
                    }
                }
                (r, pick)
            }
            C::Any(start, n) => {
                let (mut r, mut pick) = (Tv::False, NONE);
                for j in start..start + n {
                    match self.mcond(j, m) {
                        (Tv::True, _) => return (Tv::True, NONE),
                        (Tv::Unknown, p) if r != Tv::Unknown => (r, pick) = (Tv::Unknown, p),
                        _ => {}
                    }
                }
                (r, pick)
            }
            C::Not(j) => {
                let (v, p) = self.mcond(j, m);
                (v.not(), p)
            }
        }
    }

    /// Node `i` over masks, both readings, with the first unknown leaf that makes it unknown:
    /// [`Ind::node`] and the tree's `pick_node` in one.
    fn mnode(&self, i: u32, m: &Masks) -> (Tv, Tv, u32) {
        let n = self.nodes[i as usize];
        let (g, gp) = if n.guard == NONE {
            (Tv::True, NONE)
        } else {
            self.mcond(n.guard, m)
        };
        if g == Tv::False {
            return (Tv::False, Tv::False, NONE);
        }
        let (p, pp) = if n.only_if == NONE {
            (Tv::True, NONE)
        } else {
            self.mcond(n.only_if, m)
        };
        if p == Tv::False {
            return (g, g, gp);
        }
        let (bs, bl, bp) = match n.body {
            Body::Cond(c) => {
                let (c, cp) = self.mcond(c, m);
                (c, c, cp)
            }
            Body::Referral => (Tv::False, Tv::True, NONE),
            Body::Group(of, start, len) => self.mgroup(of, start, len, m),
        };
        let pick = if g == Tv::Unknown {
            gp
        } else if p == Tv::Unknown {
            pp
        } else {
            bp
        };
        (node_value(g, p, bs), node_value(g, p, bl), pick)
    }

    /// A group over masks: [`Ind::group`], with the pick of its first unknown part.
    fn mgroup(&self, of: GroupKind, start: u32, len: u32, m: &Masks) -> (Tv, Tv, u32) {
        let mut pick = NONE;
        match of {
            GroupKind::AllOf => {
                let (mut st, mut l) = (Tv::True, Tv::True);
                for j in start..start + len {
                    let (cs, cl, cp) = self.mnode(j, m);
                    st = and3(st, cs);
                    l = and3(l, cl);
                    if l == Tv::False {
                        return (Tv::False, Tv::False, NONE);
                    }
                    if pick == NONE && (cs == Tv::Unknown || cl == Tv::Unknown) {
                        pick = cp;
                    }
                }
                (st, l, pick)
            }
            GroupKind::OneOf | GroupKind::NoneOf => {
                let (mut st, mut l) = (Tv::False, Tv::False);
                for j in start..start + len {
                    let (cs, cl, cp) = self.mnode(j, m);
                    st = or3(st, cs);
                    l = or3(l, cl);
                    if pick == NONE && (cs == Tv::Unknown || cl == Tv::Unknown) {
                        pick = cp;
                    }
                    let settled = if of == GroupKind::OneOf { st } else { l };
                    if settled == Tv::True {
                        break;
                    }
                }
                if of == GroupKind::NoneOf {
                    (l.not(), l.not(), pick)
                } else {
                    (st, l, pick)
                }
            }
        }
    }

    /// The values of the indication's parts over masks, with the first unknown leaf its unknown
    /// values read ([`NONE`] if none): [`Ind::values`] and the tree's `pick_indication` in one.
    pub(super) fn mvalues(&self, m: &Masks) -> (Values, u32) {
        let (applies, ap) = if self.applies == NONE {
            (Tv::True, NONE)
        } else {
            self.mcond(self.applies, m)
        };
        let (cs, cl, cp) = self.mnode(self.criteria, m);
        let (ds, dl, dp) = if self.dosing == NONE {
            (Tv::True, Tv::True, NONE)
        } else {
            self.mnode(self.dosing, m)
        };
        let pick = if applies == Tv::Unknown && ap != NONE {
            ap
        } else if (cs == Tv::Unknown || cl == Tv::Unknown) && cp != NONE {
            cp
        } else if cl != Tv::False && (ds == Tv::Unknown || dl == Tv::Unknown) {
            dp
        } else {
            NONE
        };
        let v = Values {
            applies,
            criteria: Sec { s: cs, l: cl },
            dosing: Sec { s: ds, l: dl },
        };
        (v, pick)
    }
}
