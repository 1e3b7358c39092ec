// Tokenizes policy text with the extension's TextMate grammar, as VS Code does (vscode-textmate
// with the Oniguruma engine). Used by the tests, and by hand: `node test/tokenize.mjs FILE` prints
// each token with its scopes.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import * as path from "node:path";
import vsctm from "vscode-textmate";
import oniguruma from "vscode-oniguruma";

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

/** The grammar file, as the extension ships it. */
export const grammarPath = path.join(here, "..", "syntaxes", "policy.tmLanguage.json");

let grammarPromise;

/** The grammar, loaded once. */
export function loadGrammar() {
  if (!grammarPromise) {
    const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
    const onigLib = oniguruma.loadWASM(wasm).then(() => ({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }));
    const registry = new vsctm.Registry({
      onigLib,
      loadGrammar: async (scopeName) =>
        scopeName === "source.policy"
          ? vsctm.parseRawGrammar(readFileSync(grammarPath, "utf8"), grammarPath)
          : null,
    });
    grammarPromise = registry.loadGrammar("source.policy").then((g) => {
      if (!g) throw new Error(`${grammarPath}: the grammar source.policy did not load`);
      return g;
    });
  }
  return grammarPromise;
}

/** Every token of the text: `{ line, column, text, scopes }`, line and column counted from 1. */
export async function tokenize(text) {
  const grammar = await loadGrammar();
  const out = [];
  let state = vsctm.INITIAL;
  const lines = text.split(/\r\n|\r|\n/);
  lines.forEach((lineText, i) => {
    const result = grammar.tokenizeLine(lineText, state);
    for (const t of result.tokens) {
      out.push({
        line: i + 1,
        column: t.startIndex + 1,
        text: lineText.slice(t.startIndex, t.endIndex),
        scopes: t.scopes,
      });
    }
    state = result.ruleStack;
  });
  return out;
}

/** What is wrong with the tokens of a text: unscoped or invalid pieces, as `line:column "text" (scopes)`. */
export async function problems(text) {
  const out = [];
  for (const t of await tokenize(text)) {
    if (t.text.trim() === "") continue;
    const own = t.scopes.filter((s) => s !== "source.policy" && !s.startsWith("meta."));
    if (own.length === 0) {
      out.push(`${t.line}:${t.column} ${JSON.stringify(t.text)} has no scope (${t.scopes.join(" ")})`);
    } else if (own.some((s) => s.startsWith("invalid."))) {
      out.push(`${t.line}:${t.column} ${JSON.stringify(t.text)} is invalid (${t.scopes.join(" ")})`);
    }
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const file of process.argv.slice(2)) {
    for (const t of await tokenize(readFileSync(file, "utf8"))) {
      if (t.text.trim() === "") continue;
      console.log(`${file}:${t.line}:${t.column}\t${JSON.stringify(t.text)}\t${t.scopes.slice(1).join(" ")}`);
    }
  }
}
