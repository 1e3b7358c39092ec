//! The outline of a document (`textDocument/documentSymbol`): its header, enumerations, facts and
//! definitions, and each indication with its sections and their criteria by label, nested as the
//! document nests them.

use crate::text::{Encoding, LineIndex};
use lsp_types::{DocumentSymbol, SymbolKind};
use policyc::ast::{Body, File, IndicationItem, Item, Node, Section, Span, TypeRef};

/// The outline of a parsed document.
pub fn outline(file: &File, text: &str, index: &LineIndex, enc: Encoding) -> Vec<DocumentSymbol> {
    let o = Outliner { text, index, enc };
    file.items.iter().filter_map(|i| o.item(i)).collect()
}

struct Outliner<'a> {
    text: &'a str,
    index: &'a LineIndex,
    enc: Encoding,
}

impl Outliner<'_> {
    #[allow(deprecated)] // `DocumentSymbol::deprecated` has to be given.
    fn symbol(
        &self,
        name: String,
        detail: Option<String>,
        kind: SymbolKind,
        range: Span,
        selection: Span,
        children: Vec<DocumentSymbol>,
    ) -> DocumentSymbol {
        DocumentSymbol {
            // The protocol refuses an empty name.
            name: if name.is_empty() { "?".into() } else { name },
            detail: detail.filter(|d| !d.is_empty()),
            kind,
            tags: None,
            deprecated: None,
            range: self.index.range(self.text, self.trim(range), self.enc),
            selection_range: self.index.range(self.text, selection, self.enc),
            children: (!children.is_empty()).then_some(children),
        }
    }

    /// A span without the blank space the parser may leave at its end.
    fn trim(&self, span: Span) -> Span {
        let kept = self
            .text
            .get(span.start..span.end)
            .map_or(0, |t| t.trim_end().len());
        Span::new(span.start, span.start + kept)
    }

    fn item(&self, item: &Item) -> Option<DocumentSymbol> {
        Some(match item {
            Item::Policy(h) => {
                let title = h.entries.iter().find_map(|e| match e {
                    policyc::ast::MetaEntry::Text {
                        key: policyc::ast::MetaKey::Title,
                        value,
                        ..
                    } => Some(value.value.clone()),
                    _ => None,
                });
                self.symbol(
                    format!("policy {}", h.id.name),
                    title,
                    SymbolKind::MODULE,
                    h.span,
                    h.id.span,
                    Vec::new(),
                )
            }
            Item::Library(h) => self.symbol(
                format!("library {}", h.name.name),
                h.description.as_ref().map(|d| d.value.clone()),
                SymbolKind::MODULE,
                h.span,
                h.name.span,
                Vec::new(),
            ),
            Item::ExtendEnum(x) => {
                let values = x
                    .values
                    .iter()
                    .map(|v| {
                        self.symbol(
                            v.name.name.clone(),
                            Some(v.description.value.clone()),
                            SymbolKind::ENUM_MEMBER,
                            Span::new(v.name.span.start, v.description.span.end),
                            v.name.span,
                            Vec::new(),
                        )
                    })
                    .collect();
                self.symbol(
                    format!("extend enum {}", x.name.name),
                    None,
                    SymbolKind::ENUM,
                    x.span,
                    x.name.span,
                    values,
                )
            }
            Item::Enum(e) => {
                let values = e
                    .values
                    .iter()
                    .map(|v| {
                        self.symbol(
                            v.name.name.clone(),
                            Some(v.description.value.clone()),
                            SymbolKind::ENUM_MEMBER,
                            Span::new(v.name.span.start, v.description.span.end),
                            v.name.span,
                            Vec::new(),
                        )
                    })
                    .collect();
                self.symbol(
                    e.name.name.clone(),
                    e.description.as_ref().map(|d| d.value.clone()),
                    SymbolKind::ENUM,
                    e.span,
                    e.name.span,
                    values,
                )
            }
            Item::Fact(f) => {
                let ty = match &f.ty {
                    TypeRef::Set(id) => format!("set of {}", id.name),
                    TypeRef::Named(u) => u.text.clone(),
                };
                self.symbol(
                    f.name.name.clone(),
                    Some(ty),
                    SymbolKind::FIELD,
                    f.span,
                    f.name.span,
                    Vec::new(),
                )
            }
            Item::Define(d) => self.symbol(
                d.name.name.clone(),
                d.description.as_ref().map(|s| s.value.clone()),
                SymbolKind::FUNCTION,
                d.span,
                d.name.span,
                Vec::new(),
            ),
            Item::Indication(ind) => self.symbol(
                format!("indication {}", ind.label.name),
                Some(ind.title.value.clone()),
                SymbolKind::NAMESPACE,
                ind.span,
                ind.label.span,
                self.items(&ind.items),
            ),
            Item::Import(_) | Item::Equivalence(_) | Item::Regimen(_) => return None,
        })
    }

    fn items(&self, items: &[IndicationItem]) -> Vec<DocumentSymbol> {
        items
            .iter()
            .filter_map(|item| match item {
                IndicationItem::Criteria(s) => Some(self.section("criteria", s)),
                IndicationItem::Dosing(s) => Some(self.section("dosing", s)),
                IndicationItem::Reauthorization(r) => Some(self.symbol(
                    format!("reauthorization {}", r.label.name),
                    Some(r.title.value.clone()),
                    SymbolKind::NAMESPACE,
                    r.span,
                    r.label.span,
                    self.items(&r.items),
                )),
                IndicationItem::Applies { .. } | IndicationItem::Duration(_) => None,
            })
            .collect()
    }

    fn section(&self, keyword: &str, s: &Section) -> DocumentSymbol {
        // The section's span starts at its keyword.
        let word = Span::new(s.span.start, (s.span.start + keyword.len()).min(s.span.end));
        self.symbol(
            keyword.to_string(),
            s.text.as_ref().map(|t| t.value.clone()),
            SymbolKind::OBJECT,
            s.span,
            word,
            self.body(&s.body),
        )
    }

    fn body(&self, body: &Body) -> Vec<DocumentSymbol> {
        match body {
            Body::Group(g) => g.nodes.iter().map(|n| self.node(n)).collect(),
            Body::Phases(ps) => ps
                .phases
                .iter()
                .map(|p| {
                    self.symbol(
                        p.label.name.clone(),
                        Some(p.text.value.clone()),
                        SymbolKind::OBJECT,
                        p.span,
                        p.label.span,
                        self.body(&p.body),
                    )
                })
                .collect(),
            Body::Expr(_) | Body::Referral(_) => Vec::new(),
        }
    }

    /// A labelled criterion (the parser bounds how deep they nest).
    fn node(&self, n: &Node) -> DocumentSymbol {
        let kind = match n.body {
            Body::Group(_) | Body::Phases(_) => SymbolKind::OBJECT,
            Body::Expr(_) | Body::Referral(_) => SymbolKind::BOOLEAN,
        };
        self.symbol(
            n.label.name.clone(),
            Some(n.text.value.clone()),
            kind,
            n.span,
            n.label.span,
            self.body(&n.body),
        )
    }
}
