// core-tools: the small everyday commands pipelines lean on.
//   echo     returns its message (and can remember it in pipeline state)
//   checksum hashes a piece of text with node:crypto; `offload: true` hashes in a thread of its own
//            (ctx.spawnWorker), so heavy hashing leaves the plugin's thread free
//   sleep    waits `ms` milliseconds, and stops early when the run is cancelled (ctx.signal)
//   fail     throws on purpose, to demo failures, skips and continue-on-error
import { createHash } from 'node:crypto';
import type { Plugin, PluginMeta, ExecutionContext, JsonValue } from 'aetherscript-core';

interface EchoInput {
  message: string;
  data?: JsonValue;
  saveAs?: string;
}
interface ChecksumInput {
  text: string;
  algorithm?: 'sha256' | 'sha1' | 'md5';
  repeat?: number;
  offload?: boolean;
}
interface SleepInput {
  ms: number;
  label?: string;
}
interface FailInput {
  message?: string;
}

/** The same hashing as checksumWorker.mjs, which runs it in a spawned worker. */
function hashText(text: string, algorithm: string, repeat: number): string {
  return createHash(algorithm).update(text.repeat(repeat), 'utf8').digest('hex');
}

/** The command without a `plugin/` prefix, however the step spelled it. */
function commandOf(ctx: ExecutionContext): string {
  return (ctx.command ?? ctx.step?.command ?? '').split('/').pop() ?? '';
}

export default class CoreTools implements Plugin {
  static meta: PluginMeta = {
    name: 'core-tools',
    version: '1.2.0',
    description: 'Everyday commands: echo, checksum, sleep and fail.',
    engines: { aetherscript: '^1.0.0' },
    commands: {
      echo: {
        description: 'Return the message (and optional data) as the step output; `saveAs` also stores the message in pipeline state.',
        input: {
          type: 'object',
          required: ['message'],
          additionalProperties: false,
          properties: {
            message: { type: 'string', description: 'Text to echo; may use ${{ }} expressions.' },
            data: { description: 'Any JSON value, passed through to the output.' },
            saveAs: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'State key to store the message under.' },
          },
        },
      },
      checksum: {
        description: 'Hash a piece of text; returns { algorithm, digest, length }.',
        input: {
          type: 'object',
          required: ['text'],
          additionalProperties: false,
          properties: {
            text: { type: 'string', description: 'The text to hash.' },
            algorithm: { type: 'string', enum: ['sha256', 'sha1', 'md5'], description: 'Hash algorithm (default sha256).' },
            repeat: {
              type: 'integer',
              minimum: 1,
              maximum: 1000000,
              description: 'Hash the text repeated this many times (default 1): heavy work on demand, for benchmarks.',
            },
            offload: {
              type: 'boolean',
              description: "Hash in a spawned worker thread (ctx.spawnWorker, checksumWorker.mjs) instead of the plugin's own thread.",
            },
          },
        },
      },
      sleep: {
        description: 'Wait `ms` milliseconds without blocking; resolves early with an error when the run is cancelled.',
        input: {
          type: 'object',
          required: ['ms'],
          additionalProperties: false,
          properties: {
            ms: { type: 'integer', minimum: 0, maximum: 600000, description: 'How long to wait, in milliseconds.' },
            label: { type: 'string', description: 'What the wait stands for, shown in logs.' },
          },
        },
      },
      fail: {
        description: 'Throw an error with the given message. For demos and tests of failure handling.',
        input: {
          type: 'object',
          additionalProperties: false,
          properties: {
            message: { type: 'string', description: 'The error message (default "failed on purpose").' },
          },
        },
      },
    },
  };

  async execute(ctx: ExecutionContext): Promise<JsonValue> {
    switch (commandOf(ctx)) {
      case 'echo':
        return this.echo(ctx, ctx.input as unknown as EchoInput);
      case 'checksum':
        return this.checksum(ctx, ctx.input as unknown as ChecksumInput);
      case 'sleep':
        return this.sleep(ctx, ctx.input as unknown as SleepInput);
      case 'fail': {
        const { message = 'failed on purpose' } = (ctx.input ?? {}) as FailInput;
        ctx.log.error(`about to fail: ${message}`);
        throw new Error(message);
      }
      default:
        throw new Error(`core-tools has no command "${ctx.command}"`);
    }
  }

  private echo(ctx: ExecutionContext, input: EchoInput): JsonValue {
    ctx.log.info(input.message);
    if (input.saveAs) {
      ctx.state.set(input.saveAs, input.message);
      ctx.log.debug(`stored the message in state.${input.saveAs}`);
    }
    return input.data === undefined ? { message: input.message } : { message: input.message, data: input.data };
  }

  private async checksum(ctx: ExecutionContext, input: ChecksumInput): Promise<JsonValue> {
    const algorithm = input.algorithm ?? 'sha256';
    const repeat = input.repeat ?? 1;
    const length = input.text.length * repeat;
    // Offloaded, the hashing blocks a thread of its own: this one stays free to notice ctx.signal and
    // to serve other calls, at the price of starting a worker (see test/core-tools.bench.yaml).
    const digest = input.offload
      ? await ctx.spawnWorker<string>('checksumWorker.mjs', { text: input.text, algorithm, repeat })
      : hashText(input.text, algorithm, repeat);
    ctx.log.info(`${algorithm} of ${length} characters${input.offload ? ' (in a worker)' : ''}: ${digest.slice(0, 12)}…`);
    return { algorithm, digest, length };
  }

  private async sleep(ctx: ExecutionContext, input: SleepInput): Promise<JsonValue> {
    const label = input.label ?? 'sleep';
    const started = Date.now();
    ctx.log.info(`${label}: waiting ${input.ms} ms`);
    await new Promise<void>((resolve, reject) => {
      if (ctx.signal.aborted) {
        reject(new Error(`${label}: cancelled before it started`));
        return;
      }
      // Long waits report progress every 5 s, as a log line and a gauge on the dashboard.
      const progress =
        input.ms >= 10000
          ? setInterval(() => {
              const elapsed = Date.now() - started;
              const percent = Math.min(100, Math.round((elapsed / input.ms) * 100));
              ctx.log.info(`${label}: ${Math.round(elapsed / 1000)} s of ${Math.round(input.ms / 1000)} s`);
              ctx.visualize({ chart: 'sleep-progress', kind: 'gauge', value: percent, unit: '%', label });
            }, 5000)
          : undefined;
      const done = () => {
        clearTimeout(timer);
        if (progress) clearInterval(progress);
        ctx.signal.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        done();
        reject(new Error(`${label}: cancelled after ${Date.now() - started} ms of ${input.ms} ms`));
      };
      const timer = setTimeout(() => {
        done();
        resolve();
      }, input.ms);
      ctx.signal.addEventListener('abort', onAbort, { once: true });
    });
    const sleptMs = Date.now() - started;
    ctx.log.debug(`${label}: done after ${sleptMs} ms`);
    return { label, requestedMs: input.ms, sleptMs };
  }
}
