// Typed view of the `aether.*` settings (package.json contributes.configuration). Read per resource,
// never cached: every setting has resource scope where it can differ between folders.
import * as vscode from 'vscode';

export type RevealOutput = 'never' | 'onFailure' | 'always';
export type TrustPolicySetting = 'fromConfig' | 'require' | 'warn' | 'off';

export class Config {
  static readonly section = 'aether';

  constructor(private readonly scope?: vscode.ConfigurationScope) {}

  static for(scope?: vscode.ConfigurationScope): Config {
    return new Config(scope);
  }

  private get raw(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(Config.section, this.scope);
  }

  get severities(): Record<string, 'error' | 'warning' | 'info' | 'off'> {
    return this.raw.get('diagnostics.severity') ?? {};
  }
  get cancelGraceMs(): number {
    return this.raw.get('run.cancelGraceMs') ?? 2000;
  }
  get revealOutput(): RevealOutput {
    return this.raw.get('run.revealOutput') ?? 'onFailure';
  }
  /** Empty: the runtime's default location. */
  get logDirectory(): string {
    return (this.raw.get<string>('debugPlugins.logDirectory') ?? '').trim();
  }
  get trustPolicy(): TrustPolicySetting {
    return this.raw.get('trust.policy') ?? 'fromConfig';
  }
  /** Plugin limits for runs started here, below meta and pipeline settings (runtime RunOptions). */
  get pluginLimits(): { timeoutMs: number; heapMb: number } {
    return { timeoutMs: this.raw.get('limits.pluginTimeoutMs') ?? 5000, heapMb: this.raw.get('limits.pluginHeapMb') ?? 256 };
  }
  get runsKept(): number {
    return this.raw.get('limits.runsKept') ?? 20;
  }
  get pointsPerChart(): number {
    return this.raw.get('limits.pointsPerChart') ?? 500;
  }
  get traceEvents(): number {
    return this.raw.get('limits.traceEvents') ?? 5000;
  }
  /** Registry URL for the Plugins view; empty: the one the workspace's npm configuration (.npmrc) names. */
  get registry(): string {
    return (this.raw.get<string>('registry') ?? '').trim();
  }
  get codeLens(): boolean {
    return this.raw.get('codeLens.enabled') ?? true;
  }
}
