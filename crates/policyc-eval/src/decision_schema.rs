//! The schema describes format `policyc-decision`, version 2, the JSON output of
//! `policyc eval --format json`, for the integrators who read decisions. It is written by hand
//! from [`crate::eval::Decision`] and the structs it contains, and checked against every decision
//! the test corpus produces: it describes exactly what is serialized. Every field is always
//! present but `provenance`, which only decisions on requests read from FHIR data have, and
//! `regimen`, which only decisions under a dosing that states regimens or phases have; a field
//! with no value is `null` (an object or string) or `[]` (a list). Beyond the
//! shape of each field, the schema states which fields each kind of decision fills in.
//! `docs/decision-format.md` is the same format in prose.
//!
//! Longer than 800 lines on purpose: the schema of every field, each beside its description, and
//! the tests that hold it to the decision as serialized, in one place, so that the two cannot drift.

use crate::eval::{DECISION_FORMAT, DECISION_FORMAT_VERSION};
use serde_json::{json, Map, Value};

/// The `$id` of the decision schema: the format and its version.
pub const DECISION_SCHEMA_ID: &str = "policyc:decision:2";

/// The fields of a decision that are present only when they have something to say:
/// `provenance` (decisions on FHIR data), `warnings` and `regimen`. They are serialized last.
const OPTIONAL: [&str; 3] = ["provenance", "warnings", "regimen"];

/// The JSON Schema (draft 2020-12) of a decision, as `policyc schema --decision` prints it.
pub fn decision_schema() -> Value {
    let props = decision_properties();
    // Every field is required but the optional ones: `provenance` (decisions on FHIR data),
    // `warnings` (a request with something to warn about) and `regimen` (a dosing that states
    // regimens or phases).
    let fields: Vec<&str> = props
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| !OPTIONAL.contains(name))
        .collect();
    let mut properties = Map::new();
    for (name, schema) in props {
        properties.insert(name.to_string(), schema);
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": DECISION_SCHEMA_ID,
        "title": "A policyc coverage decision",
        "description": "The decision on one prior-authorization request under one drug coverage policy, with its explanation: the JSON output of `policyc eval --format json`. Every field is always present, but `provenance`, present only in decisions on requests read from FHIR data, `warnings`, present only when the request has something to warn about, and `regimen`, present only in decisions under a dosing that states regimens or phases; a field with no value is null (objects and strings) or an empty list. A field removed, renamed or changed, or a new decision kind, comes with a new format_version; fields may be added within a version (docs/decision-format.md lists them).",
        "type": "object",
        "additionalProperties": false,
        "required": fields,
        "properties": properties,
        "allOf": kind_rules(),
        "$defs": defs(),
    })
}

/// A string field.
fn text(description: &str) -> Value {
    json!({"type": "string", "description": description})
}

/// A calendar date (`YYYY-MM-DD`), or `null` when `nullable`.
fn date(description: &str, nullable: bool) -> Value {
    let ty = if nullable {
        json!(["string", "null"])
    } else {
        json!("string")
    };
    json!({"type": ty, "format": "date", "description": description})
}

/// A list of items of one `$defs` entry.
fn list_of(def: &str, description: &str) -> Value {
    json!({
        "type": "array",
        "description": description,
        "items": {"$ref": format!("#/$defs/{def}")},
    })
}

/// An object with exactly these properties, all required.
fn record(description: &str, props: Vec<(&str, Value)>) -> Value {
    let required: Vec<&str> = props.iter().map(|(k, _)| *k).collect();
    let mut properties = Map::new();
    for (k, v) in props {
        properties.insert(k.to_string(), v);
    }
    json!({
        "type": "object",
        "description": description,
        "additionalProperties": false,
        "required": required,
        "properties": properties,
    })
}

/// Makes an object schema nullable: `"type": ["object", "null"]`.
fn nullable(mut schema: Value) -> Value {
    if let Some(m) = schema.as_object_mut() {
        m.insert("type".into(), json!(["object", "null"]));
    }
    schema
}

/// The fields of a decision, in the order they are serialized.
fn decision_properties() -> Vec<(&'static str, Value)> {
    vec![
        (
            "format",
            json!({
                "const": DECISION_FORMAT,
                "description": "Always `policyc-decision`: tells a decision apart from other JSON (a request, a compiled policy, a diagnostic).",
            }),
        ),
        (
            "format_version",
            json!({
                "type": "integer",
                "const": DECISION_FORMAT_VERSION,
                "description": "The version of this format. A field removed, renamed, or given another type or meaning, or a new decision kind, comes with a new version (fields may be added within one); a reader should refuse a version it does not know.",
            }),
        ),
        (
            "policy",
            record(
                "The policy the request was decided under.",
                vec![
                    (
                        "id",
                        text("The policy's identifier, as in its `policy <id> { … }` header (e.g. `proleukin`)."),
                    ),
                    ("title", text("The policy's title, as the policy document gives it.")),
                    (
                        "effective",
                        date("The date the policy took effect, from its header.", false),
                    ),
                    (
                        "review",
                        date("The date of the policy's review, from its header; null when it states none.", true),
                    ),
                    (
                        "last_revision",
                        nullable(record(
                            "The policy's latest revision, from its header; null when it lists none.",
                            vec![
                                ("date", date("The date of the revision.", false)),
                                ("text", text("What the revision changed, in the policy's words.")),
                            ],
                        )),
                    ),
                    (
                        "content_hash",
                        json!({
                            "type": ["string", "null"],
                            "pattern": "^[0-9a-f]{64}$",
                            "description": "The SHA-256 of the compiled program (its compact IR JSON), in lowercase hex: exactly the version that decided. The same hash as the decision service's `x-policy-content-hash`. Null only when the program was evaluated through the library without it. Added within format version 2.",
                        }),
                    ),
                    (
                        "in_force_until",
                        date("The last day this version of the policy is in force: the day before a later version took effect; null for the latest version known. Added within format version 2.", true),
                    ),
                    (
                        "chosen_for",
                        nullable(record(
                            "The date this version was chosen for (the version in force on it decided), and where the date comes from; null when the program was given alone (a compiled IR, or the library). Added within format version 2.",
                            vec![
                                ("date", date("The date the version in force on it was chosen for.", false)),
                                (
                                    "from",
                                    json!({
                                        "enum": ["as_of", "today"],
                                        "description": "`as_of`: the request's date of service (or `--as-of`); `today`: the request states none, so the version in force on the day of the decision (UTC) decided.",
                                    }),
                                ),
                            ],
                        )),
                    ),
                ],
            ),
        ),
        (
            "request_id",
            json!({
                "type": ["string", "null"],
                "description": "The request's own `request_id`, passed through unchanged so that the decision can be matched to its request; null when the request has none.",
            }),
        ),
        (
            "as_of",
            date(
                "The date of service the request was decided on: the request's `as_of`, or the `--as-of` of `policyc eval` when given; null when neither states one (then no age is computed from a date of birth and the approval has no dates).",
                true,
            ),
        ),
        (
            "decision",
            json!({
                "enum": ["approve", "deny", "needs_info", "refer"],
                "description": "The outcome. `approve`: an indication's criteria and dosing limits are met. `deny`: no indication covers the request (its criteria are not met, its dosing is outside the policy's where the policy has no case-by-case review, or no indication applies). `needs_info`: the decision depends on facts the request does not state. `refer`: the request goes to a person: a criterion sends it to a clinician or redirects it to another review, or the criteria are met but the dosing is outside the policy's and the policy reviews such requests case by case.",
            }),
        ),
        (
            "summary",
            text("One sentence for a person, stating the decision and why (e.g. `Approve for 1 year under Cutaneous Melanoma (1.A).`). Its wording may change between releases: read the structured fields, not this."),
        ),
        (
            "statement",
            json!({
                "type": ["string", "null"],
                "description": "The policy's own sentence on this outcome, verbatim: its statement on doses outside its dosing (refer because of the dosing), or its statement on what it does not cover (deny because no indication applies). Null otherwise, and when the policy has no such statement.",
            }),
        ),
        (
            "indication",
            nullable(record(
                "The indication the decision is under (approve, refer); null for deny and needs_info.",
                vec![
                    ("label", text("The indication's number in the policy document (e.g. `1`).")),
                    ("title", text("The indication's title (e.g. `Cutaneous Melanoma`).")),
                ],
            )),
        ),
        (
            "path",
            json!({
                "type": "array",
                "items": {"type": "string"},
                "description": "The labels of the branches of the indication's criteria that held, outermost first, starting with the indication's label (e.g. `[\"1\", \"1.A\"]`): which alternative of the policy the request qualified under. Empty for deny and needs_info.",
            }),
        ),
        (
            "approval",
            nullable(record(
                "The approval (approve only; null otherwise).",
                vec![
                    (
                        "duration",
                        record(
                            "How long the approval lasts.",
                            vec![
                                (
                                    "amount",
                                    json!({"type": "integer", "minimum": 1, "maximum": 100, "description": "How many units (e.g. `6`)."}),
                                ),
                                (
                                    "unit",
                                    json!({"enum": ["year", "month", "week", "day"], "description": "The unit of the duration."}),
                                ),
                                (
                                    "text",
                                    json!({
                                        "type": "string",
                                        "pattern": "^[0-9]+ (year|month|week|day)s?$",
                                        "description": "The duration as the policy states it (e.g. `1 year`, `6 months`).",
                                    }),
                                ),
                            ],
                        ),
                    ),
                    (
                        "start",
                        date("The first day of the approval: the date of service (`as_of`); null when the request states none.", true),
                    ),
                    (
                        "end",
                        date("The last day of the approval (start + duration − 1 day); null when there is no start.", true),
                    ),
                ],
            )),
        ),
        (
            "referral",
            nullable(record(
                "For a referral through a criterion that refers the request to a clinician or redirects it to another review: that criterion. Null otherwise (including a referral because of the dosing: see `exceeded`).",
                vec![
                    ("label", text("The criterion's label in the policy document (e.g. `1.B.ii`).")),
                    ("text", text("The criterion's sentence, as the policy document words it.")),
                    (
                        "redirect_to",
                        json!({
                            "type": ["string", "null"],
                            "description": "The review the request is redirected to (e.g. another product's policy), as the policy names it; null for a referral to a clinician's review.",
                        }),
                    ),
                ],
            )),
        ),
        (
            "criteria_met",
            list_of(
                "cited",
                "The criteria of the indication that the request meets, by label, in the policy's order (approve, refer). Empty for deny and needs_info.",
            ),
        ),
        (
            "conditions",
            list_of(
                "limit",
                "The dosing limits the approval is conditional on, one per limited fact, with what the request states (approve only; empty otherwise).",
            ),
        ),
        (
            "unmet",
            list_of(
                "unmet",
                "Why the request is denied: the criteria it does not meet, or the dosing limits it exceeds, for every indication that applies to it; or the single entry labelled `not covered` when no indication applies (deny only; empty otherwise).",
            ),
        ),
        (
            "not_applicable",
            list_of(
                "unmet",
                "The branches of the indications considered that do not apply to the request (deny only; empty otherwise): their `when` is false, so the request is not expected to meet them. Listed apart from `unmet` so that a reviewer is not misled about what the patient failed; each `reason` says when the branch applies.",
            ),
        ),
        (
            "considered",
            list_of(
                "considered",
                "Every indication of the policy, in its order, and why it did not cover the request (deny only; empty otherwise).",
            ),
        ),
        (
            "missing",
            list_of(
                "missing",
                "The facts the decision depends on that the request does not state, in the order the policy asks for them (needs_info only; empty otherwise). Stating them gives a decision.",
            ),
        ),
        (
            "exceeded",
            list_of(
                "limit",
                "The dosing limits the request exceeds or does not state, for the clinician who reviews it (refer only; empty otherwise, and for a referral by a criterion that is not about dosing).",
            ),
        ),
        (
            "links",
            json!({
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "Every label the decision cites, with its link into the policy's published document (`URL#1.A.iii`, the anchors of `policyc render`), when the caller gives the document's address (`policyc eval --doc-url`, `policyc serve --doc-url`); empty otherwise. Added within format version 2.",
            }),
        ),
        (
            "regimen",
            json!({
                "$ref": "#/$defs/regimen",
                "description": "The dosing regimens of the indication the decision is under (approve, refer, or deny for dosing outside the policy's), in the document's words: the phase of the course the requested dose is in, and the regimens that apply to the request with what it asks for. Present only where the dosing states regimens (`240 mg every 2 weeks`) or phases of a course (added within format version 2).",
            }),
        ),
        (
            "provenance",
            list_of(
                "provenance",
                "For a request read from FHIR data (`policyc eval --fhir`): where each fact it states came from, in the order of the policy's facts. Present only in such decisions (added within format version 2).",
            ),
        ),
        (
            "warnings",
            list_of(
                "warning",
                "What in the request looks like a mistake without being one it is refused for, in the order of the policy's facts: a value of an open enumeration that the policy does not list but nearly does (a misspelling, or another case or spacing). Warnings never change the decision: the value is decided as stated. Present only when there is one (added within format version 2).",
            ),
        ),
    ]
}

fn defs() -> Value {
    json!({
        "warning": record(
            "Something in the request that looks like a mistake; the decision is the same without the warning.",
            vec![
                ("kind", json!({"const": "near_listed_value", "description": "What kind of warning: `near_listed_value`, a value of an open enumeration that is not listed but differs from a listed value only by case, underscores, hyphens or spaces, or by a letter or two."})),
                ("fact", text("The fact that states the value (`therapy_type`).")),
                ("value", text("The value as the request states it (`monotherpy`).")),
                ("suggestion", text("The listed value it is close to (`monotherapy`).")),
                ("message", text("The warning in words, for a person.")),
            ],
        ),
        "regimen": record(
            "The dosing regimens that apply to a request, in the document's words.",
            vec![
                ("summary", text("One sentence for a person: the phase the requested dose is in, then the regimen that allows the request (`480 mg is allowed every 4 weeks (1.Dosing.B.ii.b); the request is 480 mg every 4 weeks`) or what it asks for and what is allowed (`the request is 480 mg every 2 weeks; allowed: 240 mg every 2 weeks (1.Dosing.B.ii.a) or 480 mg every 4 weeks (1.Dosing.B.ii.b)`).")),
                ("phase", json!({"oneOf": [{"type": "null"}, {"$ref": "#/$defs/phase"}], "description": "The phase of the course the requested dose is in, or the last phase for a dose after the course; null when the dosing has no phases or the request does not state the doses already given."})),
                ("regimens", list_of("regimen_ref", "The regimens that apply to the request (their branch's `when` is not false), in the policy's order.")),
            ],
        ),
        "phase": record(
            "The phase of a course a dose is in.",
            vec![
                ("label", text("The phase's label (e.g. `2.Dosing.B.ii`).")),
                ("text", text("The phase's sentence, as the policy document words it.")),
                ("dose", json!({"type": "integer", "minimum": 1, "description": "The number of the requested dose in the course: the doses already given, plus one."})),
                ("first", json!({"type": "integer", "minimum": 1, "description": "The number of the phase's first dose."})),
                ("last", json!({"type": ["integer", "null"], "minimum": 1, "description": "The number of the phase's last dose; null when it lasts to the end of the course."})),
                ("within", json!({"type": "boolean", "description": "True when the dose is in this phase; false when it is after the last phase of the course (which this is)."})),
            ],
        ),
        "regimen_ref": record(
            "A regimen of the policy, and what the request asks for in its terms.",
            vec![
                ("label", text("The label of the criterion that states it (e.g. `1.Dosing.B.ii.a`).")),
                ("regimen", text("The regimen as the policy writes it (e.g. `240 mg every 2 weeks`).")),
                ("amount", text("The amount of each dose it allows (e.g. `240 mg`).")),
                ("every", text("How often at most (e.g. `2 weeks`).")),
                ("requested", text("What the request asks for in the regimen's terms (e.g. `480 mg every 2 weeks`; a dose per kilogram computed from the dose and the body weight), with `not stated` for a part it does not state.")),
                ("within", json!({"type": ["boolean", "null"], "description": "Whether the request is within this regimen; null when that depends on facts it does not state."})),
            ],
        ),
        "provenance": record(
            "Where a fact of a request read from FHIR data came from.",
            vec![
                ("fact", text("The fact (`body_weight`).")),
                ("resource", text("The resource it was read from, as a FHIR reference: its type and id (`Observation/weight-2026-01-10`).")),
                ("element", text("The element read, as a path from the Bundle (`Bundle.entry[3].resource.valueQuantity`).")),
                ("value", text("The value as the resource states it, before conversion to the policy's terms (`158.73 [lb_av]`).")),
            ],
        ),
        "cited": record(
            "A criterion of the policy, cited.",
            vec![
                ("label", text("The criterion's label in the policy document (e.g. `1.A.iii`).")),
                ("text", text("The criterion's sentence, as the policy document words it.")),
            ],
        ),
        "unmet": record(
            "A reason for a denial: a criterion the request does not meet, or a dosing limit it exceeds.",
            vec![
                ("label", text("The criterion's or limit's label in the policy document (e.g. `1.A.iii`, `1.Dosing.A.i`), or `not covered` when no indication applies to the request.")),
                ("text", text("The criterion's or limit's sentence, as the policy document words it; for `not covered`, the policy's statement on what it does not cover (empty when it has none).")),
                ("reason", text("Why it is not met, in terms of the request's facts (e.g. `Extent of the disease [disease_extent] is localized; the policy requires that it has any of metastatic, unresectable`); for a branch that does not apply, when it applies.")),
                ("tests", list_of("test", "The tests of facts that decide it, as data: those that fail (a criterion not met, a limit exceeded), those that make a branch not apply, or, for a `none of` criterion, those that hold.")),
            ],
        ),
        "considered": record(
            "An indication of the policy, and why it did not cover a denied request.",
            vec![
                ("label", text("The indication's label (e.g. `1`).")),
                ("title", text("The indication's title.")),
                ("outcome", json!({"enum": ["not_applicable", "criteria_not_met", "dosing_outside"], "description": "`not_applicable`: its `applies when` is false for the request; `criteria_not_met`: its criteria are not met; `dosing_outside`: its criteria are met, but the requested dosing is outside the policy's and the policy has no case-by-case review of dosing."})),
                ("reason", text("Why, in words.")),
            ],
        ),
        "indication": record(
            "An indication of the policy.",
            vec![
                ("label", text("The indication's label (e.g. `2`).")),
                ("title", text("The indication's title.")),
            ],
        ),
        "amount": record(
            "A value as data, exact.",
            vec![
                ("value", text("The value: an exact decimal without thousands separators (`600000`, `0.037`), a date (`2026-01-15`), `true` or `false`, or an enumeration value's name (for a set, the names joined by `, `).")),
                ("unit", json!({"type": ["string", "null"], "description": "The unit as the policy writes it for the fact (e.g. `IU/kg`, `doses/day`); null for a value without a unit."})),
                ("ucum", json!({"type": ["string", "null"], "description": "The unit's UCUM code (e.g. `[IU]/kg`, `{dose}/d`); null for a value without a unit."})),
            ],
        ),
        "input": record(
            "A fact a computed fact was computed from.",
            vec![
                ("fact", text("The input fact (e.g. `body_weight`).")),
                ("value", json!({"type": ["string", "null"], "description": "Its value as the request states it (e.g. `72 kg`); null when it does not state it."})),
            ],
        ),
        "test": record("A test of one fact, as data.", test_properties()),
        "missing": record(
            "A fact the decision needs that the request does not state.",
            vec![
                ("fact", text("The fact's name, as a request's `facts` object names it (e.g. `body_weight`).")),
                ("description", text("What the fact is, as the policy describes it.")),
                (
                    "or_inputs",
                    json!({
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "For a fact the policy can compute from others (e.g. a dose per kilogram from the dose and the body weight): the facts the request could state instead, among those it does not state. Empty for a fact that can only be stated.",
                    }),
                ),
                ("indications", list_of("indication", "The indications whose decision depends on the fact.")),
                (
                    "criteria",
                    json!({
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "The labels of the criteria that need the fact (e.g. `1.A.v`), in the policy's order; an indication's own label (e.g. `2`) where the fact decides whether the indication applies.",
                    }),
                ),
                (
                    "alternatives",
                    json!({
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "Other missing facts that can settle one of those criteria instead of this one (e.g. `consulting_specialties` for `prescriber_specialty`): stating either may be enough. Empty when there are none.",
                    }),
                ),
            ],
        ),
        "limit": record(
            "A dosing limit of the policy, on one fact, with what the request states. After `label` and `text` come the fields of a test (see `test`).",
            [
                vec![
                    ("label", text("The limit's label in the policy document (e.g. `1.Dosing.A.i`). A limit whose sentence bounds several facts appears once per fact.")),
                    ("text", text("The limit's sentence, as the policy document words it.")),
                ],
                test_properties(),
            ]
            .concat(),
        ),
    })
}

/// The fields of a test of one fact (in a limit, after its `label` and `text`).
fn test_properties() -> Vec<(&'static str, Value)> {
    let nullable_amount = |d: &str| json!({"description": d, "oneOf": [{"type": "null"}, {"$ref": "#/$defs/amount"}]});
    vec![
        ("fact", text("The fact tested (e.g. `doses_per_day`).")),
        ("description", text("The fact's description, as the policy writes it.")),
        (
            "operator",
            json!({
                "enum": ["at_most", "at_least", "more_than", "less_than", "equals", "not_equals", "is", "is_not", "is_one_of", "is_none_of", "has_any_of", "has_all_of", "has_none_of", "has_not_all_of", "is_yes", "is_no", "is_provided", "is_not_provided", "is_stated", "is_not_stated", "compound"],
                "description": "The test. Comparisons (`at_most` … `not_equals`) compare the fact with `allowed_value`, or with `other_fact`; `is` … `is_none_of` test one value of an enumeration against `values`; `has_…` test a set of values against `values`; `is_yes` … `is_not_stated` test a yes/no fact, a documentation requirement, or whether the fact is stated; `compound` is a `not (…)` of several tests, named by its first fact and given in words in `allowed`.",
            }),
        ),
        (
            "requested",
            json!({
                "type": ["string", "null"],
                "description": "What the request states for the fact, as a person reads it, with its unit (e.g. `4 doses/day`; for a computed fact, the facts it was computed from); null when the request does not state it.",
            }),
        ),
        ("requested_value", nullable_amount("The requested value as data, in the unit the policy declares the fact in; null when not stated, or when stated in another dimension (a dose in mg/kg for a fact in IU/kg: then only `requested` gives it).")),
        ("allowed", text("What the test allows, in words (e.g. `at most 3 doses/day`).")),
        ("allowed_value", nullable_amount("The bound of a comparison as data, in the unit the policy declares the fact in (for a comparison with another fact, that fact's value); null for the other tests.")),
        (
            "values",
            json!({"type": "array", "items": {"type": "string"}, "description": "The enumeration values an `is …` or `has …` test names; empty for the other tests."}),
        ),
        (
            "other_fact",
            json!({"type": ["string", "null"], "description": "The fact compared with, for a comparison of two facts; null otherwise."}),
        ),
        ("derived_from", list_of("input", "For a fact the policy computes from others (e.g. a dose per kilogram): the facts it was computed from, with their values; empty for a stated fact.")),
    ]
}

/// `then` for one decision kind: the fields that must be null or empty, and those that must not.
fn kind_rule(kind: &str, objects: &[&str], nulls: &[&str], empty: &[&str]) -> Value {
    let mut props = Map::new();
    for f in objects {
        props.insert(f.to_string(), json!({"type": "object"}));
    }
    for f in nulls {
        props.insert(f.to_string(), json!({"type": "null"}));
    }
    for f in empty {
        props.insert(f.to_string(), json!({"maxItems": 0}));
    }
    if objects.contains(&"indication") {
        props.insert("path".into(), json!({"minItems": 1}));
    }
    json!({
        "if": {"properties": {"decision": {"const": kind}}, "required": ["decision"]},
        "then": {"properties": props},
    })
}

/// Which fields each kind of decision fills in.
fn kind_rules() -> Value {
    json!([
        kind_rule(
            "approve",
            &["indication", "approval"],
            &["statement", "referral"],
            &[
                "unmet",
                "not_applicable",
                "considered",
                "missing",
                "exceeded"
            ],
        ),
        kind_rule(
            "refer",
            &["indication"],
            &["approval"],
            &[
                "conditions",
                "unmet",
                "not_applicable",
                "considered",
                "missing"
            ],
        ),
        kind_rule(
            "needs_info",
            &[],
            &["statement", "indication", "approval", "referral"],
            &[
                "path",
                "criteria_met",
                "conditions",
                "unmet",
                "not_applicable",
                "considered",
                "exceeded"
            ],
        ),
        kind_rule(
            "deny",
            &[],
            &["indication", "approval", "referral"],
            &["path", "criteria_met", "conditions", "missing", "exceeded"],
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::*;

    /// A decision with every optional field filled in and every list non-empty.
    fn full() -> Decision {
        let amount = |v: &str| Amount {
            value: v.into(),
            unit: Some("doses/day".into()),
            ucum: Some("{dose}/d".into()),
        };
        let test = Test {
            fact: "doses_per_day".into(),
            description: "How many doses are given in a day".into(),
            operator: "at_most",
            requested: Some("4 doses/day".into()),
            requested_value: Some(amount("4")),
            allowed: "at most 3 doses/day".into(),
            allowed_value: Some(amount("3")),
            values: vec!["intravenous".into()],
            other_fact: Some("doses_per_week".into()),
            derived_from: vec![Input {
                fact: "dose".into(),
                value: Some("4 doses".into()),
            }],
        };
        let limit = Limit {
            label: "1.Dosing.A".into(),
            text: "At most 3 doses a day".into(),
            test: test.clone(),
        };
        let unmet = Unmet {
            label: "1.C".into(),
            text: "T".into(),
            reason: "R".into(),
            tests: vec![test],
        };
        let cited = Cited {
            label: "1.A".into(),
            text: "Patient is ≥ 18 years of age".into(),
        };
        Decision {
            format: DECISION_FORMAT,
            format_version: DECISION_FORMAT_VERSION,
            policy: PolicyRef {
                id: "p".into(),
                title: "P".into(),
                effective: "2024-01-01".into(),
                review: Some("2025-01-01".into()),
                last_revision: Some(RevisionRef {
                    date: "2024-06-01".into(),
                    text: "R".into(),
                }),
                content_hash: Some("0".repeat(64)),
                in_force_until: Some("2026-06-30".into()),
                chosen_for: Some(ChosenFor {
                    date: "2026-01-15".into(),
                    from: "as_of",
                }),
            },
            request_id: Some("r".into()),
            as_of: Some("2026-01-15".into()),
            decision: DecisionKind::Refer,
            summary: "S.".into(),
            statement: Some("S".into()),
            indication: Some(IndicationRef {
                label: "1".into(),
                title: "I".into(),
            }),
            path: vec!["1".into()],
            approval: Some(Approval {
                duration: DurationRef {
                    amount: 1,
                    unit: "year",
                    text: "1 year".into(),
                },
                start: Some("2026-01-15".into()),
                end: Some("2027-01-14".into()),
            }),
            referral: Some(ReferralInfo {
                label: "1.B".into(),
                text: "T".into(),
                redirect_to: Some("Another policy".into()),
            }),
            criteria_met: vec![cited],
            conditions: vec![limit.clone()],
            unmet: vec![unmet.clone()],
            not_applicable: vec![unmet],
            considered: vec![Considered {
                label: "2".into(),
                title: "T".into(),
                outcome: "not_applicable",
                reason: "R".into(),
            }],
            missing: vec![Missing {
                fact: "body_weight".into(),
                description: "D".into(),
                or_inputs: vec!["height".into()],
                indications: vec![IndicationRef {
                    label: "1".into(),
                    title: "I".into(),
                }],
                criteria: vec!["1.A".into()],
                alternatives: vec!["height".into()],
            }],
            exceeded: vec![limit],
            regimen: Some(DosingRegimen {
                summary: "S".into(),
                phase: Some(PhaseRef {
                    label: "1.Dosing.B.ii".into(),
                    text: "T".into(),
                    dose: 5,
                    first: 5,
                    last: None,
                    within: true,
                }),
                regimens: vec![RegimenRef {
                    label: "1.Dosing.B.ii.a".into(),
                    regimen: "240 mg every 2 weeks".into(),
                    amount: "240 mg".into(),
                    every: "2 weeks".into(),
                    requested: "480 mg every 2 weeks".into(),
                    within: Some(false),
                }],
            }),
            provenance: vec![Provenance {
                fact: "body_weight".into(),
                resource: "Observation/w".into(),
                element: "Bundle.entry[0].resource.valueQuantity".into(),
                value: "72 kg".into(),
            }],
            links: [("1".to_string(), "https://example.org/p.html#1".to_string())].into(),
            warnings: vec![Warning {
                kind: "near_listed_value",
                fact: "therapy_type".into(),
                value: "monotherpy".into(),
                suggestion: "monotherapy".into(),
                message: "M".into(),
            }],
        }
    }

    /// The keys of every object in `value` and the schema's `properties` and `required` at the
    /// same place agree, all the way down (following `items` and `$ref`).
    fn same_keys(schema: &Value, root: &Value, value: &Value, at: &str) {
        // A nullable reference (`oneOf` null or `$ref`): an object follows the reference.
        let schema = match schema.get("oneOf").and_then(Value::as_array) {
            Some(branches) if value.is_object() => branches
                .iter()
                .find(|b| b.get("$ref").is_some())
                .expect("a oneOf with a $ref"),
            _ => schema,
        };
        let schema = match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let name = r.trim_start_matches("#/$defs/");
                &root["$defs"][name]
            }
            None => schema,
        };
        match value {
            // A map (`links`): every value is of the one schema its keys share.
            Value::Object(m) if schema["additionalProperties"].is_object() => {
                assert!(
                    schema.get("description").is_some(),
                    "no description at {at}"
                );
                for v in m.values() {
                    assert_eq!(schema["additionalProperties"]["type"], "string", "at {at}");
                    assert!(v.is_string(), "at {at}");
                }
            }
            Value::Object(m) => {
                let serialized: Vec<&String> = m.keys().collect();
                let props = schema["properties"].as_object().expect("properties");
                let described: Vec<&String> = props.keys().collect();
                assert_eq!(serialized, described, "properties at {at}");
                let required: Vec<&str> = schema["required"]
                    .as_array()
                    .expect("required")
                    .iter()
                    .filter_map(Value::as_str)
                    .collect();
                // Every required field is serialized; so are the optional ones in a decision that
                // has them (as `full` does).
                let mut required = required;
                if at == "decision" {
                    required.extend(OPTIONAL);
                }
                required.sort_unstable();
                let mut keys: Vec<&str> = m.keys().map(String::as_str).collect();
                keys.sort_unstable();
                assert_eq!(keys, required, "required at {at}");
                assert_eq!(schema["additionalProperties"], json!(false), "at {at}");
                for (k, v) in m {
                    same_keys(&props[k], root, v, &format!("{at}.{k}"));
                }
            }
            Value::Array(items) => {
                for v in items {
                    same_keys(&schema["items"], root, v, &format!("{at}[]"));
                }
            }
            _ => {
                assert!(
                    schema.get("description").is_some() || at.ends_with("[]"),
                    "no description at {at}"
                );
            }
        }
    }

    #[test]
    fn the_schema_names_exactly_the_serialized_fields() {
        let schema = decision_schema();
        let value = serde_json::to_value(full()).expect("a decision serializes");
        same_keys(&schema, &schema, &value, "decision");
    }

    #[test]
    fn the_required_fields_are_in_serialization_order() {
        let schema = decision_schema();
        let value = serde_json::to_value(full()).expect("a decision serializes");
        let required: Vec<&str> = schema["required"]
            .as_array()
            .expect("required")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let text = serde_json::to_string(&full()).expect("a decision serializes");
        let positions: Vec<usize> = required
            .iter()
            .map(|k| {
                text.find(&format!("\"{k}\":"))
                    .expect("the field is serialized")
            })
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{required:?}");
        // All but the optional fields, serialized last.
        assert_eq!(
            required.len() + OPTIONAL.len(),
            value.as_object().map_or(0, |m| m.len())
        );
        let last = positions.last().copied().unwrap_or(0);
        for k in OPTIONAL {
            assert!(
                text.find(&format!("\"{k}\":")).is_some_and(|p| p > last),
                "{k}"
            );
        }
    }
}
