//! Regimens (`240 mg every 2 weeks`), the phases of a course (`in phases { ... for 4 doses ... }`)
//! and dosing criteria written among the criteria: what they decide, written by hand from the
//! README (not recorded from a run), how decisions word them, and the IR that carries them.

use policyc::eval::{Decision, DecisionKind};
use policyc::Program;
use std::process::Command;

const HEAD: &str = r#"policy p {
  title "T"
  drug "D"
  effective 2024-01-01
  outside dosing "Doses outside the policy's are reviewed by a clinician."
}
enum Route "The route" { iv "Intravenous" sc "Subcutaneous" }
fact route: Route "The route"
fact dose: mg "The amount of each dose"
fact body_weight: kg "The patient's body weight"
fact dose_per_kg: mg/kg "Each dose per kilogram of body weight" = dose / body_weight
fact dose_interval: weeks "Time from the previous dose to this one"
fact doses_given: count "How many doses of the course were given before this one"
regimen dose or dose_per_kg every dose_interval counting doses_given
"#;

fn compile(indications: &str) -> Program {
    let source = format!("{HEAD}{indications}");
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

/// The error codes of a policy that must not compile.
fn errors(indications: &str) -> Vec<&'static str> {
    let checked = policyc::compile_source(&format!("{HEAD}{indications}"));
    assert!(checked.program.is_none(), "compiled:\n{indications}");
    checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.code)
        .collect()
}

/// Decide a request stating `facts` (the inside of the JSON object), checking that `decide` and
/// `evaluate` agree.
fn decide(p: &Program, facts: &str) -> Decision {
    let json = format!("{{\"as_of\": \"2026-01-15\", \"facts\": {{{facts}}}}}");
    let req = policyc::request::bind(p, &json, None)
        .unwrap_or_else(|e| panic!("request {json} does not bind: {e:?}"));
    let d = policyc::eval::evaluate(p, &req);
    assert_eq!(policyc::eval::decide(p, &req).kind, d.decision, "{json}");
    d
}

fn exceeded(d: &Decision) -> Vec<&str> {
    let mut v: Vec<&str> = d.exceeded.iter().map(|l| l.label.as_str()).collect();
    v.dedup();
    v
}

const REGIMENS: &str = r#"
indication 1 "One" {
  approve for 6 months
  criteria: route is iv
  dosing "ONE of the following (A or B)": one of {
    A "240 mg every 2 weeks": 240 mg every 2 weeks
    B "3 mg/kg every 4 weeks": 3 mg/kg every 4 weeks
  }
}
"#;

#[test]
fn a_regimen_limits_the_dose_fact_of_its_unit_and_the_interval() {
    let p = compile(REGIMENS);
    let base = r#""route": "iv", "body_weight": "100 kg""#;
    // At each limit: within.
    let d = decide(
        &p,
        &format!(r#"{base}, "dose": "240 mg", "dose_interval": "2 weeks""#),
    );
    assert_eq!(d.decision, DecisionKind::Approve);
    assert_eq!(d.conditions[0].label, "1.Dosing.A");
    // 300 mg for 100 kg is 3 mg/kg: within B (a dose per kilogram), every 4 weeks only.
    let d = decide(
        &p,
        &format!(r#"{base}, "dose": "300 mg", "dose_interval": "4 weeks""#),
    );
    assert_eq!(d.decision, DecisionKind::Approve);
    assert_eq!(d.conditions[0].label, "1.Dosing.B");
    let d = decide(
        &p,
        &format!(r#"{base}, "dose": "300 mg", "dose_interval": "3 weeks""#),
    );
    assert_eq!(d.decision, DecisionKind::Refer);
    assert_eq!(exceeded(&d), ["1.Dosing.A", "1.Dosing.B"]);
    // 240 mg every 13 days is more often than every 2 weeks, and 241 mg more than 240 mg.
    for (dose, every) in [("240 mg", "13 d"), ("241 mg", "2 weeks")] {
        let d = decide(
            &p,
            &format!(
                r#""route": "iv", "body_weight": "50 kg", "dose": "{dose}", "dose_interval": "{every}""#
            ),
        );
        assert_eq!(d.decision, DecisionKind::Refer, "{dose} every {every}");
    }
    // The interval is asked for, unless the regimen makes it a condition of approval.
    let d = decide(&p, &format!(r#"{base}, "dose": "240 mg""#));
    assert_eq!(d.decision, DecisionKind::NeedsInfo);
    assert_eq!(
        d.missing
            .iter()
            .map(|m| m.fact.as_str())
            .collect::<Vec<_>>(),
        ["dose_interval"]
    );
    let p = compile(&REGIMENS.replace(
        "240 mg every 2 weeks\n",
        "240 mg every 2 weeks, as a condition of approval\n",
    ));
    let d = decide(&p, &format!(r#"{base}, "dose": "240 mg""#));
    assert_eq!(d.decision, DecisionKind::Approve);
    let c: Vec<(&str, &str)> = d
        .conditions
        .iter()
        .map(|l| (l.test.fact.as_str(), l.test.allowed.as_str()))
        .collect();
    assert_eq!(
        c,
        [
            ("dose", "at most 240 mg"),
            ("dose_interval", "at least 2 weeks")
        ]
    );
    assert!(d.conditions[1].test.requested.is_none());
}

#[test]
fn a_regimen_is_explained_per_alternative_in_the_documents_words() {
    let p = compile(REGIMENS);
    let d = decide(
        &p,
        r#""route": "iv", "body_weight": "100 kg", "dose": "480 mg", "dose_interval": "2 weeks""#,
    );
    let r = d.regimen.as_ref().expect("a regimen explanation");
    assert_eq!(
        r.summary,
        "allowed: 240 mg every 2 weeks (1.Dosing.A; the request is 480 mg every 2 weeks) or 3 mg/kg every 4 weeks (1.Dosing.B; the request is 4.8 mg/kg every 2 weeks)"
    );
    assert_eq!(r.regimens.len(), 2);
    assert_eq!(r.regimens[0].within, Some(false));
    assert!(r.phase.is_none());
    let d = decide(
        &p,
        r#""route": "iv", "body_weight": "100 kg", "dose": "200 mg", "dose_interval": "2 weeks""#,
    );
    assert_eq!(
        d.regimen.expect("a regimen explanation").summary,
        "240 mg is allowed every 2 weeks (1.Dosing.A); the request is 200 mg every 2 weeks"
    );
    // One time unit reads in the singular, as the request writes it.
    let d = decide(
        &p,
        r#""route": "iv", "body_weight": "100 kg", "dose": "200 mg", "dose_interval": "1 week""#,
    );
    assert_eq!(
        d.regimen.expect("a regimen explanation").summary,
        "allowed: 240 mg every 2 weeks (1.Dosing.A; the request is 200 mg every 1 week) or 3 mg/kg every 4 weeks (1.Dosing.B; the request is 2 mg/kg every 1 week)"
    );
    // A policy without regimens has no such field, in JSON either.
    let plain = compile(
        "indication 1 \"One\" {\n  approve for 1 year\n  criteria: route is iv\n  dosing: dose at most 240 mg\n}\n",
    );
    let d = decide(&plain, r#""route": "iv", "dose": "200 mg""#);
    assert!(d.regimen.is_none());
    let json = serde_json::to_value(&d).expect("JSON");
    assert!(json.get("regimen").is_none(), "{json}");
}

const PHASES: &str = r#"
indication 1 "In phases" {
  approve for 6 months
  criteria: route is iv
  dosing "3 mg/kg every 3 weeks for 4 doses, then 480 mg every 4 weeks (A, then B)": in phases {
    A "Induction: 3 mg/kg every 3 weeks for 4 doses" for 4 doses: 3 mg/kg every 3 weeks
    B "Maintenance: 480 mg every 4 weeks" for 2 doses: 480 mg every 4 weeks
  }
}
"#;

#[test]
fn phases_follow_the_doses_given() {
    let p = compile(PHASES);
    let ask = |given: u32, dose: &str, every: &str| {
        decide(
            &p,
            &format!(
                r#""route": "iv", "body_weight": "80 kg", "doses_given": {given}, "dose": "{dose}", "dose_interval": "{every}""#
            ),
        )
    };
    // Doses 1 to 4: induction (240 mg for 80 kg is 3 mg/kg); 480 mg is not allowed yet.
    for given in 0..4 {
        assert_eq!(
            ask(given, "240 mg", "3 weeks").decision,
            DecisionKind::Approve,
            "dose {}",
            given + 1
        );
        assert_eq!(
            ask(given, "480 mg", "4 weeks").decision,
            DecisionKind::Refer,
            "dose {}",
            given + 1
        );
    }
    // Doses 5 and 6: maintenance; 240 mg every 3 weeks is too often for it.
    for given in 4..6 {
        assert_eq!(
            ask(given, "480 mg", "4 weeks").decision,
            DecisionKind::Approve,
            "dose {}",
            given + 1
        );
        let d = ask(given, "240 mg", "3 weeks");
        assert_eq!(d.decision, DecisionKind::Refer, "dose {}", given + 1);
        assert_eq!(exceeded(&d), ["1.Dosing.B"]);
    }
    // Dose 7 is after the course: referred whatever the dose.
    let d = ask(6, "480 mg", "4 weeks");
    assert_eq!(d.decision, DecisionKind::Refer);
    let r = d.regimen.expect("a regimen explanation");
    let phase = r.phase.expect("the phase");
    assert!(!phase.within);
    assert_eq!(
        r.summary,
        "dose 7 is after the course: its last phase, 1.Dosing.B (doses 5 to 6), ends with dose 6"
    );
    // Unstated, the doses given are asked for when they decide.
    let d = decide(
        &p,
        r#""route": "iv", "body_weight": "80 kg", "dose": "480 mg", "dose_interval": "4 weeks""#,
    );
    assert_eq!(d.decision, DecisionKind::NeedsInfo);
    assert_eq!(
        d.missing
            .iter()
            .map(|m| m.fact.as_str())
            .collect::<Vec<_>>(),
        ["doses_given"]
    );
}

#[test]
fn a_phase_is_explained_by_the_dose_number() {
    let p = compile(PHASES);
    let d = decide(
        &p,
        r#""route": "iv", "body_weight": "80 kg", "doses_given": 4, "dose": "480 mg", "dose_interval": "2 weeks""#,
    );
    assert_eq!(d.decision, DecisionKind::Refer);
    assert_eq!(
        d.regimen.expect("a regimen explanation").summary,
        "dose 5 is in 1.Dosing.B (doses 5 to 6): Maintenance: 480 mg every 4 weeks; the request is 480 mg every 2 weeks; allowed: 480 mg every 4 weeks (1.Dosing.B)"
    );
    let d = decide(
        &p,
        r#""route": "iv", "body_weight": "80 kg", "doses_given": 0, "dose": "240 mg", "dose_interval": "3 weeks""#,
    );
    assert_eq!(d.decision, DecisionKind::Approve);
    assert_eq!(
        d.regimen.expect("a regimen explanation").summary,
        "dose 1 is in 1.Dosing.A (doses 1 to 4): Induction: 3 mg/kg every 3 weeks for 4 doses; 3 mg/kg is allowed every 3 weeks (1.Dosing.A); the request is 3 mg/kg every 3 weeks"
    );
}

#[test]
fn a_dosing_criterion_among_the_criteria_refers_under_its_own_label() {
    let p = compile(
        r#"
indication 4 "Four" {
  approve for 6 months
  criteria "ALL of the following (a and b)": all of {
    a "Dosing and route (i and ii)": all of {
      i  "Each dose must not exceed 240 mg, given no more frequently than every 2 weeks": 240 mg every 2 weeks
      ii "Given intravenously": route is iv
    }
    b "The patient weighs at least 40 kg": body_weight at least 40 kg
  }
}
"#,
    );
    let d = decide(
        &p,
        r#""route": "iv", "body_weight": "80 kg", "dose": "480 mg", "dose_interval": "2 weeks""#,
    );
    assert_eq!(d.decision, DecisionKind::Refer);
    assert_eq!(exceeded(&d), ["4.a.i"]);
    let met: Vec<&str> = d.criteria_met.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(met, ["4.a.ii", "4.b"]);
    // A criterion that is not dosing still denies.
    let d = decide(
        &p,
        r#""route": "sc", "body_weight": "80 kg", "dose": "240 mg", "dose_interval": "2 weeks""#,
    );
    assert_eq!(d.decision, DecisionKind::Deny);
    assert_eq!(
        d.unmet.iter().map(|u| u.label.as_str()).collect::<Vec<_>>(),
        ["4.a.ii"]
    );
    let d = decide(
        &p,
        r#""route": "iv", "body_weight": "80 kg", "dose": "240 mg", "dose_interval": "2 weeks""#,
    );
    assert_eq!(d.decision, DecisionKind::Approve);
    // Under a `one of` it cannot be checked as dosing.
    let codes = errors(
        r#"
indication 1 "One" {
  approve for 6 months
  criteria: one of {
    A "240 mg every 2 weeks": 240 mg every 2 weeks
    B "Given intravenously": route is iv
  }
}
"#,
    );
    assert_eq!(codes, ["E0435"]);
}

#[test]
fn misuse_is_reported_with_its_code() {
    let with = |dosing: &str| {
        format!("indication 1 \"One\" {{\n  approve for 6 months\n  criteria: route is iv\n  dosing: {dosing}\n}}\n")
    };
    assert_eq!(errors(&with("240 mg/m2 every 2 weeks")), ["E0432"]);
    assert_eq!(errors(&with("240 mg every 2 doses")), ["E0432"]);
    assert_eq!(
        errors(&with(
            "in phases {\n    A \"a\" for 0 doses: 240 mg every 2 weeks\n  }"
        )),
        ["E0433"]
    );
    assert_eq!(
        errors(&with("in phases {\n    A \"a\": 240 mg every 2 weeks\n    B \"b\": 480 mg every 4 weeks\n  }")),
        ["E0434"]
    );
    let without = policyc::compile_source(&format!(
        "{}{}",
        HEAD.replace(
            "regimen dose or dose_per_kg every dose_interval counting doses_given\n",
            ""
        ),
        with("240 mg every 2 weeks")
    ));
    let codes: Vec<&str> = without
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.code)
        .collect();
    assert_eq!(codes, ["E0430"]);
    let no_count = policyc::compile_source(&format!(
        "{}{}",
        HEAD.replace(" counting doses_given", ""),
        with("in phases {\n    A \"a\" for 2 doses: 240 mg every 2 weeks\n  }")
    ));
    let codes: Vec<&str> = no_count
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.code)
        .collect();
    assert_eq!(codes, ["E0430"]);
    let twice = policyc::compile_source(&format!(
        "{HEAD}regimen dose every dose_interval\n{}",
        with("240 mg every 2 weeks")
    ));
    let codes: Vec<&str> = twice
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.code)
        .collect();
    assert_eq!(codes, ["E0431"]);
}

#[test]
fn the_ir_carries_regimens_and_phases_and_refuses_a_wrong_slot() {
    let p = compile(PHASES);
    let json = serde_json::to_string(&p).expect("JSON");
    let back = policyc::ir::Program::from_json(&json).expect("reads back");
    assert_eq!(back, p);
    let mut v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let phase = &mut v["indications"][0]["dosing"]["body"]["children"][1]["course"]["phase"];
    assert_eq!(phase["first"], 5);
    assert_eq!(phase["last"], 6);
    phase["doses_given"] = serde_json::json!(99);
    let err = policyc::ir::Program::from_json(&v.to_string()).expect_err("slot out of range");
    assert!(err.to_string().contains("slot 99"), "{err}");
}

#[test]
fn eval_prints_the_phase_and_the_regimens() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let req = dir.path().join("request.json");
    std::fs::write(
        &req,
        r#"{"as_of": "2026-01-15", "request_id": "c5", "facts": {
            "diagnosis": "cutaneous_melanoma", "with_ipilimumab": true, "date_of_birth": "1970-05-01",
            "disease_extent": ["metastatic"], "prescriber_specialty": "oncologist",
            "consulting_specialties": [], "route": "intravenous", "dose": "480 mg",
            "body_weight": "72 kg", "dose_interval": "2 weeks", "doses_given": 4}}"#,
    )
    .expect("writes");
    let out = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(["eval", "policies/nivolumab.policy"])
        .arg(&req)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("REFER TO A CLINICIAN"), "{text}");
    let block = "\nDosing regimen:\n  dose 5 is in 2.Dosing.B.ii (doses 5 and later): Maintenance, from the fifth dose: approve ONE of\n    the following (a or b)\n  the request is 480 mg every 2 weeks; allowed: 240 mg every 2 weeks (2.Dosing.B.ii.a) or 480 mg\n    every 4 weeks (2.Dosing.B.ii.b)\n";
    assert!(text.contains(block), "{text}");
}
