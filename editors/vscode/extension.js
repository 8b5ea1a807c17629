// The segql extension for VS Code: starts `segql lsp` (pip install 'segql[lsp]') over stdio and connects the YAML
// files of segql projects to it. The server does all the work; this file only starts it with the user's settings.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function workspaceFolder() {
  const folders = vscode.workspace.workspaceFolders;
  return folders && folders.length > 0 ? folders[0].uri.fsPath : "";
}

function serverOptions(config) {
  const given = config.get("command", ["segql"]);
  const [command, ...args] = (given.length > 0 ? given : ["segql"]).map(
    (part) => part.split("${workspaceFolder}").join(workspaceFolder()));
  // TransportKind.stdio adds `--stdio`, which `segql lsp` accepts.
  return { command, args: [...args, "lsp"], transport: TransportKind.stdio };
}

function initializationOptions(config) {
  return {
    debounce: config.get("debounce", 150),
    diagnostics: config.get("diagnostics", "open"),
    target: config.get("target", null) || null,
    codeLens: config.get("codeLens", true),
  };
}

async function start() {
  const config = vscode.workspace.getConfiguration("segql");
  const server = serverOptions(config);
  client = new LanguageClient("segql", "segql", server, {
    // Every YAML file: the server answers for segment files, schema.yml and segql.yml of segql projects only.
    documentSelector: [{ scheme: "file", language: "yaml" }],
    initializationOptions: initializationOptions(config),
  });
  try {
    await client.start();
  } catch (error) {
    client = undefined;
    vscode.window.showErrorMessage(
      `segql: could not start \`${[server.command, ...server.args].join(" ")}\` (${error}). ` +
      "Install it with pip install 'segql[lsp]', or set segql.command to where it is.");
  }
}

async function stop() {
  if (client !== undefined) {
    const running = client;
    client = undefined;
    await running.stop();
  }
}

async function restart() {
  await stop();
  await start();
}

async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand("segql.restart", restart),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("segql")) {
        return restart();
      }
      return undefined;
    }),
  );
  await start();
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
