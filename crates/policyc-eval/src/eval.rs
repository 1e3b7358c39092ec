//! The evaluator.
//!
//! Three-valued logic over the request's facts: a fact the request does not state is *unknown*.
//! `all of` is false if any part is false, unknown if any is unknown and none false, else true;
//! `one of` is the dual; `not` swaps true and false.
//!
//! [`decide`] answers with the decision alone, reading slots and comparing decimals, with no
//! allocation once the program's flat program is made ([`prepare`], or the first decision). [`evaluate`] answers with the full explanation, in the policy's own labels and words.
//!
//! [`evaluate_with`] also reports to an [`Observer`] how each part of the policy evaluates; test
//! coverage is recorded that way. Without an observer the reports compile away.
//!
//! The module is split by concern: `logic` (the three-valued core), `flat` (the flat program
//! `decide` runs, and its exact search over leaf bit masks), `observe`
//! (the evaluator's reports), `decision` (the decision as data), `explain` (the explanation) and
//! `words` (conditions and decisions in words); everything public is re-exported here.

mod cells;
pub mod compare;
mod decision;
mod explain;
mod flat;
mod logic;
mod near;
mod needs;
mod observe;
mod words;

pub use decision::*;
pub use explain::{evaluate, evaluate_with};
use explain::{phase_sentence, regimen_sentence};
pub use flat::self_check as flat_self_check;
pub use logic::{cond, decide, decide_by_tree, node, node_value, prepare, Outcome, Tv};
pub(crate) use observe::limit_leaves;
pub use observe::{NoObserver, Observer, Part};
pub use words::{describe, render_human};
