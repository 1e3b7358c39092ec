//! Ratio units (`mg/kg`, `mg/m2`, `mL/kg`, `mg/kg/d`, `ug/kg/min`), the units FHIR sends for
//! weights and heights, and reauthorization dosing: small policies and requests with the decision
//! expected, written by hand from the README (not recorded from a run).

use policyc::eval::{Decision, DecisionKind};
use policyc::Program;

const HEADER: &str = r#"policy weight_based {
  title "Weight-based dosing" drug "Example" effective 2024-01-01
  not covered "Not covered."
  outside dosing "Doses outside this policy are reviewed by a clinician."
}
"#;

/// A policy with a header, the given declarations and one indication whose dosing is `dosing`.
fn source(decls: &str, dosing: &str) -> String {
    format!(
        "{HEADER}fact age: years \"The patient's age\"\n{decls}\nindication 1 \"Adults\" {{\n  approve for 6 months\n  criteria: all of {{\n    A \"Adult\": age at least 18 years\n  }}\n  dosing: {dosing}\n}}\n"
    )
}

fn compile(source: &str) -> Program {
    let checked = policyc::compile_source(source);
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

/// The errors of a policy that must not compile, as `CODE: message`.
fn errors(source: &str) -> Vec<String> {
    let checked = policyc::compile_source(source);
    assert!(
        checked.program.is_none(),
        "compiles, but must not:\n{source}"
    );
    checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            assert!(d.help.is_some(), "{} has help", d.code);
            format!("{}: {}", d.code, d.message)
        })
        .collect()
}

/// Decide a request stating `facts` (the inside of the JSON object); `decide` and `evaluate` agree.
fn decide(p: &Program, facts: &str) -> Decision {
    let json =
        format!("{{\"as_of\": \"2026-01-15\", \"facts\": {{\"age\": \"40 years\", {facts}}}}}");
    let req = policyc::request::bind(p, &json, None)
        .unwrap_or_else(|e| panic!("request {json} does not bind: {e:?}"));
    let d = policyc::eval::evaluate(p, &req);
    assert_eq!(policyc::eval::decide(p, &req).kind, d.decision, "{json}");
    d
}

fn kind(p: &Program, facts: &str) -> DecisionKind {
    decide(p, facts).decision
}

const PER_KG: &str = r#"fact dose: mg "Each dose"
fact body_weight: kg "The patient's body weight"
fact dose_per_kg: mg/kg "Each dose per kilogram of body weight" = dose / body_weight"#;

#[test]
fn a_dose_per_kg_compares_exactly_in_every_mass_unit() {
    for limit in ["3 mg/kg", "3000 ug/kg", "3,000 mcg/kg", "0.003 g/kg"] {
        let p = compile(&source(PER_KG, &format!("dose_per_kg at most {limit}")));
        // 216 mg for 72 kg is 3 mg/kg exactly: at the limit is within it.
        let at = r#""dose": "216 mg", "body_weight": "72 kg""#;
        assert_eq!(kind(&p, at), DecisionKind::Approve, "{limit}");
        let over = r#""dose": "216.001 mg", "body_weight": "72 kg""#;
        assert_eq!(kind(&p, over), DecisionKind::Refer, "{limit}");
        let under = r#""dose": "215.999 mg", "body_weight": "72 kg""#;
        assert_eq!(kind(&p, under), DecisionKind::Approve, "{limit}");
        // The fact itself may be stated, in any unit of its dimension.
        assert_eq!(
            kind(&p, r#""dose_per_kg": "3000 ug/kg""#),
            DecisionKind::Approve
        );
        assert_eq!(
            kind(&p, r#""dose_per_kg": "0.0030001 g/kg""#),
            DecisionKind::Refer
        );
    }
}

#[test]
fn weights_in_pounds_and_grams_convert_exactly() {
    let p = compile(&source(PER_KG, "dose_per_kg at most 3 mg/kg"));
    // 100 lb is 45.359237 kg exactly; 3 mg/kg of it is 136.077711 mg.
    let at = r#""dose": "136.077711 mg", "body_weight": "100 [lb_av]""#;
    assert_eq!(kind(&p, at), DecisionKind::Approve);
    let over = r#""dose": "136.077712 mg", "body_weight": "100 lb""#;
    assert_eq!(kind(&p, over), DecisionKind::Refer);
    let grams = r#""dose": "216 mg", "body_weight": {"value": 72000, "unit": "g"}"#;
    assert_eq!(kind(&p, grams), DecisionKind::Approve);
    let grams_over = r#""dose": "216 mg", "body_weight": "71999 g""#;
    assert_eq!(kind(&p, grams_over), DecisionKind::Refer);
}

#[test]
fn heights_in_inches_convert_exactly() {
    let decls = r#"fact height: cm "The patient's height"
fact body_weight: kg "The patient's body weight"
fact body_surface_area: m2 "Body surface area" = bsa_mosteller(height, body_weight)"#;
    let p = compile(&source(
        decls,
        "height at least 152.4 cm and body_surface_area at most 2 m2",
    ));
    // 60 inches are 152.4 cm exactly.
    let at = r#""height": "60 [in_i]", "body_weight": "50 kg""#;
    assert_eq!(kind(&p, at), DecisionKind::Approve);
    let feet = r#""height": "5 [ft_i]", "body_weight": "50 kg""#;
    assert_eq!(kind(&p, feet), DecisionKind::Approve);
    let under = r#""height": "59.99 in", "body_weight": "50 kg""#;
    assert_eq!(kind(&p, under), DecisionKind::Refer);
    // Body surface area from inches and pounds is that from the same height and weight in cm
    // and kg: 70 in = 177.8 cm, 160 lb = 72.5747792 kg.
    let imperial = decide(&p, r#""height": "70 in", "body_weight": "160 lb""#);
    let metric = decide(
        &p,
        r#""height": "177.8 cm", "body_weight": "72.5747792 kg""#,
    );
    assert_eq!(imperial.decision, metric.decision);
    let req = |facts: &str| {
        let json = format!("{{\"as_of\": \"2026-01-15\", \"facts\": {{{facts}}}}}");
        policyc::request::bind(&p, &json, None).expect("binds")
    };
    let slot = p
        .facts
        .iter()
        .position(|f| f.name == "body_surface_area")
        .expect("the fact");
    let a = req(r#""height": "70 in", "body_weight": "160 lb""#);
    let b = req(r#""height": "177.8 cm", "body_weight": "72.5747792 kg""#);
    assert_eq!(a.values[slot], b.values[slot]);
    assert!(a.values[slot].is_some());
}

#[test]
fn other_ratio_units_keep_their_unit() {
    // mg/m2 from a dose and a body surface area.
    let p = compile(&source(
        r#"fact dose: mg "Each dose"
fact bsa: m2 "Body surface area"
fact dose_per_m2: mg/m2 "Dose per square metre" = dose / bsa"#,
        "dose_per_m2 at most 250 mg/m2",
    ));
    assert_eq!(
        kind(&p, r#""dose": "500 mg", "bsa": "2 m2""#),
        DecisionKind::Approve
    );
    assert_eq!(
        kind(&p, r#""dose": "501 mg", "bsa": "2 m2""#),
        DecisionKind::Refer
    );
    assert_eq!(
        kind(&p, r#""dose_per_m2": "0.025 mg/cm2""#),
        DecisionKind::Approve
    );

    // mL/kg from a volume and a body weight.
    let p = compile(&source(
        r#"fact volume: mL "Volume infused"
fact body_weight: kg "Body weight"
fact volume_per_kg: mL/kg "Volume per kilogram" = volume / body_weight"#,
        "volume_per_kg at most 10 mL/kg",
    ));
    assert_eq!(
        kind(&p, r#""volume": "0.7 L", "body_weight": "70 kg""#),
        DecisionKind::Approve
    );
    assert_eq!(
        kind(&p, r#""volume": "701 mL", "body_weight": "70 kg""#),
        DecisionKind::Refer
    );

    // mg/kg/d from a daily dose and a body weight, with the limit in mg/kg/wk.
    let p = compile(&source(
        r#"fact daily_dose: mg/d "The daily dose"
fact body_weight: kg "Body weight"
fact daily_dose_per_kg: mg/kg/d "Daily dose per kilogram" = daily_dose / body_weight"#,
        "daily_dose_per_kg at most 21 mg/kg/wk",
    ));
    let at = r#""daily_dose": "210 mg/d", "body_weight": "70 kg""#;
    assert_eq!(kind(&p, at), DecisionKind::Approve);
    let over = r#""daily_dose": "1471 mg/wk", "body_weight": "70 kg""#;
    assert_eq!(kind(&p, over), DecisionKind::Refer);

    // ug/kg/min from an infusion rate and a body weight, with the limit in mg/kg/h.
    let p = compile(&source(
        r#"fact rate: ug/min "The infusion rate"
fact body_weight: kg "Body weight"
fact rate_per_kg: ug/kg/min "Infusion rate per kilogram" = rate / body_weight"#,
        "rate_per_kg at most 0.06 mg/kg/h",
    ));
    let at = r#""rate": "70 ug/min", "body_weight": "70 kg""#;
    assert_eq!(kind(&p, at), DecisionKind::Approve);
    let over = r#""rate": "70.01 ug/min", "body_weight": "70 kg""#;
    assert_eq!(kind(&p, over), DecisionKind::Refer);
}

#[test]
fn the_explanation_prints_a_ratio_in_its_own_unit() {
    let p = compile(&source(PER_KG, "dose_per_kg at most 3 mg/kg"));
    let d = decide(&p, r#""dose": "494 mg", "body_weight": "72 kg""#);
    assert_eq!(d.decision, DecisionKind::Refer);
    let requested = d.exceeded[0].test.requested.clone().unwrap_or_default();
    assert!(
        requested.starts_with("6.8611 mg/kg (from dose 494 mg, body_weight 72 kg)"),
        "{requested}"
    );
    assert_eq!(d.exceeded[0].test.allowed, "at most 3 mg/kg");

    // A small ratio keeps three significant digits: never `0`.
    let p = compile(&source(
        r#"fact rate: ug/min "The infusion rate"
fact body_weight: kg "Body weight"
fact rate_per_kg: mg/kg/min "Infusion rate per kilogram" = rate / body_weight"#,
        "rate_per_kg at most 0.00001 mg/kg/min",
    ));
    let d = decide(&p, r#""rate": "3 ug/min", "body_weight": "72 kg""#);
    assert_eq!(d.decision, DecisionKind::Refer);
    let requested = d.exceeded[0].test.requested.clone().unwrap_or_default();
    assert!(requested.starts_with("0.0000417 mg/kg/min"), "{requested}");
}

#[test]
fn the_product_equivalence_converts_iu_per_kg_to_mg_per_kg() {
    let p = compile(&source(
        r#"equivalence 18 million IU = 1.1 mg "Label: 18 million International Units are 1.1 mg"
fact dose: IU "Each dose"
fact body_weight: kg "Body weight"
fact dose_per_kg: IU/kg "Each dose per kilogram" = dose / body_weight"#,
        "dose_per_kg at most 600,000 IU/kg (0.037 mg/kg)",
    ));
    assert_eq!(
        kind(&p, r#""dose_per_kg": "600000 IU/kg""#),
        DecisionKind::Approve
    );
    assert_eq!(
        kind(&p, r#""dose_per_kg": "0.037 mg/kg""#),
        DecisionKind::Approve
    );
    assert_eq!(
        kind(&p, r#""dose_per_kg": "37 ug/kg""#),
        DecisionKind::Approve
    );
    assert_eq!(
        kind(&p, r#""dose_per_kg": "0.0371 mg/kg""#),
        DecisionKind::Refer
    );
    let from_dose = r#""dose": "43.2 million IU", "body_weight": "72 kg""#;
    assert_eq!(kind(&p, from_dose), DecisionKind::Approve);
}

#[test]
fn a_ratio_never_compares_with_a_plain_number() {
    // A limit without a unit on a mg/kg fact.
    let e = errors(&source(PER_KG, "dose_per_kg at most 3"));
    assert!(
        e.iter()
            .any(|m| m.starts_with("E0302") && m.contains("mg/kg")),
        "{e:?}"
    );

    // A plain-number fact compared with a ratio.
    let e = errors(&source(
        r#"fact dose_per_kg: number "Each dose per kilogram""#,
        "dose_per_kg at most 3 mg/kg",
    ));
    assert!(
        e.iter()
            .any(|m| m.starts_with("E0301") && m.contains("`3 mg/kg` is in mg/kg")),
        "{e:?}"
    );

    // The formula of a ratio declared as a plain number: the error names the unit it gives.
    let e = errors(&source(
        r#"fact dose: mg "Each dose"
fact body_weight: kg "The patient's body weight"
fact dose_per_kg: number "Each dose per kilogram" = dose / body_weight"#,
        "dose_per_kg at most 0.000003",
    ));
    assert!(
        e.iter().any(|m| m.starts_with("E0300")
            && m.contains("a plain number")
            && m.contains("mg/kg (mass per mass)")),
        "{e:?}"
    );

    // A dose in IU per kilogram declared as mg/kg: both units named as written.
    let e = errors(&source(
        r#"fact dose: IU "Each dose"
fact body_weight: kg "The patient's body weight"
fact dose_per_kg: mg/kg "Each dose per kilogram" = dose / body_weight"#,
        "dose_per_kg at most 3 mg/kg",
    ));
    assert!(
        e.iter()
            .any(|m| m.starts_with("E0300") && m.contains("in mg/kg") && m.contains("IU/kg")),
        "{e:?}"
    );

    // A limit in a ratio of another dimension.
    let e = errors(&source(PER_KG, "dose_per_kg at most 3 mg/m2"));
    assert!(
        e.iter()
            .any(|m| m.starts_with("E0301") && m.contains("mg/kg") && m.contains("mg/m2")),
        "{e:?}"
    );

    // A ratio fact compared with a plain-number fact.
    let e = errors(&source(
        &format!("{PER_KG}\nfact most: number \"The most\""),
        "dose_per_kg at most most",
    ));
    assert!(e.iter().any(|m| m.starts_with("E0300")), "{e:?}");

    // A request stating a ratio as a bare number, or in a plain unit.
    let p = compile(&source(PER_KG, "dose_per_kg at most 3 mg/kg"));
    for bad in [
        r#""dose_per_kg": 0.000003"#,
        r#""dose_per_kg": "0.000003 1""#,
    ] {
        let json = format!("{{\"as_of\": \"2026-01-15\", \"facts\": {{{bad}}}}}");
        assert!(policyc::request::bind(&p, &json, None).is_err(), "{bad}");
    }
}

const REAUTH_DECLS: &str = r#"fact dose: mg "Each dose"
fact responding: boolean "The patient responds to therapy""#;

/// An indication with dosing and a reauthorization with none of its own.
fn reauth_policy(reauth_dosing: &str) -> String {
    format!(
        "{HEADER}fact age: years \"The patient's age\"\n{REAUTH_DECLS}\nindication 1 \"Adults\" {{\n  approve for 6 months\n  criteria: all of {{\n    A \"Adult\": age at least 18 years\n  }}\n  dosing \"Up to 10 mg\": dose at most 10 mg\n  reauthorization R \"Continued therapy\" {{\n    approve for 12 months\n    criteria: all of {{\n      A \"Responding\": responding\n    }}\n{reauth_dosing}  }}\n}}\n"
    )
}

#[test]
fn a_reauthorization_without_dosing_is_under_the_indications() {
    let p = compile(&reauth_policy(""));
    let reauth = |dose: &str| {
        decide(
            &p,
            &format!(r#""authorization": "reauthorization", "responding": true, "dose": "{dose}""#),
        )
    };
    let within = reauth("10 mg");
    assert_eq!(within.decision, DecisionKind::Approve);
    assert_eq!(within.path.last().map(String::as_str), Some("1.R"));
    assert!(
        within.conditions.iter().any(|l| l.label == "1.Dosing"),
        "{within:#?}"
    );
    let over = reauth("11 mg");
    assert_eq!(over.decision, DecisionKind::Refer);
    assert!(
        over.exceeded.iter().any(|l| l.label == "1.Dosing"),
        "{over:#?}"
    );

    // Its own dosing replaces the indication's.
    let p = compile(&reauth_policy(
        "    dosing \"Up to 20 mg\": dose at most 20 mg\n",
    ));
    let d = decide(
        &p,
        r#""authorization": "reauthorization", "responding": true, "dose": "15 mg""#,
    );
    assert_eq!(d.decision, DecisionKind::Approve);
}

fn lint_codes(source: &str) -> Vec<(String, String)> {
    let checked = policyc::compile_source(source);
    let p = checked.program.expect("compiles");
    policyc::lint::lint(&p, &checked.spans, None)
        .into_iter()
        .map(|d| (d.code.to_string(), d.message))
        .collect()
}

#[test]
fn approval_paths_without_a_dosing_limit_are_flagged() {
    let w0107 = |s: &str| -> Vec<String> {
        lint_codes(s)
            .into_iter()
            .filter(|(c, _)| c == "W0107")
            .map(|(_, m)| m)
            .collect()
    };
    // Inherited dosing: no warning.
    assert!(w0107(&reauth_policy("")).is_empty());
    // A reauthorization whose own dosing checks no limit.
    let m = w0107(&reauth_policy("    dosing \"Any dose\": responding\n"));
    assert_eq!(m.len(), 1, "{m:?}");
    assert!(
        m[0].contains("reauthorization 1.R") && m[0].contains("1.R.Dosing"),
        "{m:?}"
    );
    // An indication with no dosing whose reauthorization has limits.
    let src = reauth_policy("    dosing \"Up to 20 mg\": dose at most 20 mg\n")
        .replace("  dosing \"Up to 10 mg\": dose at most 10 mg\n", "");
    let m = w0107(&src);
    assert_eq!(m.len(), 1, "{m:?}");
    assert!(
        m[0].starts_with("indication 1 (\"Adults\") approves any dose"),
        "{m:?}"
    );
    // A referral is not an approval, and a limit under `if` is the document's own exception.
    let src = source(
        &format!("{REAUTH_DECLS}\nfact literature: boolean \"Literature submitted\""),
        "one of {\n    a \"Up to 10 mg\" if responding: dose at most 10 mg\n    b \"Literature\" when literature: refer to a clinician\n  }",
    );
    assert!(w0107(&src).is_empty(), "{:?}", w0107(&src));
}

#[test]
fn the_binary_explains_a_ratio_and_rejects_a_plain_number_limit() {
    let dir = std::env::temp_dir().join(format!("policyc-ratio-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let policy = dir.join("weight.policy");
    let request = dir.join("request.json");
    std::fs::write(&policy, source(PER_KG, "dose_per_kg at most 3 mg/kg")).expect("write");
    std::fs::write(
        &request,
        r#"{"as_of": "2026-01-15", "facts": {"age": "40 years", "dose": "494 mg", "body_weight": "150 [lb_av]"}}"#,
    )
    .expect("write");
    let bin = env!("CARGO_BIN_EXE_policyc");
    let out = std::process::Command::new(bin)
        .arg("eval")
        .arg(&policy)
        .arg(&request)
        .output()
        .expect("policyc runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    // 494 mg for 150 lb (68.0388555 kg) is 7.2606... mg/kg.
    assert!(stdout.starts_with("REFER TO A CLINICIAN"), "{stdout}");
    // Human output wraps long lines: compare with the spaces and line breaks collapsed.
    let words = stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("[dose_per_kg]: requested 7.2606 mg/kg, computed from dose 494 mg, body_weight 150 lb; the policy allows at most 3 mg/kg"),
        "{stdout}"
    );

    let bad = dir.join("plain.policy");
    std::fs::write(&bad, source(PER_KG, "dose_per_kg at most 3")).expect("write");
    let out = std::process::Command::new(bin)
        .arg("check")
        .arg(&bad)
        .env("NO_COLOR", "1")
        .output()
        .expect("policyc runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("E0302") && stderr.contains("measured in mg/kg"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Units of one dimension with their size in the first one's terms, powers of ten so that a value
/// converts exactly: a mass dose, and a dose per kilogram.
const MASS: [(&str, &str); 4] = [
    ("mg", "1"),
    ("ug", "0.001"),
    ("g", "1000"),
    ("kg", "1000000"),
];
const MASS_PER_KG: [(&str, &str); 4] = [
    ("mg/kg", "1"),
    ("ug/kg", "0.001"),
    ("mcg/kg", "0.001"),
    ("g/kg", "1000"),
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(96))]

    /// A request at a limit, in any unit of the limit's dimension, decides as one in the limit's
    /// own unit: at the limit is within it (approve); the least step above is outside it (refer,
    /// as the policy refers doses outside its dosing); the least step below is within it.
    #[test]
    fn a_request_at_a_limit_in_any_unit_decides_as_in_the_limits_unit(
        digits in 1u64..5_000_000,
        scale in 0u32..4,
        per_kg in proptest::bool::ANY,
        l in 0usize..4,
        r in 0usize..4,
    ) {
        use rust_decimal::Decimal;
        use std::str::FromStr;
        let units = if per_kg { &MASS_PER_KG } else { &MASS };
        let (fact, decl) = if per_kg {
            ("dose_per_kg", "fact dose_per_kg: mg/kg \"Each dose per kilogram of body weight\"")
        } else {
            ("dose", "fact dose: mg \"Each dose\"")
        };
        let size = |i: usize| Decimal::from_str(units[i].1).expect("a size");
        let limit = Decimal::new(digits as i64, scale);
        let p = compile(&source(decl, &format!("{fact} at most {} {}", limit.normalize(), units[l].0)));
        // The limit in the request's unit: exact, since the sizes are powers of ten.
        let at = (limit * size(l) / size(r)).normalize();
        let step = Decimal::new(1, at.scale() + 3);
        for (value, expected) in [
            (at, DecisionKind::Approve),
            (at + step, DecisionKind::Refer),
            (at - step, DecisionKind::Approve),
        ] {
            let facts = format!("\"{fact}\": \"{} {}\"", value.normalize(), units[r].0);
            proptest::prop_assert_eq!(
                kind(&p, &facts), expected,
                "limit {} {}, request {}", limit, units[l].0, facts
            );
        }
    }
}
