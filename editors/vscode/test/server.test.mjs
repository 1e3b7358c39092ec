// The extension's way of starting the server (out/server.js, compiled from src/server.ts): the
// command it builds from the `policyc.path` setting, and that command, run for real, answering the
// protocol as the extension's client (vscode-languageclient, over vscode-jsonrpc) speaks it.
// The real-server test needs the policyc program: `POLICYC=/path/to/policyc`, or the workspace's
// target/debug/policyc (built by `cargo build` or `cargo test`); without either it is skipped.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..", "..", "..");
const { serverCommand, startFailureMessage } = require("../out/server.js");

test("a bare name is looked up on PATH", () => {
  assert.deepEqual(serverCommand("policyc", "/work", "/home/a"), { command: "policyc", args: ["lsp"] });
  assert.deepEqual(serverCommand("", "/work", "/home/a"), { command: "policyc", args: ["lsp"] });
  assert.deepEqual(serverCommand(undefined, undefined, undefined), { command: "policyc", args: ["lsp"] });
  assert.deepEqual(serverCommand("  ", "/work", "/home/a"), { command: "policyc", args: ["lsp"] });
});

test("a relative path is taken from the workspace folder, an absolute one as it is", () => {
  assert.equal(serverCommand("target/release/policyc", "/work/p", "/home/a").command, "/work/p/target/release/policyc");
  assert.equal(serverCommand("./bin/policyc", "/work/p", "/home/a").command, "/work/p/bin/policyc");
  assert.equal(serverCommand("target/release/policyc", undefined, "/home/a").command, "target/release/policyc");
  assert.equal(serverCommand("/opt/policyc/bin/policyc", "/work/p", "/home/a").command, "/opt/policyc/bin/policyc");
  assert.equal(serverCommand("~/.cargo/bin/policyc", "/work/p", "/home/a").command, "/home/a/.cargo/bin/policyc");
});

test("a missing program is named, with what to do", () => {
  const e = Object.assign(new Error("spawn nosuch ENOENT"), { code: "ENOENT" });
  const message = startFailureMessage("nosuch", e);
  assert.match(message, /`nosuch` was not found/);
  assert.match(message, /policyc\.path/);
  assert.match(startFailureMessage("policyc", new Error("exit 4")), /`policyc lsp` failed: exit 4/);
});

function policycProgram() {
  if (process.env.POLICYC) return path.resolve(process.env.POLICYC);
  const built = path.join(repo, "target", "debug", "policyc");
  return existsSync(built) ? built : undefined;
}

test("the command starts a server that answers the client's protocol", { timeout: 60_000 }, async (t) => {
  const program = policycProgram();
  if (!program) {
    t.skip("no policyc program: set POLICYC or run `cargo build` first");
    return;
  }
  const rpc = require("vscode-jsonrpc/node");
  const { command, args } = serverCommand(program, repo, undefined);
  const child = spawn(command, args, { stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  const connection = rpc.createMessageConnection(
    new rpc.StreamMessageReader(child.stdout),
    new rpc.StreamMessageWriter(child.stdin),
  );
  const file = path.join(repo, "policies", "proleukin.policy");
  const uri = pathToFileURL(file).href;
  const diagnostics = new Promise((resolve) =>
    connection.onNotification("textDocument/publishDiagnostics", (p) => {
      if (p.uri === uri) resolve(p);
    }),
  );
  connection.listen();
  try {
    const init = await connection.sendRequest("initialize", {
      processId: process.pid,
      rootUri: pathToFileURL(repo).href,
      capabilities: {},
    });
    const caps = init.capabilities;
    assert.equal(init.serverInfo?.name, "policyc");
    for (const c of ["hoverProvider", "definitionProvider", "documentFormattingProvider", "documentSymbolProvider", "completionProvider"]) {
      assert.ok(caps[c], `the server does not offer ${c}: ${JSON.stringify(caps)}`);
    }
    connection.sendNotification("initialized", {});
    connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri, languageId: "policy", version: 1, text: readFileSync(file, "utf8") },
    });
    const published = await diagnostics;
    assert.deepEqual(published.diagnostics, [], "proleukin.policy checks clean, so it has no diagnostics");
    const symbols = await connection.sendRequest("textDocument/documentSymbol", { textDocument: { uri } });
    assert.ok(
      symbols.some((s) => s.name === "indication 1"),
      `the outline lacks indication 1: ${symbols.map((s) => s.name).join(" | ")}`,
    );
    await connection.sendRequest("shutdown");
    connection.sendNotification("exit");
    assert.equal(await exited, 0, "the server exits 0 after shutdown and exit");
  } finally {
    connection.dispose();
    child.kill();
  }
});
