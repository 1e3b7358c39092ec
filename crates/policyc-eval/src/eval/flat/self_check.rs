//! The flat program compared with the tree, for the differential tests.

use super::{of, Leaf, Masks, Sec, Tv, Values, MAX_LEAVES, MAX_OPEN, NONE};
use crate::eval::cells::{self, Cells};
use crate::eval::logic::{cond_in, search, Scope, SEARCH_BUDGET};
use crate::request::Value;
use policyc_ir::ir::Program;

/// Compares, for one request, every way the flat program reads each indication with the tree's:
/// the values read from the request ([`Ind::cond`], [`Ind::node`] against `cond_in` and
/// `node_pair`), and over the request's leaf masks and each variation of one leaf, the postorder
/// form against the recursive one ([`post`] against [`Ind::mvalues`]), and the first fact the
/// search would settle against the tree's `pick_indication`. For the differential tests; not for
/// use outside them.
#[doc(hidden)]
pub fn self_check(p: &Program, req: &crate::request::Request) -> Result<(), String> {
    use crate::eval::logic::{node_pair, pick_indication};
    use crate::eval::observe::NoObserver;
    let Some(flat) = of(p) else {
        return Err("the flat program is not made".into());
    };
    let f = &req.values[..];
    for (i, def) in p.indications.iter().enumerate() {
        let Some(ind) = flat.ind(i) else {
            return Err(format!("indication {} has no flat form", def.label));
        };
        let applies = if ind.applies == NONE {
            Tv::True
        } else {
            ind.cond(ind.applies, f)
        };
        let criteria = ind.section(ind.criteria, f);
        let dosing = ind.section(ind.dosing, f);
        let tree_applies = def.applies.as_ref().map_or(Tv::True, |c| cond_in(c, f));
        let (cs, cl) = node_pair(&def.criteria, f, &mut NoObserver);
        let (ds, dl) = def
            .dosing
            .as_ref()
            .map_or((Tv::True, Tv::True), |d| node_pair(d, f, &mut NoObserver));
        let tree = (tree_applies, Sec { s: cs, l: cl }, Sec { s: ds, l: dl });
        if (applies, criteria, dosing) != tree {
            return Err(format!(
                "indication {}: flat reads {:?}, the tree {tree:?}",
                def.label,
                (applies, criteria, dosing)
            ));
        }
        if ind.leaves.len() > MAX_LEAVES {
            continue;
        }
        // An indication searched over masks (no two facts compared) has its postorder form when
        // its stack fits: the stack never holds more entries than it has conditions and nodes.
        if ind.slots.is_some()
            && ind.post.is_none()
            && ind.conds.len() + ind.nodes.len() <= super::post::MAX_STACK
        {
            return Err(format!(
                "indication {} has no postorder form, though its stack would fit",
                def.label
            ));
        }
        let Masks { holds, unknown } = ind.masks(f);
        // Every unknown leaf unknown because its fact is unstated: the search's picks agree.
        let covered = ind.leaves.iter().enumerate().all(|(k, leaf)| {
            unknown >> k & 1 == 0 || leaf.varying_slot().is_some_and(|s| f[s as usize].is_none())
        });
        let (v, pick) = ind.mvalues(&Masks { holds, unknown });
        if covered {
            let tree_pick = pick_indication(def, f, v);
            let flat_pick = (pick != NONE)
                .then(|| ind.leaves[pick as usize].varying_slot())
                .flatten();
            if flat_pick != tree_pick {
                return Err(format!(
                    "indication {}: the flat search settles slot {flat_pick:?} first, the tree {tree_pick:?}",
                    def.label
                ));
            }
        }
        // The exact search: wherever the flat program can run it, it answers as the tree's search
        // does and spends the same budget, cell for cell; it gives way to the tree only where it
        // cannot run (a leaf unknown for another reason than an unstated fact, two facts
        // compared, unsupported cells, too many unstated facts).
        let unstated_leaf = |leaf: &Leaf| match leaf {
            Leaf::IsTrue { slot } | Leaf::Enum { slot, .. } | Leaf::Set { slot, .. } => {
                Some(*slot).filter(|s| f[*s as usize].is_none())
            }
            Leaf::Compare {
                slot,
                condition: false,
                ..
            } => Some(*slot).filter(|s| f[*s as usize].is_none()),
            _ => None,
        };
        let mut open: Vec<u32> = Vec::new();
        let mut runnable = !ind.leaves.iter().any(|l| matches!(l, Leaf::Facts(_)));
        for (k, leaf) in ind.leaves.iter().enumerate() {
            if unknown >> k & 1 == 1 {
                match unstated_leaf(leaf) {
                    Some(slot) if !open.contains(&slot) => open.push(slot),
                    Some(_) => {}
                    None => runnable = false,
                }
            }
        }
        let unstated: Vec<Option<Value>> = vec![None; p.facts.len()];
        runnable &= open.len() <= MAX_OPEN
            && open.iter().all(|&slot| {
                cells::for_each_cell(p, Some(i), slot, &unstated[..], &mut |_| true) == Cells::Done
            });
        let refers = p.policy.outside_dosing.is_some();
        for approve_only in [false, true] {
            let (mut flat_budget, mut tree_budget) = (SEARCH_BUDGET, SEARCH_BUDGET);
            let flat = ind.exact(f, refers, approve_only, &mut flat_budget);
            let tree = search(
                p,
                i,
                Scope::of(f),
                refers,
                approve_only,
                0,
                0,
                &mut tree_budget,
            );
            match flat {
                Some(set) if set != tree || flat_budget != tree_budget => {
                    return Err(format!(
                        "indication {} (approve_only {approve_only}): the flat search finds {set:#b} spending {}, the tree's {tree:#b} spending {}",
                        def.label,
                        SEARCH_BUDGET - flat_budget,
                        SEARCH_BUDGET - tree_budget
                    ));
                }
                None if runnable => {
                    return Err(format!(
                        "indication {} (approve_only {approve_only}): the flat search gave way to the tree where it can run",
                        def.label
                    ));
                }
                _ => {}
            }
        }
        let mut variants = vec![(holds, unknown)];
        for k in 0..ind.leaves.len() {
            let bit = 1u64 << k;
            variants.push((holds ^ bit, unknown & !bit));
            variants.push((holds & !bit, unknown | bit));
        }
        for (h, u) in variants {
            let m = Masks {
                holds: h,
                unknown: u,
            };
            let (a, ap) = ind.mvalues(&m);
            if let Some(post) = &ind.post {
                let (b, bp) = post.values(&m);
                let key = |v: Values| (v.applies, v.criteria, v.dosing);
                if key(a) != key(b) || ap != bp {
                    return Err(format!(
                        "indication {} over masks {h:#x}/{u:#x}: postorder reads {:?} (leaf {bp}), recursive {:?} (leaf {ap})",
                        def.label,
                        key(b),
                        key(a)
                    ));
                }
            }
        }
    }
    Ok(())
}
