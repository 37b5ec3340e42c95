// BROKEN ON PURPOSE: meta has no `version`, which is required.
// Expected: meta/missing-field, naming plugin "no-version" and the field "version".
import type { Plugin, ExecutionContext } from 'aetherscript-core';

export default class NoVersion implements Plugin {
  static meta = {
    name: 'no-version',
    description: 'Forgot its version.',
    engines: { aetherscript: '^1.0.0' },
  };

  async execute(ctx: ExecutionContext) {
    ctx.log.info('never loaded');
    return null;
  }
}
