#!/usr/bin/env bash
# Seed the fuzz corpora under fuzz/corpus/<target>/ from the repository's own files. The corpora
# are generated, never committed (fuzz/.gitignore); run this again after the language changes.
#
#   fuzz/seed.sh                       # uses `cargo run -- compile` for the IR seeds
#   POLICYC=target/debug/policyc fuzz/seed.sh   # or an already built binary
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=fuzz/corpus
read -r -a policyc <<<"${POLICYC:-cargo run --quiet --locked --}"

mkdir -p "$corpus"/{parse_check,fmt_roundtrip,bind_evaluate,ir_load_evaluate,cases_file,fhir_bundle}

# Copy a file into a corpus under a name made from its path, so that two files never collide.
seed() {
    local target=$1 file=$2
    cp "$file" "$corpus/$target/$(echo "$file" | tr '/' '_')"
}

# Policies, libraries and broken policies: for the parser and checker, and for the formatter.
for f in policies/*.policy policies/lib/*.policy policies/examples/*/*.policy \
    tests/broken/*.policy tests/broken/libs/*.policy tests/fmt-inputs/*.policy \
    tests/lints/*.policy; do
    [ -f "$f" ] || continue
    seed parse_check "$f"
    seed fmt_roundtrip "$f"
done

# Requests, valid and invalid.
while IFS= read -r f; do
    seed bind_evaluate "$f"
done < <(find tests/requests -name '*.json' -type f | sort)

# The IR of each policy.
for f in policies/*.policy; do
    name=$(basename "$f" .policy)
    "${policyc[@]}" compile "$f" >"$corpus/ir_load_evaluate/$name.ir.json"
done

# FHIR Bundles: the Proleukin examples, and the official CRD examples' draft orders and prefetch
# (in ../shared beside the clone, when it is there).
for f in policies/examples/proleukin-fhir/*.json policies/examples/proleukin-fhir/*/*.json \
    ../shared/fhir-examples/crd/*.json; do
    [ -f "$f" ] || continue
    seed fhir_bundle "$f"
done

# Cases files.
for f in policies/*.cases.yaml policies/examples/*/*.cases.yaml; do
    [ -f "$f" ] || continue
    seed cases_file "$f"
done

for t in "$corpus"/*/; do
    echo "$(basename "$t"): $(find "$t" -type f | wc -l) seeds"
done
