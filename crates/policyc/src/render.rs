//! A compiled policy back as the analyst's document (`policyc render`): its header and dates, its
//! revision history, each indication with its approval duration, the criteria and dosing with
//! their labels and sentences in the document's nesting, and its statements on what it does not
//! cover and on doses outside its dosing. Markdown, or one self-contained HTML file.
//!
//! Every label is an anchor: the element (or, in Markdown, the `<a id>`) of `1.A.iii` has the id
//! `1.A.iii` ([`crate::eval::anchor`]), so that a decision can link each label it cites to
//! `URL#1.A.iii` (`policyc eval --doc-url URL`). The policy's statement on what it does not cover
//! is `#not-covered`, the one on doses outside its dosing `#outside-dosing`, an indication `#1`.

use crate::eval::{anchor, describe};
use crate::ir::{IndicationDef, Node, NodeBody, Program};
use policyc_syntax::ast::GroupKind;

/// The anchor of the policy's statement on what it does not cover.
pub const NOT_COVERED: &str = "not-covered";
/// The anchor of the policy's statement on doses outside its dosing.
pub const OUTSIDE_DOSING: &str = "outside-dosing";

/// What a document shows of the version it renders, beyond the program: the day its version is
/// in force until, when a later version is known.
#[derive(Debug, Clone, Default)]
pub struct VersionInfo {
    /// The last day this version is in force (the day before the next took effect).
    pub in_force_until: Option<String>,
    /// The SHA-256 of the compiled program.
    pub content_hash: Option<String>,
}

/// The label's own part: `iii` of `1.A.iii`, `Dosing` of `1.Dosing`.
fn own_label(full: &str) -> &str {
    full.rsplit('.').next().unwrap_or(full)
}

/// The words of a group whose sentence does not say how its items combine.
fn group_words(kind: GroupKind) -> &'static str {
    match kind {
        GroupKind::AllOf => "Meets ALL of the following",
        GroupKind::OneOf => "Meets ONE of the following",
        GroupKind::NoneOf => "Meets NONE of the following",
    }
}

/// The words of a criterion that leaves the decision to people.
fn referral_words(redirect: &Option<String>) -> String {
    match redirect {
        None => "Referred to a clinician for review.".into(),
        Some(to) => format!("Redirected to another review: {to}."),
    }
}

/// The indications of a program with their reauthorizations: each indication, then the ones that
/// continue it.
fn phases(p: &Program) -> Vec<(&IndicationDef, Vec<&IndicationDef>)> {
    let mut out: Vec<(&IndicationDef, Vec<&IndicationDef>)> = Vec::new();
    for ind in &p.indications {
        match &ind.reauthorization_of {
            Some(of) => {
                if let Some(entry) = out.iter_mut().find(|(i, _)| &i.label == of) {
                    entry.1.push(ind);
                } else {
                    out.push((ind, Vec::new()));
                }
            }
            None => out.push((ind, Vec::new())),
        }
    }
    out
}

/// The title of a reauthorization: its own part of `Indication — Reauthorization`.
fn phase_title<'a>(ind: &'a IndicationDef, parent: &IndicationDef) -> &'a str {
    ind.title
        .strip_prefix(parent.title.as_str())
        .map(|t| t.trim_start_matches([' ', '—', '-']).trim())
        .filter(|t| !t.is_empty())
        .unwrap_or(&ind.title)
}

// ------------------------------------------------------------------------------------ Markdown

/// Escape text for Markdown: the characters that would start markup.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' | '|'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The policy as a Markdown document.
pub fn markdown(p: &Program, v: &VersionInfo) -> String {
    let m = &p.policy;
    let mut s = String::new();
    s.push_str(&format!("# {}\n\n", md(&m.title)));
    s.push_str(&format!("- **Policy:** `{}`\n", m.id));
    for d in &m.drugs {
        s.push_str(&format!("- **Drug:** {}\n", md(d)));
    }
    for pl in &m.plans {
        s.push_str(&format!("- **Plan:** {}\n", md(pl)));
    }
    s.push_str(&format!("- **Effective:** {}\n", m.effective));
    if let Some(u) = &v.in_force_until {
        s.push_str(&format!("- **In force until:** {u}\n"));
    }
    if let Some(r) = &m.review {
        s.push_str(&format!("- **Review date:** {r}\n"));
    }
    if let Some(h) = &v.content_hash {
        s.push_str(&format!("- **Content hash (IR SHA-256):** `{h}`\n"));
    }
    if !m.revisions.is_empty() {
        s.push_str("\n## Revision history\n\n");
        for r in &m.revisions {
            s.push_str(&format!("- **{}:** {}\n", r.date, md(&r.text)));
        }
    }
    s.push_str("\n## Recommended authorization criteria\n");
    for (ind, reauths) in phases(p) {
        s.push_str(&format!(
            "\n### <a id=\"{}\"></a>{}. {}\n\n",
            anchor(&ind.label),
            ind.label,
            md(&ind.title)
        ));
        md_phase(&mut s, p, ind, true);
        for r in reauths {
            s.push_str(&format!(
                "\n#### <a id=\"{}\"></a>{} {}\n\n",
                anchor(&r.label),
                r.label,
                md(phase_title(r, ind))
            ));
            md_phase(&mut s, p, r, false);
        }
    }
    if let Some(nc) = &m.not_covered {
        s.push_str(&format!(
            "\n## <a id=\"{NOT_COVERED}\"></a>Not covered\n\n{}\n",
            md(nc)
        ));
    }
    if let Some(od) = &m.outside_dosing {
        s.push_str(&format!(
            "\n## <a id=\"{OUTSIDE_DOSING}\"></a>Doses outside the policy's dosing\n\n{}\n",
            md(od)
        ));
    }
    s
}

fn md_phase(s: &mut String, p: &Program, ind: &IndicationDef, first: bool) {
    if first {
        if let Some(a) = &ind.applies {
            s.push_str(&format!("*Applies when:* {}\n\n", md(&describe(p, a))));
        }
    }
    s.push_str(&format!(
        "**Approval duration:** {}\n\n",
        ind.duration.text()
    ));
    md_section(s, "Criteria", &ind.criteria, &ind.label);
    match &ind.dosing {
        Some(d) if !own_section(d, ind) => s.push_str(&format!(
            "\n**Dosing.** Under the indication's dosing ([{0}](#{1})).\n",
            d.label,
            anchor(&d.label)
        )),
        Some(d) => {
            s.push('\n');
            md_section(s, "Dosing", d, &ind.label);
        }
        None => {}
    }
}

/// Whether a section is the phase's own: a reauthorization without dosing of its own is under
/// its indication's (`1.Dosing` for `1.R`), which is rendered with the indication.
fn own_section(n: &Node, ind: &IndicationDef) -> bool {
    n.label == ind.label || n.label.starts_with(&format!("{}.", ind.label))
}

/// The anchor of a section, unless it is the indication's own (the criteria's label is the
/// indication's: `1`), which its heading carries.
fn section_anchor(n: &Node, indication: &str) -> Option<String> {
    (n.label != indication).then(|| anchor(&n.label))
}

fn md_section(s: &mut String, name: &str, n: &Node, indication: &str) {
    let text = section_text(n);
    let a = section_anchor(n, indication)
        .map(|a| format!("<a id=\"{a}\"></a>"))
        .unwrap_or_default();
    s.push_str(&format!("{a}**{name}.** {}\n", md(&text)));
    if let NodeBody::Group { children, .. } = &n.body {
        s.push('\n');
        for c in children {
            md_node(s, c, 0);
        }
    }
}

/// A section's sentence, or in words what it requires when it states none.
fn section_text(n: &Node) -> String {
    match (&n.body, n.text.is_empty()) {
        (_, false) => n.text.clone(),
        (NodeBody::Group { of, .. }, true) => format!("{}:", group_words(*of)),
        (NodeBody::Referral { redirect }, true) => referral_words(redirect),
        (NodeBody::Condition { .. }, true) => String::new(),
    }
}

fn md_node(s: &mut String, n: &Node, depth: usize) {
    let indent = "  ".repeat(depth);
    let mut text = md(&n.text);
    match &n.body {
        NodeBody::Referral { redirect } => {
            text.push_str(&format!(" *({})*", md(&referral_words(redirect))));
        }
        NodeBody::Group { of, .. } if n.text.is_empty() => {
            text = format!("{}:", group_words(*of));
        }
        _ => {}
    }
    s.push_str(&format!(
        "{indent}- <a id=\"{}\"></a>**{}.** {text}\n",
        anchor(&n.label),
        own_label(&n.label)
    ));
    if let NodeBody::Group { children, .. } = &n.body {
        for c in children {
            md_node(s, c, depth + 1);
        }
    }
}

// ---------------------------------------------------------------------------------------- HTML

/// Escape text for HTML content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "\
:root { color-scheme: light; }
body { font-family: Georgia, 'Times New Roman', serif; line-height: 1.5; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; background: #fff; }
h1 { font-size: 1.6rem; line-height: 1.25; }
h2 { font-size: 1.3rem; margin-top: 2rem; border-bottom: 1px solid #999; }
h3 { font-size: 1.15rem; margin-top: 1.5rem; }
h4 { font-size: 1rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dl.meta dt { font-weight: bold; }
dl.meta dd { margin: 0; }
ol.criteria { list-style: none; padding-left: 1.5rem; }
ol.criteria > li { margin: 0.3rem 0; }
.label { font-weight: bold; margin-right: 0.4rem; }
.referral { font-style: italic; }
code { font-family: 'DejaVu Sans Mono', monospace; font-size: 0.85em; word-break: break-all; }
:target { background: #fff3b0; outline: 2px solid #c90; }
a { color: #0645ad; }
@media print {
  body { max-width: none; margin: 0; font-size: 11pt; color: #000; }
  h2, h3, h4 { break-after: avoid; }
  li { break-inside: avoid; }
  :target { background: none; outline: none; }
  a { color: inherit; text-decoration: none; }
}
";

/// The policy as one self-contained HTML file: no script, no external style, font or image.
pub fn html(p: &Program, v: &VersionInfo) -> String {
    let m = &p.policy;
    let mut s = String::new();
    s.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    s.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    s.push_str(&format!("<title>{}</title>\n", esc(&m.title)));
    s.push_str(&format!("<style>\n{STYLE}</style>\n</head>\n<body>\n"));
    s.push_str("<header>\n");
    s.push_str(&format!("<h1>{}</h1>\n", esc(&m.title)));
    s.push_str("<dl class=\"meta\">\n");
    let mut meta = |k: &str, val: String| {
        s.push_str(&format!("<dt>{k}</dt><dd>{val}</dd>\n"));
    };
    meta("Policy", format!("<code>{}</code>", esc(&m.id)));
    for d in &m.drugs {
        meta("Drug", esc(d));
    }
    for pl in &m.plans {
        meta("Plan", esc(pl));
    }
    meta(
        "Effective",
        format!("<time datetime=\"{0}\">{0}</time>", esc(&m.effective)),
    );
    if let Some(u) = &v.in_force_until {
        meta(
            "In force until",
            format!("<time datetime=\"{0}\">{0}</time>", esc(u)),
        );
    }
    if let Some(r) = &m.review {
        meta(
            "Review date",
            format!("<time datetime=\"{0}\">{0}</time>", esc(r)),
        );
    }
    if let Some(h) = &v.content_hash {
        meta(
            "Content hash (IR SHA-256)",
            format!("<code>{}</code>", esc(h)),
        );
    }
    s.push_str("</dl>\n</header>\n<main>\n");
    if !m.revisions.is_empty() {
        s.push_str("<section aria-labelledby=\"revision-history\">\n<h2 id=\"revision-history\">Revision history</h2>\n<ul>\n");
        for r in &m.revisions {
            s.push_str(&format!(
                "<li><time datetime=\"{0}\">{0}</time>: {1}</li>\n",
                esc(&r.date),
                esc(&r.text)
            ));
        }
        s.push_str("</ul>\n</section>\n");
    }
    s.push_str("<section aria-labelledby=\"criteria\">\n<h2 id=\"criteria\">Recommended authorization criteria</h2>\n");
    for (ind, reauths) in phases(p) {
        let id = anchor(&ind.label);
        s.push_str(&format!(
            "<section id=\"{}\" aria-labelledby=\"{}-title\">\n<h3 id=\"{}-title\">{}. {}</h3>\n",
            esc(&id),
            esc(&id),
            esc(&id),
            esc(&ind.label),
            esc(&ind.title)
        ));
        html_phase(&mut s, p, ind, true);
        for r in reauths {
            let rid = anchor(&r.label);
            s.push_str(&format!(
                "<section id=\"{}\" aria-labelledby=\"{}-title\">\n<h4 id=\"{}-title\">{} {}</h4>\n",
                esc(&rid),
                esc(&rid),
                esc(&rid),
                esc(&r.label),
                esc(phase_title(r, ind))
            ));
            html_phase(&mut s, p, r, false);
            s.push_str("</section>\n");
        }
        s.push_str("</section>\n");
    }
    s.push_str("</section>\n");
    if let Some(nc) = &m.not_covered {
        s.push_str(&format!(
            "<section aria-labelledby=\"{NOT_COVERED}\">\n<h2 id=\"{NOT_COVERED}\">Not covered</h2>\n<p>{}</p>\n</section>\n",
            esc(nc)
        ));
    }
    if let Some(od) = &m.outside_dosing {
        s.push_str(&format!(
            "<section aria-labelledby=\"{OUTSIDE_DOSING}\">\n<h2 id=\"{OUTSIDE_DOSING}\">Doses outside the policy's dosing</h2>\n<p>{}</p>\n</section>\n",
            esc(od)
        ));
    }
    s.push_str("</main>\n</body>\n</html>\n");
    s
}

fn html_phase(s: &mut String, p: &Program, ind: &IndicationDef, first: bool) {
    if first {
        if let Some(a) = &ind.applies {
            s.push_str(&format!(
                "<p><em>Applies when:</em> {}</p>\n",
                esc(&describe(p, a))
            ));
        }
    }
    s.push_str(&format!(
        "<p><strong>Approval duration:</strong> {}</p>\n",
        esc(&ind.duration.text())
    ));
    html_section(s, "Criteria", &ind.criteria, &ind.label);
    match &ind.dosing {
        Some(d) if !own_section(d, ind) => s.push_str(&format!(
            "<p><strong>Dosing.</strong> Under the indication's dosing (<a href=\"#{}\">{}</a>).</p>\n",
            esc(&anchor(&d.label)),
            esc(&d.label)
        )),
        Some(d) => html_section(s, "Dosing", d, &ind.label),
        None => {}
    }
}

fn html_section(s: &mut String, name: &str, n: &Node, indication: &str) {
    let id = section_anchor(n, indication)
        .map(|a| format!(" id=\"{}\"", esc(&a)))
        .unwrap_or_default();
    s.push_str(&format!(
        "<div class=\"section\"{id}>\n<p><strong>{name}.</strong> {}</p>\n",
        esc(&section_text(n))
    ));
    if let NodeBody::Group { children, .. } = &n.body {
        html_list(s, children);
    }
    s.push_str("</div>\n");
}

fn html_list(s: &mut String, nodes: &[Node]) {
    s.push_str("<ol class=\"criteria\">\n");
    for n in nodes {
        let mut text = esc(&n.text);
        match &n.body {
            NodeBody::Referral { redirect } => {
                text.push_str(&format!(
                    " <span class=\"referral\">({})</span>",
                    esc(&referral_words(redirect))
                ));
            }
            NodeBody::Group { of, .. } if n.text.is_empty() => {
                text = format!("{}:", group_words(*of));
            }
            _ => {}
        }
        s.push_str(&format!(
            "<li id=\"{}\"><span class=\"label\">{}.</span>{text}",
            esc(&anchor(&n.label)),
            esc(own_label(&n.label))
        ));
        if let NodeBody::Group { children, .. } = &n.body {
            s.push('\n');
            html_list(s, children);
        }
        s.push_str("</li>\n");
    }
    s.push_str("</ol>\n");
}
