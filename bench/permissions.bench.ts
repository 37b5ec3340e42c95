// What enforcing `meta.permissions` costs (spec section 7): Node's permission model is per process,
// so each plugin gets a plugin host of its own, granted only its folder, its cache entry and what it
// declares. Measured in this run against one unrestricted host for all plugins (the figure before):
// cold start of 20 plugins, and hook dispatch per call. Every sample is a fresh host; no warm-up.
import path from 'node:path';
import { PluginHostClient } from '../runtime/src/host/hostClient';
import { PluginHosts } from '../runtime/src/host/hostPool';
import { compilePlugin } from '../runtime/src/host/compile';
import { grantOf } from '../runtime/src/plugins/permissions';
import { signedPermissions } from '../runtime/src/model/permissions';
import type { ContextSnapshot } from '../runtime/src/host/protocol';
import type { RuntimeBundles } from '../runtime/src/engine/runtimePaths';
import { fmtMs, fmtUs, median, report, scratchWorkspace } from './benchUtil';

const PLUGINS = 20;
const plugin = (i: number) =>
  `export default class T { static meta = { name: 'p${i}', version: '1.0.0', hooks: ['pre-execute'], permissions: { fs: { write: ['out${i}/'] } } }; async execute() { return 1; } async onHook() { return undefined; } }`;

interface Hosting {
  load: PluginHostClient['load'];
  instantiate: PluginHostClient['instantiate'];
  call: PluginHostClient['call'];
  shutdown: PluginHostClient['shutdown'];
}

export async function permissionsBench(bundles: RuntimeBundles): Promise<string[]> {
  const files: Record<string, string> = {};
  for (let i = 0; i < PLUGINS; i++) files[`plugins/p${i}/index.mjs`] = plugin(i);
  const root = scratchWorkspace('permissions', files);
  const compiled = await Promise.all(
    Array.from({ length: PLUGINS }, (_, i) =>
      compilePlugin(path.join(root, `plugins/p${i}/index.mjs`), path.join(root, '.aether/cache'), bundles.apiModule),
    ),
  );
  const grants = compiled.map((c, i) =>
    grantOf(signedPermissions({ fs: { write: [`out${i}/`] } }), {
      workspaceRoot: root,
      pluginDir: path.join(root, `plugins/p${i}`),
      readable: [c.graphDir, path.dirname(bundles.apiModule)],
    }),
  );
  const options = { hostModule: bundles.hostModule, cwd: root, onNotification: () => {}, onCrash: () => {} };
  const limits = { timeoutMs: 5000, heapMb: 256 };

  /** Loads and instantiates every plugin: the enforced way (a granted host each) or one open host. */
  const start = async (enforced: boolean): Promise<Hosting> => {
    const hosts = enforced ? new PluginHosts(options) : new PluginHostClient(options);
    await Promise.all(
      compiled.map((c, i) =>
        enforced
          ? (hosts as PluginHosts).load(i + 1, c.bundleFile, c.bundleFile, limits, grants[i])
          : hosts.load(i + 1, c.bundleFile, c.bundleFile, limits),
      ),
    );
    for (let i = 0; i < PLUGINS; i++) await hosts.instantiate(i + 1, 256);
    return hosts as Hosting;
  };

  const cold = { enforced: [] as number[], open: [] as number[] };
  const dispatch = { enforced: [] as number[], open: [] as number[] };
  const ctx: ContextSnapshot = {
    pipeline: { name: 'b', file: 'b' },
    input: null,
    config: {},
    state: {},
    pluginDir: root,
    workspaceRoot: root,
  };
  const CALLS = 1000;
  for (let round = 0; round < 3; round++) {
    // Interleaved, so both see the same machine load.
    for (const mode of ['open', 'enforced'] as const) {
      const started = performance.now();
      const hosts = await start(mode === 'enforced');
      cold[mode].push(performance.now() - started);
      const t = performance.now();
      for (let n = 0; n < CALLS; n++) await hosts.call((n % PLUGINS) + 1, 'hook', 'pre-execute', ctx, limits);
      dispatch[mode].push(((performance.now() - t) / CALLS) * 1000);
      await hosts.shutdown();
    }
  }
  const coldEnforced = median(cold.enforced);
  const coldOpen = median(cold.open);
  const callEnforced = median(dispatch.enforced);
  const callOpen = median(dispatch.open);
  return [
    report(`cold start, ${PLUGINS} plugins, permissions enforced`, fmtMs(coldEnforced), fmtMs(coldOpen), coldEnforced / coldOpen),
    report('hook dispatch per call, permissions enforced', fmtUs(callEnforced), fmtUs(callOpen), callEnforced / callOpen),
    `  (reference: one unrestricted host for all ${PLUGINS} plugins, the design before; enforced: one granted host per plugin)`,
  ];
}
