// The language client, built as its own bundle (dist/client/languageClient.js): Ctx loads it right
// after activation, so vscode-languageclient (430 KB minified) is parsed as the server starts, not before
// the extension's commands exist.
import * as vscode from 'vscode';
import path from 'node:path';
import { LanguageClient, State, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

export { State };

/** The client of `server/dist/server.js` (node IPC) for pipelines and plugin sources. */
export function createLanguageClient(
  extensionPath: string,
  log: vscode.LogOutputChannel,
  documentSelector: LanguageClientOptions['documentSelector'],
): LanguageClient {
  const module = path.join(extensionPath, 'server', 'dist', 'server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector,
    synchronize: {
      fileEvents: [
        vscode.workspace.createFileSystemWatcher('**/aether.config.json'),
        vscode.workspace.createFileSystemWatcher('**/{plugins,node_modules}/**/{package.json,*.ts,*.js,*.mjs}'),
      ],
    },
    outputChannel: log,
    traceOutputChannel: log,
    diagnosticCollectionName: 'aether',
  };
  return new LanguageClient('aether', 'AetherScript Language Server', serverOptions, clientOptions);
}
