//! The README's condition forms and decision rules, one by one: small policies, requests that make
//! each form true, false and unknown, and the exact decision expected (written by hand from the
//! README, not recorded from a run).
//!
//! Longer than 800 lines on purpose: one small independent test per condition form and decision rule, in the README's order.

use policyc::eval::{Decision, DecisionKind};
use policyc::Program;

const DECLS: &str = r#"
enum Diagnosis open "The condition" { melanoma "Melanoma" sarcoma "Sarcoma" }
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
define both_flags() "Both flags" = flag_a and flag_b
"#;

fn compile(header_extra: &str, indications: &str) -> Program {
    let source = format!(
        "policy p {{\n  title \"T\" drug \"D\" effective 2024-01-01\n  not covered \"Not covered.\"\n{header_extra}}}\n{DECLS}{indications}"
    );
    let checked = policyc::compile_source(&source);
    checked.program.unwrap_or_else(|| {
        panic!(
            "does not compile: {:#?}\n{source}",
            checked
                .diagnostics
                .iter()
                .map(|d| format!("{}: {}", d.code, d.message))
                .collect::<Vec<_>>()
        )
    })
}

/// Decide a request stating `facts` (the inside of the JSON object), checking that `decide` and
/// `evaluate` agree on the kind.
fn decide(p: &Program, facts: &str) -> Decision {
    let json = format!("{{\"as_of\": \"2026-01-15\", \"facts\": {{{facts}}}}}");
    let req = policyc::request::bind(p, &json, None)
        .unwrap_or_else(|e| panic!("request {json} does not bind: {e:?}"));
    let d = policyc::eval::evaluate(p, &req);
    assert_eq!(policyc::eval::decide(p, &req).kind, d.decision, "{json}");
    d
}

fn labels<'a>(v: impl IntoIterator<Item = &'a String>) -> Vec<&'a str> {
    v.into_iter().map(|s| s.as_str()).collect()
}

fn missing(d: &Decision) -> Vec<&str> {
    d.missing.iter().map(|m| m.fact.as_str()).collect()
}

/// A policy whose only criterion is `cond`: approve when it holds, deny when it does not,
/// needs_info when it is unknown.
fn one_criterion(cond: &str) -> Program {
    compile(
        "",
        &format!(
            "indication 1 \"One\" {{\n  approve for 1 year\n  criteria: all of {{\n    A \"The condition\": {cond}\n  }}\n}}\n"
        ),
    )
}

/// The truth value of `cond` for each request: `T`, `F` or `U`.
fn truth(cond: &str, cases: &[(&str, char)]) {
    let p = one_criterion(cond);
    for (facts, want) in cases {
        let d = decide(&p, facts);
        let got = match d.decision {
            DecisionKind::Approve => 'T',
            DecisionKind::Deny => 'F',
            DecisionKind::NeedsInfo => 'U',
            DecisionKind::Refer => 'R',
        };
        assert_eq!(got, *want, "`{cond}` with {{{facts}}}");
        match got {
            'F' => assert_eq!(labels(d.unmet.iter().map(|u| &u.label)), ["1.A"]),
            'U' => assert!(!d.missing.is_empty()),
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------- the condition table

#[test]
fn yes_no_fact() {
    for cond in ["flag_a", "flag_a is yes", "flag_a is true"] {
        truth(
            cond,
            &[
                (r#""flag_a": true"#, 'T'),
                (r#""flag_a": false"#, 'F'),
                ("", 'U'),
                (r#""flag_a": null"#, 'U'),
            ],
        );
    }
    for cond in ["flag_a is no", "flag_a is false", "not flag_a"] {
        truth(
            cond,
            &[
                (r#""flag_a": true"#, 'F'),
                (r#""flag_a": false"#, 'T'),
                ("", 'U'),
            ],
        );
    }
}

/// The errors of a policy whose only criterion is `cond`: (code, message, help).
fn errors(cond: &str) -> Vec<(&'static str, String, String)> {
    let source = format!(
        "policy p {{\n  title \"T\" drug \"D\" effective 2024-01-01\n}}\n{DECLS}indication 1 \"One\" {{\n  approve for 1 year\n  criteria: all of {{\n    A \"The condition\": {cond}\n  }}\n}}\n"
    );
    let checked = policyc::compile_source(&source);
    assert!(checked.program.is_none(), "`{cond}` compiles");
    checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            (
                d.code,
                d.message.clone(),
                d.help.clone().unwrap_or_default(),
            )
        })
        .collect()
}

/// A yes/no fact is tested on its own: compared with `=` or `!=`, with a yes/no word or with
/// another yes/no fact, it is refused (E0300), with the way to write it; so is a comparison of two
/// enumeration values or two sets (which only numbers, quantities and dates have).
#[test]
fn a_yes_no_fact_is_not_compared() {
    for (cond, write) in [
        ("flag_a = true", "write `flag_a` (or `flag_a is yes`)"),
        ("flag_a = yes", "write `flag_a` (or `flag_a is yes`)"),
        ("flag_a != false", "write `flag_a` (or `flag_a is yes`)"),
        ("flag_a = no", "write `not flag_a` (or `flag_a is no`)"),
        ("flag_a ≠ true", "write `not flag_a` (or `flag_a is no`)"),
    ] {
        let word = cond.rsplit(' ').next().expect("a word");
        assert_eq!(
            errors(cond),
            [(
                "E0300",
                format!(
                    "`flag_a` is a yes/no fact, which is tested on its own, not compared with `{word}`"
                ),
                write.to_string()
            )],
            "{cond}"
        );
    }
    let e = errors("flag_a = 1");
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(
        (e[0].0, e[0].1.as_str()),
        (
            "E0300",
            "`flag_a` is a yes/no fact, but is compared with a number"
        )
    );
    for (cond, what) in [
        ("flag_a = flag_b", "a yes/no fact"),
        ("flag_a != flag_b", "a yes/no fact"),
        ("records = flag_a", "a yes/no fact"),
        ("route = route", "one value of `Route`"),
        ("sites = sites", "a set of `Site` values"),
    ] {
        let e = errors(cond);
        assert_eq!(e.len(), 1, "{cond}: {e:?}");
        let (a, b) = cond.split_once(['=', '!']).expect("a comparison");
        let (a, b) = (a.trim(), b.trim_start_matches(['=', ' ']));
        assert_eq!(e[0].0, "E0300", "{cond}");
        assert_eq!(
            e[0].1,
            format!("`{a}` and `{b}` are each {what}, which cannot be compared with each other; only numbers, quantities and dates can"),
            "{cond}"
        );
        assert!(e[0].2.starts_with("test each"), "{cond}: {}", e[0].2);
    }
}

#[test]
fn documentation_fact() {
    // True when provided, false when not available; left out, it is asked for.
    truth(
        "records",
        &[
            (r#""records": true"#, 'T'),
            (r#""records": false"#, 'F'),
            ("", 'U'),
        ],
    );
    let p = one_criterion("records");
    assert_eq!(missing(&decide(&p, "")), ["records"]);
}

#[test]
fn is_and_is_not() {
    truth(
        "route is iv",
        &[
            (r#""route": "iv""#, 'T'),
            (r#""route": "sc""#, 'F'),
            ("", 'U'),
        ],
    );
    truth(
        "route is not iv",
        &[
            (r#""route": "iv""#, 'F'),
            (r#""route": "oral""#, 'T'),
            ("", 'U'),
        ],
    );
    // An open enumeration's unlisted value matches none of the listed ones.
    truth(
        "diagnosis is melanoma",
        &[
            (r#""diagnosis": "melanoma""#, 'T'),
            (r#""diagnosis": "breast_cancer""#, 'F'),
            ("", 'U'),
        ],
    );
    truth(
        "diagnosis is not melanoma",
        &[
            (r#""diagnosis": "melanoma""#, 'F'),
            (r#""diagnosis": "breast_cancer""#, 'T'),
            ("", 'U'),
        ],
    );
}

#[test]
fn is_one_of() {
    truth(
        "route is one of [iv, sc]",
        &[
            (r#""route": "iv""#, 'T'),
            (r#""route": "sc""#, 'T'),
            (r#""route": "oral""#, 'F'),
            ("", 'U'),
        ],
    );
    truth(
        "diagnosis is one of [melanoma, sarcoma]",
        &[
            (r#""diagnosis": "sarcoma""#, 'T'),
            (r#""diagnosis": "other""#, 'F'),
            ("", 'U'),
        ],
    );
}

#[test]
fn set_tests() {
    truth(
        "sites has skin",
        &[
            (r#""sites": ["skin", "organ"]"#, 'T'),
            (r#""sites": ["organ"]"#, 'F'),
            (r#""sites": []"#, 'F'),
            ("", 'U'),
        ],
    );
    truth(
        "sites has any of [skin, lymph]",
        &[
            (r#""sites": ["lymph"]"#, 'T'),
            (r#""sites": ["organ"]"#, 'F'),
            (r#""sites": []"#, 'F'),
            ("", 'U'),
        ],
    );
    truth(
        "sites has all of [skin, lymph]",
        &[
            (r#""sites": ["lymph", "skin", "organ"]"#, 'T'),
            (r#""sites": ["lymph"]"#, 'F'),
            (r#""sites": []"#, 'F'),
            ("", 'U'),
        ],
    );
    truth(
        "sites has none of [skin, lymph]",
        &[
            (r#""sites": ["organ"]"#, 'T'),
            (r#""sites": []"#, 'T'),
            (r#""sites": ["skin"]"#, 'F'),
            ("", 'U'),
        ],
    );
}

#[test]
fn quantity_comparisons_are_exact_and_in_any_unit() {
    for le in ["at most", "<=", "≤"] {
        truth(
            &format!("dose {le} 100 mg"),
            &[
                (r#""dose": "100 mg""#, 'T'),
                (r#""dose": "100.000 mg""#, 'T'),
                (r#""dose": "0.1 g""#, 'T'),
                (r#""dose": "100000 ug""#, 'T'),
                (r#""dose": {"value": 99.999, "unit": "mg"}"#, 'T'),
                (r#""dose": "100.001 mg""#, 'F'),
                (r#""dose": "0.1000001 g""#, 'F'),
                ("", 'U'),
            ],
        );
    }
    for ge in ["at least", ">=", "≥"] {
        truth(
            &format!("rest {ge} 2 weeks"),
            &[
                (r#""rest": "14 d""#, 'T'),
                (r#""rest": "2 wk""#, 'T'),
                (r#""rest": "336 h""#, 'T'),
                (r#""rest": "335.99 h""#, 'F'),
                (r#""rest": "13.5 days""#, 'F'),
                ("", 'U'),
            ],
        );
    }
    for gt in ["more than", ">"] {
        truth(
            &format!("dose {gt} 0.5 g"),
            &[
                (r#""dose": "500.001 mg""#, 'T'),
                (r#""dose": "500 mg""#, 'F'),
                ("", 'U'),
            ],
        );
    }
    for lt in ["less than", "<"] {
        truth(
            &format!("dose {lt} 1,500 mg"),
            &[
                (r#""dose": "1499.99 mg""#, 'T'),
                (r#""dose": "1.5 g""#, 'F'),
                ("", 'U'),
            ],
        );
    }
    for eq in ["=", "is"] {
        truth(
            &format!("dose {eq} 37.5 mg"),
            &[
                (r#""dose": "37.50 mg""#, 'T'),
                (r#""dose": "0.0375 g""#, 'T'),
                (r#""dose": "37.51 mg""#, 'F'),
                ("", 'U'),
            ],
        );
    }
    for ne in ["!=", "≠", "is not"] {
        truth(
            &format!("dose {ne} 37.5 mg"),
            &[
                (r#""dose": "37.50 mg""#, 'F'),
                (r#""dose": "37.49 mg""#, 'T'),
                ("", 'U'),
            ],
        );
    }
}

#[test]
fn count_and_number_comparisons() {
    truth(
        "n at least 2",
        &[
            (r#""n": 2"#, 'T'),
            (r#""n": 3"#, 'T'),
            (r#""n": 1"#, 'F'),
            (r#""n": 0"#, 'F'),
            ("", 'U'),
        ],
    );
    truth(
        "score = 2.5",
        &[
            (r#""score": 2.5"#, 'T'),
            (r#""score": 2.50000"#, 'T'),
            (r#""score": 2.4999"#, 'F'),
            ("", 'U'),
        ],
    );
    truth(
        "score less than -1",
        &[
            (r#""score": -1.01"#, 'T'),
            (r#""score": -1"#, 'F'),
            ("", 'U'),
        ],
    );
}

#[test]
fn date_comparisons() {
    truth(
        "start_date at most 2020-01-01",
        &[
            (r#""start_date": "2020-01-01""#, 'T'),
            (r#""start_date": "2019-12-31""#, 'T'),
            (r#""start_date": "2020-01-02""#, 'F'),
            ("", 'U'),
        ],
    );
    truth(
        "start_date > 2020-02-28",
        &[
            (r#""start_date": "2020-02-29""#, 'T'),
            (r#""start_date": "2020-02-28""#, 'F'),
            ("", 'U'),
        ],
    );
}

#[test]
fn fact_against_fact() {
    truth(
        "dose at most dose_max",
        &[
            (r#""dose": "100 mg", "dose_max": "0.1 g""#, 'T'),
            (r#""dose": "100.01 mg", "dose_max": "100 mg""#, 'F'),
            (r#""dose": "100 mg""#, 'U'),
            (r#""dose_max": "100 mg""#, 'U'),
            ("", 'U'),
        ],
    );
    truth(
        "start_date < end_date",
        &[
            (
                r#""start_date": "2020-01-01", "end_date": "2020-01-02""#,
                'T',
            ),
            (
                r#""start_date": "2020-01-02", "end_date": "2020-01-02""#,
                'F',
            ),
            (r#""start_date": "2020-01-01""#, 'U'),
        ],
    );
}

#[test]
fn and_or_not_are_three_valued() {
    let (t, f) = (r#""flag_a": true"#, r#""flag_a": false"#);
    let and = |a: &str, b: &str| {
        format!(
            "{a}{}{b}",
            if a.is_empty() || b.is_empty() {
                ""
            } else {
                ", "
            }
        )
    };
    let bt = r#""flag_b": true"#;
    let bf = r#""flag_b": false"#;
    truth(
        "flag_a and flag_b",
        &[
            (&and(t, bt), 'T'),
            (&and(t, bf), 'F'),
            (&and(t, ""), 'U'),
            (&and(f, ""), 'F'),
            (&and("", bf), 'F'),
            ("", 'U'),
        ],
    );
    truth(
        "flag_a or flag_b",
        &[
            (&and(f, bf), 'F'),
            (&and(f, bt), 'T'),
            (&and(t, ""), 'T'),
            (&and("", bt), 'T'),
            (&and(f, ""), 'U'),
            ("", 'U'),
        ],
    );
    truth(
        "not (flag_a or flag_b)",
        &[(&and(f, bf), 'T'), (&and(f, ""), 'U'), (&and("", bt), 'F')],
    );
    // `not` binds tighter than `and`, `and` tighter than `or`.
    truth(
        "not flag_a and flag_b or route is iv",
        &[
            (&and(f, bt), 'T'),
            (r#""flag_a": true, "flag_b": true, "route": "sc""#, 'F'),
            (r#""flag_a": true, "flag_b": true, "route": "iv""#, 'T'),
            (r#""flag_a": false, "flag_b": false"#, 'U'),
        ],
    );
}

#[test]
fn is_known_is_never_unknown() {
    truth(
        "score is known",
        &[(r#""score": 0"#, 'T'), ("", 'F'), (r#""score": null"#, 'F')],
    );
    truth("score is not known", &[(r#""score": 0"#, 'F'), ("", 'T')]);
}

#[test]
fn meets_a_label_above() {
    let p = compile(
        "",
        r#"
indication 1 "Sarcoma" {
  applies when diagnosis is sarcoma
  approve for 1 year
  criteria: all of { A "IV and flag A" when route is iv: flag_a }
}
indication 2 "Melanoma" {
  applies when diagnosis is melanoma
  approve for 1 year
  criteria: all of { A "As 1.A" : meets 1.A }
}
"#,
    );
    let mel = r#""diagnosis": "melanoma""#;
    let cases = [
        (r#""route": "iv", "flag_a": true"#, DecisionKind::Approve),
        (r#""route": "sc", "flag_a": true"#, DecisionKind::Deny),
        (r#""route": "iv", "flag_a": false"#, DecisionKind::Deny),
        (r#""route": "iv""#, DecisionKind::NeedsInfo),
        (r#""flag_a": false"#, DecisionKind::Deny),
        (r#""flag_a": true"#, DecisionKind::NeedsInfo),
    ];
    for (facts, want) in cases {
        let d = decide(&p, &format!("{mel}, {facts}"));
        assert_eq!(d.decision, want, "{facts}");
        if want == DecisionKind::Approve {
            assert_eq!(d.indication.unwrap().label, "2");
        }
    }
}

#[test]
fn definitions() {
    truth(
        "on_route([iv, oral])",
        &[
            (r#""route": "oral""#, 'T'),
            (r#""route": "sc""#, 'F'),
            ("", 'U'),
        ],
    );
    truth(
        "both_flags()",
        &[
            (r#""flag_a": true, "flag_b": true"#, 'T'),
            (r#""flag_a": true"#, 'U'),
            (r#""flag_b": false"#, 'F'),
        ],
    );
}

// ---------------------------------------------------------------------- groups, guards, `if`

fn group(kind: &str) -> Program {
    compile(
        "",
        &format!(
            "indication 1 \"One\" {{\n  approve for 1 year\n  criteria: {kind} {{\n    A \"A\": flag_a\n    B \"B\": flag_b\n  }}\n}}\n"
        ),
    )
}

#[test]
fn all_of_one_of_none_of() {
    use DecisionKind::*;
    let all = group("all of");
    let one = group("one of");
    let none = group("none of");
    // (facts, all of, one of, none of)
    let cases = [
        (r#""flag_a": true, "flag_b": true"#, Approve, Approve, Deny),
        (r#""flag_a": true, "flag_b": false"#, Deny, Approve, Deny),
        (r#""flag_a": false, "flag_b": false"#, Deny, Deny, Approve),
        // Unknown with false: all of is false; one of and none of are unknown.
        (r#""flag_a": false"#, Deny, NeedsInfo, NeedsInfo),
        // Unknown with true: all of is unknown; one of is true; none of is false.
        (r#""flag_a": true"#, NeedsInfo, Approve, Deny),
        ("", NeedsInfo, NeedsInfo, NeedsInfo),
    ];
    for (facts, a, o, n) in cases {
        assert_eq!(decide(&all, facts).decision, a, "all of, {facts}");
        assert_eq!(decide(&one, facts).decision, o, "one of, {facts}");
        assert_eq!(decide(&none, facts).decision, n, "none of, {facts}");
    }
    // The labels cited.
    let d = decide(&all, r#""flag_a": false, "flag_b": false"#);
    assert_eq!(labels(d.unmet.iter().map(|u| &u.label)), ["1.A", "1.B"]);
    let d = decide(&all, r#""flag_a": false"#);
    assert_eq!(labels(d.unmet.iter().map(|u| &u.label)), ["1.A"]);
    let d = decide(&none, r#""flag_a": false, "flag_b": true"#);
    assert_eq!(labels(d.unmet.iter().map(|u| &u.label)), ["1.B"]);
    let d = decide(&one, r#""flag_a": false, "flag_b": true"#);
    assert_eq!(d.path, ["1", "1.B"]);
    assert_eq!(labels(d.criteria_met.iter().map(|c| &c.label)), ["1.B"]);
    let d = decide(&one, r#""flag_a": true, "flag_b": true"#);
    assert_eq!(d.path, ["1", "1.A"], "the first branch that holds");
    assert_eq!(missing(&decide(&one, r#""flag_a": false"#)), ["flag_b"]);
    assert_eq!(missing(&decide(&all, "")), ["flag_a", "flag_b"]);
}

#[test]
fn when_guards() {
    use DecisionKind::*;
    let p = compile(
        "",
        r#"
indication 1 "One" {
  approve for 1 year
  criteria: one of {
    A "Intravenous" when route is iv: flag_a
    B "Subcutaneous" when route is sc: flag_b
  }
}
"#,
    );
    let cases = [
        (r#""route": "iv", "flag_a": true"#, Approve),
        (r#""route": "iv", "flag_a": false, "flag_b": true"#, Deny),
        (r#""route": "oral", "flag_a": true, "flag_b": true"#, Deny),
        // Guard unknown, body true: unknown; guard unknown, body false: false.
        (r#""flag_a": true, "flag_b": false"#, NeedsInfo),
        (r#""flag_a": false, "flag_b": false"#, Deny),
        // Guard true, body unknown.
        (r#""route": "sc""#, NeedsInfo),
    ];
    for (facts, want) in cases {
        assert_eq!(decide(&p, facts).decision, want, "{facts}");
    }
    let d = decide(&p, r#""route": "iv", "flag_a": false, "flag_b": true"#);
    // A branch whose `when` is false is not a criterion the request failed: it is listed apart,
    // with when it applies.
    assert_eq!(labels(d.unmet.iter().map(|u| &u.label)), ["1.A"]);
    assert_eq!(labels(d.not_applicable.iter().map(|u| &u.label)), ["1.B"]);
    assert!(
        d.not_applicable[0].reason.starts_with("it applies when")
            && d.not_applicable[0]
                .reason
                .ends_with("the request states intravenous [iv]"),
        "{}",
        d.not_applicable[0].reason
    );
    let route = &d.not_applicable[0].tests[0];
    assert_eq!((route.fact.as_str(), route.operator), ("route", "is"));
    assert_eq!(route.values, ["sc"]);
    assert_eq!(
        missing(&decide(&p, r#""flag_a": true, "flag_b": false"#)),
        ["route"]
    );
    let d = decide(&p, r#""route": "sc", "flag_b": true"#);
    assert_eq!(d.path, ["1", "1.B"]);
}

#[test]
fn if_requirements() {
    use DecisionKind::*;
    let p = compile(
        "",
        r#"
indication 1 "One" {
  approve for 1 year
  criteria: all of {
    A "Flag A": flag_a
    B "If the dose is over 100 mg, the records" if dose more than 100 mg: records
  }
}
"#,
    );
    let cases = [
        // The condition is false: the requirement is met.
        (r#""flag_a": true, "dose": "50 mg""#, Approve),
        (
            r#""flag_a": true, "dose": "100 mg", "records": false"#,
            Approve,
        ),
        (
            r#""flag_a": true, "dose": "150 mg", "records": true"#,
            Approve,
        ),
        (
            r#""flag_a": true, "dose": "150 mg", "records": false"#,
            Deny,
        ),
        // Unknown condition: met if the body holds, unknown if it fails or is unknown.
        (r#""flag_a": true, "records": true"#, Approve),
        (r#""flag_a": true, "records": false"#, NeedsInfo),
        (r#""flag_a": true"#, NeedsInfo),
        // Unknown with false in an all of.
        (r#""flag_a": false"#, Deny),
    ];
    for (facts, want) in cases {
        assert_eq!(decide(&p, facts).decision, want, "{facts}");
    }
    assert_eq!(
        missing(&decide(&p, r#""flag_a": true, "records": false"#)),
        ["dose"]
    );
    let d = decide(&p, r#""flag_a": true, "dose": "150 mg", "records": false"#);
    assert_eq!(labels(d.unmet.iter().map(|u| &u.label)), ["1.B"]);
}

// ---------------------------------------------------------------------- the decision rules

#[test]
fn approve_cites_branch_period_and_conditions() {
    let p = compile(
        "",
        r#"
indication 1 "One" {
  approve for 1 year
  criteria: one of {
    A "Route IV" when route is iv: flag_a
    B "Route SC" when route is sc: all of {
      i "Flag A": flag_a
      ii "Flag B": flag_b
    }
  }
  dosing: all of {
    A "At most 100 mg": dose at most 100 mg
    B "Rest of at least 9 days": rest at least 9 days, as a condition of approval
  }
}
"#,
    );
    let d = decide(
        &p,
        r#""route": "sc", "flag_a": true, "flag_b": true, "dose": "100 mg""#,
    );
    assert_eq!(d.decision, DecisionKind::Approve);
    assert_eq!(d.indication.as_ref().unwrap().label, "1");
    assert_eq!(d.path, ["1", "1.B"]);
    assert_eq!(
        labels(d.criteria_met.iter().map(|c| &c.label)),
        ["1.B.i", "1.B.ii"]
    );
    let a = d.approval.as_ref().unwrap();
    assert_eq!(a.duration.text, "1 year");
    assert_eq!(a.start.as_deref(), Some("2026-01-15"));
    assert_eq!(a.end.as_deref(), Some("2027-01-14"));
    let cond: Vec<(&str, &str, Option<&str>)> = d
        .conditions
        .iter()
        .map(|l| {
            (
                l.label.as_str(),
                l.test.fact.as_str(),
                l.test.requested.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        cond,
        [
            ("1.Dosing.A", "dose", Some("100 mg")),
            ("1.Dosing.B", "rest", None)
        ]
    );
    // A condition of approval that is stated is checked: without an outside-dosing statement,
    // dosing outside the policy's is a denial.
    let d = decide(
        &p,
        r#""route": "iv", "flag_a": true, "dose": "100 mg", "rest": "8 days""#,
    );
    assert_eq!(d.decision, DecisionKind::Deny);
    assert_eq!(labels(d.unmet.iter().map(|u| &u.label)), ["1.Dosing.B"]);
    // A limit that is not a condition of approval is asked for.
    let d = decide(&p, r#""route": "iv", "flag_a": true"#);
    assert_eq!(d.decision, DecisionKind::NeedsInfo);
    assert_eq!(missing(&d), ["dose"]);
}

#[test]
fn dosing_outside_is_referred_with_a_statement_and_denied_without() {
    let body = r#"
indication 1 "One" {
  approve for 6 months
  criteria: all of { A "Flag A": flag_a }
  dosing: all of {
    A "At most 100 mg": dose at most 100 mg
    B "IV": route is iv
  }
}
"#;
    let with = compile("  outside dosing \"Other doses: a clinician.\"\n", body);
    let without = compile("", body);
    let over = r#""flag_a": true, "dose": "100.5 mg", "route": "iv""#;
    let d = decide(&with, over);
    assert_eq!(d.decision, DecisionKind::Refer);
    assert_eq!(d.statement.as_deref(), Some("Other doses: a clinician."));
    assert_eq!(d.path, ["1"]);
    assert!(d.referral.is_none());
    let ex: Vec<(&str, Option<&str>)> = d
        .exceeded
        .iter()
        .map(|l| (l.label.as_str(), l.test.requested.as_deref()))
        .collect();
    assert_eq!(ex, [("1.Dosing.A", Some("100.5 mg"))]);
    let d = decide(&without, over);
    assert_eq!(d.decision, DecisionKind::Deny);
    assert_eq!(labels(d.unmet.iter().map(|u| &u.label)), ["1.Dosing.A"]);
    // At the limit is within it.
    let at = r#""flag_a": true, "dose": "0.100 g", "route": "iv""#;
    assert_eq!(decide(&with, at).decision, DecisionKind::Approve);
    // Criteria not met: a denial either way, citing the criteria.
    let d = decide(&with, r#""flag_a": false, "dose": "200 mg", "route": "iv""#);
    assert_eq!(d.decision, DecisionKind::Deny);
    assert_eq!(labels(d.unmet.iter().map(|u| &u.label)), ["1.A"]);
}

/// README: a request is decided as soon as every completion of its unstated facts gives the same
/// decision. A dose outside both regimens, with a third branch left to a clinician when
/// literature is submitted: referred (with the statement) whether or not literature is
/// submitted, naming the exceeded limits; not asked for `flag_b`.
#[test]
fn decided_when_every_completion_gives_the_same_decision() {
    use DecisionKind::*;
    let body = r#"
indication 1 "One" {
  approve for 1 year
  criteria: all of { A "Flag A": flag_a }
  dosing: one of {
    A "At most 100 mg IV" when route is iv: dose at most 100 mg
    B "At most 50 mg SC" when route is sc: dose at most 50 mg
    C "A dose supported by the literature" when flag_b: refer to a clinician
  }
}
"#;
    let with = compile("  outside dosing \"Other doses: a clinician.\"\n", body);
    let d = decide(&with, r#""flag_a": true, "route": "iv", "dose": "200 mg""#);
    assert_eq!(d.decision, Refer, "{:?}", missing(&d));
    assert_eq!(d.statement.as_deref(), Some("Other doses: a clinician."));
    assert_eq!(labels(d.exceeded.iter().map(|l| &l.label)), ["1.Dosing.A"]);
    // Within the IV regimen: approve, whatever flag_b is.
    let d = decide(&with, r#""flag_a": true, "route": "iv", "dose": "100 mg""#);
    assert_eq!(d.decision, Approve);
    // Without the statement, flag_b decides between refer (literature) and deny.
    let without = compile("", body);
    let d = decide(
        &without,
        r#""flag_a": true, "route": "iv", "dose": "200 mg""#,
    );
    assert_eq!(d.decision, NeedsInfo);
    assert_eq!(missing(&d), ["flag_b"]);
    // The criteria unknown, the dose outside: flag_a decides between refer and deny; flag_b
    // (refer either way once the criteria hold) is not asked for.
    let d = decide(&with, r#""route": "iv", "dose": "200 mg""#);
    assert_eq!(d.decision, NeedsInfo);
    assert_eq!(missing(&d), ["flag_a"]);
}

#[test]
fn referral_and_redirect_criteria() {
    use DecisionKind::*;
    let p = compile(
        "",
        r#"
indication 1 "One" {
  approve for 1 year
  criteria: one of {
    A "Flag A": flag_a
    B "A clinician decides when flag B" when flag_b: refer to a clinician
    C "Sarcoma goes to its own review" when diagnosis is sarcoma: redirect to "Sarcoma policy"
  }
}
"#,
    );
    let d = decide(
        &p,
        r#""flag_a": false, "flag_b": true, "diagnosis": "melanoma""#,
    );
    assert_eq!(d.decision, Refer);
    let r = d.referral.as_ref().unwrap();
    assert_eq!((r.label.as_str(), r.redirect_to.as_deref()), ("1.B", None));
    assert_eq!(d.path, ["1", "1.B"]);
    let d = decide(
        &p,
        r#""flag_a": false, "flag_b": false, "diagnosis": "sarcoma""#,
    );
    assert_eq!(d.decision, Refer);
    let r = d.referral.as_ref().unwrap();
    assert_eq!(
        (r.label.as_str(), r.redirect_to.as_deref()),
        ("1.C", Some("Sarcoma policy"))
    );
    // Held without people: approve, even though a referral also applies.
    let d = decide(&p, r#""flag_a": true, "flag_b": true"#);
    assert_eq!(d.decision, Approve);
    assert_eq!(d.path, ["1", "1.A"]);
    // Only through a referral, but flag_a unknown: it could still be approved.
    let d = decide(&p, r#""flag_b": true"#);
    assert_eq!(d.decision, NeedsInfo);
    assert_eq!(missing(&d), ["flag_a"]);
    let d = decide(
        &p,
        r#""flag_a": false, "flag_b": false, "diagnosis": "melanoma""#,
    );
    assert_eq!(d.decision, Deny);
    assert_eq!(labels(d.unmet.iter().map(|u| &u.label)), ["1.A"]);
    assert_eq!(
        labels(d.not_applicable.iter().map(|u| &u.label)),
        ["1.B", "1.C"]
    );
}

#[test]
fn applicability_and_not_covered() {
    use DecisionKind::*;
    let p = compile(
        "",
        r#"
indication 1 "Melanoma" {
  applies when diagnosis is melanoma
  approve for 1 year
  criteria: all of { A "Flag A": flag_a }
}
indication 2 "Sarcoma" {
  applies when diagnosis is sarcoma
  approve for 2 years
  criteria: all of { A "Flag B": flag_b }
}
"#,
    );
    let d = decide(&p, r#""diagnosis": "breast_cancer", "flag_a": true"#);
    assert_eq!(d.decision, Deny);
    assert_eq!(d.statement.as_deref(), Some("Not covered."));
    assert_eq!(labels(d.unmet.iter().map(|u| &u.label)), ["not covered"]);
    let d = decide(
        &p,
        r#""diagnosis": "sarcoma", "flag_a": true, "flag_b": true"#,
    );
    assert_eq!(d.decision, Approve);
    assert_eq!(d.indication.as_ref().unwrap().label, "2");
    assert_eq!(d.approval.as_ref().unwrap().duration.text, "2 years");
    // Applicability unknown: the criteria decide whether it matters.
    let d = decide(&p, r#""flag_a": false, "flag_b": false"#);
    assert_eq!(
        d.decision, Deny,
        "unknown applicability with false criteria"
    );
    assert_eq!(labels(d.unmet.iter().map(|u| &u.label)), ["1.A", "2.A"]);
    let d = decide(&p, r#""flag_a": true, "flag_b": false"#);
    assert_eq!(d.decision, NeedsInfo);
    assert_eq!(missing(&d), ["diagnosis"]);
    let d = decide(&p, "");
    assert_eq!(d.decision, NeedsInfo);
    assert_eq!(missing(&d), ["diagnosis", "flag_a", "flag_b"]);
}

#[test]
fn the_first_indication_that_approves() {
    use DecisionKind::*;
    let p = compile(
        "  outside dosing \"Other doses: a clinician.\"\n",
        r#"
indication 1 "First" {
  approve for 1 year
  criteria: all of { A "Flag A": flag_a }
  dosing: all of { A "At most 100 mg": dose at most 100 mg }
}
indication 2 "Second" {
  approve for 3 months
  criteria: all of { A "Flag B": flag_b }
}
"#,
    );
    // 1 is referred (dosing outside), 2 approves: approve under 2.
    let d = decide(&p, r#""flag_a": true, "flag_b": true, "dose": "150 mg""#);
    assert_eq!(
        (d.decision, d.indication.unwrap().label.as_str()),
        (Approve, "2")
    );
    // Both approve: the first.
    let d = decide(&p, r#""flag_a": true, "flag_b": true, "dose": "50 mg""#);
    assert_eq!(
        (d.decision, d.indication.unwrap().label.as_str()),
        (Approve, "1")
    );
    // 1 unknown, 2 approves: approve.
    let d = decide(&p, r#""flag_b": true"#);
    assert_eq!(
        (d.decision, d.indication.unwrap().label.as_str()),
        (Approve, "2")
    );
    // 1 referred, 2 unknown: 2 could still approve.
    let d = decide(&p, r#""flag_a": true, "dose": "150 mg""#);
    assert_eq!(d.decision, NeedsInfo);
    assert_eq!(missing(&d), ["flag_b"]);
    // 1 referred, 2 denied: refer under 1.
    let d = decide(&p, r#""flag_a": true, "flag_b": false, "dose": "150 mg""#);
    assert_eq!(
        (d.decision, d.indication.unwrap().label.as_str()),
        (Refer, "1")
    );
}

/// Of several indications that refer, the decision cites the first that refers whatever the
/// unstated facts are, if none can approve (README, Decisions): through dosing outside the
/// policy's, and through a `refer to a clinician` criterion.
#[test]
fn the_first_of_several_referring_indications_is_cited() {
    use DecisionKind::*;
    let p = compile(
        "  outside dosing \"Other doses: a clinician.\"\n",
        r#"
indication 1 "First" {
  approve for 1 year
  criteria: all of { A "Flag A": flag_a }
  dosing: all of { A "At most 100 mg": dose at most 100 mg }
}
indication 2 "Second" {
  approve for 1 year
  criteria: all of { A "Flag B": flag_b }
  dosing: all of { A "At most 200 mg": dose at most 200 mg }
}
"#,
    );
    let under = |d: &Decision| {
        (
            d.decision,
            d.indication.as_ref().map(|i| i.label.clone()),
            labels(d.exceeded.iter().map(|l| &l.label))
                .into_iter()
                .map(String::from)
                .collect::<Vec<_>>(),
        )
    };
    let refer = |ind: &str, limit: &str| (Refer, Some(ind.to_string()), vec![limit.to_string()]);
    // Both exceed their dosing: the first.
    let d = decide(&p, r#""flag_a": true, "flag_b": true, "dose": "300 mg""#);
    assert_eq!(under(&d), refer("1", "1.Dosing.A"));
    assert_eq!(d.statement.as_deref(), Some("Other doses: a clinician."));
    // The first denied: the second.
    let d = decide(&p, r#""flag_a": false, "flag_b": true, "dose": "300 mg""#);
    assert_eq!(under(&d), refer("2", "2.Dosing.A"));
    // The first refers whatever flag_b is, and neither can approve: the first.
    let d = decide(&p, r#""flag_a": true, "dose": "300 mg""#);
    assert_eq!(under(&d), refer("1", "1.Dosing.A"));
    // The first refers or is denied, depending on flag_a; the second refers whatever: the
    // second is the first that refers whatever the unstated facts are.
    let d = decide(&p, r#""flag_b": true, "dose": "300 mg""#);
    assert_eq!(under(&d), refer("2", "2.Dosing.A"));
    // The first refers, the second could approve: needs_info.
    let d = decide(&p, r#""flag_a": true, "dose": "150 mg""#);
    assert_eq!(d.decision, NeedsInfo);
    assert_eq!(missing(&d), ["flag_b"]);

    // Through `refer to a clinician` criteria, the first through dosing.
    let p = compile(
        "  outside dosing \"Other doses: a clinician.\"\n",
        r#"
indication 1 "First" {
  approve for 1 year
  criteria: all of { A "Flag A": flag_a }
  dosing: all of { A "At most 100 mg": dose at most 100 mg }
}
indication 2 "Second" {
  approve for 1 year
  criteria: all of {
    A "Flag B": flag_b
    B "A clinician decides": refer to a clinician
  }
}
indication 3 "Third" {
  approve for 1 year
  criteria: all of {
    A "A score of 5 or more": score at least 5
    B "A clinician decides on the score": refer to a clinician
  }
}
"#,
    );
    let referral = |d: &Decision| d.referral.as_ref().map(|r| r.label.clone());
    // 1 refers through its dosing, 2 and 3 through their criteria: 1, with no referral leaf.
    let d = decide(
        &p,
        r#""flag_a": true, "dose": "300 mg", "flag_b": true, "score": 7"#,
    );
    assert_eq!(under(&d), refer("1", "1.Dosing.A"));
    assert_eq!(referral(&d), None);
    // 1 denied: 2, naming its referral criterion.
    let d = decide(
        &p,
        r#""flag_a": false, "dose": "300 mg", "flag_b": true, "score": 7"#,
    );
    assert_eq!(
        (d.decision, d.indication.as_ref().map(|i| i.label.as_str())),
        (Refer, Some("2"))
    );
    assert_eq!(referral(&d).as_deref(), Some("2.B"));
    assert!(d.exceeded.is_empty(), "{:?}", d.exceeded);
    // 1 and 2 denied: 3.
    let d = decide(
        &p,
        r#""flag_a": false, "dose": "300 mg", "flag_b": false, "score": 7"#,
    );
    assert_eq!(
        (d.decision, d.indication.as_ref().map(|i| i.label.as_str())),
        (Refer, Some("3"))
    );
    assert_eq!(referral(&d).as_deref(), Some("3.B"));
}

#[test]
fn reauthorization() {
    use DecisionKind::*;
    let p = compile(
        "",
        r#"
indication 1 "One" {
  approve for 6 months
  criteria: all of { A "Flag A": flag_a }
  reauthorization R "Reauthorization" {
    approve for 12 months
    criteria: all of { A "Flag B": flag_b }
  }
}
"#,
    );
    let d = decide(&p, r#""authorization": "initial", "flag_a": true"#);
    assert_eq!(d.decision, Approve);
    assert_eq!(d.indication.as_ref().unwrap().label, "1");
    assert_eq!(d.approval.as_ref().unwrap().duration.text, "6 months");
    let d = decide(&p, r#""authorization": "reauthorization", "flag_b": true"#);
    assert_eq!(d.decision, Approve);
    assert_eq!(d.indication.as_ref().unwrap().label, "1.R");
    assert_eq!(d.path, ["1.R"]);
    assert_eq!(labels(d.criteria_met.iter().map(|c| &c.label)), ["1.R.A"]);
    assert_eq!(
        d.approval.as_ref().unwrap().end.as_deref(),
        Some("2027-01-14")
    );
    let d = decide(
        &p,
        r#""authorization": "reauthorization", "flag_a": true, "flag_b": false"#,
    );
    assert_eq!(d.decision, Deny);
    assert_eq!(labels(d.unmet.iter().map(|u| &u.label)), ["1.R.A"]);
    // Unknown phase: each phase's criteria decide whether it matters.
    let d = decide(&p, r#""flag_a": true, "flag_b": false"#);
    assert_eq!(d.decision, NeedsInfo);
    assert_eq!(missing(&d), ["authorization"]);
    // flag_b decides, together with the phase, whether the reauthorization is approved.
    let d = decide(&p, r#""flag_a": true"#);
    assert_eq!(d.decision, NeedsInfo);
    assert_eq!(missing(&d), ["authorization", "flag_b"]);
    let d = decide(&p, r#""flag_a": false, "flag_b": false"#);
    assert_eq!(d.decision, Deny);
}

#[test]
fn limits_at_the_limit_through_a_derived_fact_and_an_equivalence() {
    // The README's own example: 43,200,000 IU at 72 kg is exactly 600,000 IU/kg.
    let source = r#"
policy p {
  title "T" drug "D" effective 2024-01-01
  outside dosing "Other doses: a clinician."
}
equivalence 18 million IU = 1.1 mg "18 million IU are 1.1 mg"
fact dose: IU "Each dose"
fact body_weight: kg "The body weight"
fact dose_per_kg: IU/kg "Each dose per kilogram" = dose / body_weight
indication 1 "One" {
  approve for 1 year
  criteria: all of { A "Weight stated": body_weight is known or dose_per_kg is known }
  dosing: all of { A "At most 600,000 IU/kg": dose_per_kg at most 600,000 IU/kg (0.037 mg/kg) }
}
"#;
    let checked = policyc::compile_source(source);
    let p = checked
        .program
        .unwrap_or_else(|| panic!("{:#?}", checked.diagnostics));
    let cases = [
        (
            r#""dose": "43200000 IU", "body_weight": "72 kg""#,
            DecisionKind::Approve,
        ),
        (
            r#""dose": "43,200,001 IU", "body_weight": "72 kg""#,
            DecisionKind::Refer,
        ),
        (
            r#""dose": "43.2 million IU", "body_weight": "72000 g""#,
            DecisionKind::Approve,
        ),
        (r#""dose_per_kg": "0.037 mg/kg""#, DecisionKind::Approve),
        (r#""dose_per_kg": "0.0371 mg/kg""#, DecisionKind::Refer),
        (r#""dose_per_kg": "600000 [IU]/kg""#, DecisionKind::Approve),
        (r#""dose_per_kg": "600000.01 IU/kg""#, DecisionKind::Refer),
        (r#""body_weight": "72 kg""#, DecisionKind::NeedsInfo),
    ];
    for (facts, want) in cases {
        assert_eq!(decide(&p, facts).decision, want, "{facts}");
    }
    // A derived fact that is missing names the inputs it can be computed from.
    let d = decide(&p, r#""body_weight": "72 kg""#);
    assert_eq!(missing(&d), ["dose_per_kg"]);
    assert_eq!(d.missing[0].or_inputs, ["dose"]);
}

/// An unlisted value of an open enumeration matches none of the listed values, even the 128th
/// (the last a mask can hold), which an unlisted value's index could otherwise alias.
#[test]
fn unlisted_value_of_a_full_open_enumeration_matches_no_listed_value() {
    use DecisionKind::*;
    let values: Vec<String> = (0..128).map(|i| format!("v{i} \"Value {i}\"")).collect();
    let source = format!(
        "policy p {{\n  title \"T\" drug \"D\" effective 2024-01-01\n  not covered \"Not covered.\"\n}}\n\
         enum Kind open \"A kind\" {{ {} }}\n\
         fact kind: Kind \"The kind\"\n\
         indication 1 \"One\" {{\n  approve for 1 year\n  criteria \"The last kind\": kind is v127\n}}\n",
        values.join(" ")
    );
    let checked = policyc::compile_source(&source);
    let p = checked.program.unwrap_or_else(|| {
        panic!(
            "does not compile: {:?}",
            checked
                .diagnostics
                .iter()
                .map(|d| format!("{}: {}", d.code, d.message))
                .collect::<Vec<_>>()
        )
    });
    assert_eq!(decide(&p, r#""kind": "v127""#).decision, Approve);
    assert_eq!(decide(&p, r#""kind": "v126""#).decision, Deny);
    assert_eq!(decide(&p, r#""kind": "something_else""#).decision, Deny);
}
