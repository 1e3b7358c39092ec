//! The labels of a document's criteria, with their full names (`1.A.iii`, as `meets` and
//! decisions write them) and the sentences of the criteria they sit under.

use policyc::ast::{Body, File, IndicationItem, Item, Span};

/// A labelled indication, reauthorization or criterion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelDecl {
    /// The full label (`1.A.iii`).
    pub full: String,
    /// Where the label itself is written.
    pub span: Span,
    /// The document's sentence (an indication's or reauthorization's title).
    pub sentence: String,
    /// The label it sits under, an index into the same list.
    pub parent: Option<usize>,
}

/// Every label of the document, parents before their children, siblings in order.
pub fn labels(file: &File) -> Vec<LabelDecl> {
    let mut out = Vec::new();
    for item in &file.items {
        let Item::Indication(ind) = item else {
            continue;
        };
        let top = out.len();
        out.push(LabelDecl {
            full: ind.label.name.clone(),
            span: ind.label.span,
            sentence: ind.title.value.clone(),
            parent: None,
        });
        items(&ind.items, top, &mut out);
    }
    out
}

fn items(list: &[IndicationItem], parent: usize, out: &mut Vec<LabelDecl>) {
    for item in list {
        match item {
            IndicationItem::Criteria(s) | IndicationItem::Dosing(s) => body(&s.body, parent, out),
            IndicationItem::Reauthorization(r) => {
                let at = out.len();
                out.push(LabelDecl {
                    full: format!("{}.{}", out[parent].full, r.label.name),
                    span: r.label.span,
                    sentence: r.title.value.clone(),
                    parent: Some(parent),
                });
                items(&r.items, at, out);
            }
            IndicationItem::Applies { .. } | IndicationItem::Duration(_) => {}
        }
    }
}

fn body(b: &Body, parent: usize, out: &mut Vec<LabelDecl>) {
    // Groups nest; walk them with a stack rather than recursion.
    let mut stack = vec![(b, parent)];
    while let Some((b, parent)) = stack.pop() {
        let nodes: Vec<(&policyc::ast::Ident, &str, &Body)> = match b {
            Body::Group(g) => g
                .nodes
                .iter()
                .map(|n| (&n.label, n.text.value.as_str(), &n.body))
                .collect(),
            Body::Phases(ps) => ps
                .phases
                .iter()
                .map(|p| (&p.label, p.text.value.as_str(), &p.body))
                .collect(),
            Body::Expr(_) | Body::Referral(_) => continue,
        };
        // Siblings in the document's order; the first one's children are walked first.
        let first = out.len();
        for (label, sentence, _) in &nodes {
            out.push(LabelDecl {
                full: format!("{}.{}", out[parent].full, label.name),
                span: label.span,
                sentence: sentence.to_string(),
                parent: Some(parent),
            });
        }
        for (k, (_, _, body)) in nodes.iter().enumerate().rev() {
            stack.push((body, first + k));
        }
    }
}

/// The hover text of label `i`: the label and its sentence, then the criteria it sits under.
pub fn describe(labels: &[LabelDecl], i: usize) -> String {
    let l = &labels[i];
    let mut s = format!("**{}** {}\n", l.full, l.sentence);
    let mut chain = Vec::new();
    let mut p = l.parent;
    while let Some(j) = p {
        chain.push(j);
        p = labels[j].parent;
    }
    if !chain.is_empty() {
        s.push_str("\nUnder:\n");
        for j in chain.into_iter().rev() {
            s.push_str(&format!(
                "- **{}** {}\n",
                labels[j].full, labels[j].sentence
            ));
        }
    }
    s.push_str(&format!(
        "\nDecisions cite it as `{}`; another criterion can require it with `meets {}`.",
        l.full, l.full
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_labels_follow_the_nesting() {
        let text = r#"policy p { title "P" drug "D" effective 2024-01-01 }
fact a: boolean "A"
indication 1 "One" {
  approve for 1 year
  criteria: all of {
    A "First": one of {
      i "Deep": a
      ii "Deeper": a
    }
    B "Second": a
  }
  reauthorization R "Again" {
    approve for 1 year
    criteria: all of { A "Still": a }
  }
}
"#;
        let file = policyc::parser::parse(text).expect("parses");
        let l = labels(&file);
        let fulls: Vec<&str> = l.iter().map(|l| l.full.as_str()).collect();
        assert_eq!(
            fulls,
            ["1", "1.A", "1.B", "1.A.i", "1.A.ii", "1.R", "1.R.A"]
        );
        let deep = l.iter().position(|l| l.full == "1.A.ii").expect("1.A.ii");
        let hover = describe(&l, deep);
        assert!(hover.starts_with("**1.A.ii** Deeper"), "{hover}");
        assert!(hover.contains("- **1** One\n- **1.A** First\n"), "{hover}");
        assert_eq!(&text[l[deep].span.start..l[deep].span.end], "ii");
    }
}
