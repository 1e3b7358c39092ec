// Every policy the repository ships, tokenized with the grammar: each piece of text that is not
// whitespace must get a scope of its own (not just the file's `source.policy` or a `meta.*`
// region), and none may be `invalid`. A construct the grammar does not know shows up here as the
// file, line, column and text of what it left unscoped.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { problems } from "./tokenize.mjs";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** The folders whose `.policy` files are valid policies (tests/broken and tests/hostile are not). */
const folders = ["policies", "docs/examples", "tests/lints", "tests/fmt-inputs"];

function policyFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...policyFiles(full));
    else if (name.endsWith(".policy")) out.push(full);
  }
  return out;
}

const files = folders.flatMap((f) => policyFiles(path.join(repo, f)));

test("the repository's policies are found", () => {
  assert.ok(
    files.some((f) => f.endsWith(path.join("policies", "lib", "common.policy"))),
    "policies/lib/common.policy is not among the files tokenized",
  );
  assert.ok(files.length >= 8, `only ${files.length} policy files found under ${folders.join(", ")}`);
});

for (const file of files) {
  test(`every token of ${path.relative(repo, file)} has a scope`, async () => {
    const found = await problems(readFileSync(file, "utf8"));
    assert.deepEqual(found, [], `${path.relative(repo, file)}:\n  ${found.join("\n  ")}`);
  });
}

test("the check finds unscoped text", async () => {
  // Text the grammar cannot scope (a stray `@` and `$`): the check must report it, or it proves nothing.
  const found = await problems("fact a: count \"A\"\n@ $\n");
  assert.deepEqual(found, ['2:1 "@ $" has no scope (source.policy meta.fact.policy)']);
});
