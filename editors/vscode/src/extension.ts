// The Visual Studio Code extension for policy files: it starts `policyc lsp` (the program in the
// `policyc.path` setting) over standard input and output, and restarts it when that setting changes.
// Highlighting comes from the TextMate grammar (syntaxes/policy.tmLanguage.json), not from here.

import * as os from "os";
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";
import { serverCommand, startFailureMessage } from "./server";

let client: LanguageClient | undefined;
let output: vscode.OutputChannel | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("Policy (policyc)");
  context.subscriptions.push(output);
  context.subscriptions.push(
    vscode.commands.registerCommand("policyc.restartServer", () => restart()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("policyc.path")) {
        void restart();
      }
    }),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await stop();
}

async function start(): Promise<void> {
  const setting = vscode.workspace.getConfiguration("policyc").get<string>("path");
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const { command, args } = serverCommand(setting, folder, os.homedir());
  const run = { command, args, transport: TransportKind.stdio };
  const serverOptions: ServerOptions = { run, debug: run };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "policy" },
      { scheme: "untitled", language: "policy" },
    ],
    outputChannel: output,
  };
  // The id `policyc` makes the client read the `policyc.trace.server` setting.
  const next = new LanguageClient("policyc", "Policy (policyc)", serverOptions, clientOptions);
  try {
    await next.start();
    client = next;
  } catch (error) {
    const message = startFailureMessage(command, error);
    output?.appendLine(message);
    void vscode.window.showErrorMessage(message);
  }
}

async function stop(): Promise<void> {
  const current = client;
  client = undefined;
  if (current) {
    await current.stop();
  }
}

async function restart(): Promise<void> {
  await stop();
  await start();
}
