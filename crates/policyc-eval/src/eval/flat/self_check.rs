//! The flat program compared with the tree, for the differential tests.

use super::{of, Live, Masks, Sec, Tv, Values, MAX_LEAVES, NONE};
use crate::eval::logic::cond_in;
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
        let live = &mut Live(f);
        let applies = if ind.applies == NONE {
            Tv::True
        } else {
            ind.cond(ind.applies, live)
        };
        let criteria = ind.section(ind.criteria, live);
        let dosing = ind.section(ind.dosing, live);
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
