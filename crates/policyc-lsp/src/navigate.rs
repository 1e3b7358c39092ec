//! Hover and go to definition: what a name under the cursor is, and where it is declared (in the
//! document or in a library it imports).

use crate::analysis::{Ref, Site, Symbols};
use policyc::ast::{FactDecl, Span, TypeRef};

/// Where a name is declared: a file of [`Symbols::files`] and the span of the declared name.
pub fn definition(symbols: &Symbols, site: &Site) -> Option<(usize, Span)> {
    Some(match &site.what {
        Ref::Fact(name) => {
            let d = symbols.facts.get(name)?;
            (d.file, d.decl.name.span)
        }
        Ref::Enum(name) => {
            let d = symbols.enums.get(name)?;
            (d.file, d.decl.name.span)
        }
        Ref::Value { name, of } => {
            let d = symbols.enum_of_value(name, of)?;
            let v = d.decl.values.iter().find(|v| &v.name.name == name)?;
            (d.file, v.name.span)
        }
        Ref::Define(name) => {
            let d = symbols.defines.get(name)?;
            (d.file, d.decl.name.span)
        }
        Ref::Param(span) => (0, *span),
        Ref::Label(full) => (0, symbols.labels.iter().find(|l| &l.full == full)?.span),
    })
}

/// What a name is, in Markdown: for a fact its declaration, description, type and unit, and its
/// formula if it is derived; for an enumeration, a value or a definition, its words.
pub fn hover(symbols: &Symbols, site: &Site) -> Option<String> {
    let mut out = match &site.what {
        Ref::Fact(name) => {
            let d = symbols.facts.get(name)?;
            fact(symbols, &d.decl, d.file)
        }
        Ref::Enum(name) => {
            let d = symbols.enums.get(name)?;
            let e = &d.decl;
            let mut s = code(&format!(
                "enum {}{}",
                e.name.name,
                if e.open { " open" } else { "" }
            ));
            if let Some(desc) = &e.description {
                s.push_str(&format!("\n{}\n", desc.value));
            }
            s.push_str("\nValues:\n");
            for v in &e.values {
                s.push_str(&format!("- `{}`: {}\n", v.name.name, v.description.value));
            }
            if e.open {
                s.push_str("\nOpen: a request may state a value it does not list, which matches none of its values.\n");
            }
            s + &declared_in(symbols, d.file)
        }
        Ref::Value { name, of } => {
            let d = symbols.enum_of_value(name, of)?;
            let v = d.decl.values.iter().find(|v| &v.name.name == name)?;
            format!(
                "{}\n{}\n\nA value of the enumeration `{}`.\n{}",
                code(&format!("{}.{}", d.decl.name.name, v.name.name)),
                v.description.value,
                d.decl.name.name,
                declared_in(symbols, d.file)
            )
        }
        Ref::Define(name) => {
            let d = symbols.defines.get(name)?;
            let def = &d.decl;
            let params: Vec<&str> = def.params.iter().map(|p| p.name.as_str()).collect();
            let mut s = code(&format!("define {}({})", def.name.name, params.join(", ")));
            if let Some(desc) = &def.description {
                s.push_str(&format!("\n{}\n", desc.value));
            }
            if let Some(body) =
                source(symbols, d.file).get(def.body.span().start..def.body.span().end)
            {
                s.push_str(&format!("\nMeans: `{}`\n", one_line(body)));
            }
            s + &declared_in(symbols, d.file)
        }
        Ref::Param(_) => return None,
        Ref::Label(full) => {
            let i = symbols.labels.iter().position(|l| &l.full == full)?;
            crate::labels::describe(&symbols.labels, i)
        }
    };
    if out.ends_with('\n') {
        out.pop();
    }
    Some(out)
}

fn fact(symbols: &Symbols, f: &FactDecl, file: usize) -> String {
    let text = source(symbols, file);
    let ty = match &f.ty {
        TypeRef::Set(id) => format!("set of {}", id.name),
        TypeRef::Named(u) => u.text.clone(),
    };
    let mut s = code(&format!("fact {}: {}", f.name.name, ty));
    s.push_str(&format!(
        "\n{}\n\n{}\n",
        f.description.value,
        kind(symbols, &f.ty)
    ));
    if let Some(v) = &f.derived {
        if let Some(formula) = text.get(v.span().start..v.span().end) {
            s.push_str(&format!(
                "\nDerived: `{}`, computed when a request does not state it.\n",
                one_line(formula)
            ));
        }
    }
    s + &declared_in(symbols, file)
}

/// The type of a fact, in words.
fn kind(symbols: &Symbols, ty: &TypeRef) -> String {
    match ty {
        TypeRef::Set(id) => format!("A set of values of the enumeration `{}`.", id.name),
        TypeRef::Named(u) => match u.text.as_str() {
            "boolean" => "Yes or no (`boolean`).".into(),
            "documentation" => "A document the plan requires: on file or not (`documentation`).".into(),
            "count" => "A whole number, 0 or more (`count`).".into(),
            "number" => "A number without a unit (`number`).".into(),
            "date" => "A date, YYYY-MM-DD (`date`).".into(),
            name => match symbols.enums.get(name) {
                Some(e) if e.decl.open => format!(
                    "One value of the enumeration `{name}`, or a value it does not list (it is open)."
                ),
                Some(_) => format!("One value of the enumeration `{name}`."),
                None => match policyc::units::parse_unit(name) {
                    Ok(unit) if unit.code != name => {
                        format!("A quantity in `{name}` (UCUM `{}`).", unit.code)
                    }
                    Ok(_) => format!("A quantity in `{name}`."),
                    Err(_) => format!("Of type `{name}`, which is no type or unit policyc knows."),
                },
            },
        },
    }
}

fn source(symbols: &Symbols, file: usize) -> &str {
    symbols.files.get(file).map_or("", |f| f.text.as_str())
}

/// Where a library's declaration is, relative to the document's folder when it is inside it.
fn declared_in(symbols: &Symbols, file: usize) -> String {
    if file == 0 {
        return String::new();
    }
    let Some(path) = symbols.files.get(file).and_then(|f| f.path.as_ref()) else {
        return String::new();
    };
    let dir = symbols
        .files
        .first()
        .and_then(|f| f.path.as_ref())
        .and_then(|p| p.parent())
        .and_then(|d| std::fs::canonicalize(d).ok());
    let shown = dir
        .and_then(|d| path.strip_prefix(d).ok().map(|p| p.to_path_buf()))
        .unwrap_or_else(|| path.clone());
    format!("\nDeclared in `{}`.\n", shown.display())
}

fn code(s: &str) -> String {
    format!("```policy\n{s}\n```\n")
}

/// A formula written over several lines, on one.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every place a name is written that refers to the same declaration as `site`: in the document
/// (`sites`, from [`crate::analysis::sites`]) and, for facts, enumerations, values and definitions,
/// in the libraries of `symbols`. The declaration itself only if `include_declaration`. Each is a
/// file of [`Symbols::files`] and a span, in the order of the files and then of the text.
pub fn references(
    symbols: &Symbols,
    sites: &[Site],
    site: &Site,
    include_declaration: bool,
) -> Vec<(usize, Span)> {
    let Some(target) = definition(symbols, site) else {
        return Vec::new();
    };
    let mut out: Vec<(usize, Span)> = sites
        .iter()
        .filter(|s| definition(symbols, s) == Some(target))
        .map(|s| (0, s.span))
        .collect();
    // In a library, a name refers to the library's own declaration, which is the one the
    // document sees unless the document declares the name itself.
    let in_libraries = !matches!(site.what, Ref::Param(_) | Ref::Label(_)) && target.0 != 0;
    if in_libraries {
        for (i, source) in symbols.files.iter().enumerate().skip(1) {
            let Ok(file) = policyc::parser::parse(&source.text) else {
                continue;
            };
            out.extend(
                crate::analysis::sites(&file)
                    .into_iter()
                    .filter(|s| s.what == site.what)
                    .map(|s| (i, s.span)),
            );
        }
    }
    if !include_declaration {
        out.retain(|r| *r != target);
    } else if !out.contains(&target) {
        out.push(target);
    }
    out.sort_by_key(|(f, sp)| (*f, sp.start));
    out.dedup();
    out
}

/// The fixes a diagnostic's help suggests: its primary span and the text to put there, from a
/// help of the form "did you mean `X`?".
pub fn suggested_fix(d: &policyc::Diagnostic, text: &str) -> Option<(Span, String)> {
    let help = d.help.as_deref()?;
    let rest = &help[help.find("did you mean `")? + "did you mean `".len()..];
    let with = &rest[..rest.find('`')?];
    let span = d.primary.span;
    let written = text.get(span.start..span.end)?;
    (!with.is_empty() && written != with && !written.contains('\n'))
        .then(|| (span, with.to_string()))
}
