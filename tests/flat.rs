//! The flat program `decide` runs reads every policy of the repository as the tree does: for each
//! policy, every request of the test and example folders that binds to it, and each of those with
//! one fact, then two facts, left out (so that the exact search runs), decides as the tree alone
//! does, and the flat program's own readings agree with the tree's (`flat_self_check`).

use policyc::eval::{decide, decide_by_tree, flat_self_check, DecisionKind};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

#[test]
fn flat_and_tree_decide_alike_on_every_policy() {
    let mut requests = Vec::new();
    json_files(&root().join("tests/requests"), &mut requests);
    json_files(&root().join("policies/examples"), &mut requests);
    requests.sort();
    let texts: Vec<Json> = requests
        .iter()
        .filter_map(|p| serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok())
        .filter(|j: &Json| j.get("facts").is_some_and(Json::is_object))
        .collect();
    let mut policies: Vec<PathBuf> = std::fs::read_dir(root().join("policies"))
        .expect("the policies folder")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "policy"))
        .collect();
    policies.sort();
    let (mut compared, mut needs_info) = (0usize, 0usize);
    for path in &policies {
        let program = policyc::compile_path(path)
            .expect("the policy reads")
            .program
            .expect("the policy compiles");
        for j in &texts {
            let facts = j["facts"].as_object().expect("facts is an object");
            let keys: Vec<&String> = facts.keys().collect();
            let mut variants = vec![j.clone()];
            for (a, ka) in keys.iter().enumerate() {
                let mut v = j.clone();
                v["facts"].as_object_mut().unwrap().remove(*ka);
                variants.push(v.clone());
                for kb in &keys[a + 1..] {
                    let mut w = v.clone();
                    w["facts"].as_object_mut().unwrap().remove(*kb);
                    variants.push(w);
                }
            }
            for v in variants {
                let Ok(req) = policyc::bind(&program, &v.to_string(), None) else {
                    continue;
                };
                let (flat, tree) = (decide(&program, &req), decide_by_tree(&program, &req));
                assert_eq!(flat, tree, "{}: {v}", path.display());
                if let Err(e) = flat_self_check(&program, &req) {
                    panic!("{}: {v}: {e}", path.display());
                }
                compared += 1;
                needs_info += usize::from(flat.kind == DecisionKind::NeedsInfo);
            }
        }
    }
    assert!(
        compared > 10_000 && needs_info > 1_000,
        "only {compared} requests compared, {needs_info} of them needs_info"
    );
}
