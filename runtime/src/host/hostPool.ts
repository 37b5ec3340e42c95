// One plugin host process per permission grant. Node's permission model is process-wide (workers
// share their process's grants), so a plugin can be held to exactly what its meta declares only in a
// process of its own: plugins with the same grant share a host, which in practice means one host per
// plugin, since each may read its own folder and no other. The cost (a process start per plugin
// instead of a worker) is measured in `npm run bench`.
import path from 'node:path';
import type { HookEvent } from '../model/plugin';
import { PluginHostClient, type BenchOutcome, type CallOutcome, type HostGrant, type PluginHostOptions } from './hostClient';
import type { BenchPlan, CallKind, CallLimits, ContextSnapshot, LoadedModuleInfo, PluginFault } from './protocol';

export type PluginHostsOptions = Omit<PluginHostOptions, 'grant' | 'nextCallId'>;

export class PluginHosts {
  private readonly hosts = new Map<string, PluginHostClient>();
  private readonly hostOfPlugin = new Map<number, PluginHostClient>();
  private callCounter = 1;

  constructor(private readonly options: PluginHostsOptions) {}

  /** Process ids of the running hosts, for tests that check nothing is left behind. */
  get pids(): number[] {
    return [...this.hosts.values()].map((host) => host.pid).filter((pid): pid is number => pid !== undefined);
  }

  /** Hosts start with their first plugin, once its grant is known; nothing to start early. */
  warmUp(): void {}

  private hostFor(grant: HostGrant | undefined): PluginHostClient {
    if (this.options.inspect) {
      // One inspected host for every plugin: one inspector for the debugger to attach to (grants
      // cannot be enforced under the inspector anyway).
      let host = this.hosts.get('inspected');
      if (!host) {
        host = new PluginHostClient({ ...this.options, nextCallId: () => this.callCounter++ });
        this.hosts.set('inspected', host);
      }
      return host;
    }
    // The host's own bundle (and the workers' entry beside it) must be readable in every grant.
    const full = grant && { ...grant, read: [...new Set([path.dirname(this.options.hostModule), ...grant.read])].sort() };
    const key = full ? JSON.stringify(full) : 'unrestricted';
    let host = this.hosts.get(key);
    if (!host) {
      host = new PluginHostClient({ ...this.options, grant: full, nextCallId: () => this.callCounter++ });
      this.hosts.set(key, host);
    }
    return host;
  }

  private hostOf(pluginId: number): PluginHostClient | undefined {
    return this.hostOfPlugin.get(pluginId);
  }

  /** Loads a compiled plugin into a worker of the host for `grant` (started when needed). */
  load(
    pluginId: number,
    bundleFile: string,
    entry: string,
    limits: CallLimits,
    grant?: HostGrant,
  ): Promise<{ info?: LoadedModuleInfo; fault?: PluginFault }> {
    const host = this.hostFor(grant);
    this.hostOfPlugin.set(pluginId, host);
    return host.load(pluginId, bundleFile, entry, limits);
  }

  async instantiate(pluginId: number, heapMb: number): Promise<PluginFault | undefined> {
    const host = this.hostOf(pluginId);
    if (!host) return { kind: 'crash', message: 'unknown plugin instance' };
    return host.instantiate(pluginId, heapMb);
  }

  async call(
    pluginId: number,
    kind: CallKind,
    event: HookEvent | undefined,
    context: ContextSnapshot,
    limits: CallLimits,
    tag?: string,
  ): Promise<CallOutcome> {
    const host = this.hostOf(pluginId);
    if (!host) return { ok: false, fault: { kind: 'crash', message: 'unknown plugin instance' } };
    return host.call(pluginId, kind, event, context, limits, tag);
  }

  async bench(pluginId: number, context: ContextSnapshot, limits: CallLimits, plan: BenchPlan): Promise<BenchOutcome> {
    const host = this.hostOf(pluginId);
    if (!host) return { ok: false, fault: { kind: 'crash', message: 'unknown plugin instance' } };
    return host.bench(pluginId, context, limits, plan);
  }

  async ping(pluginId: number): Promise<void> {
    await this.hostOf(pluginId)?.ping(pluginId);
  }

  tagOf(callId: number | undefined): string | undefined {
    for (const host of this.hosts.values()) {
      const tag = host.tagOf(callId);
      if (tag !== undefined) return tag;
    }
    return undefined;
  }

  abort(reason: string): void {
    for (const host of this.hosts.values()) host.abort(reason);
  }

  kill(reason: string): void {
    for (const host of this.hosts.values()) host.kill(reason);
  }

  async shutdown(graceMs?: number): Promise<void> {
    await Promise.all([...this.hosts.values()].map((host) => host.shutdown(graceMs)));
  }
}
