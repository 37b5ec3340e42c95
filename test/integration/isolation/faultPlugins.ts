// Plugins that fail on purpose, one way per fault of the isolation issue's matrix. Each fault is a
// snippet of plugin code; `faultyPlugin` places it in `execute`, in `onHook`, or at module load.

export const FAULTS = {
  throw: { code: "throw new Error('boom: thrown');", cause: /boom: thrown/ },
  reject: { code: "return Promise.reject(new Error('boom: rejected'));", cause: /boom: rejected/ },
  'never-settles': { code: 'return new Promise(() => {});', cause: /exceeded its 1000 ms timeout/ },
  'sync-loop': { code: 'for (;;) {}', cause: /exceeded its 1000 ms timeout/ },
  'many-small-allocations': {
    code: "{ const keep = []; for (;;) keep.push({ n: Math.random(), s: 'x' + Math.random() }); }",
    cause: /exceeded its 64 MB heap limit/,
  },
  'one-huge-allocation': { code: 'return new Array(1e8).fill(0).length;', cause: /exceeded its 64 MB heap limit/ },
  'process-exit': { code: 'process.exit(3);', cause: /process\.exit/ },
  'process-abort': { code: 'process.abort();', cause: /process\.abort/ },
} as const;

export type FaultName = keyof typeof FAULTS;
export type FaultSite = 'execute' | 'onHook' | 'load';

/** Heap faults need more time than the 1 s timeout to fill 64 MB; everything else is quick. */
export function timeoutFor(fault: FaultName): string {
  return fault === 'many-small-allocations' || fault === 'one-huge-allocation' ? '20s' : '1s';
}

export function faultyPlugin(fault: FaultName, site: FaultSite): string {
  const code = FAULTS[fault].code;
  // An async function body, so `return` and `await` work at every site.
  const faultFn = `async function fault() { ${code} }`;
  return `
${faultFn}
${site === 'load' ? 'await fault();' : ''}
export default class Faulty {
  static meta = { name: 'faulty', version: '1.0.0', commands: { boom: {}, fine: {} }, hooks: ['pre-execute'] };
  async execute(ctx) {
    if (ctx.command === 'fine') return { fine: true };
    ${site === 'execute' ? 'return fault();' : 'return { fine: true };'}
  }
  async onHook(event, ctx) {
    ${site === 'onHook' ? "if (ctx.step?.id === 'target') return fault();" : ''}
  }
}
`;
}

/** Sees every failure and the end of the run: proof the others carry on after a fault. */
export const OBSERVER_PLUGIN = `
export default class Observer {
  static meta = { name: 'observer', version: '1.0.0', commands: { note: {} }, hooks: ['post-failure', 'pipeline-end'] };
  async execute(ctx) { ctx.state.set('noted', true); return 'noted'; }
  async onHook(event, ctx) { ctx.log.info('observer saw ' + event); }
}
`;

export function faultPipeline(fault: FaultName): string {
  return `name: fault-${fault}
settings: { timeout: ${timeoutFor(fault)}, memory: 64MB }
steps:
  - id: before
    run: note
  - id: target
    run: faulty/boom
    needs: [before]
  - id: after
    run: note
`;
}

export const HEALTHY_PIPELINE = `name: healthy
steps:
  - id: only
    run: note
`;
