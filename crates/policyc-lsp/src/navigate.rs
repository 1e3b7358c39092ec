//! Hover and go to definition: what a name under the cursor is, and where it is declared (in the
//! document or in a library it imports); what a unit is; where an import leads and what it brings.

use crate::analysis::{Ref, Site, Symbols};
use policyc::ast::{FactDecl, Item, Span, TypeRef};
use std::path::{Path, PathBuf};

/// Where a name is declared: a file of [`Symbols::files`] and the span of the declared name.
/// A unit is declared nowhere; an import leads to a file, see [`imported_file`].
pub fn definition(symbols: &Symbols, site: &Site) -> Option<(usize, Span)> {
    Some(match &symbols.resolve(&site.what) {
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
        Ref::Unit(_) | Ref::Import(_) => return None,
    })
}

/// The file an `import` of the document leads to (its start is the import's definition): found
/// by the loader's rule, and a regular file.
pub fn imported_file<'s>(symbols: &'s Symbols, site: &Site) -> Option<&'s Path> {
    match &site.what {
        Ref::Import(written) => symbols.imports.get(written).map(PathBuf::as_path),
        _ => None,
    }
}

/// What a name is, in Markdown: for a fact its declaration, description, type and unit, and its
/// formula if it is derived; for an enumeration, a value or a definition, its words.
pub fn hover(symbols: &Symbols, site: &Site) -> Option<String> {
    let mut out = match &symbols.resolve(&site.what) {
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
        Ref::Unit(written) => unit(written),
        Ref::Import(written) => import(symbols, written, site.span),
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

/// A unit in words: its name, its UCUM code if written otherwise, its dimension, and the
/// canonical unit of the dimension with how many of it one of the unit is. For a unit policyc
/// does not know, why (with the nearest known name).
fn unit(written: &str) -> String {
    use policyc::units::{
        canonical_unit, format_decimal, one_in_canonical, parse_unit, unit_name, UnitError,
    };
    let mut s = code(written);
    let (u, name) = match parse_unit(written).and_then(|u| Ok((u, unit_name(written)?))) {
        Ok(found) => found,
        Err(e) => {
            s.push_str(&format!("\nNot a unit policyc knows: {e}.\n"));
            if let UnitError::Unknown {
                suggestion: Some(near),
                ..
            } = &e
            {
                s.push_str(&format!("\nDid you mean `{near}`?\n"));
            }
            return s;
        }
    };
    s.push_str(&format!("\n{name}"));
    if u.code != written {
        s.push_str(&format!(" (UCUM `{}`)", u.code));
    }
    s.push_str(&format!("\n\nDimension: {}.\n", u.dim));
    let canonical = canonical_unit(u.dim);
    if canonical.code == u.code {
        s.push_str(&format!(
            "\n`{}` is the canonical unit of its dimension: every unit of the dimension converts \
             to it exactly.\n",
            u.code
        ));
    } else if let Some(one) = one_in_canonical(&u) {
        s.push_str(&format!(
            "\nCanonical unit: `{c}`, which every unit of the dimension converts to exactly: \
             1 `{}` = {} `{c}`.\n",
            u.code,
            format_decimal(one),
            c = canonical.code
        ));
    }
    s
}

/// An `import`: where it leads (relative to the document's folder) and what the library declares,
/// by name, as the loader resolves and checks it; or the error `check` reports at it.
fn import(symbols: &Symbols, written: &str, span: Span) -> String {
    let mut s = code(&format!("import \"{written}\""));
    // As `check` resolves it: beside the document, or in the current folder if it is unsaved.
    let document = symbols.files.first().and_then(|f| f.path.as_deref());
    let dir = document
        .and_then(Path::parent)
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let resolved = policyc::load::Loader::default().resolve_import(written, dir, document);
    let base = std::fs::canonicalize(dir).ok();
    let shown = |p: &Path| {
        let rel = base.as_deref().and_then(|b| p.strip_prefix(b).ok());
        format!("`{}`", rel.unwrap_or(p).display())
    };
    if let Some(p) = &resolved.path {
        s.push_str(&format!("\nResolves to {}.\n", shown(p)));
    }
    let libraries = match resolved.libraries {
        Ok(libraries) => libraries,
        Err(problem) => {
            let d = policyc::check::import_problem(written, span, problem);
            s.push_str(&format!("\nNot imported: {}.\n", d.message));
            if let Some(help) = &d.help {
                s.push_str(&format!("\nHelp: {help}.\n"));
            }
            return s;
        }
    };
    // The library itself is last; the libraries it imports come before it.
    let Some(((_, own), below)) = libraries.split_last() else {
        return s;
    };
    let header = own.iter().find_map(|i| match i {
        Item::Library(h) => Some(h),
        _ => None,
    });
    if let Some(h) = header {
        s.push_str(&format!("\nLibrary `{}`", h.name.name));
        if let Some(d) = &h.description {
            s.push_str(&format!(": {}", d.value.trim_end_matches('.')));
        }
        s.push_str(".\n");
    }
    let mine = declared(own);
    if mine.is_empty() {
        s.push_str("\nIt declares nothing of its own.\n");
    } else {
        s.push_str("\nIt declares:\n");
        for (kind, names) in mine {
            s.push_str(&format!("- {kind}: {names}\n"));
        }
    }
    if !below.is_empty() {
        s.push_str("\nAnd brings in, from the libraries it imports:\n");
        for (path, items) in below {
            let what: Vec<String> = declared(items)
                .into_iter()
                .map(|(kind, names)| format!("{kind} {names}"))
                .collect();
            s.push_str(&format!("- {}: {}\n", shown(path), what.join("; ")));
        }
    }
    s
}

/// The names a library's own items declare, by kind, each kind that has some: facts,
/// enumerations, definitions, and enumerations it adds values to.
fn declared(items: &[Item]) -> Vec<(&'static str, String)> {
    let mut kinds: [(&str, Vec<&str>); 4] = [
        ("facts", Vec::new()),
        ("enumerations", Vec::new()),
        ("definitions", Vec::new()),
        ("adds values to", Vec::new()),
    ];
    for item in items {
        let (k, name) = match item {
            Item::Fact(f) => (0, &f.name.name),
            Item::Enum(e) => (1, &e.name.name),
            Item::Define(d) => (2, &d.name.name),
            Item::ExtendEnum(x) => (3, &x.name.name),
            _ => continue,
        };
        kinds[k].1.push(name);
    }
    kinds
        .into_iter()
        .filter(|(_, names)| !names.is_empty())
        .map(|(kind, names)| {
            let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            (kind, names.join(", "))
        })
        .collect()
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
                    .filter(|s| symbols.resolve(&s.what) == symbols.resolve(&site.what))
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
