//! Lowering to the IR: the checked declarations and indications assembled into an
//! [`ir::Program`] (only when there is no error), with the spans of its labels and facts.

use super::{Checked, Checker, SpanIndex, Ty, AUTHORIZATION};
use policyc_ir::ir::{self, Calc, FactType};
use policyc_ir::units::{Dim, Unit};
use policyc_syntax::ast::*;
use rust_decimal::Decimal;

/// What the passes worked out for each fact, by slot.
pub(super) struct PerFact {
    /// The formula of a derived fact.
    pub(super) derived: Vec<Option<Calc>>,
    /// The plausible range.
    pub(super) ranges: Vec<Option<ir::FactRange>>,
    /// Where FHIR data states it.
    pub(super) sources: Vec<Option<ir::Source>>,
}

impl Checker<'_> {
    /// The checked file as a [`Checked`]: the program (none for a library or when there is an
    /// error), the diagnostics in source order, and the spans of labels and facts.
    pub(super) fn lower(
        self,
        library: bool,
        meta: Option<ir::PolicyMeta>,
        equivalences: Vec<ir::EquivalenceDef>,
        indications: Vec<ir::IndicationDef>,
        per_fact: PerFact,
    ) -> Checked {
        let facts = self.fact_defs(per_fact.derived, per_fact.ranges, per_fact.sources);
        let has_error = self.diags.iter().any(|d| d.is_error());
        let program = match (meta, has_error) {
            (Some(policy), false) => Some(ir::Program {
                format: ir::FORMAT.to_string(),
                format_version: ir::FORMAT_VERSION,
                policy,
                enums: self.enums,
                facts,
                equivalences,
                indications,
                derived: ir::Derived::default(),
            }),
            _ => None,
        };
        let spans = SpanIndex {
            labels: self.labels.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            facts: self
                .facts
                .iter()
                .filter(|f| !f.imported && f.name != AUTHORIZATION)
                .map(|f| (f.name.clone(), f.span))
                .collect(),
        };
        let mut diagnostics = self.diags;
        diagnostics.sort_by_key(|d| (d.primary.span.start, d.code));
        Checked {
            program: if library { None } else { program },
            diagnostics,
            spans,
            library,
        }
    }

    fn fact_defs(
        &self,
        mut derived: Vec<Option<Calc>>,
        mut ranges: Vec<Option<ir::FactRange>>,
        mut sources: Vec<Option<ir::Source>>,
    ) -> Vec<ir::FactDef> {
        self.facts
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let decl = match self.file.items.get(f.item) {
                    Some(Item::Fact(d)) => Some(d),
                    _ => None,
                };
                let ty = match f.ty {
                    Ty::Bool if f.documentation => FactType::Documentation,
                    Ty::Bool | Ty::Error => FactType::Boolean,
                    Ty::Count => FactType::Count,
                    Ty::Number => FactType::Number,
                    Ty::Date => FactType::Date,
                    Ty::Enum(e) => FactType::Enum { enum_index: e },
                    Ty::Set(e) => FactType::Set { enum_index: e },
                    Ty::Quantity(_) => FactType::Quantity {
                        unit: f.unit.clone().unwrap_or(Unit {
                            code: "1".into(),
                            written: "1".into(),
                            dim: Dim::NONE,
                            factor: Decimal::ONE,
                        }),
                        alternates: self.alternates.get(i).cloned().unwrap_or_default(),
                    },
                };
                ir::FactDef {
                    name: f.name.clone(),
                    description: match decl {
                        Some(d) => d.description.value.clone(),
                        None if f.name == AUTHORIZATION => "Whether the request is for initial authorization or reauthorization (continued therapy)".into(),
                        None => String::new(),
                    },
                    ty,
                    derived: derived.get_mut(i).and_then(|d| d.take()),
                    range: ranges.get_mut(i).and_then(|r| r.take()),
                    source: sources.get_mut(i).and_then(|s| s.take()),
                }
            })
            .collect()
    }
}
