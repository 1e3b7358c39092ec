//! What changed between two versions of a policy, by meaning (`policyc diff OLD NEW`): the
//! header, the indications added or removed, and in each indication its title, when it applies,
//! its approval duration, and its criteria and dosing, criterion by criterion.
//!
//! Criteria are matched by meaning, not by label: within a group, a criterion of the new version
//! with the same condition (and `when`/`if`) as one of the old is the same criterion, and if its
//! label differs it was relabelled (`1.A.iv` → `1.A.iii`), not removed and added. A criterion
//! whose label stays but whose condition or sentence differs is changed; a changed limit shows
//! the old and the new value. Conditions are compared by the facts they name, not by slot, so two
//! versions that declare their facts in another order compare as they read.

use crate::eval::compare::{changes, Changes, Method, Options};
use crate::eval::describe;
use crate::ir::{Cond, IndicationDef, Node, NodeBody, Program};
use serde::Serialize;
use serde_json::Value;

/// The `format` of the JSON of a diff.
pub const DIFF_FORMAT: &str = "policyc-diff";
/// The `format_version` of the JSON of a diff.
pub const DIFF_FORMAT_VERSION: u32 = 1;

/// The differences between two versions of a policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    /// Always [`DIFF_FORMAT`].
    pub format: &'static str,
    /// Always [`DIFF_FORMAT_VERSION`].
    pub format_version: u32,
    /// The old version.
    pub old: Side,
    /// The new version.
    pub new: Side,
    /// The header entries that differ.
    pub header: Vec<Field>,
    /// The indications added, removed or changed, in the new version's order (removed ones
    /// where they were).
    pub indications: Vec<IndicationChange>,
    /// The requests the two versions decide differently: the regions of the request space, each
    /// with its transition and a witness request.
    pub decisions: Changes,
}

/// One side of a diff: which version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    /// The policy's id.
    pub id: String,
    /// The date the version takes effect.
    pub effective: String,
    /// The SHA-256 of the compiled version ([`crate::versions::content_hash`]).
    pub content_hash: String,
}

/// A value that differs: its name, the old value and the new (`null` where absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Field {
    /// What differs (`review`, `revision 2026-06-15`, `title`, `approval duration`, …).
    pub field: String,
    /// The old value; `None` when the old version has none.
    pub old: Option<String>,
    /// The new value; `None` when the new version has none.
    pub new: Option<String>,
}

/// How an indication, a criterion or a limit differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Only in the new version.
    Added,
    /// Only in the old version.
    Removed,
    /// In both, under another label (same meaning).
    Relabelled,
    /// In both, with another condition, sentence or content.
    Changed,
}

/// An indication added, removed or changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicationChange {
    /// Its label (`1`, `1.R`).
    pub label: String,
    /// Its title (the new one, for a changed indication).
    pub title: String,
    /// Added, removed or changed.
    pub status: Status,
    /// For a changed indication: its title, when it applies and its approval duration, where
    /// they differ.
    pub fields: Vec<Field>,
    /// The changes of its criteria.
    pub criteria: Vec<NodeChange>,
    /// The changes of its dosing.
    pub dosing: Vec<NodeChange>,
}

/// A criterion (or dosing limit, or group) added, removed, relabelled or changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeChange {
    /// What happened to it.
    pub status: Status,
    /// Its label in the old version (`null` when added).
    pub old_label: Option<String>,
    /// Its label in the new version (`null` when removed).
    pub new_label: Option<String>,
    /// Its sentence in the old version (`null` when added).
    pub old_text: Option<String>,
    /// Its sentence in the new version (`null` when removed).
    pub new_text: Option<String>,
    /// Whether its sentence differs (a relabelled or changed criterion).
    pub sentence_changed: bool,
    /// Its condition in words, old and new, when it differs (and is not only limits that
    /// changed, which are in `limits`).
    pub condition: Option<Field>,
    /// The limits whose value differs: the fact (`field`), the old and the new limit.
    pub limits: Vec<Field>,
    /// For a changed group: the changes of its items.
    pub children: Vec<NodeChange>,
}

impl Diff {
    /// Whether the two versions differ in nothing this diff compares.
    pub fn is_empty(&self) -> bool {
        self.header.is_empty() && self.indications.is_empty()
    }
}

/// The differences between `old` and `new`, with the requests they decide differently found
/// with the default [`Options`].
pub fn diff(old: &Program, new: &Program) -> Diff {
    diff_with(old, new, &Options::default())
}

/// [`diff`], with the comparison of decisions run with `opts`.
pub fn diff_with(old: &Program, new: &Program, opts: &Options) -> Diff {
    let side = |p: &Program| Side {
        id: p.policy.id.clone(),
        effective: p.policy.effective.clone(),
        content_hash: crate::versions::content_hash(p),
    };
    Diff {
        format: DIFF_FORMAT,
        format_version: DIFF_FORMAT_VERSION,
        old: side(old),
        new: side(new),
        header: header(old, new),
        indications: indications(old, new),
        decisions: changes(old, new, opts),
    }
}

fn field(name: &str, old: Option<String>, new: Option<String>, out: &mut Vec<Field>) {
    if old != new {
        out.push(Field {
            field: name.to_string(),
            old,
            new,
        });
    }
}

fn header(o: &Program, n: &Program) -> Vec<Field> {
    let (a, b) = (&o.policy, &n.policy);
    let mut out = Vec::new();
    field("id", Some(a.id.clone()), Some(b.id.clone()), &mut out);
    field(
        "title",
        Some(a.title.clone()),
        Some(b.title.clone()),
        &mut out,
    );
    field(
        "drug",
        Some(a.drugs.join("; ")),
        Some(b.drugs.join("; ")),
        &mut out,
    );
    field(
        "plan",
        Some(a.plans.join("; ")).filter(|s| !s.is_empty()),
        Some(b.plans.join("; ")).filter(|s| !s.is_empty()),
        &mut out,
    );
    field(
        "effective",
        Some(a.effective.clone()),
        Some(b.effective.clone()),
        &mut out,
    );
    field("review", a.review.clone(), b.review.clone(), &mut out);
    for r in &b.revisions {
        if !a.revisions.contains(r) {
            field(
                &format!("revision {}", r.date),
                None,
                Some(r.text.clone()),
                &mut out,
            );
        }
    }
    for r in &a.revisions {
        if !b.revisions.contains(r) {
            field(
                &format!("revision {}", r.date),
                Some(r.text.clone()),
                None,
                &mut out,
            );
        }
    }
    field(
        "not covered",
        a.not_covered.clone(),
        b.not_covered.clone(),
        &mut out,
    );
    field(
        "outside dosing",
        a.outside_dosing.clone(),
        b.outside_dosing.clone(),
        &mut out,
    );
    out
}

fn indications(o: &Program, n: &Program) -> Vec<IndicationChange> {
    let mut out = Vec::new();
    for ni in &n.indications {
        match o.indications.iter().find(|oi| oi.label == ni.label) {
            None => out.push(whole(ni, Status::Added)),
            Some(oi) => {
                let c = indication(o, oi, n, ni);
                if !c.fields.is_empty() || !c.criteria.is_empty() || !c.dosing.is_empty() {
                    out.push(c);
                }
            }
        }
    }
    for (k, oi) in o.indications.iter().enumerate() {
        if !n.indications.iter().any(|ni| ni.label == oi.label) {
            // Where it was: after the indications that came before it and are still there.
            let at = o.indications[..k]
                .iter()
                .filter_map(|p| out.iter().position(|c| c.label == p.label))
                .max()
                .map_or(0, |i| i + 1);
            out.insert(at, whole(oi, Status::Removed));
        }
    }
    out
}

/// An indication added or removed whole.
fn whole(ind: &IndicationDef, status: Status) -> IndicationChange {
    IndicationChange {
        label: ind.label.clone(),
        title: ind.title.clone(),
        status,
        fields: Vec::new(),
        criteria: Vec::new(),
        dosing: Vec::new(),
    }
}

fn indication(
    o: &Program,
    oi: &IndicationDef,
    n: &Program,
    ni: &IndicationDef,
) -> IndicationChange {
    let mut fields = Vec::new();
    field(
        "title",
        Some(oi.title.clone()),
        Some(ni.title.clone()),
        &mut fields,
    );
    let applies = |p: &Program, i: &IndicationDef| i.applies.as_ref().map(|c| describe(p, c));
    if oi.applies.as_ref().map(|c| key(o, c)) != ni.applies.as_ref().map(|c| key(n, c)) {
        fields.push(Field {
            field: "applies when".into(),
            old: applies(o, oi),
            new: applies(n, ni),
        });
    }
    field(
        "approval duration",
        Some(oi.duration.text()),
        Some(ni.duration.text()),
        &mut fields,
    );
    let criteria = section(o, Some(&oi.criteria), n, Some(&ni.criteria));
    let dosing = section(o, oi.dosing.as_ref(), n, ni.dosing.as_ref());
    IndicationChange {
        label: ni.label.clone(),
        title: ni.title.clone(),
        status: Status::Changed,
        fields,
        criteria,
        dosing,
    }
}

/// The changes of a section (criteria or dosing): of its sentence and condition, and of its items.
fn section(o: &Program, a: Option<&Node>, n: &Program, b: Option<&Node>) -> Vec<NodeChange> {
    match (a, b) {
        (None, None) => Vec::new(),
        (Some(a), None) => vec![one(a, Status::Removed)],
        (None, Some(b)) => vec![one(b, Status::Added)],
        (Some(a), Some(b)) => {
            let c = changed(o, a, n, b);
            match c {
                // The section itself is unchanged but for its items: list them directly.
                Some(c) if !c.sentence_changed && c.condition.is_none() && c.limits.is_empty() => {
                    c.children
                }
                Some(c) => vec![c],
                None => Vec::new(),
            }
        }
    }
}

/// A node added or removed whole.
fn one(node: &Node, status: Status) -> NodeChange {
    let (old, new) = match status {
        Status::Removed => (Some(node), None),
        _ => (None, Some(node)),
    };
    NodeChange {
        status,
        old_label: old.map(|x| x.label.clone()),
        new_label: new.map(|x| x.label.clone()),
        old_text: old.map(|x| x.text.clone()),
        new_text: new.map(|x| x.text.clone()),
        sentence_changed: false,
        condition: None,
        limits: Vec::new(),
        children: Vec::new(),
    }
}

/// A condition's meaning, independent of fact slots: its JSON with each fact's slot replaced by
/// the fact's name (and the limit's text, which only restates the value, left out).
fn key(p: &Program, c: &Cond) -> String {
    let mut v = serde_json::to_value(c).unwrap_or(Value::Null);
    name_facts(p, &mut v);
    v.to_string()
}

fn name_facts(p: &Program, v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if matches!(k.as_str(), "fact" | "left" | "right") {
                    if let Some(slot) = x.as_u64() {
                        let name = p
                            .facts
                            .get(slot as usize)
                            .map(|f| f.name.clone())
                            .unwrap_or_default();
                        *x = Value::String(name);
                        continue;
                    }
                }
                name_facts(p, x);
            }
            m.remove("text");
        }
        Value::Array(items) => items.iter_mut().for_each(|x| name_facts(p, x)),
        _ => {}
    }
}

/// A node's meaning, without its label or sentence: its `when`, its `if` and its body (a group's
/// kind and its items' meanings, in order).
fn meaning(p: &Program, n: &Node) -> String {
    let body = match &n.body {
        NodeBody::Condition { condition } => format!("cond {}", key(p, condition)),
        NodeBody::Referral { redirect } => format!("referral {redirect:?}"),
        NodeBody::Group { of, children } => {
            let items: Vec<String> = children.iter().map(|c| meaning(p, c)).collect();
            format!("{of:?} [{}]", items.join(", "))
        }
    };
    format!(
        "when {} if {} {body}",
        n.guard.as_ref().map(|g| key(p, g)).unwrap_or_default(),
        n.only_if.as_ref().map(|g| key(p, g)).unwrap_or_default()
    )
}

/// A node's own condition in words (a group's is its kind), with its `when` and `if`.
fn words(p: &Program, n: &Node) -> String {
    let body = match &n.body {
        NodeBody::Condition { condition } => describe(p, condition),
        NodeBody::Referral { redirect: None } => "refer to a clinician".into(),
        NodeBody::Referral { redirect: Some(r) } => format!("redirect to \"{r}\""),
        NodeBody::Group { of, .. } => of.keyword().to_string(),
    };
    let mut s = String::new();
    if let Some(g) = &n.guard {
        s.push_str(&format!("when {}: ", describe(p, g)));
    }
    if let Some(g) = &n.only_if {
        s.push_str(&format!("if {}: ", describe(p, g)));
    }
    s.push_str(&body);
    s
}

/// The comparisons of a condition: fact, operator and limit text, in order.
fn limits_of(p: &Program, c: &Cond, out: &mut Vec<(String, String, String)>) {
    match c {
        Cond::All { all } => all.iter().for_each(|x| limits_of(p, x, out)),
        Cond::Any { any } => any.iter().for_each(|x| limits_of(p, x, out)),
        Cond::Not { not } => limits_of(p, not, out),
        Cond::Compare {
            fact, op, limit, ..
        } => {
            let name = p
                .facts
                .get(*fact as usize)
                .map(|f| f.name.clone())
                .unwrap_or_default();
            out.push((name, op.words().to_string(), limit.text.clone()));
        }
        _ => {}
    }
}

/// A condition with its limits' values left out, to tell "only limits changed" apart.
fn shape(p: &Program, c: &Cond) -> String {
    let mut v = serde_json::to_value(c).unwrap_or(Value::Null);
    name_facts(p, &mut v);
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.remove("limit");
                m.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    v.to_string()
}

/// How node `a` of the old version became node `b` of the new (matched), or `None` if it did not
/// change.
fn changed(o: &Program, a: &Node, n: &Program, b: &Node) -> Option<NodeChange> {
    let relabelled = a.label != b.label;
    let sentence_changed = a.text != b.text;
    let mut condition = None;
    let mut limits = Vec::new();
    let mut children = Vec::new();
    let same_guards = a.guard.as_ref().map(|g| key(o, g)) == b.guard.as_ref().map(|g| key(n, g))
        && a.only_if.as_ref().map(|g| key(o, g)) == b.only_if.as_ref().map(|g| key(n, g));
    match (&a.body, &b.body) {
        (
            NodeBody::Group {
                of: ka,
                children: ca,
            },
            NodeBody::Group {
                of: kb,
                children: cb,
            },
        ) if ka == kb && same_guards => {
            children = items(o, ca, n, cb);
        }
        (NodeBody::Condition { condition: x }, NodeBody::Condition { condition: y })
            if same_guards && key(o, x) != key(n, y) && shape(o, x) == shape(n, y) =>
        {
            let (mut lx, mut ly) = (Vec::new(), Vec::new());
            limits_of(o, x, &mut lx);
            limits_of(n, y, &mut ly);
            for (p, q) in lx.iter().zip(&ly) {
                if p.2 != q.2 {
                    limits.push(Field {
                        field: p.0.clone(),
                        old: Some(format!("{} {}", p.1, p.2)),
                        new: Some(format!("{} {}", q.1, q.2)),
                    });
                }
            }
        }
        _ => {
            if meaning(o, a) != meaning(n, b) {
                condition = Some(Field {
                    field: "condition".into(),
                    old: Some(words(o, a)),
                    new: Some(words(n, b)),
                });
                if let (
                    NodeBody::Group { children: ca, .. },
                    NodeBody::Group { children: cb, .. },
                ) = (&a.body, &b.body)
                {
                    children = items(o, ca, n, cb);
                }
            }
        }
    }
    if !relabelled
        && !sentence_changed
        && condition.is_none()
        && limits.is_empty()
        && children.is_empty()
    {
        return None;
    }
    let status = if condition.is_none() && limits.is_empty() && children.is_empty() && relabelled {
        Status::Relabelled
    } else {
        Status::Changed
    };
    Some(NodeChange {
        status,
        old_label: Some(a.label.clone()),
        new_label: Some(b.label.clone()),
        old_text: Some(a.text.clone()),
        new_text: Some(b.text.clone()),
        sentence_changed,
        condition,
        limits,
        children,
    })
}

/// The changes among the items of a group: matched by meaning first (the same label, then any
/// label: a relabelling), then by label (a change), the rest removed or added.
fn items(o: &Program, a: &[Node], n: &Program, b: &[Node]) -> Vec<NodeChange> {
    let ma: Vec<String> = a.iter().map(|x| meaning(o, x)).collect();
    let mb: Vec<String> = b.iter().map(|x| meaning(n, x)).collect();
    let mut pair: Vec<Option<usize>> = vec![None; a.len()];
    let mut taken = vec![false; b.len()];
    // 1. Same meaning and same label.
    for (i, x) in a.iter().enumerate() {
        if let Some(j) =
            (0..b.len()).find(|&j| !taken[j] && mb[j] == ma[i] && b[j].label == x.label)
        {
            pair[i] = Some(j);
            taken[j] = true;
        }
    }
    // 2. Same meaning under another label: relabelled (the first such, in order).
    for i in 0..a.len() {
        if pair[i].is_some() {
            continue;
        }
        if let Some(j) = (0..b.len()).find(|&j| !taken[j] && mb[j] == ma[i]) {
            pair[i] = Some(j);
            taken[j] = true;
        }
    }
    // 3. The same label, another meaning: changed.
    for (i, x) in a.iter().enumerate() {
        if pair[i].is_some() {
            continue;
        }
        if let Some(j) = (0..b.len()).find(|&j| !taken[j] && b[j].label == x.label) {
            pair[i] = Some(j);
            taken[j] = true;
        }
    }
    // In the new version's order, each removed item after the items that came before it.
    let mut out: Vec<(usize, NodeChange)> = Vec::new();
    for (j, y) in b.iter().enumerate() {
        match pair.iter().position(|p| *p == Some(j)) {
            Some(i) => {
                if let Some(c) = changed(o, &a[i], n, y) {
                    out.push((j, c));
                }
            }
            None => out.push((j, one(y, Status::Added))),
        }
    }
    for (i, x) in a.iter().enumerate() {
        if pair[i].is_none() {
            // Before the new position of the next old item that is still there.
            let next = (i + 1..a.len()).find_map(|k| pair[k]).unwrap_or(b.len());
            let at = out
                .iter()
                .position(|(j, _)| *j >= next)
                .unwrap_or(out.len());
            out.insert(at, (next, one(x, Status::Removed)));
        }
    }
    out.into_iter().map(|(_, c)| c).collect()
}

// ------------------------------------------------------------------------------------- in words

/// The diff for people.
pub fn render_human(d: &Diff, old_name: &str, new_name: &str) -> String {
    let mut s = format!(
        "policy {}: {} ({old_name}) → {} ({new_name})\n",
        d.new.id, d.old.effective, d.new.effective
    );
    if d.is_empty() {
        s.push_str(
            "\nThe two versions do not differ in their header, indications, criteria or dosing.\n",
        );
        decisions_words(&mut s, &d.decisions);
        return s;
    }
    if !d.header.is_empty() {
        s.push_str("\nHeader:\n");
        for f in &d.header {
            s.push_str(&format!("  {}\n", field_words(f)));
        }
    }
    for i in &d.indications {
        match i.status {
            Status::Added => s.push_str(&format!("\nAdded indication {} ({})\n", i.label, i.title)),
            Status::Removed => {
                s.push_str(&format!("\nRemoved indication {} ({})\n", i.label, i.title))
            }
            _ => {
                s.push_str(&format!("\nIndication {} ({}):\n", i.label, i.title));
                for f in &i.fields {
                    s.push_str(&format!("  {}\n", field_words(f)));
                }
                for c in i.criteria.iter().chain(&i.dosing) {
                    node_words(&mut s, c, 1);
                }
            }
        }
    }
    decisions_words(&mut s, &d.decisions);
    s
}

/// The requests decided differently, for people.
fn decisions_words(s: &mut String, c: &Changes) {
    s.push_str("\nDecisions:\n");
    for why in &c.not_exact {
        s.push_str(&format!("  not exact: {why}\n"));
    }
    if let (Method::Sampled, Some(n), Some(seed)) = (c.method, c.samples, c.seed) {
        s.push_str(&format!(
            "  by sampling: {n} random requests (seed {seed}); requests not sampled may decide differently too\n"
        ));
    }
    if c.region_count == 0 {
        s.push_str(match c.method {
            Method::Exact if c.not_exact.is_empty() => {
                "  The two versions decide every request alike.\n"
            }
            Method::Exact => {
                "  The two versions decide alike every request that leaves out the facts above.\n"
            }
            Method::Sampled => "  Every sampled request is decided alike.\n",
        });
        return;
    }
    let what = match c.method {
        Method::Exact => "regions of requests decide differently",
        Method::Sampled => "sampled requests decide differently",
    };
    s.push_str(&format!("  {} {what}:\n", c.region_count));
    for t in &c.transitions {
        s.push_str(&format!(
            "    {} → {}: {}\n",
            t.from.words(),
            t.to.words(),
            t.regions
        ));
    }
    for (n, r) in c.regions.iter().enumerate() {
        s.push_str(&format!(
            "\n  {}. {} → {}\n",
            n + 1,
            r.from.words(),
            r.to.words()
        ));
        if r.conditions.is_empty() {
            s.push_str("       every request\n");
        }
        for f in &r.conditions {
            s.push_str(&format!("       {}\n", f.condition));
        }
        let w = serde_json::to_string(&r.witness.new).unwrap_or_default();
        s.push_str(&format!(
            "       witness: {w}{}\n",
            if r.witness.confirmed {
                ""
            } else {
                " (not confirmed: binding and deciding it gave another transition)"
            }
        ));
        if r.witness.old != r.witness.new {
            let w = serde_json::to_string(&r.witness.old).unwrap_or_default();
            s.push_str(&format!("       (for the old version: {w})\n"));
        }
    }
    if c.regions.len() < c.region_count {
        s.push_str(&format!(
            "\n  ({} more regions not shown)\n",
            c.region_count - c.regions.len()
        ));
    }
}

fn field_words(f: &Field) -> String {
    match (&f.old, &f.new) {
        (Some(o), Some(n)) => format!("{}: {o} → {n}", f.field),
        (None, Some(n)) => format!("{} added: {n}", f.field),
        (Some(o), None) => format!("{} removed: {o}", f.field),
        (None, None) => f.field.clone(),
    }
}

fn node_words(s: &mut String, c: &NodeChange, depth: usize) {
    let pad = "  ".repeat(depth);
    let label = |l: &Option<String>| l.clone().unwrap_or_default();
    let text = |t: &Option<String>| t.clone().unwrap_or_default();
    match c.status {
        Status::Added => s.push_str(&format!(
            "{pad}added      {}  {}\n",
            label(&c.new_label),
            text(&c.new_text)
        )),
        Status::Removed => s.push_str(&format!(
            "{pad}removed    {}  {}\n",
            label(&c.old_label),
            text(&c.old_text)
        )),
        Status::Relabelled => s.push_str(&format!(
            "{pad}relabelled {} → {}  {}\n",
            label(&c.old_label),
            label(&c.new_label),
            text(&c.new_text)
        )),
        Status::Changed => {
            let l = if c.old_label == c.new_label {
                label(&c.new_label)
            } else {
                format!("{} → {}", label(&c.old_label), label(&c.new_label))
            };
            s.push_str(&format!("{pad}changed    {l}  {}\n", text(&c.new_text)));
        }
    }
    let more = "  ".repeat(depth + 3);
    if c.sentence_changed {
        s.push_str(&format!(
            "{more}sentence: \"{}\" → \"{}\"\n",
            text(&c.old_text),
            text(&c.new_text)
        ));
    }
    if let Some(f) = &c.condition {
        s.push_str(&format!(
            "{more}condition: {} → {}\n",
            text(&f.old),
            text(&f.new)
        ));
    }
    for f in &c.limits {
        s.push_str(&format!(
            "{more}limit on {}: {} → {}\n",
            f.field,
            text(&f.old),
            text(&f.new)
        ));
    }
    for ch in &c.children {
        node_words(s, ch, depth + 1);
    }
}
