// Where the extension finds `policyc`: kept apart from the editor's API so that it can be tested
// under plain Node (test/server.test.mjs).

import * as path from "path";

/** The program and arguments that start the language server. */
export interface ServerCommand {
  command: string;
  args: string[];
}

/**
 * The command for the `policyc.path` setting: a bare name (`policyc`) is looked up on `PATH` when
 * started; an absolute path is used as it is; a relative path with a folder in it
 * (`target/release/policyc`) is taken from the first workspace folder, if there is one. A leading
 * `~/` is the home folder. An empty setting means `policyc`.
 */
export function serverCommand(
  setting: string | undefined,
  workspaceFolder: string | undefined,
  home: string | undefined,
): ServerCommand {
  let command = (setting ?? "").trim();
  if (command === "") {
    command = "policyc";
  }
  if (home && (command === "~" || command.startsWith("~/"))) {
    command = path.join(home, command.slice(1));
  } else if (!path.isAbsolute(command) && command.includes("/") && workspaceFolder) {
    command = path.resolve(workspaceFolder, command);
  }
  return { command, args: ["lsp"] };
}

/** What to tell the user when the server could not be started. */
export function startFailureMessage(command: string, error: unknown): string {
  const detail = error instanceof Error ? error.message : String(error);
  const missing = /ENOENT/.test(detail);
  const cause = missing ? `\`${command}\` was not found` : `\`${command} lsp\` failed: ${detail}`;
  return (
    `The policyc language server did not start: ${cause}. ` +
    "Install policyc (`cargo install --path .` in its repository) or set `policyc.path` to the program, " +
    "then run \"Policy: Restart the policyc language server\"."
  );
}
