// Starts `schemaguard lsp` for SQL files: diagnostics, the plan of a statement on hover,
// and fixes as code actions. `schemaguard.path` names the program (default: on PATH).
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate() {
  const command =
    vscode.workspace.getConfiguration("schemaguard").get("path") || "schemaguard";
  const serverOptions = { command, args: ["lsp"], transport: TransportKind.stdio };
  const clientOptions = {
    documentSelector: [{ scheme: "file", language: "sql" }],
    // migrations changed on disk, and schemaguard.toml saved: the server reads them again
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher("**/{*.sql,schemaguard.toml}"),
    },
  };
  client = new LanguageClient("schemaguard", "schemaguard", serverOptions, clientOptions);
  // stopped once, by deactivate
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
