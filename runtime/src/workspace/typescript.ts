// The TypeScript module, required on first use rather than when the service loads. Requiring it costs
// about 45 MB of RSS for good; the server parses plugin sources in a worker (see
// `server/src/pluginSourceWorker.ts`), so a process with only pipelines open never needs it here.
import type * as TS from 'typescript';

let loaded: typeof TS | undefined;

function load(): typeof TS {
  return (loaded ??= require('typescript') as typeof TS);
}

/** `typescript`, loaded on the first property read. */
export const ts: typeof TS = new Proxy({} as typeof TS, { get: (_target, key) => Reflect.get(load(), key) as unknown });
