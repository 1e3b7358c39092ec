//! Imports: the libraries a file imports, merged ahead of its own items (their spans moved to the
//! `import` statement), and the problems of loading them reported as diagnostics.

use super::{check_merged, Checked};
use policyc_syntax::ast::*;
use policyc_syntax::diag::{codes, Diagnostic};

/// An `import` of a policy file: the library it names, loaded, or why it could not be.
pub struct Import {
    /// The `import` statement in the importing file.
    pub span: Span,
    /// The path as written in the `import` statement (relative to the importing file).
    pub path: String,
    /// The library's items (its own imports already merged in), or the problem loading it.
    pub items: Result<Vec<Item>, ImportProblem>,
}

/// Why an imported library could not be loaded; each is reported as an error at its `import`.
pub enum ImportProblem {
    /// The file could not be read; the reason (as the operating system gives it).
    Missing(String),
    /// The import leads back to a file already being imported: the chain of paths, in order.
    Cycle(Vec<String>),
    /// A circle found further down the chain of imports, already described.
    CycleBelow(String),
    /// The file is a policy (it has a `policy` header), not a `library`.
    NotALibrary,
    /// The library has errors of its own: how many (they are shown by checking it on its own).
    HasErrors(usize),
    /// The file may not be imported: why, and how to fix it.
    Refused {
        /// What is wrong with the file or the path.
        why: String,
        /// How to fix it.
        help: String,
    },
}

/// Check a parsed file whose imports have been loaded, and lower it to IR.
pub fn check_with_imports(file: &File, imports: Vec<Import>) -> Checked {
    check_version(file.clone(), imports, None)
}

/// The earlier version a file amends (`amends "proleukin.policy"` in its header), as loaded.
pub struct Amended {
    /// The `amends` entry of the file's header.
    pub span: Span,
    /// The path as written (relative to the amending file).
    pub path: String,
    /// The earlier version's items (header, declarations and indications, with the version it
    /// amends in turn already merged in; its imports are given with the file's), or the problem
    /// loading it.
    pub items: Result<Vec<Item>, ImportProblem>,
}

/// Check a parsed file whose imports, and the earlier version it amends (if its header says
/// `amends`), have been loaded, and lower it to IR. The libraries' items come first; then the
/// file as it reads with the earlier version merged in ([`merge_version`]). The file is taken, not
/// borrowed: its items become the checked file's, uncopied.
pub fn check_version(file: File, imports: Vec<Import>, amended: Option<Amended>) -> Checked {
    let mut problems = Vec::new();
    let mut items: Vec<Item> = Vec::new();
    for imp in imports {
        match imp.items {
            Ok(lib) => {
                for mut it in lib {
                    if matches!(it, Item::Library(_) | Item::Import(_)) {
                        continue;
                    }
                    policyc_syntax::respan::item(&mut it, imp.span);
                    items.push(it);
                }
            }
            Err(p) => problems.push(import_problem(&imp.path, imp.span, p)),
        }
    }
    let mut imported: std::collections::HashSet<usize> = (0..items.len()).collect();
    let own: Vec<Item> = file
        .items
        .into_iter()
        .filter(|i| !matches!(i, Item::Import(_)))
        .collect();
    let amends = amends_entry(&own);
    let mut base_failed = false;
    let own = match (amended, amends) {
        (Some(a), _) => match a.items {
            Ok(base) => {
                let (merged, inherited, diags) = merge_version(own, base, a.span);
                problems.extend(diags);
                for (i, it) in merged.into_iter().enumerate() {
                    if inherited[i] {
                        imported.insert(items.len());
                    }
                    items.push(it);
                }
                Vec::new()
            }
            Err(p) => {
                problems.push(amends_problem(&a.path, a.span, p));
                base_failed = true;
                own
            }
        },
        (None, Some((path, span))) => {
            problems.push(
                Diagnostic::error(
                    codes::AMENDS,
                    format!("this version amends `{path}`, which was not loaded"),
                    span,
                    "earlier version not loaded",
                )
                .with_help(
                    "check the file with `policyc check`, which loads the version it amends",
                ),
            );
            own
        }
        (None, None) => own,
    };
    items.extend(own);
    let merged = File { items };
    let mut checked = check_merged(&merged, imported);
    if base_failed {
        // What the earlier version would have given (a title, the drugs, the indications) is not
        // missing from this one: its own error says why it is not there.
        checked
            .diagnostics
            .retain(|d| !matches!(d.code, codes::MISSING_META | codes::NO_INDICATIONS));
    }
    if !problems.is_empty() {
        // Names the failed library would have declared are reported unknown: say so.
        for d in &mut checked.diagnostics {
            if matches!(
                d.code,
                codes::UNKNOWN_FACT
                    | codes::UNKNOWN_TYPE
                    | codes::UNKNOWN_DEFINE
                    | codes::UNKNOWN_ENUM_VALUE
            ) {
                let help = d.help.take().unwrap_or_default();
                d.help = Some(format!("{help} (an import of this file failed; the name may be declared in that library)"));
            }
        }
    }
    checked.diagnostics.extend(problems);
    checked
        .diagnostics
        .sort_by_key(|d| (d.primary.span.start, d.code));
    if checked.diagnostics.iter().any(|d| d.is_error()) {
        checked.program = None;
    }
    checked
}

/// The path and span of the `amends` entry of the file's (first) policy header, if it has one.
pub fn amends_entry(items: &[Item]) -> Option<(String, Span)> {
    items.iter().find_map(|i| match i {
        Item::Policy(h) => h.entries.iter().find_map(|e| match e {
            MetaEntry::Text {
                key: MetaKey::Amends,
                value,
                span,
                ..
            } => Some((value.value.clone(), *span)),
            _ => None,
        }),
        _ => None,
    })
}

fn header_of(items: &[Item]) -> Option<&PolicyHeader> {
    items.iter().find_map(|i| match i {
        Item::Policy(h) => Some(h),
        _ => None,
    })
}

fn effective_of(h: &PolicyHeader) -> Option<&DateLit> {
    h.entries.iter().find_map(|e| match e {
        MetaEntry::Date {
            key: MetaKey::Effective,
            date,
            ..
        } => Some(date),
        _ => None,
    })
}

/// A later version's items (`own`, imports removed) merged with the earlier version's (`base`),
/// whose spans are moved to the `amends` entry `sp`. Returns the merged items, which of them come
/// from the earlier version, and the problems found.
///
/// - The header is the earlier one's with each key the later one states replaced (`drug` and
///   `plan`: all of them, if the later version states any), and the later one's revisions added
///   after the earlier ones'. The later version must state its own `effective` date, after the
///   earlier one's, and keep its id.
/// - An enumeration, fact or definition the later version declares replaces the earlier one of
///   the same name, and its `extend enum` of an enumeration the earlier one's; its equivalences,
///   if it states any, replace the earlier ones.
/// - An indication the later version states replaces the earlier one of the same number, in its
///   place; a new number is added after the earlier indications.
pub fn merge_version(
    own: Vec<Item>,
    base: Vec<Item>,
    sp: Span,
) -> (Vec<Item>, Vec<bool>, Vec<Diagnostic>) {
    use std::collections::HashSet;
    let mut diags = Vec::new();
    let own_header = header_of(&own).cloned();
    let base_header = header_of(&base).cloned();
    let names = |items: &[Item]| -> HashSet<String> {
        items
            .iter()
            .filter_map(|i| match i {
                Item::Enum(e) => Some(format!("enum {}", e.name.name)),
                Item::ExtendEnum(e) => Some(format!("extend enum {}", e.name.name)),
                Item::Fact(f) => Some(format!("fact {}", f.name.name)),
                Item::Define(d) => Some(format!("define {}", d.name.name)),
                Item::Indication(ind) => Some(format!("indication {}", ind.label.name)),
                Item::Regimen(_) => Some("regimen".to_string()),
                _ => None,
            })
            .collect()
    };
    let restated = names(&own);
    let own_equivalences = own.iter().any(|i| matches!(i, Item::Equivalence(_)));
    if let (Some(o), Some(b)) = (&own_header, &base_header) {
        if o.id.name != b.id.name {
            diags.push(
                Diagnostic::error(codes::AMENDS, format!("this version of `{}` amends a version of another policy, `{}`", o.id.name, b.id.name), o.id.span, "another policy's id")
                    .with_label(sp, "the version it amends")
                    .with_help(format!("a version keeps its policy's id: write `policy {} {{` (or amend a version of `{}`)", b.id.name, o.id.name)),
            );
        }
        match (effective_of(o), effective_of(b)) {
            (None, Some(be)) => diags.push(
                Diagnostic::error(codes::AMENDS, "a version that amends another states the date it takes effect", o.id.span, "no `effective` date")
                    .with_help(format!("add `effective YYYY-MM-DD` to the header, a date after {} (when the version it amends took effect)", be.text)),
            ),
            (Some(oe), Some(be)) if oe.text <= be.text => diags.push(
                Diagnostic::error(codes::AMENDS, format!("this version takes effect on {}, but the version it amends took effect on {}: a later version takes effect after it", oe.text, be.text), oe.span, "not after the earlier version")
                    .with_label(sp, "the version it amends")
                    .with_help(format!("give a date after {} (or amend an earlier version)", be.text)),
            ),
            _ => {}
        }
    }
    let mut merged: Vec<Item> = Vec::new();
    let mut inherited: Vec<bool> = Vec::new();
    let mut placed: HashSet<String> = HashSet::new();
    let own_indication = |label: &str| {
        own.iter().find_map(|i| match i {
            Item::Indication(ind) if ind.label.name == label => Some(i.clone()),
            _ => None,
        })
    };
    for mut it in base {
        let key = match &it {
            Item::Policy(_) | Item::Library(_) | Item::Import(_) => continue,
            Item::Equivalence(_) if own_equivalences => continue,
            Item::Equivalence(_) => None,
            Item::Enum(e) => Some(format!("enum {}", e.name.name)),
            Item::ExtendEnum(e) => Some(format!("extend enum {}", e.name.name)),
            Item::Fact(f) => Some(format!("fact {}", f.name.name)),
            Item::Define(d) => Some(format!("define {}", d.name.name)),
            Item::Indication(ind) => Some(format!("indication {}", ind.label.name)),
            Item::Regimen(_) => Some("regimen".to_string()),
        };
        if let Some(k) = key.filter(|k| restated.contains(k)) {
            if let Item::Indication(ind) = &it {
                if let Some(mine) = own_indication(&ind.label.name) {
                    merged.push(mine);
                    inherited.push(false);
                    placed.insert(k);
                }
            }
            continue;
        }
        policyc_syntax::respan::item(&mut it, sp);
        merged.push(it);
        inherited.push(true);
    }
    for it in own {
        match it {
            Item::Policy(h) => {
                merged.push(Item::Policy(merge_header(h, base_header.as_ref(), sp)));
            }
            Item::Indication(ref ind)
                if placed.contains(&format!("indication {}", ind.label.name)) =>
            {
                continue
            }
            other => merged.push(other),
        }
        inherited.push(false);
    }
    (merged, inherited, diags)
}

/// The later version's header with the earlier one's entries it does not restate.
fn merge_header(own: PolicyHeader, base: Option<&PolicyHeader>, sp: Span) -> PolicyHeader {
    let Some(base) = base else { return own };
    let states = |k: MetaKey| {
        own.entries.iter().any(|e| match e {
            MetaEntry::Text { key, .. } | MetaEntry::Date { key, .. } => *key == k,
            MetaEntry::Revision { .. } => false,
        })
    };
    let mut entries = Vec::new();
    for e in &base.entries {
        let keep = match e {
            MetaEntry::Text { key, .. } | MetaEntry::Date { key, .. } => {
                *key != MetaKey::Amends && !states(*key)
            }
            MetaEntry::Revision { .. } => true,
        };
        if !keep {
            continue;
        }
        let mut e = e.clone();
        match &mut e {
            MetaEntry::Text { value, span, .. } => {
                value.span = sp;
                *span = sp;
            }
            MetaEntry::Date { date, span, .. } => {
                date.span = sp;
                *span = sp;
            }
            MetaEntry::Revision { date, text, span } => {
                date.span = sp;
                text.span = sp;
                *span = sp;
            }
        }
        entries.push(e);
    }
    entries.extend(own.entries.into_iter().filter(|e| {
        !matches!(
            e,
            MetaEntry::Text {
                key: MetaKey::Amends,
                ..
            }
        )
    }));
    PolicyHeader {
        id: own.id,
        entries,
        span: own.span,
    }
}

fn amends_problem(path: &str, span: Span, p: ImportProblem) -> Diagnostic {
    let d = |why: String, label: &str| Diagnostic::error(codes::AMENDS, why, span, label);
    match p {
        ImportProblem::Missing(why) => d(format!("cannot amend `{path}`: {why}"), "no such version")
            .with_help("the path is relative to this file; name the file of the earlier version of this policy"),
        ImportProblem::Cycle(chain) => d(format!("versions amend each other in a circle: {}", chain.join(" → ")), "this leads back to this file")
            .with_help("a version amends an earlier one; the first version of a policy amends none"),
        ImportProblem::CycleBelow(message) => d(message, "this leads into a circle of versions")
            .with_help("a version amends an earlier one; the first version of a policy amends none"),
        ImportProblem::NotALibrary => d(format!("`{path}` is a library, not a version of a policy"), "not a policy")
            .with_help("name the file of the earlier version of this policy; import libraries with `import`"),
        ImportProblem::HasErrors(n) => d(format!("the version in `{path}` has {n} error{}", if n == 1 { "" } else { "s" }), "earlier version with errors")
            .with_help(format!("run `policyc check {path}` to see them")),
        ImportProblem::Refused { why, help } => d(format!("cannot amend `{path}`: {why}"), "refused").with_help(help),
    }
}

/// The error `check` reports at an `import` of `path` (as written) at `span` that cannot be
/// loaded: what is wrong and how to fix it. Public so that an editor says it in the same words.
pub fn import_problem(path: &str, span: Span, p: ImportProblem) -> Diagnostic {
    match p {
        ImportProblem::Missing(why) => Diagnostic::error(codes::IMPORT, format!("cannot import `{path}`: {why}"), span, "no such library")
            .with_help("the path is relative to the importing file; check its spelling and that the library exists"),
        ImportProblem::Cycle(chain) => Diagnostic::error(codes::IMPORT_CYCLE, format!("imports form a circle: {}", chain.join(" → ")), span, "this import leads back to the importing file")
            .with_help("move the shared declarations into one library that both files import"),
        ImportProblem::CycleBelow(message) => Diagnostic::error(codes::IMPORT_CYCLE, message, span, "this import leads into a circle of imports")
            .with_help("move the shared declarations into one library that both files import"),
        ImportProblem::NotALibrary => Diagnostic::error(codes::IMPORT, format!("`{path}` is a policy, not a library: only libraries can be imported"), span, "not a library")
            .with_help("move the shared enumerations, facts and definitions into a file that starts with `library name \"description\"`"),
        ImportProblem::HasErrors(n) => Diagnostic::error(codes::IMPORT, format!("library `{path}` has {n} error{}", if n == 1 { "" } else { "s" }), span, "library with errors")
            .with_help(format!("run `policyc check {path}` to see them")),
        ImportProblem::Refused { why, help } => Diagnostic::error(codes::IMPORT, format!("cannot import `{path}`: {why}"), span, "import refused")
            .with_help(help),
    }
}
