//! The canonical formatter (`policyc::fmt`): snapshots of every policy in `policies/` (libraries
//! included) and of the inputs in `tests/fmt-inputs/`, with the properties every formatted file must
//! have: formatting is idempotent, the formatted file parses to the same AST (apart from positions)
//! and compiles to the same program, and no comment is lost or duplicated. Property tests check the
//! same over generated, messily written valid policies (with comments between tokens), and that
//! formatting never panics on randomly edited ones.
//!
//! Longer than 800 lines on purpose: independent formatter cases, each a few lines of input and its expected layout.

use policyc::fmt::format_source;
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn read(path: &Path) -> String {
    match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => panic!("cannot read {}: {e}", path.display()),
    }
}

fn format_ok(name: &str, text: &str) -> String {
    match format_source(text) {
        Ok(out) => out,
        Err(d) => panic!("{name}: does not parse: {}", d.message),
    }
}

fn program(name: &str, text: &str) -> policyc::ir::Program {
    let compiled = policyc::compile_source(text);
    match compiled.program {
        Some(p) => p,
        None => {
            let msgs: Vec<String> = compiled
                .diagnostics
                .iter()
                .map(|d| format!("{} {}", d.code, d.message))
                .collect();
            panic!(
                "{name}: does not compile:\n{}\n---\n{text}",
                msgs.join("\n")
            )
        }
    }
}

/// The comments of a policy, found independently of the formatter: a `#` outside a string literal
/// runs to the end of its line. (The inputs here have no `#` inside unit annotations.)
fn comments(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut in_string = false;
        let mut escaped = false;
        for (i, c) in line.char_indices() {
            if in_string {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => in_string = false,
                    _ => {}
                }
            } else if c == '"' {
                in_string = true;
            } else if c == '#' {
                out.push(line[i..].trim_end().to_string());
                break;
            }
        }
    }
    out.sort();
    out
}

/// How many `(` a policy has outside its strings and comments: the parentheses the analyst wrote
/// (around conditions and values, and in calls, definitions and restated quantities), all of which
/// formatting keeps, adding none. (The inputs here have no `(` inside unit annotations.)
fn parentheses(text: &str) -> usize {
    let mut n = 0;
    for line in text.lines() {
        let mut in_string = false;
        let mut escaped = false;
        for c in line.chars() {
            if in_string {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => in_string = false,
                    _ => {}
                }
            } else if c == '"' {
                in_string = true;
            } else if c == '#' {
                break;
            } else if c == '(' {
                n += 1;
            }
        }
    }
    n
}

/// The parsed file with the source positions left out: what formatting must not change.
fn shape(text: &str) -> Option<String> {
    let debug = format!("{:?}", policyc::parser::parse(text).ok()?);
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug.as_str();
    while let Some(i) = rest.find("Span { start: ") {
        out.push_str(&rest[..i]);
        out.push_str("Span");
        let after = &rest[i..];
        let end = after.find('}').map(|j| j + 1).unwrap_or(after.len());
        rest = &after[end..];
    }
    out.push_str(rest);
    Some(out)
}

/// Formatting `text` is idempotent, keeps every comment exactly once, leaves no trailing spaces,
/// ends with a newline, parses to the same file apart from positions, and (if `text` compiles)
/// gives the same program. Returns the formatted text.
fn check_properties(name: &str, text: &str) -> String {
    let once = format_ok(name, text);
    let twice = format_ok(name, &once);
    assert_eq!(once, twice, "{name}: formatting is not idempotent");
    assert_eq!(
        shape(text),
        shape(&once),
        "{name}: formatting changed the parsed file (beyond positions):\n{once}"
    );
    assert_eq!(
        comments(text),
        comments(&once),
        "{name}: comments lost or duplicated:\n{once}"
    );
    assert_eq!(
        parentheses(text),
        parentheses(&once),
        "{name}: parentheses lost or added:\n{once}"
    );
    for (i, line) in once.lines().enumerate() {
        assert_eq!(
            line,
            line.trim_end(),
            "{name}: trailing whitespace on line {}",
            i + 1
        );
    }
    assert!(
        once.is_empty() || once.ends_with('\n') && !once.ends_with("\n\n"),
        "{name}: must end with exactly one newline"
    );
    if policyc::compile_source(text).program.is_some() {
        assert_eq!(
            program(name, text),
            program(name, &once),
            "{name}: formatting changed the program"
        );
    }
    once
}

/// Snapshot named `{name}@{file}`, however many files the glob matches.
fn snapshot(name: &str, file: &str, out: &str) {
    insta::with_settings!({ snapshot_suffix => file }, {
        insta::assert_snapshot!(name, out);
    });
}

fn policies_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    dir.canonicalize().unwrap_or(dir)
}

/// Every `.policy` file under `dir`, recursively.
fn policy_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            policy_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "policy") {
            out.push(p);
        }
    }
}

/// Every policy (and library) in `policies/` formats stably and keeps its comments; and, formatted
/// all together in a copy of the directory (so that imports resolve to formatted libraries), each
/// policy compiles to the same program as before.
#[test]
fn format_policies() {
    let root = policies_dir();
    let mirror = std::env::temp_dir().join(format!("policyc-fmt-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&mirror);
    /// Removes the copy, even when an assertion fails.
    struct Cleanup(PathBuf);
    impl Drop for Cleanup {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    let _cleanup = Cleanup(mirror.clone());
    insta::glob!("../policies", "**/*.policy", |path| {
        let text = read(path);
        let rel = path.strip_prefix(&root).unwrap_or(path);
        let out = check_properties(&path.display().to_string(), &text);
        // `lib/common.policy` -> `lib-common.policy`.
        let file = rel.to_string_lossy().replace(['/', '\\'], "-");
        snapshot("format_policies", &file, &out);
        let target = mirror.join(rel);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).expect("create the mirror directory");
        }
        std::fs::write(&target, &out).expect("write the formatted policy");
    });
    let mut files = Vec::new();
    policy_files(&root, &mut files);
    assert!(!files.is_empty());
    for path in &files {
        let rel = path.strip_prefix(&root).unwrap_or(path);
        let name = rel.display().to_string();
        let compile = |p: &Path| match policyc::compile_path(p) {
            Ok(c) => c,
            Err(e) => panic!("{}: {e}", p.display()),
        };
        let before = compile(path);
        let after = compile(&mirror.join(rel));
        let errors = |c: &policyc::check::Checked| -> Vec<String> {
            c.diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| format!("{} {}", d.code, d.message))
                .collect()
        };
        assert_eq!(errors(&before), Vec::<String>::new(), "{name} has errors");
        assert_eq!(
            errors(&after),
            Vec::<String>::new(),
            "{name} formatted has errors"
        );
        assert_eq!(before.library, after.library, "{name}");
        assert_eq!(
            before.program.is_some(),
            !before.library,
            "{name}: a policy compiles to a program"
        );
        assert!(
            before.program == after.program,
            "{name}: formatting changed the program"
        );
    }
}

#[test]
fn format_inputs() {
    insta::glob!("fmt-inputs/*.policy", |path| {
        let text = read(path);
        let out = check_properties(&path.display().to_string(), &text);
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        snapshot("format_inputs", &file, &out);
    });
}

/// Every comment of a file full of them survives, each once, in order, and the file keeps its
/// meaning.
#[test]
fn comments_survive() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fmt-inputs/comments.policy");
    let text = read(&path);
    let found = comments(&text);
    assert!(found.len() >= 30, "the fixture should hold many comments");
    let out = check_properties("comments.policy", &text);
    program("comments.policy", &text);
    // In the same order, too.
    let order = |t: &str| -> Vec<String> {
        t.lines()
            .filter_map(|l| {
                let c = comments(l);
                c.into_iter().next()
            })
            .collect()
    };
    assert_eq!(order(&text), order(&out));
    // Comments in a group stay inside it; a comment after the last item stays last.
    assert!(out
        .trim_end()
        .ends_with("# end of file comment 2, after a blank line"));
}

#[test]
fn crlf_and_tabs() {
    let text = read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/proleukin.policy"));
    let messy = text.replace('\n', "\r\n").replace("  ", "\t");
    let out = check_properties("crlf", &messy);
    assert_eq!(out, format_ok("proleukin", &text));
}

#[test]
fn malformed_input_is_a_diagnostic() {
    for text in [
        "policy p {",
        "indication 1 \"x\" { criteria: all of { A \"a\": } }",
        "fact x: \"unterminated",
        "\u{FEFF}#",
        "# only a comment",
        "",
        "policy p { title \"a\" } }",
    ] {
        match format_source(text) {
            Ok(out) => {
                // Whatever parses must format stably.
                assert_eq!(format_source(&out).ok(), Some(out.clone()), "{text:?}");
            }
            Err(d) => assert_eq!(d.code, policyc::diag::codes::SYNTAX, "{text:?}"),
        }
    }
}

#[test]
fn strings_and_quantities_print_as_written() {
    let text = r#"policy p { title "Say \"hi\" \\ there\nnow" drug "d" effective 2024-01-01 }
fact x: [IU]/kg "x" fact n: number "n"
equivalence 18 million IU = 1.1 mg "label"
indication 1 "t" { approve for 1 year criteria: all of {
  A "a": x at most 600,000	IU/kg   (0.037   mg/kg) and n >= 1,000.50
  B "b": n at least 2 million
  C "c": not not (n ≤ 3 or n ≠ 4) and (n > 1 and n < 9)
} }
"#;
    let out = check_properties("quantities", text);
    assert!(
        out.contains(r#"title     "Say \"hi\" \\ there\nnow""#),
        "{out}"
    );
    assert!(
        out.contains("x at most 600,000 IU/kg (0.037 mg/kg) and n at least 1,000.50"),
        "{out}"
    );
    assert!(out.contains("n at least 2 million"), "{out}");
    assert!(
        out.contains("not not (n at most 3 or n != 4) and (n more than 1 and n less than 9)"),
        "{out}"
    );
}

/// Parentheses the analyst wrote stay as written, needed or not, in conditions and in values, on
/// one line and when a chain is broken over lines; none are added.
#[test]
fn written_parentheses_are_kept() {
    let text = r#"policy p { title "t" drug "d" effective 2024-01-01 }
fact a: boolean "a" fact b: boolean "b" fact c: boolean "c"
fact dose: mg "dose" fact weight: kg "weight"
indication 1 "t" { approve for 1 year criteria: all of {
  A "a": (a and b) or c
  B "b": a and (b or c)
  C "c": ((a)) or (not b)
  D "d": (dose / weight) at most 5 mg/kg and dose at most (((400 mg))) and dose + (dose) at most 800 mg
  E "e": (a and b and c and a and b and c and a and b and c and a and b and c and a and b and c and a and b and c and a and b and c) or c
} }
"#;
    let out = check_properties("parentheses", text);
    for kept in [
        "(a and b) or c",
        "a and (b or c)",
        "((a)) or (not b)",
        "(dose / weight) at most 5 mg/kg and dose at most (((400 mg))) and dose + (dose) at most 800 mg",
    ] {
        assert!(out.contains(kept), "`{kept}` is not kept:\n{out}");
    }
    // Broken over lines, the parentheses open on the first operand's line and close on the last.
    assert!(out.contains("E \"e\":\n      (a\n       and b\n"), "{out}");
    assert!(out.contains("\n       and c)\n      or c\n"), "{out}");
}

/// A `#` inside a unit annotation or a string is not a comment; one after them is.
#[test]
fn hash_in_unit_or_string_is_not_a_comment() {
    let text = "fact x: {dose#1}/d \"a # b\" # real comment\nfact y: [i#u] \"c\"\n";
    let out = format_ok("hash", text);
    assert_eq!(
        out,
        "fact x: {dose#1}/d \"a # b\"  # real comment\nfact y: [i#u] \"c\"\n"
    );
    assert_eq!(format_ok("hash", &out), out);
    assert_eq!(shape(text), shape(&out));
}

const MUTATIONS: &[&str] = &[
    "",
    "#",
    "# c\n",
    "\"",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\n",
    " and ",
    " or not ",
    "not ",
    "1,000",
    " IU ",
    "(0.1 mg)",
    "[IU]",
    "{x}",
    "when",
    "if ",
    "meets 1.A",
    "f()",
    "é",
    "\\",
];

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(64),
        ..ProptestConfig::default()
    })]

    /// A policy with a random edit (often no longer valid): formatting never panics, and whatever
    /// parses formats stably without changing what was parsed.
    #[test]
    fn mutated_policies_never_panic(
        at in any::<prop::sample::Index>(),
        cut in 0usize..40,
        insert in prop::sample::select(MUTATIONS),
    ) {
        let text = read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/proleukin.policy"));
        let mut start = at.index(text.len() + 1);
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = (start + cut).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let mutated = format!("{}{insert}{}", &text[..start], &text[end..]);
        if let Ok(once) = format_source(&mutated) {
            prop_assert_eq!(format_source(&once).ok(), Some(once.clone()));
            prop_assert_eq!(shape(&mutated), shape(&once));
        }
    }
}

// ------------------------------------------------------------------------------ generated policies

/// A condition, with leaves that pick a fact (by index, modulo the facts declared) and how to test it.
#[derive(Debug, Clone)]
enum Cond {
    Leaf(Leaf),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    Paren(Box<Cond>),
}

#[derive(Debug, Clone)]
struct Leaf {
    fact: usize,
    form: u8,
    picks: Vec<usize>,
    other: usize,
    as_condition: bool,
}

#[derive(Debug, Clone)]
enum Ty {
    Bool,
    Count,
    Number,
    Date,
    /// One of [`QTY_UNITS`].
    Qty(usize),
    Enum(usize),
    Set(usize),
}

/// Quantity units of facts: the type as written, its dimension, and limits a fact of that type may
/// be compared with (some restated in a second unit through the policy's equivalence).
type QtyUnit = (&'static str, &'static str, &'static [&'static str]);
const QTY_UNITS: &[QtyUnit] = &[
    (
        "[IU]/kg",
        "IU/mass",
        &[
            "600,000 IU/kg (0.037 mg/kg)",
            "600,000 [IU]/kg",
            "720,000 IU/kg",
            "1.5 million IU/kg",
            "18 million [IU]/kg (1.1 mg/kg)",
        ],
    ),
    ("IU/kg", "IU/mass", &["600,000 IU/kg", "2 million IU/kg"]),
    ("d", "time", &["9 days", "9 d", "2 weeks", "1 wk", "14 day"]),
    ("days", "time", &["9 days", "1 week"]),
    ("{dose}", "count", &["14 doses", "3 {dose}", "1 dose"]),
    ("doses", "count", &["14 doses", "2 {dose}"]),
    (
        "IU",
        "IU",
        &["6 million IU", "18 million IU (1.1 mg)", "100,000 [IU]"],
    ),
    ("kg", "mass", &["70 kg", "45.5 kg"]),
    ("years", "calendar", &["18 years", "65 years", "6 months"]),
];

/// The fixed enumeration the generated definitions test (`Ty::Enum(SP)`).
const SP: usize = usize::MAX;
const SPECIALTIES: &[&str] = &["sp_a", "sp_b", "sp_c"];

const NUMBERS: &[&str] = &[
    "0",
    "3",
    "14",
    "1,000",
    "2.5",
    "-2",
    "1,000.25",
    "2 million",
];
const DATES: &[&str] = &["2020-01-01", "2024-02-29", "1999-12-31"];
const OPS: &[&str] = &[
    "at least",
    "at most",
    "more than",
    "less than",
    ">=",
    "<=",
    ">",
    "<",
    "≥",
    "≤",
    "=",
    "!=",
    "is",
    "is not",
    "≠",
];

#[derive(Debug, Clone)]
struct EnumSpec {
    open: bool,
    desc: Option<String>,
    values: Vec<String>,
}

#[derive(Debug, Clone)]
enum Body {
    Expr(Cond),
    Group(u8, Vec<NodeSpec>),
    /// `refer to a clinician`, or `redirect to "..."`.
    Referral(Option<String>),
}

impl Body {
    fn has_referral(&self) -> bool {
        match self {
            Body::Expr(_) => false,
            Body::Referral(_) => true,
            Body::Group(_, nodes) => nodes.iter().any(|n| n.body.has_referral()),
        }
    }
}

#[derive(Debug, Clone)]
struct NodeSpec {
    text: String,
    guard: Option<Cond>,
    /// The condition is an `if` requirement rather than a `when` branch.
    only_if: bool,
    body: Body,
}

type SectionSpec = (Option<String>, Body);

#[derive(Debug, Clone)]
struct ReauthSpec {
    duration: (u32, u8),
    criteria: SectionSpec,
    dosing: Option<SectionSpec>,
}

#[derive(Debug, Clone)]
struct IndSpec {
    title: String,
    applies: Option<Cond>,
    duration: (u32, u8),
    criteria: SectionSpec,
    dosing: Option<SectionSpec>,
    reauth: Option<ReauthSpec>,
    applies_last: bool,
}

#[derive(Debug, Clone)]
struct PolicySpec {
    title: String,
    extra_meta: Vec<(u8, String)>,
    enums: Vec<EnumSpec>,
    facts: Vec<(Ty, String)>,
    equivalence_first: bool,
    indications: Vec<IndSpec>,
    /// Choices of whitespace (and comments) between tokens, used in turn.
    ws: Vec<u8>,
}

fn text_strategy() -> impl Strategy<Value = String> {
    proptest::string::string_regex(r#"[a-zA-Z0-9 ,.()"\\#≥–é\n-]{0,40}"#)
        .expect("valid regex")
        .prop_map(|s| s.trim().to_string())
}

fn leaf_strategy() -> impl Strategy<Value = Cond> {
    (
        any::<usize>(),
        any::<u8>(),
        prop::collection::vec(any::<usize>(), 1..4),
        any::<usize>(),
        any::<bool>(),
    )
        .prop_map(|(fact, form, picks, other, as_condition)| {
            Cond::Leaf(Leaf {
                fact,
                form,
                picks,
                other,
                as_condition,
            })
        })
}

fn cond_strategy() -> impl Strategy<Value = Cond> {
    leaf_strategy().prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Cond::And),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Cond::Or),
            inner.clone().prop_map(|c| Cond::Not(Box::new(c))),
            inner.prop_map(|c| Cond::Paren(Box::new(c))),
        ]
    })
}

/// A criterion body: a condition or a referral, or a group nested at most `depth` more levels.
fn body_strategy(depth: u32) -> BoxedStrategy<Body> {
    let leaf = prop_oneof![
        6 => cond_strategy().prop_map(Body::Expr),
        1 => prop::option::of(text_strategy()).prop_map(Body::Referral),
    ];
    if depth == 0 {
        return leaf.boxed();
    }
    let node = (
        text_strategy(),
        prop::option::weighted(0.3, cond_strategy()),
        any::<bool>(),
        body_strategy(depth - 1),
    )
        .prop_map(|(text, guard, only_if, body)| NodeSpec {
            text,
            guard,
            only_if,
            body,
        });
    prop_oneof![
        1 => leaf,
        2 => (0u8..3, prop::collection::vec(node, 1..4)).prop_map(|(k, nodes)| Body::Group(k, nodes)),
    ]
    .boxed()
}

fn section_strategy() -> impl Strategy<Value = SectionSpec> {
    (
        prop::option::weighted(0.8, text_strategy()),
        body_strategy(3),
    )
}

fn indication_strategy() -> impl Strategy<Value = IndSpec> {
    (
        text_strategy(),
        prop::option::weighted(0.7, cond_strategy()),
        (1u32..=100, 0u8..8),
        section_strategy(),
        prop::option::weighted(0.5, section_strategy()),
        prop::option::weighted(
            0.3,
            (
                (1u32..=100, 0u8..8),
                section_strategy(),
                prop::option::weighted(0.3, section_strategy()),
            )
                .prop_map(|(duration, criteria, dosing)| ReauthSpec {
                    duration,
                    criteria,
                    dosing,
                }),
        ),
        any::<bool>(),
    )
        .prop_map(
            |(title, applies, duration, criteria, dosing, reauth, applies_last)| IndSpec {
                title,
                applies,
                duration,
                criteria,
                dosing,
                reauth,
                applies_last,
            },
        )
}

fn ty_strategy() -> impl Strategy<Value = Ty> {
    prop_oneof![
        Just(Ty::Bool),
        Just(Ty::Count),
        Just(Ty::Number),
        Just(Ty::Date),
        (0..QTY_UNITS.len()).prop_map(Ty::Qty),
        any::<usize>().prop_map(Ty::Enum),
        any::<usize>().prop_map(Ty::Set),
    ]
}

fn policy_strategy() -> impl Strategy<Value = PolicySpec> {
    let enum_spec = (
        any::<bool>(),
        prop::option::of(text_strategy()),
        prop::collection::vec(text_strategy(), 1..6),
    )
        .prop_map(|(open, desc, values)| EnumSpec { open, desc, values });
    (
        text_strategy(),
        prop::collection::vec((0u8..6, text_strategy()), 0..4),
        prop::collection::vec(enum_spec, 1..4),
        prop::collection::vec((ty_strategy(), text_strategy()), 1..10),
        any::<bool>(),
        prop::collection::vec(indication_strategy(), 1..4),
        prop::collection::vec(any::<u8>(), 64),
    )
        .prop_map(
            |(title, extra_meta, enums, facts, equivalence_first, indications, ws)| PolicySpec {
                title,
                extra_meta,
                enums,
                facts,
                equivalence_first,
                indications,
                ws,
            },
        )
}

/// Strings are quoted exactly as the formatter quotes them.
use policyc::fmt::quote;

/// Writes a generated policy as text, messily: random whitespace, line breaks and comments between
/// tokens; a line break before each item, entry and criterion.
struct Writer<'a> {
    out: String,
    ws: &'a [u8],
    at: usize,
    comments: usize,
}

impl Writer<'_> {
    fn choice(&mut self) -> u8 {
        let c = self.ws[self.at % self.ws.len()];
        self.at += 1;
        c
    }

    /// Whitespace between two tokens.
    fn sep(&mut self) {
        let c = self.choice();
        let s = match c % 16 {
            0..=7 => " ".to_string(),
            8 => "  ".to_string(),
            9 => "\t".to_string(),
            10 => "\n".to_string(),
            11 => "\n      ".to_string(),
            12 => "\n\n".to_string(),
            13 => {
                self.comments += 1;
                format!("  # c{}\n", self.comments)
            }
            14 => {
                self.comments += 1;
                format!("\n# c{}\n   ", self.comments)
            }
            _ => "   ".to_string(),
        };
        self.out.push_str(&s);
    }

    /// A line break before a new item, entry or criterion.
    fn line(&mut self) {
        let c = self.choice();
        let s = match c % 8 {
            0..=3 => "\n  ".to_string(),
            4 => "\n\n".to_string(),
            5 => {
                self.comments += 1;
                format!("  # c{}\n", self.comments)
            }
            6 => {
                self.comments += 1;
                format!("\n\n  # c{}\n\n", self.comments)
            }
            _ => "\n\t ".to_string(),
        };
        self.out.push_str(&s);
    }

    fn tok(&mut self, t: &str) {
        self.sep();
        self.out.push_str(t);
    }

    fn toks(&mut self, ts: &[&str]) {
        for t in ts {
            self.tok(t);
        }
    }
}

struct Gen<'a> {
    spec: &'a PolicySpec,
    /// Name, type, description.
    facts: Vec<(String, Ty, String)>,
}

impl Gen<'_> {
    fn enum_values(&self, e: usize) -> Vec<String> {
        if e == SP {
            return SPECIALTIES.iter().map(|s| s.to_string()).collect();
        }
        (0..self.spec.enums[e].values.len())
            .map(|k| format!("v{e}_{k}"))
            .collect()
    }

    fn write(&self) -> (String, usize) {
        let spec = self.spec;
        let mut w = Writer {
            out: String::new(),
            ws: &spec.ws,
            at: 0,
            comments: 0,
        };
        w.out.push_str("# generated\n");
        w.toks(&["policy", "generated", "{"]);
        let mut meta = vec![
            ("title".to_string(), quote(&spec.title)),
            ("drug".to_string(), quote("Drug")),
            ("effective".to_string(), "2024-01-01".to_string()),
        ];
        for (k, t) in &spec.extra_meta {
            let (key, value) = match k {
                0 => ("drug", quote(t)),
                1 => ("plan", quote(t)),
                2 => ("revision", format!("2023-05-06 {}", quote(t))),
                3 => ("not covered", quote(t)),
                4 => ("outside dosing", quote(t)),
                _ => ("plan", quote(t)),
            };
            // `not covered` and `outside dosing` once each.
            if meta.iter().any(|(m, _)| m == key && key.contains(' ')) {
                continue;
            }
            meta.push((key.to_string(), value));
        }
        for (k, v) in &meta {
            w.line();
            w.out.push_str(k);
            w.tok(v);
        }
        w.line();
        w.out.push('}');
        for (e, en) in spec.enums.iter().enumerate() {
            w.line();
            w.out.push_str("enum");
            w.tok(&format!("E{e}"));
            if en.open {
                w.tok("open");
            }
            if let Some(d) = &en.desc {
                w.tok(&quote(d));
            }
            w.tok("{");
            for (k, v) in self.enum_values(e).iter().zip(&en.values) {
                w.line();
                w.out.push_str(k);
                w.tok(&quote(v));
            }
            w.line();
            w.out.push('}');
        }
        // A fixed enumeration for the definitions.
        w.line();
        w.out.push_str("enum Sp open {");
        for v in SPECIALTIES {
            w.line();
            w.out.push_str(v);
            w.tok(&quote(v));
        }
        w.line();
        w.out.push('}');
        let equivalence = "equivalence 18 million IU = 1.1 mg \"label\"";
        if spec.equivalence_first {
            w.line();
            w.out.push_str(equivalence);
        }
        for (name, ty, desc) in &self.facts {
            w.line();
            w.out.push_str("fact");
            w.toks(&[name, ":"]);
            let ty_text = match ty {
                Ty::Bool => "boolean".to_string(),
                Ty::Count => "count".to_string(),
                Ty::Number => "number".to_string(),
                Ty::Date => "date".to_string(),
                Ty::Qty(u) => QTY_UNITS[*u].0.to_string(),
                Ty::Enum(e) if *e == SP => "Sp".to_string(),
                Ty::Set(e) if *e == SP => "set of Sp".to_string(),
                Ty::Enum(e) => format!("E{e}"),
                Ty::Set(e) => format!("set of E{e}"),
            };
            w.tok(&ty_text);
            w.tok(&quote(desc));
            // Plausible ranges, before a formula, of each kind: a quantity, a date, a count.
            match (name.as_str(), ty) {
                ("weight", _) => w.toks(&["within", "0.3 kg", "to", "650 kg"]),
                ("age", _) => w.toks(&["within", "0 years", "to", "130 years"]),
                ("dob", _) => w.toks(&["within", "1900-01-01", "to", "2030-12-31"]),
                (_, Ty::Count) => w.toks(&["within", "0", "to", "1,000"]),
                _ => {}
            }
            match name.as_str() {
                "dose_per_kg" => w.toks(&["=", "dose", "/", "weight"]),
                "age" => w.toks(&["=", "age_in_years", "(", "dob", ")"]),
                _ => {}
            }
        }
        if !spec.equivalence_first {
            w.line();
            w.out.push_str(equivalence);
        }
        // Definitions, one with a list parameter used twice.
        for def in [
            &[
                "define",
                "by_or_with",
                "(",
                "specialties",
                ")",
                "\"Prescribed by or with\"",
                "=",
                "sp",
                "is",
                "one",
                "of",
                "specialties",
                "or",
                "sps",
                "has",
                "any",
                "of",
                "specialties",
            ][..],
            &[
                "define", "adult", "(", ")", "=", "age", "at", "least", "18 years",
            ],
            &[
                "define",
                "not_by",
                "(",
                "specialties",
                ")",
                "=",
                "sp",
                "is",
                "not",
                "one",
                "of",
                "specialties",
                "and",
                "sps",
                "has",
                "none",
                "of",
                "specialties",
            ],
        ] {
            w.line();
            w.out.push_str(def[0]);
            w.toks(&def[1..]);
        }
        for (i, ind) in spec.indications.iter().enumerate() {
            w.line();
            w.out.push_str("indication");
            w.toks(&[&(i + 1).to_string(), &quote(&ind.title), "{"]);
            let applies = |w: &mut Writer, g: &Gen| {
                if let Some(a) = &ind.applies {
                    w.line();
                    w.out.push_str("applies");
                    w.tok("when");
                    g.cond(w, a, false);
                }
            };
            if !ind.applies_last {
                applies(&mut w, self);
            }
            w.line();
            w.out.push_str("approve");
            let units = [
                "year", "years", "months", "month", "weeks", "week", "days", "day",
            ];
            w.toks(&[
                "for",
                &ind.duration.0.to_string(),
                units[ind.duration.1 as usize % units.len()],
            ]);
            if ind.applies_last {
                applies(&mut w, self);
            }
            self.section(&mut w, "criteria", &ind.criteria, false);
            if let Some(d) = &ind.dosing {
                self.section(&mut w, "dosing", d, true);
            }
            if let Some(r) = &ind.reauth {
                w.line();
                w.out.push_str("reauthorization");
                w.toks(&["R", "\"Reauthorization\"", "{", "approve", "for"]);
                w.toks(&[
                    &r.duration.0.to_string(),
                    units[r.duration.1 as usize % units.len()],
                ]);
                if ind.criteria.1.has_referral() {
                    self.section(&mut w, "criteria", &r.criteria, false);
                } else {
                    // The initial criteria, met by reference.
                    w.line();
                    w.out.push_str("criteria");
                    w.toks(&[":", "all", "of", "{"]);
                    w.line();
                    w.toks(&["A", "\"Met the initial criteria\"", ":", "meets"]);
                    w.tok(&(i + 1).to_string());
                    w.line();
                    w.toks(&["B", &quote(r.criteria.0.as_deref().unwrap_or("")), ":"]);
                    self.body(&mut w, &r.criteria.1, false);
                    w.line();
                    w.out.push('}');
                }
                if let Some(d) = &r.dosing {
                    self.section(&mut w, "dosing", d, true);
                }
                w.line();
                w.out.push('}');
            }
            w.line();
            w.out.push('}');
        }
        w.out.push('\n');
        (w.out, w.comments + 1)
    }

    fn section(&self, w: &mut Writer, kw: &str, s: &(Option<String>, Body), dosing: bool) {
        w.line();
        w.out.push_str(kw);
        if let Some(t) = &s.0 {
            w.tok(&quote(t));
        }
        w.tok(":");
        self.body(w, &s.1, dosing);
    }

    fn body(&self, w: &mut Writer, b: &Body, dosing: bool) {
        match b {
            Body::Expr(c) => self.cond(w, c, dosing),
            Body::Referral(None) => w.toks(&["refer", "to", "a", "clinician"]),
            Body::Referral(Some(to)) => w.toks(&["redirect", "to", &quote(to)]),
            Body::Group(kind, nodes) => {
                let kw = ["all", "one", "none"][*kind as usize % 3];
                w.toks(&[kw, "of", "{"]);
                let labels: &[&str] = match nodes.len() % 3 {
                    0 => &["A", "B", "C", "D"],
                    1 => &["i", "ii", "iii", "iv"],
                    _ => &["1", "2", "3", "4"],
                };
                for (n, label) in nodes.iter().zip(labels) {
                    w.line();
                    w.out.push_str(label);
                    w.tok(&quote(&n.text));
                    if let Some(g) = &n.guard {
                        w.tok(if n.only_if { "if" } else { "when" });
                        self.cond(w, g, false);
                    }
                    w.tok(":");
                    self.body(w, &n.body, dosing);
                }
                w.line();
                w.out.push('}');
            }
        }
    }

    fn cond(&self, w: &mut Writer, c: &Cond, dosing: bool) {
        match c {
            Cond::Leaf(l) => self.leaf(w, l, dosing),
            Cond::And(parts) | Cond::Or(parts) => {
                let op = if matches!(c, Cond::And(_)) {
                    "and"
                } else {
                    "or"
                };
                for (k, p) in parts.iter().enumerate() {
                    if k > 0 {
                        w.tok(op);
                    }
                    let paren = matches!(p, Cond::Or(_)) && op == "and";
                    if paren {
                        w.tok("(");
                    }
                    self.cond(w, p, dosing);
                    if paren {
                        w.tok(")");
                    }
                }
            }
            Cond::Not(inner) => {
                w.tok("not");
                let paren = matches!(**inner, Cond::And(_) | Cond::Or(_));
                if paren {
                    w.tok("(");
                }
                self.cond(w, inner, dosing);
                if paren {
                    w.tok(")");
                }
            }
            Cond::Paren(inner) => {
                w.tok("(");
                self.cond(w, inner, dosing);
                w.tok(")");
            }
        }
    }

    fn leaf(&self, w: &mut Writer, l: &Leaf, dosing: bool) {
        let (name, ty, _) = &self.facts[l.fact % self.facts.len()];
        let name = name.as_str();
        let form = l.form as usize;
        let pick = |list: &[&'static str], k: usize| list[l.picks[k % l.picks.len()] % list.len()];
        let list = |w: &mut Writer, values: &[String], trailing_comma: bool| {
            let mut chosen: Vec<&String> =
                l.picks.iter().map(|p| &values[p % values.len()]).collect();
            chosen.dedup();
            w.tok("[");
            for (k, v) in chosen.iter().enumerate() {
                if k > 0 {
                    w.tok(",");
                }
                w.tok(v);
            }
            if trailing_comma {
                w.tok(",");
            }
            w.tok("]");
        };
        // The same-typed fact to compare with, if any.
        let other = self
            .facts
            .iter()
            .cycle()
            .skip(l.other % self.facts.len())
            .take(self.facts.len())
            .find(|(n, t, _)| {
                n != name
                    && match (ty, t) {
                        (Ty::Count | Ty::Number, Ty::Count | Ty::Number) => true,
                        (Ty::Date, Ty::Date) => true,
                        (Ty::Qty(a), Ty::Qty(b)) => QTY_UNITS[*a].1 == QTY_UNITS[*b].1,
                        _ => false,
                    }
            })
            .map(|(n, _, _)| n.clone());
        let cmp = |w: &mut Writer, limit: &str| {
            let op = pick(OPS, 0);
            match (form / 4) % 4 {
                // The limit on the left.
                0 if !(dosing && l.as_condition) => {
                    w.tok(limit);
                    w.toks(&op.split(' ').collect::<Vec<_>>());
                    w.tok(name);
                }
                1 if other.is_some() && !(dosing && l.as_condition) => {
                    // `x is y` with two names reads as enumeration membership.
                    let op = match op {
                        "is" => "=",
                        "is not" => "!=",
                        op => op,
                    };
                    w.tok(name);
                    w.toks(&op.split(' ').collect::<Vec<_>>());
                    w.tok(other.as_deref().unwrap_or(name));
                }
                _ => {
                    w.tok(name);
                    w.toks(&op.split(' ').collect::<Vec<_>>());
                    w.tok(limit);
                    if dosing && l.as_condition {
                        w.toks(&[",", "as", "a", "condition", "of", "approval"]);
                    }
                }
            }
        };
        if form % 13 == 1 {
            // A definition.
            match form % 3 {
                0 => w.toks(&["adult", "(", ")"]),
                k => {
                    w.tok(if k == 1 { "by_or_with" } else { "not_by" });
                    w.tok("(");
                    list(w, &self.enum_values(SP), form.is_multiple_of(2));
                    w.tok(")");
                }
            }
            return;
        }
        if form.is_multiple_of(11) {
            let not = if form.is_multiple_of(2) {
                "is"
            } else {
                "is not"
            };
            w.tok(name);
            w.toks(&not.split(' ').collect::<Vec<_>>());
            w.tok("known");
            return;
        }
        match ty {
            Ty::Bool => match form % 3 {
                0 => w.tok(name),
                1 => w.toks(&[name, "is", pick(&["yes", "no", "true", "false"], 0)]),
                _ => w.toks(&[name, "is", "not", pick(&["yes", "no"], 0)]),
            },
            Ty::Count => cmp(w, pick(&["0", "3", "14", "1,000"], 1)),
            Ty::Number => cmp(w, pick(NUMBERS, 1)),
            Ty::Date => cmp(w, pick(DATES, 1)),
            Ty::Qty(u) => {
                let limit = pick(QTY_UNITS[*u].2, 1);
                // Messy spacing inside the quantity, on one line.
                let limit = if form.is_multiple_of(3) {
                    limit.replacen(' ', " \t ", 1)
                } else {
                    limit.to_string()
                };
                cmp(w, &limit)
            }
            Ty::Enum(e) => {
                let values = self.enum_values(*e);
                let one = &values[l.picks[0] % values.len()];
                match form % 5 {
                    0 => w.toks(&[name, "is", one]),
                    1 => w.toks(&[name, "is", "not", one]),
                    2 => {
                        w.toks(&[name, "is", "one", "of"]);
                        list(w, &values, form.is_multiple_of(2));
                    }
                    3 => {
                        w.toks(&[name, "is", "not", "one", "of"]);
                        list(w, &values, false);
                    }
                    _ => w.toks(&[name, pick(&["=", "!="], 0), one]),
                }
            }
            Ty::Set(e) => {
                let values = self.enum_values(*e);
                let one = &values[l.picks[0] % values.len()];
                match form % 4 {
                    0 => w.toks(&[name, "has", one]),
                    k => {
                        w.toks(&[name, "has", ["any", "all", "none"][k - 1], "of"]);
                        list(w, &values, form % 2 == 1);
                    }
                }
            }
        }
    }
}

fn generate(spec: &PolicySpec) -> (String, usize) {
    let mut facts: Vec<(String, Ty, String)> = spec
        .facts
        .iter()
        .enumerate()
        .map(|(i, (ty, desc))| {
            let ty = match ty {
                Ty::Enum(e) => Ty::Enum(e % spec.enums.len()),
                Ty::Set(e) => Ty::Set(e % spec.enums.len()),
                t => t.clone(),
            };
            (format!("f{i}"), ty, desc.clone())
        })
        .collect();
    // Derived facts, as the Proleukin policy has them.
    for (name, ty) in [
        ("dose", Ty::Qty(6)),
        ("weight", Ty::Qty(7)),
        ("dose_per_kg", Ty::Qty(0)),
        ("dob", Ty::Date),
        ("age", Ty::Qty(8)),
        ("sp", Ty::Enum(SP)),
        ("sps", Ty::Set(SP)),
    ] {
        facts.push((name.to_string(), ty, format!("The {name}")));
    }
    Gen { spec, facts }.write()
}

proptest! {
    // 64 cases by default (a few seconds); `PROPTEST_CASES=5000` for a longer run.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(64),
        ..ProptestConfig::default()
    })]

    /// Over generated, messily written valid policies: the text compiles, every comment survives
    /// once, formatting is idempotent and gives the same program.
    #[test]
    fn generated_policies_format_stably(spec in policy_strategy()) {
        let (text, n_comments) = generate(&spec);
        let compiled = policyc::compile_source(&text);
        prop_assert!(
            compiled.program.is_some(),
            "generated policy does not compile: {:?}\n{text}",
            compiled.diagnostics.iter().map(|d| &d.message).collect::<Vec<_>>()
        );
        prop_assert_eq!(comments(&text).len(), n_comments);
        let out = check_properties("generated", &text);
        if let Ok(dir) = std::env::var("POLICYC_FMT_DUMP") {
            let n = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
            let _ = std::fs::write(format!("{dir}/{n:03}.in.policy"), &text);
            let _ = std::fs::write(format!("{dir}/{n:03}.out.policy"), &out);
        }
    }
}
