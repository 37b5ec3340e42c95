// "Run", "Debug" and "Run with Debug Plugins" above a pipeline's `steps:` key.
import * as vscode from 'vscode';
import { Config } from '../config';

export class PipelineCodeLens implements vscode.CodeLensProvider {
  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!Config.for(document.uri).codeLens) return [];
    const match = /^steps\s*:/m.exec(document.getText());
    if (!match) return [];
    const range = new vscode.Range(document.positionAt(match.index), document.positionAt(match.index + 5));
    return [
      new vscode.CodeLens(range, { title: '$(play) Run Pipeline', command: 'aether.runPipeline', arguments: [document.uri] }),
      new vscode.CodeLens(range, { title: '$(debug) Debug Pipeline', command: 'aether.debugPipeline', arguments: [document.uri] }),
      new vscode.CodeLens(range, {
        title: '$(debug-alt) Run with Debug Plugins',
        command: 'aether.runPipelineDebug',
        arguments: [document.uri],
      }),
    ];
  }
}
