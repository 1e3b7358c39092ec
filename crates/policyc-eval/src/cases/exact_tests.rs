//! Numbers in cases files keep the text they are written with.

use crate::cases::parse_cases;

fn facts(yaml_facts: &str) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    let text = format!(
        "cases:\n  - name: x\n    facts:\n{yaml_facts}\n    expect:\n      decision: approve\n"
    );
    parse_cases(&text).map(|mut f| std::mem::take(&mut f.cases[0].value.facts.values))
}

#[test]
fn numbers_keep_their_text() {
    let f = facts(
        "      a: 0.99999999999999999999\n      b: {value: 72.5000, unit: kg}\n      c: [1, 2.50]\n      d: 123456789012345678901234567890\n      e: \"3\"\n      g: 0x1F",
    )
    .expect("parses");
    assert_eq!(f["a"].to_string(), "0.99999999999999999999");
    assert_eq!(f["b"]["value"].to_string(), "72.5000");
    assert_eq!(f["c"].to_string(), "[1,2.50]");
    assert_eq!(f["d"].to_string(), "123456789012345678901234567890");
    assert_eq!(f["e"], serde_json::Value::String("3".into()));
    assert_eq!(f["g"].to_string(), "31");
}

#[test]
fn numbers_json_cannot_spell_are_refused() {
    let e = facts("      a: .5").expect_err("refused");
    assert!(e.contains("cannot be read exactly"), "{e}");
}
