// "Debug This Step Again" (issue 13): re-runs one step of a recorded run in a fresh plugin instance
// with the input, config and state the record gives it, under the JavaScript debugger (the plugin's
// own breakpoints stop inside it), then shows the new output beside the recorded one as a diff.
import * as vscode from 'vscode';
import path from 'node:path';
import { embeddedRuntime, runtimeBundles } from '../embeddedRuntime';
import type { RunState, StepState } from '../runs/runStore';
import type { Ctx } from '../ctx';

export const REPLAY_SCHEME = 'aether-replay';

/** Read-only documents for the two sides of a replay's diff. */
class ReplayDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  set(uri: vscode.Uri, text: string): void {
    this.texts.set(uri.toString(), text);
  }
  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }
}

export function registerReplay(ctx: Ctx): (node?: { run: RunState; step: StepState }) => Promise<void> {
  const documents = new ReplayDocuments();
  ctx.push(vscode.workspace.registerTextDocumentContentProvider(REPLAY_SCHEME, documents));
  let replays = 0;
  return async (node) => {
    if (!node?.run || !node.step) return;
    const { run, step } = node;
    if (!run.recordFile) {
      void vscode.window.showWarningMessage(`AetherScript: the run of ${run.pipeline} has no record to replay from.`);
      return;
    }
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(run.file));
    const controller = new AbortController();
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `AetherScript: replaying step ${step.id}`, cancellable: true },
      async (_progress, token) => {
        token.onCancellationRequested(() => controller.abort());
        const runtime = embeddedRuntime();
        return runtime
          .replayStep({
            recordFile: run.recordFile!,
            stepId: step.id,
            bundles: runtimeBundles(ctx.extension.extensionPath),
            signal: controller.signal,
            inspect: {
              port: 0,
              brk: true,
              // The host waits for the debugger, so a breakpoint in the plugin binds before it runs.
              onListening: (url) => {
                const port = Number(new URL(url).port);
                void vscode.debug
                  .startDebugging(folder, {
                    ...(runtime.AetherDebugSession.pluginAttachConfiguration(
                      port,
                      runtime.findWorkspaceRoot(path.dirname(run.file)),
                    ) as vscode.DebugConfiguration),
                    name: `Replay ${step.id}`,
                  })
                  .then((started) => started || controller.abort());
              },
            },
          })
          .catch((error: Error) => error);
      },
    );
    if (result instanceof Error) {
      void vscode.window.showErrorMessage(`AetherScript: ${result.message}`);
      return;
    }
    const n = ++replays;
    const side = (label: string, outcome: { status: string; output?: unknown; error?: string }) => {
      const uri = vscode.Uri.from({ scheme: REPLAY_SCHEME, path: `/${n}/${step.id}.${label}.json` });
      documents.set(uri, `${JSON.stringify(outcome, null, 2)}\n`);
      return uri;
    };
    await vscode.commands.executeCommand(
      'vscode.diff',
      side('recorded', result.recorded),
      side('replayed', result.replayed),
      `${step.id} (${path.basename(run.file)}): recorded ↔ replayed${result.same ? ' — same' : ''}`,
    );
  };
}
