// The Runs view: each run with its status, then its steps with status icons and durations.
import * as vscode from 'vscode';
import path from 'node:path';
import type { RunState, RunStore, StepState } from './runStore';

type Node = { kind: 'run'; run: RunState } | { kind: 'step'; run: RunState; step: StepState };

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} m ${Math.round((ms % 60_000) / 1000)} s`;
}

const color = (id: string) => new vscode.ThemeColor(id);
const runIcons: Record<RunState['phase'], vscode.ThemeIcon> = {
  running: new vscode.ThemeIcon('sync~spin'),
  ok: new vscode.ThemeIcon('pass-filled', color('testing.iconPassed')),
  failed: new vscode.ThemeIcon('error', color('testing.iconFailed')),
  cancelled: new vscode.ThemeIcon('debug-stop', color('testing.iconSkipped')),
  invalid: new vscode.ThemeIcon('warning', color('problemsWarningIcon.foreground')),
};
const stepIcons: Record<StepState['status'], vscode.ThemeIcon> = {
  pending: new vscode.ThemeIcon('circle-outline'),
  running: new vscode.ThemeIcon('loading~spin'),
  ok: new vscode.ThemeIcon('pass', color('testing.iconPassed')),
  failed: new vscode.ThemeIcon('error', color('testing.iconFailed')),
  skipped: new vscode.ThemeIcon('circle-slash', color('testing.iconSkipped')),
};

export class RunsTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly store: RunStore) {
    // Step events arrive in bursts; one refresh per animation-ish frame is plenty for a tree.
    let pending: NodeJS.Timeout | undefined;
    this.subscription = store.onDidChange(() => {
      pending ??= setTimeout(() => {
        pending = undefined;
        this.changed.fire(undefined);
      }, 50);
    });
  }

  getChildren(node?: Node): Node[] {
    if (!node) return this.store.all().map((run) => ({ kind: 'run', run }));
    if (node.kind === 'run') return [...node.run.steps.values()].map((step) => ({ kind: 'step', run: node.run, step }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'run') {
      const { run } = node;
      const item = new vscode.TreeItem(`${run.pipeline}${run.debug ? ' (debug plugins)' : ''}`, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `run-${run.key}`;
      item.iconPath = runIcons[run.phase];
      item.description = `${run.phase} · ${run.phase === 'running' ? formatDuration(Date.now() - run.startedAt) : formatDuration(run.durationMs)} · ${new Date(run.startedAt).toLocaleTimeString()}`;
      item.tooltip = new vscode.MarkdownString(
        [
          `**${run.pipeline}** — ${run.phase}`,
          `file: \`${path.basename(run.file)}\``,
          run.runId ? `run id: \`${run.runId}\`` : '',
          run.error ? `error: ${run.error}` : '',
        ]
          .filter(Boolean)
          .join('\n\n'),
      );
      item.contextValue = `run-${run.phase}`;
      item.command = { command: 'aether.runs.showTraces', title: 'Show Hook Traces', arguments: [run.key] };
      return item;
    }
    const { step, run } = node;
    const item = new vscode.TreeItem(step.id, vscode.TreeItemCollapsibleState.None);
    item.id = `run-${run.key}-${step.id}`;
    item.iconPath = stepIcons[step.status];
    item.description = [
      step.status,
      formatDuration(step.durationMs),
      step.plugin ? `${step.plugin}/${step.command.split('/').pop()}` : step.command,
    ]
      .filter(Boolean)
      .join(' · ');
    item.tooltip = step.error ?? step.reason ?? `${step.command}: ${step.status}`;
    item.contextValue = `step-${step.status}`;
    item.command = { command: 'aether.runs.revealStep', title: 'Reveal Step', arguments: [run.file, step.id] };
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
