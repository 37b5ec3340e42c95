// bundler: a build simulator. `bundle` pretends to bundle an entry file: it computes a stable,
// deterministic result (path, size, content hash) from its input and config, and writes nothing.
// Its output is what later steps read with ${{ steps.<id>.output.path }} and friends.
import { createHash } from 'node:crypto';
import type { Plugin, PluginMeta, ExecutionContext, JsonValue } from 'aetherscript-core';

interface BundleInput {
  entry: string;
  outDir?: string;
  minify?: boolean;
}
interface BundlerConfig {
  target?: 'es2020' | 'es2022' | 'node20';
  sourcemap?: boolean;
}

function commandOf(ctx: ExecutionContext): string {
  return (ctx.command ?? ctx.step?.command ?? '').split('/').pop() ?? '';
}

/** Waits `ms`, or rejects when the run is cancelled. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('bundle cancelled'));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('bundle cancelled'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export default class Bundler implements Plugin {
  static meta: PluginMeta = {
    name: 'bundler',
    version: '2.1.0',
    description: 'Simulated bundler: computes the bundle an entry file would produce, without writing files.',
    engines: { aetherscript: '^1.0.0' },
    commands: {
      bundle: {
        description: 'Bundle an entry file; returns { path, bytes, hash, target, sourcemap, modules }.',
        input: {
          type: 'object',
          required: ['entry'],
          additionalProperties: false,
          properties: {
            entry: { type: 'string', minLength: 1, description: 'Entry module, e.g. src/main.ts.' },
            outDir: { type: 'string', minLength: 1, description: 'Output folder (default dist).' },
            minify: { type: 'boolean', description: 'Minify the bundle (default false).' },
          },
        },
      },
    },
    config: {
      type: 'object',
      additionalProperties: false,
      properties: {
        target: { type: 'string', enum: ['es2020', 'es2022', 'node20'], description: 'Language target (default es2022).' },
        sourcemap: { type: 'boolean', description: 'Also emit a source map (default false).' },
      },
    },
  };

  async execute(ctx: ExecutionContext): Promise<JsonValue> {
    if (commandOf(ctx) !== 'bundle') throw new Error(`bundler has no command "${ctx.command}"`);
    const input = (ctx.input ?? {}) as unknown as BundleInput;
    if (typeof input.entry !== 'string' || input.entry === '') throw new Error('bundle needs an `entry` (the module to start from)');
    const config = (ctx.config ?? {}) as BundlerConfig;
    const target = config.target ?? 'es2022';
    const outDir = (input.outDir ?? 'dist').replace(/\/+$/, '');
    const minify = input.minify ?? false;

    const base = input.entry.split('/').pop()!.replace(/\.[cm]?[jt]sx?$/, '');
    const path = `${outDir}/${base}.js`;
    ctx.log.debug(`bundling ${input.entry} for ${target}${minify ? ', minified' : ''}`);

    // "Work": a short, cancellable pause so the step has a visible duration.
    await pause(300, ctx.signal);

    const seed = createHash('sha256').update(`${input.entry}|${target}`).digest();
    const modules = 12 + (seed[0]! % 40);
    const rawBytes = 40_000 + seed.readUInt16BE(1);
    const bytes = minify ? Math.round(rawBytes * 0.62) : rawBytes;
    const hash = createHash('sha256').update(`${path}|${bytes}|${minify}`).digest('hex').slice(0, 16);

    ctx.visualize({ chart: 'bundle-size', kind: 'bar', value: bytes, unit: 'bytes', label: path });
    if (bytes > 80_000) ctx.log.warn(`${path} is ${bytes} bytes; consider code splitting`);
    ctx.log.info(`bundled ${modules} modules into ${path} (${bytes} bytes)`);

    return {
      path,
      bytes,
      hash,
      target,
      modules,
      sourcemap: config.sourcemap ? `${path}.map` : null,
    };
  }
}
