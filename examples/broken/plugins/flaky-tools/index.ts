// flaky-tools: a plugin that itself works, but whose sandbox cases fail on purpose, to show what
// `aether dev plugin-test` reports (see test/flaky-tools.sandbox.yaml). It also provides the
// commands the broken pipelines in this folder call.
//   echo     returns { message }
//   add      returns { sum } of a and b
//   spin     loops forever, synchronously: the 1 s limit below stops it
//   explode  throws "kaboom"
import type { Plugin, PluginMeta, ExecutionContext, JsonValue } from 'aetherscript-core';

export default class FlakyTools implements Plugin {
  static meta: PluginMeta = {
    name: 'flaky-tools',
    version: '0.1.0',
    description: 'Deliberately awkward commands for the sandbox demo.',
    engines: { aetherscript: '^1.0.0' },
    commands: {
      echo: {
        description: 'Return { message }.',
        input: {
          type: 'object',
          required: ['message'],
          additionalProperties: false,
          properties: { message: { type: 'string' } },
        },
      },
      add: {
        description: 'Return { sum: a + b }.',
        input: {
          type: 'object',
          required: ['a', 'b'],
          additionalProperties: false,
          properties: { a: { type: 'number' }, b: { type: 'number' } },
        },
      },
      spin: { description: 'Block the thread forever (to hit the timeout limit).', input: { type: 'object' } },
      explode: { description: 'Throw "kaboom".', input: { type: 'object' } },
    },
    // A short limit on synchronous work, so `spin` is stopped after 1 s instead of 5 s.
    limits: { timeoutMs: 1000 },
  };

  async execute(ctx: ExecutionContext): Promise<JsonValue> {
    const command = (ctx.command ?? '').split('/').pop();
    const input = (ctx.input ?? {}) as Record<string, JsonValue>;
    switch (command) {
      case 'echo':
        return { message: String(input.message) };
      case 'add':
        return { sum: Number(input.a) + Number(input.b) };
      case 'spin':
        ctx.log.info('spinning forever');
        for (;;) {
          // never yields: only the runtime's timeout limit ends this
        }
      case 'explode':
        throw new Error('kaboom');
      default:
        throw new Error(`flaky-tools has no command "${ctx.command}"`);
    }
  }
}
