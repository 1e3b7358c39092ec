//! Property tests: policyc never panics, whatever policy text or request it is given.
//!
//! (a) Mutations of the real Proleukin policy (characters deleted, inserted, replaced, runs and
//!     lines deleted, lines repeated, words of the language inserted, the file truncated) go through `compile_source`, the diagnostics renderers, and, when the
//!     mutant still compiles, the IR round trip, request binding and evaluation.
//! (b) Random JSON requests (the policy's fact names and junk names; numbers, huge numbers,
//!     quantities with real and junk units, dates, lists, objects, nulls) go through
//!     `request::bind` and `eval::evaluate`.
//!
//! Case counts are kept moderate so that the file runs in seconds in a debug build.

use policyc::diag::{render_plain, to_github_line, to_json_line, Source};
use policyc::ir::Program;
use proptest::prelude::*;
use proptest::sample::Index;
use std::path::Path;
use std::sync::OnceLock;

/// Case counts are per test; `PROPTEST_CASES` in the environment overrides them for a longer run.
/// Failures are not persisted to files: proptest prints the minimal failing input.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn read(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => panic!("cannot read {}: {e}", path.display()),
    }
}

fn policy_text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| read("policies/proleukin.policy"))
}

fn program() -> &'static Program {
    static PROGRAM: OnceLock<Program> = OnceLock::new();
    PROGRAM.get_or_init(|| {
        let checked = policyc::compile_source_in(policy_text(), std::path::Path::new("policies"));
        match checked.program {
            Some(p) => p,
            None => panic!(
                "proleukin.policy does not compile: {:?}",
                checked.diagnostics
            ),
        }
    })
}

/// Requests that bind to the unmutated policy, used on compiled mutants.
fn sample_requests() -> &'static [String] {
    static REQUESTS: OnceLock<Vec<String>> = OnceLock::new();
    REQUESTS.get_or_init(|| {
        vec![
            read("policies/examples/proleukin/approve-melanoma-iv.json"),
            read("tests/cli-inputs/approve-rcc.json"),
            r#"{"as_of": "2026-01-15", "facts": {"diagnosis": "breast_cancer"}}"#.to_string(),
            r#"{"facts": {}}"#.to_string(),
        ]
    })
}

/// Binds and evaluates a request, exercising every output path; must not panic.
fn bind_and_evaluate(program: &Program, request: &str, as_of: Option<&str>) {
    match policyc::request::bind(program, request, as_of) {
        Ok(req) => {
            let decision = policyc::eval::evaluate(program, &req);
            let _ = policyc::eval::render_human(&decision);
            serde_json::to_string(&decision).expect("a decision serializes");
        }
        Err(errors) => {
            assert!(!errors.is_empty(), "bind failed without saying why");
            for e in &errors {
                let _ = e.to_string();
            }
        }
    }
}

// ------------------------------------------------------------------ (a) policy mutations

#[derive(Debug, Clone)]
enum Mutation {
    Delete(Index),
    Insert(Index, char),
    Replace(Index, char),
    /// Delete a run of up to 40 characters.
    DeleteRun(Index, usize),
    Truncate(Index),
    /// Insert a word of the language (a keyword, a fact name, a unit, a number) with spaces.
    InsertToken(Index, &'static str),
    /// Repeat or remove a whole line.
    DuplicateLine(Index),
    DeleteLine(Index),
}

const TOKENS: &[&str] = &[
    "all of {",
    "one of {",
    "none of {",
    "}",
    "{",
    "and",
    "or",
    "not",
    "is",
    "is not",
    "has",
    "any of",
    "at least",
    "at most",
    "more than",
    "less than",
    "=",
    "!=",
    "when",
    "known",
    ", as a condition of approval",
    "approve for",
    "criteria",
    "dosing",
    "applies when",
    "indication",
    "fact",
    "enum",
    "open",
    "equivalence",
    "policy",
    "import",
    "set of",
    "million",
    "IU/kg",
    "mg/kg",
    "[IU]",
    "doses/day",
    "days",
    "years",
    "kg",
    "m2",
    "0",
    "-1",
    "600,000",
    "99999999999999999999999999999",
    "0.037",
    "2025-02-30",
    "A",
    "i",
    "1",
    "\"text\"",
    "\"",
    "dose",
    "body_weight",
    "dose_per_kg",
    "diagnosis",
    "age",
    "date_of_birth",
    "route",
    "disease_extent",
    "Route",
    "Extent",
    "boolean",
    "count",
    "date",
    "age_in_years(",
    "bsa_mosteller(",
    "date_of_service()",
    "(",
    ")",
    "[",
    "]",
    "/",
    "*",
    "+",
    "-",
    "#",
];

/// Characters that matter to the grammar, plus some that do not belong in a policy at all.
fn interesting_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => prop::sample::select(vec![
            '{', '}', '[', ']', '(', ')', ':', ',', '.', '"', '#', '=', '<', '>', '/', '*', '-',
            '+', '\\', '_', ' ', '\t', '\n', '\r', '0', '1', '9', 'a', 'e', 'I', 'U', 'm', 'x',
            '≥', '≤', '≠', '×', 'é', '–', '\u{FEFF}', '\u{0}', '🙂',
        ]),
        1 => any::<char>(),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => any::<Index>().prop_map(Mutation::Delete),
        3 => (any::<Index>(), interesting_char()).prop_map(|(i, c)| Mutation::Insert(i, c)),
        3 => (any::<Index>(), interesting_char()).prop_map(|(i, c)| Mutation::Replace(i, c)),
        1 => (any::<Index>(), 1usize..40).prop_map(|(i, n)| Mutation::DeleteRun(i, n)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        3 => (any::<Index>(), prop::sample::select(TOKENS)).prop_map(|(i, t)| Mutation::InsertToken(i, t)),
        1 => any::<Index>().prop_map(Mutation::DuplicateLine),
        1 => any::<Index>().prop_map(Mutation::DeleteLine),
    ]
}

/// Applies a mutation at a character position (so the text stays valid UTF-8).
fn apply(text: &mut String, m: &Mutation) {
    let boundaries: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
        .collect();
    let at = |i: &Index| boundaries[i.index(boundaries.len())];
    let chars = boundaries.len() - 1;
    match m {
        Mutation::Insert(i, c) => text.insert(at(i), *c),
        Mutation::Truncate(i) => text.truncate(at(i)),
        Mutation::InsertToken(i, t) => text.insert_str(at(i), &format!(" {t} ")),
        Mutation::DuplicateLine(i) | Mutation::DeleteLine(i) => {
            let starts: Vec<usize> = std::iter::once(0)
                .chain(text.match_indices('\n').map(|(k, _)| k + 1))
                .filter(|&k| k < text.len())
                .collect();
            if starts.is_empty() {
                return;
            }
            let k = i.index(starts.len());
            let end = starts.get(k + 1).copied().unwrap_or(text.len());
            let line = text[starts[k]..end].to_string();
            if matches!(m, Mutation::DuplicateLine(_)) {
                text.insert_str(end, &line);
            } else {
                text.replace_range(starts[k]..end, "");
            }
        }
        _ if chars == 0 => {}
        Mutation::Delete(i) => {
            let k = i.index(chars);
            text.replace_range(boundaries[k]..boundaries[k + 1], "");
        }
        Mutation::Replace(i, c) => {
            let k = i.index(chars);
            text.replace_range(boundaries[k]..boundaries[k + 1], &c.to_string());
        }
        Mutation::DeleteRun(i, n) => {
            let k = i.index(chars);
            let end = (k + n).min(chars);
            text.replace_range(boundaries[k]..boundaries[end], "");
        }
    }
}

fn compile_and_use(text: &str) {
    let checked = policyc::compile_source_in(text, std::path::Path::new("policies"));
    let source = Source::new("mutant.policy", text);
    for d in &checked.diagnostics {
        for label in std::iter::once(&d.primary).chain(&d.secondary) {
            let s = label.span;
            assert!(
                s.start <= s.end && s.end <= text.len(),
                "{} {:?}: label {:?} at {}..{} is outside the {}-byte file",
                d.code,
                d.message,
                label.message,
                s.start,
                s.end,
                text.len()
            );
        }
        let _ = to_json_line(d, &source);
        let _ = to_github_line(d, &source);
    }
    let _ = render_plain(&checked.diagnostics, &source);
    let has_error = checked.diagnostics.iter().any(|d| d.is_error());
    match &checked.program {
        None => assert!(has_error, "no program, but no error either"),
        Some(program) => {
            assert!(!has_error, "a program despite errors");
            let json = serde_json::to_string(program).expect("the IR serializes");
            let reread = Program::from_json(&json);
            assert!(reread.is_ok(), "the IR does not read back: {reread:?}");
            for request in sample_requests() {
                bind_and_evaluate(program, request, None);
            }
        }
    }
}

proptest! {
    #![proptest_config(config(400))]

    #[test]
    fn mutated_policies_never_panic(mutations in prop::collection::vec(mutation(), 1..5)) {
        let mut text = policy_text().to_string();
        for m in &mutations {
            apply(&mut text, m);
        }
        compile_and_use(&text);
    }
}

// ------------------------------------------------------------------ (b) random requests

fn fact_names() -> Vec<String> {
    let mut names: Vec<String> = program().facts.iter().map(|f| f.name.clone()).collect();
    names.extend(
        [
            "prescriber_speciality",
            "Diagnosis",
            "dose per kg",
            "",
            " ",
            "facts",
            "as_of",
            "dosé",
            "__proto__",
        ]
        .map(String::from),
    );
    names
}

/// A JSON number as text: small, decimal, negative, huge, with exponents.
fn number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        (0u32..1000).prop_map(|n| n.to_string()),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| f.to_string()),
        "-?[1-9][0-9]{20,80}(\\.[0-9]{1,40})?",
        "-?[0-9]\\.[0-9]{1,30}[eE][+-]?[0-9]{1,4}",
        Just("0".to_string()),
        Just("-0".to_string()),
        Just("0.0000000000000000000000000000001".to_string()),
    ]
}

fn unit_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "IU", "[IU]", "[IU]/kg", "IU/kg", "mg/kg", "mg", "kg", "g", "lb", "[lb_av]", "cm",
            "m", "m2", "IU/m2", "[IU]/m2", "doses/day", "{dose}/d", "doses/week", "{dose}/wk",
            "doses", "{dose}", "dose", "days", "d", "weeks", "wk", "years", "a", "mo", "h",
            "10*6.[IU]", "10*6.[IU]/kg", "million IU", "thousand IU/kg", "billion IU",
        ]).prop_map(String::from),
        1 => prop::sample::select(vec![
            "", " ", "kgg", "IU/", "/kg", "[IU", "{dose", "10*99", "10^18.10^18.10^18", "m2/m2/m2",
            "kg.kg.kg.kg.kg.kg.kg.kg.kg", "IU//kg", "IU kg", "µg", "[IU]/kg/kg/kg/kg", "1",
            "g/lb", "mg/[lb_av]", "{}", "[]", "..", "m9", "m22",
        ]).prop_map(String::from),
        1 => "[a-zA-Z\\[\\]{}/.*^0-9]{1,12}",
    ]
}

fn string_text() -> impl Strategy<Value = String> {
    let enum_values: Vec<String> = program()
        .enums
        .iter()
        .flat_map(|e| e.values.iter().map(|v| v.name.clone()))
        .chain(["breast_cancer", "Oncologist", "", "yes", "true"].map(String::from))
        .collect();
    prop_oneof![
        3 => (number_text(), " {1,2}", unit_text()).prop_map(|(n, s, u)| format!("{n}{s}{u}")),
        2 => prop::sample::select(enum_values),
        2 => prop::sample::select(vec![
            "2026-01-15", "1971-06-02", "2024-02-29", "2023-02-29", "1900-02-29", "9999-12-31",
            "0001-01-01", "-0001-01-01", "0000-00-00", "2026-13-01", "2026-1-5", "15/01/2026",
            "2026-01-15T00:00:00Z", "",
        ]).prop_map(String::from),
        1 => number_text(),
        1 => any::<String>(),
    ]
    .prop_map(|s| serde_json::to_string(&s).expect("a string serializes"))
}

/// A JSON value as text.
fn value_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        Just("false".to_string()),
        number_text(),
        string_text(),
        (number_text(), unit_text()).prop_map(|(n, u)| format!(
            "{{\"value\": {n}, \"unit\": {}}}",
            serde_json::to_string(&u).expect("a string serializes")
        )),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec(("[a-z_]{0,8}", inner), 0..3).prop_map(|kv| {
                let body: Vec<String> = kv
                    .iter()
                    .map(|(k, v)| format!("{}: {v}", serde_json::to_string(k).expect("key")))
                    .collect();
                format!("{{{}}}", body.join(", "))
            }),
        ]
    })
}

fn facts_text(names: Vec<String>) -> impl Strategy<Value = String> {
    prop::collection::vec((prop::sample::select(names), value_text()), 0..14).prop_map(|kv| {
        let body: Vec<String> = kv
            .iter()
            .map(|(k, v)| format!("{}: {v}", serde_json::to_string(k).expect("key")))
            .collect();
        format!("{{{}}}", body.join(", "))
    })
}

fn request_text() -> impl Strategy<Value = String> {
    let as_of = prop_oneof![
        Just(None),
        string_text().prop_map(Some),
        value_text().prop_map(Some),
    ];
    let facts = prop_oneof![
        8 => facts_text(fact_names()),
        1 => value_text(),
    ];
    let extra = prop_oneof![
        4 => Just(String::new()),
        1 => value_text().prop_map(|v| format!(", \"request_id\": {v}")),
        1 => value_text().prop_map(|v| format!(", \"format_version\": {v}")),
        1 => value_text().prop_map(|v| format!(", \"fatcs\": {v}")),
    ];
    (as_of, facts, extra).prop_map(|(as_of, facts, extra)| match as_of {
        Some(a) => format!("{{\"as_of\": {a}, \"facts\": {facts}{extra}}}"),
        None => format!("{{\"facts\": {facts}{extra}}}"),
    })
}

/// Overrides for `--as-of`, valid and not.
fn as_of_override() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        4 => Just(None),
        1 => prop::sample::select(vec!["2026-01-15", "1800-01-01", "9999-12-31", "2026-02-30", "", "today"])
            .prop_map(|s| Some(s.to_string())),
    ]
}

/// A value of the right shape for a fact, mostly: sensible and edge values of its type, sometimes a
/// random value, sometimes absent. These requests often bind, and so reach the evaluator.
fn typed_value(program: &Program, fact: &policyc::ir::FactDef) -> BoxedStrategy<Option<String>> {
    use policyc::ir::FactType;
    let names = |i: u32| -> Vec<String> {
        let e = &program.enums[i as usize];
        let mut v: Vec<String> = e.values.iter().map(|x| x.name.clone()).collect();
        if e.open {
            v.push("not_listed".to_string());
        }
        v
    };
    let json = |s: String| serde_json::to_string(&s).expect("a string serializes");
    let typed: BoxedStrategy<String> = match &fact.ty {
        FactType::Boolean | FactType::Documentation => {
            any::<bool>().prop_map(|b| b.to_string()).boxed()
        }
        FactType::Count => prop_oneof![0u64..30, any::<u64>()]
            .prop_map(|n| n.to_string())
            .boxed(),
        FactType::Number => number_text().boxed(),
        FactType::Date => prop_oneof![
            (1900i32..2026, 1u32..13, 1u32..29)
                .prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
            prop::sample::select(vec!["0001-01-01", "9999-12-31", "2024-02-29", "2026-01-15"])
                .prop_map(String::from),
        ]
        .prop_map(json)
        .boxed(),
        FactType::Quantity { unit, .. } => {
            let code = unit.code.clone();
            // Realistic magnitudes only: huge ones are covered by `random_requests_never_panic`
            // and `huge_height_and_weight_*` below.
            prop_oneof![
                4 => (0u64..2_000_000).prop_map(|n| n.to_string()),
                1 => (0u32..100_000, 0u32..1000).prop_map(|(a, b)| format!("{a}.{b:03}")),
                1 => Just("0".to_string()),
            ]
            .prop_map(move |n| format!("{n} {code}"))
            .prop_map(json)
            .boxed()
        }
        FactType::Enum { enum_index } => prop::sample::select(names(*enum_index))
            .prop_map(json)
            .boxed(),
        FactType::Set { enum_index } => prop::collection::vec(
            prop::sample::select(names(*enum_index)).prop_map(json),
            0..4,
        )
        .prop_map(|v| format!("[{}]", v.join(", ")))
        .boxed(),
    };
    // A derived fact stated beside its inputs must agree with them: state it less often.
    let absent = if fact.derived.is_some() { 60 } else { 10 };
    prop_oneof![
        30 => typed.prop_map(Some),
        1 => value_text().prop_map(Some),
        absent => Just(None),
    ]
    .boxed()
}

fn typed_request_text() -> impl Strategy<Value = String> {
    let p = program();
    let facts: Vec<BoxedStrategy<Option<String>>> =
        p.facts.iter().map(|f| typed_value(p, f)).collect();
    let names: Vec<String> = p.facts.iter().map(|f| f.name.clone()).collect();
    let as_of = prop_oneof![
        20 => Just("\"2026-01-15\"".to_string()),
        1 => string_text(),
        1 => Just("null".to_string()),
    ];
    (facts, as_of).prop_map(move |(values, as_of)| {
        let body: Vec<String> = names
            .iter()
            .zip(values)
            .filter_map(|(n, v)| {
                v.map(|v| format!("{}: {v}", serde_json::to_string(n).expect("key")))
            })
            .collect();
        format!("{{\"as_of\": {as_of}, \"facts\": {{{}}}}}", body.join(", "))
    })
}

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn random_requests_never_panic(request in request_text(), as_of in as_of_override()) {
        bind_and_evaluate(program(), &request, as_of.as_deref());
    }

    /// Requests with values mostly of the right type: these reach evaluation.
    #[test]
    fn typed_requests_never_panic(request in typed_request_text(), as_of in as_of_override()) {
        bind_and_evaluate(program(), &request, as_of.as_deref());
    }

    /// Arbitrary text, most of it not JSON at all.
    #[test]
    fn arbitrary_text_requests_never_panic(text in any::<String>()) {
        bind_and_evaluate(program(), &text, None);
    }
}

// ------------------------------------------------------------------ former panics
//
// Panics found while writing these tests, kept as regression tests: each input now has a definite
// outcome, an error with its code and message.

/// The Proleukin policy with one piece of text replaced.
fn proleukin_with(old: &str, new: &str) -> String {
    let text = policy_text();
    assert!(
        text.contains(old),
        "proleukin.policy no longer contains {old:?}"
    );
    text.replacen(old, new, 1)
}

/// The errors of a policy's text, as (code, line, message), in order.
fn errors_of(text: &str) -> Vec<(&'static str, usize, String)> {
    let checked = policyc::compile_source_in(text, std::path::Path::new("policies"));
    let source = Source::new("proleukin.policy", text);
    let errors: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            (
                d.code,
                source.line_col(d.primary.span.start).0,
                d.message.clone(),
            )
        })
        .collect();
    assert_eq!(
        checked.program.is_none(),
        !errors.is_empty(),
        "a program is made exactly when there is no error: {errors:?}"
    );
    errors
}

/// The line of the policy text on which `needle` first appears (1-based).
fn line_of(text: &str, needle: &str) -> usize {
    let at = text.find(needle).expect("the text is in the policy");
    text[..at].matches('\n').count() + 1
}

#[test]
fn huge_equivalence_amount_is_a_too_large_error() {
    let new = "equivalence 18 million IU = 99999999999999999999 kg";
    let text = proleukin_with("equivalence 18 million IU = 1.1 mg", new);
    let errors = errors_of(&text);
    let line = line_of(&text, new);
    assert_eq!(
        errors.first(),
        Some(&(
            "E0101",
            line,
            "an amount in this equivalence is too large to hold exactly".to_string()
        )),
        "{errors:#?}"
    );
    // Without the equivalence, the limits restated in mg/kg do not convert.
    assert!(errors[1..].iter().all(|e| e.0 == "E0301"), "{errors:#?}");
}

#[test]
fn huge_quantity_in_a_formula_is_a_too_large_error() {
    let new = "= dose / (body_weight + 99999999999999999999 kg)";
    let text = proleukin_with("= dose / body_weight", new);
    assert_eq!(
        errors_of(&text),
        [(
            "E0101",
            line_of(&text, new),
            "this number is too large to hold exactly".to_string()
        )]
    );
}

#[test]
fn overflowing_scaled_limit_is_a_too_large_error() {
    let new = "doses_per_cycle at most 99999999999999999999999999 billion doses";
    let text = proleukin_with("doses_per_cycle at most 14 doses", new);
    assert_eq!(
        errors_of(&text),
        [(
            "E0101",
            line_of(&text, new),
            "this number is too large to hold exactly".to_string()
        )]
    );
}

const HUGE_HEIGHT_AND_WEIGHT: &str = r#"{"as_of": "2026-01-15", "facts": {"height": "8929080794725453442 cm", "body_weight": "8873048003 kg"}}"#;

/// The request's errors, as (path, message, help).
fn request_errors(program: &Program, request: &str) -> Vec<(String, String, Option<String>)> {
    match policyc::request::bind(program, request, None) {
        Ok(_) => panic!("the request binds: {request}"),
        Err(errors) => errors
            .into_iter()
            .map(|e| (e.path, e.message, e.help))
            .collect(),
    }
}

#[test]
fn huge_height_and_weight_are_outside_their_plausible_ranges() {
    let errors = request_errors(program(), HUGE_HEIGHT_AND_WEIGHT);
    let paths: Vec<&str> = errors.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(paths, ["facts.body_weight", "facts.height"], "{errors:#?}");
    assert_eq!(
        errors[0].1,
        "`body_weight` is 8,873,048,003 kg, outside its plausible range of 0.3 kg to 650 kg"
    );
    assert_eq!(
        errors[1].1,
        "`height` is 8,929,080,794,725,453,442 cm, outside its plausible range of 20 cm to 280 cm"
    );
}

/// Without the plausible ranges, the same height and weight reach the body surface area formula,
/// whose product overflows: an error on the computed fact, naming its inputs.
#[test]
fn huge_height_and_weight_without_ranges_overflow_the_body_surface_area() {
    let text = proleukin_with(" within 0.3 kg to 650 kg", "");
    let text = text.replacen(" within 20 cm to 280 cm", "", 1);
    let checked = policyc::compile_source_in(&text, std::path::Path::new("policies"));
    let program = checked.program.expect("the policy without ranges compiles");
    assert_eq!(
        request_errors(&program, HUGE_HEIGHT_AND_WEIGHT),
        [(
            "facts.body_surface_area".to_string(),
            "a value is too large to compute with exactly".to_string(),
            Some(
                "`body_surface_area` is computed from `height`, `body_weight`: check their values and units"
                    .to_string()
            )
        )]
    );
}
