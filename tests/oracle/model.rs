//! The generated policies and requests, as plain data: what the generator produces, what is
//! rendered to policy source and request JSON, and what the reference evaluator reads.
//!
//! Nothing here uses the crate under test.

use rust_decimal::Decimal;

// The facts every generated policy declares, by index.
pub const FLAG_A: usize = 0;
pub const FLAG_B: usize = 1;
pub const RECORDS: usize = 2;
pub const N: usize = 3;
pub const SCORE: usize = 4;
pub const DOSE: usize = 5;
pub const DOSE_MAX: usize = 6;
pub const REST: usize = 7;
pub const START: usize = 8;
pub const END: usize = 9;
pub const ROUTE: usize = 10;
pub const DIAG: usize = 11;
pub const SITES: usize = 12;
/// The built-in `authorization` fact (policies with reauthorization criteria only).
pub const AUTH: usize = 13;
pub const NFACTS: usize = 14;

pub const NAMES: [&str; NFACTS] = [
    "flag_a",
    "flag_b",
    "records",
    "n",
    "score",
    "dose",
    "dose_max",
    "rest",
    "start_date",
    "end_date",
    "route",
    "diagnosis",
    "sites",
    "authorization",
];

pub const ROUTES: [&str; 3] = ["iv", "sc", "oral"];
/// `other_dx` is not listed: the enumeration is open.
pub const DIAGNOSES: [&str; 4] = ["melanoma", "sarcoma", "lymphoma", "other_dx"];
pub const SITES_VALUES: [&str; 3] = ["skin", "lymph", "organ"];

/// A fact's value, in the reference's own units: milligrams for doses, days for rest, and dates
/// as `yyyymmdd` (order-preserving).
#[derive(Debug, Clone, PartialEq)]
pub enum V {
    B(bool),
    Num(Decimal),
    Date(i32),
    Enum(String),
    Set(Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Ge,
    Le,
    Gt,
    Lt,
    Eq,
    Ne,
}

impl Op {
    pub const ALL: [Op; 6] = [Op::Ge, Op::Le, Op::Gt, Op::Lt, Op::Eq, Op::Ne];

    /// The ways the language spells the operator.
    pub fn spellings(self) -> &'static [&'static str] {
        match self {
            Op::Ge => &["at least", ">=", "≥"],
            Op::Le => &["at most", "<=", "≤"],
            Op::Gt => &["more than", ">"],
            Op::Lt => &["less than", "<"],
            Op::Eq => &["=", "is"],
            Op::Ne => &["!=", "≠", "is not"],
        }
    }

    /// `a op b`, written out case by case.
    pub fn holds<T: PartialOrd>(self, a: &T, b: &T) -> bool {
        match self {
            Op::Ge => a >= b,
            Op::Le => a <= b,
            Op::Gt => a > b,
            Op::Lt => a < b,
            Op::Eq => a == b,
            Op::Ne => a != b,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quant {
    /// `has x` (one value).
    Single,
    Any,
    All,
    None,
}

#[derive(Debug, Clone)]
pub enum C {
    /// A yes/no fact: `flag_a`, `flag_a is yes`, `flag_a is true`.
    Flag {
        fact: usize,
        spelled: &'static str,
    },
    /// `flag_a is no`, `flag_a is false`.
    FlagNo {
        fact: usize,
        spelled: &'static str,
    },
    /// `route is iv`, `route is not iv`, `route is one of [..]`.
    EnumIn {
        fact: usize,
        values: Vec<&'static str>,
        negated: bool,
        one_of: bool,
    },
    SetHas {
        fact: usize,
        quant: Quant,
        values: Vec<&'static str>,
    },
    /// A fact compared with a constant (`value` in the reference's units, `text` as written).
    Cmp {
        fact: usize,
        op: Op,
        spelled: &'static str,
        value: V,
        text: String,
        /// `, as a condition of approval`.
        coa: bool,
        /// Written constant first: `3 < n`.
        flipped: bool,
    },
    CmpFacts {
        left: usize,
        op: Op,
        spelled: &'static str,
        right: usize,
    },
    Known {
        fact: usize,
        negated: bool,
    },
    And(Vec<C>),
    Or(Vec<C>),
    Not(Box<C>),
    /// `d1()`: the policy's zero-argument definition.
    Def1,
    /// `on_route([..])`: `route is one of` the list.
    OnRoute(Vec<&'static str>),
    /// `meets <label>`: a criterion written above, without referrals.
    Meets(Box<Node>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gk {
    All,
    One,
    None,
}

#[derive(Debug, Clone)]
pub enum Body {
    Leaf(C),
    Group(Gk, Vec<Node>),
    /// `refer to a clinician` (None) or `redirect to "..."`.
    Refer(Option<String>),
}

#[derive(Debug, Clone)]
pub struct Node {
    /// The label as written (`A`), empty for a section's root.
    pub local: String,
    /// The full label (`1.A`, `1.Dosing.B.ii`).
    pub full: String,
    pub text: String,
    pub guard: Option<C>,
    pub only_if: Option<C>,
    pub body: Body,
}

#[derive(Debug, Clone)]
pub struct Phase {
    pub duration: (u32, &'static str),
    pub criteria: Node,
    pub dosing: Option<Node>,
}

#[derive(Debug, Clone)]
pub struct Indication {
    pub label: String,
    pub applies: Option<C>,
    pub initial: Phase,
    /// `reauthorization R { .. }`: labelled `<label>.R`.
    pub reauth: Option<Phase>,
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub outside_dosing: bool,
    pub not_covered: bool,
    pub def1: C,
    pub indications: Vec<Indication>,
}

impl Policy {
    pub fn has_reauth(&self) -> bool {
        self.indications.iter().any(|i| i.reauth.is_some())
    }
}

/// A request: each fact stated or not.
#[derive(Debug, Clone)]
pub struct Req {
    pub values: Vec<Option<V>>,
    /// How each stated value is written in the JSON (already JSON text).
    pub json: Vec<Option<String>>,
}

impl Req {
    pub fn to_json(&self) -> String {
        let facts: Vec<String> = self
            .json
            .iter()
            .enumerate()
            .filter_map(|(i, j)| j.as_ref().map(|j| format!("{:?}: {j}", NAMES[i])))
            .collect();
        format!(
            "{{\"as_of\": \"2026-01-15\", \"facts\": {{{}}}}}",
            facts.join(", ")
        )
    }
}

// ---------------------------------------------------------------------- rendering to source

pub fn render_cond(c: &C) -> String {
    fn wrapped(c: &C) -> String {
        match c {
            C::And(_) | C::Or(_) | C::Not(_) => format!("({})", render_cond(c)),
            _ => render_cond(c),
        }
    }
    match c {
        C::Flag { fact, spelled } | C::FlagNo { fact, spelled } => {
            if spelled.is_empty() {
                NAMES[*fact].to_string()
            } else {
                format!("{} is {spelled}", NAMES[*fact])
            }
        }
        C::EnumIn {
            fact,
            values,
            negated,
            one_of,
        } => {
            let not = if *negated { "not " } else { "" };
            if *one_of {
                format!("{} is {not}one of [{}]", NAMES[*fact], values.join(", "))
            } else {
                format!("{} is {not}{}", NAMES[*fact], values[0])
            }
        }
        C::SetHas {
            fact,
            quant,
            values,
        } => match quant {
            Quant::Single => format!("{} has {}", NAMES[*fact], values[0]),
            q => {
                let w = match q {
                    Quant::Any => "any",
                    Quant::All => "all",
                    _ => "none",
                };
                format!("{} has {w} of [{}]", NAMES[*fact], values.join(", "))
            }
        },
        C::Cmp {
            fact,
            spelled,
            text,
            flipped: true,
            ..
        } => format!("{text} {spelled} {}", NAMES[*fact]),
        C::Cmp {
            fact,
            spelled,
            text,
            coa,
            ..
        } => {
            let coa = if *coa {
                ", as a condition of approval"
            } else {
                ""
            };
            format!("{} {spelled} {text}{coa}", NAMES[*fact])
        }
        C::CmpFacts {
            left,
            spelled,
            right,
            ..
        } => format!("{} {spelled} {}", NAMES[*left], NAMES[*right]),
        C::Known { fact, negated } => {
            let not = if *negated { "not " } else { "" };
            format!("{} is {not}known", NAMES[*fact])
        }
        C::And(cs) => cs.iter().map(wrapped).collect::<Vec<_>>().join(" and "),
        C::Or(cs) => cs.iter().map(wrapped).collect::<Vec<_>>().join(" or "),
        C::Not(c) => format!("not {}", wrapped(c)),
        C::Def1 => "d1()".into(),
        C::OnRoute(vs) => format!("on_route([{}])", vs.join(", ")),
        C::Meets(n) => format!("meets {}", n.full),
    }
}

fn render_body(b: &Body, indent: usize, out: &mut String) {
    match b {
        Body::Leaf(c) => out.push_str(&render_cond(c)),
        Body::Refer(None) => out.push_str("refer to a clinician"),
        Body::Refer(Some(to)) => out.push_str(&format!("redirect to \"{to}\"")),
        Body::Group(k, children) => {
            out.push_str(match k {
                Gk::All => "all of {\n",
                Gk::One => "one of {\n",
                Gk::None => "none of {\n",
            });
            for ch in children {
                render_node(ch, indent + 2, out);
            }
            out.push_str(&" ".repeat(indent));
            out.push('}');
        }
    }
}

fn render_node(n: &Node, indent: usize, out: &mut String) {
    out.push_str(&" ".repeat(indent));
    out.push_str(&format!("{} \"{}\"", n.local, n.text));
    if let Some(g) = &n.guard {
        out.push_str(&format!(" when {}", render_cond(g)));
    }
    if let Some(p) = &n.only_if {
        out.push_str(&format!(" if {}", render_cond(p)));
    }
    out.push_str(": ");
    render_body(&n.body, indent, out);
    out.push('\n');
}

fn render_phase(p: &Phase, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    out.push_str(&format!(
        "{pad}approve for {} {}\n",
        p.duration.0, p.duration.1
    ));
    out.push_str(&format!("{pad}criteria \"{}\": ", p.criteria.text));
    render_body(&p.criteria.body, indent, out);
    out.push('\n');
    if let Some(d) = &p.dosing {
        out.push_str(&format!("{pad}dosing \"{}\": ", d.text));
        render_body(&d.body, indent, out);
        out.push('\n');
    }
}

pub fn render_policy(p: &Policy) -> String {
    let mut s = String::from(
        "policy generated {\n  title \"Generated policy\"\n  drug \"Some drug\"\n  effective 2024-01-01\n",
    );
    if p.not_covered {
        s.push_str("  not covered \"Not covered otherwise.\"\n");
    }
    if p.outside_dosing {
        s.push_str("  outside dosing \"Other doses go to a clinician.\"\n");
    }
    s.push_str(
        r#"}
enum Diagnosis open "The condition" { melanoma "Melanoma" sarcoma "Sarcoma" lymphoma "Lymphoma" }
enum Route "The route" { iv "Intravenous" sc "Subcutaneous" oral "Oral" }
enum Site "A site" { skin "Skin" lymph "Lymph node" organ "Organ" }
fact flag_a: boolean "Flag A"
fact flag_b: boolean "Flag B"
fact records: documentation "Records"
fact n: count "A count"
fact score: number "A score"
fact dose: mg "The dose"
fact dose_max: mg "The largest dose"
fact rest: days "The rest"
fact start_date: date "The start"
fact end_date: date "The end"
fact route: Route "The route"
fact diagnosis: Diagnosis "The diagnosis"
fact sites: set of Site "The sites"
define on_route(rs) "On one of these routes" = route is one of rs
"#,
    );
    s.push_str(&format!(
        "define d1() \"Definition one\" = {}\n",
        render_cond(&p.def1)
    ));
    for ind in &p.indications {
        s.push_str(&format!(
            "indication {} \"Indication {}\" {{\n",
            ind.label, ind.label
        ));
        if let Some(a) = &ind.applies {
            s.push_str(&format!("  applies when {}\n", render_cond(a)));
        }
        render_phase(&ind.initial, 2, &mut s);
        if let Some(r) = &ind.reauth {
            s.push_str("  reauthorization R \"Reauthorization\" {\n");
            render_phase(r, 4, &mut s);
            s.push_str("  }\n");
        }
        s.push_str("}\n");
    }
    s
}
