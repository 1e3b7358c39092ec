//! The hook reader against hostile values, and the paths it maps back to the call.

use super::*;
use std::path::Path;

fn proleukin() -> Program {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let checked = policyc::compile_path(&root.join("policies/proleukin.policy"))
        .unwrap_or_else(|e| panic!("reads: {e}"));
    checked.program.unwrap_or_else(|| panic!("compiles"))
}

fn calls() -> Vec<(String, Json)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies/examples/proleukin-fhir");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("crd-"))
        })
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            let v: Json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
            (f.display().to_string(), v)
        })
        .collect()
}

/// Every node of a JSON value, as a path of keys and indices.
fn nodes(v: &Json, at: Vec<Json>, out: &mut Vec<Vec<Json>>) {
    out.push(at.clone());
    match v {
        Json::Object(m) => {
            for (k, c) in m {
                let mut p = at.clone();
                p.push(json!(k));
                nodes(c, p, out);
            }
        }
        Json::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                let mut p = at.clone();
                p.push(json!(i));
                nodes(c, p, out);
            }
        }
        _ => {}
    }
}

fn at_mut<'v>(v: &'v mut Json, path: &[Json]) -> Option<&'v mut Json> {
    let mut cur = v;
    for k in path {
        cur = match k {
            Json::String(s) => cur.get_mut(s.as_str())?,
            Json::Number(n) => cur.get_mut(usize::try_from(n.as_u64()?).ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Reading, ordering and deciding never panic, whatever value stands at whatever node.
#[test]
fn any_value_at_any_node_is_read_without_panic() {
    let program = proleukin();
    let values = [
        json!(null),
        json!(7),
        json!("x"),
        json!([]),
        json!({}),
        json!([{}]),
    ];
    for (name, call) in calls() {
        let hook = call["hook"].as_str().unwrap_or("order-sign").to_string();
        let mut all = Vec::new();
        nodes(&call, Vec::new(), &mut all);
        for path in &all {
            for v in &values {
                let mut c = call.clone();
                if let Some(n) = at_mut(&mut c, path) {
                    *n = v.clone();
                }
                if let Ok(read) = read_hook(&c, &hook) {
                    for o in read.orders() {
                        if o.covered_by(&program) {
                            let _ = o
                                .facts(&program, "2026-01-15")
                                .map(|f| f.evaluate(&program));
                        }
                        let _ = o.drug_name(&program);
                    }
                    let _ = read.coverage();
                }
            }
        }
        assert!(all.len() > 50, "{name}");
    }
}

#[test]
fn paths_are_mapped_back_to_the_call() {
    let program = proleukin();
    let (_, call) = calls()
        .into_iter()
        .find(|(n, _)| n.ends_with("crd-order-sign-approve-rcc-weight-recorded.json"))
        .unwrap_or_else(|| panic!("the example"));
    let read = read_hook(&call, "order-sign").unwrap_or_else(|p| panic!("{p:?}"));
    let orders = read.orders();
    // The lab order beside it is no MedicationRequest.
    assert_eq!(orders.len(), 1);
    let o = &orders[0];
    assert_eq!(o.path, "context.draftOrders.entry[0].resource");
    assert_eq!(o.reference, "MedicationRequest/order-1");
    let facts = o
        .facts(&program, "2026-12-01")
        .unwrap_or_else(|p| panic!("{p:?}"));
    let weight = facts
        .provenance
        .iter()
        .find(|p| p.fact == "body_weight")
        .unwrap_or_else(|| panic!("the weight is read"));
    assert_eq!(weight.resource, "Observation/weight-2026-01-15");
    assert_eq!(
        weight.element,
        "prefetch.observations.entry[0].resource.valueQuantity"
    );
    assert_eq!(facts.request["as_of"], "2026-01-15");
    assert_eq!(facts.request["request_id"], call["hookInstance"]);
    assert_eq!(
        read.coverage().reference.as_deref(),
        Some("http://ehr.example/fhir/Coverage/cov-1")
    );
    assert_eq!(summary_text(&"x".repeat(200)).chars().count(), SUMMARY_MAX);
}
