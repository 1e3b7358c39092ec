// What the annotated tests (test/*.test.policy, run by vscode-tmgrammar-test) must cover:
// - every scope the grammar gives is asserted somewhere, so a rule that stops matching fails them;
// - every keyword of the language (each word grammar/policy.pest writes as a literal) is scoped as
//   a keyword, type, constant or header field in them, not as a name, a string or nothing.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { grammarPath, tokenize } from "./tokenize.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const pestPath = path.join(here, "..", "..", "..", "grammar", "policy.pest");
const testFiles = readdirSync(here)
  .filter((f) => f.endsWith(".test.policy"))
  .sort()
  .map((f) => path.join(here, f));

/** An assertion line of vscode-tmgrammar-test: `#`, spaces, then `^^^` or `<--`, then scopes. */
const assertion = /^#\s*(?:\^+|<[~]*-+)\s+(.*)$/;

/** Every scope the grammar names (in `name`, `contentName` and captures), one per entry. */
function grammarScopes() {
  const scopes = new Set();
  const walk = (node) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== "object") return;
    for (const [key, value] of Object.entries(node)) {
      if ((key === "name" || key === "contentName") && typeof value === "string" && value.includes(".")) {
        value.split(/\s+/).forEach((s) => scopes.add(s));
      } else {
        walk(value);
      }
    }
  };
  const grammar = JSON.parse(readFileSync(grammarPath, "utf8"));
  walk(grammar.patterns);
  walk(grammar.repository);
  return scopes;
}

/** The scopes the test files assert (the positive ones: those before a ` - `). */
function assertedScopes() {
  const scopes = new Set();
  for (const file of testFiles) {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const m = assertion.exec(line);
      if (m) m[1].split(" - ")[0].split(/\s+/).filter(Boolean).forEach((s) => scopes.add(s));
    }
  }
  return scopes;
}

/**
 * The keywords of policy.pest: the words it writes as string literals, outside comments. The rule
 * `string_inner` is left out: its literals are the characters of escapes (`\n`), not words.
 */
export function pestKeywords(pest) {
  const words = new Set();
  const rule = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*[_@$!]?\{(.*)\}\s*$/;
  for (const raw of pest.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("//")) continue;
    const m = rule.exec(line);
    if (!m || m[1] === "string_inner") continue;
    for (const lit of m[2].matchAll(/"((?:[^"\\]|\\.)*)"/g)) {
      if (/^[A-Za-z]+$/.test(lit[1])) words.add(lit[1]);
    }
  }
  return [...words].sort();
}

/** The test files' text without their assertion lines and header, as the tool tokenizes it. */
function corpus() {
  return testFiles
    .map((f) =>
      readFileSync(f, "utf8")
        .split("\n")
        .filter((l) => !assertion.test(l) && !l.includes("SYNTAX TEST"))
        .join("\n"),
    )
    .join("\n");
}

test("every scope of the grammar is asserted by a test file", () => {
  const asserted = assertedScopes();
  const missing = [...grammarScopes()].filter((s) => !asserted.has(s)).sort();
  assert.ok(asserted.size > 20, `only ${asserted.size} scopes asserted in ${testFiles.length} test files`);
  assert.deepEqual(missing, [], `scopes no test asserts: ${missing.join(", ")}`);
});

test("policy.pest's keywords are found", () => {
  const words = pestKeywords(readFileSync(pestPath, "utf8"));
  for (const w of ["indication", "reauthorization", "least", "clinician", "million", "months", "covered", "within"]) {
    assert.ok(words.includes(w), `\`${w}\` is not among the keywords read from policy.pest: ${words.join(" ")}`);
  }
  assert.ok(!words.includes("n"), "the `\\n` escape was read as a keyword");
});

test("every keyword of policy.pest is scoped as a keyword in the test files", async () => {
  const words = pestKeywords(readFileSync(pestPath, "utf8"));
  const notKeyword = /^(?:source|meta|variable|string|comment|entity|invalid)\./;
  const scoped = new Set();
  for (const t of await tokenize(corpus())) {
    const own = t.scopes.filter((s) => !s.startsWith("meta.") && s !== "source.policy");
    if (own.length === 0 || notKeyword.test(own.at(-1))) continue;
    for (const w of t.text.split(/[^A-Za-z]+/)) scoped.add(w);
  }
  const missing = words.filter((w) => !scoped.has(w));
  assert.deepEqual(missing, [], `keywords never scoped as keywords in test/*.test.policy: ${missing.join(", ")}`);
});
