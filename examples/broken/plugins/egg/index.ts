// BROKEN ON PURPOSE: egg depends on chicken, and chicken depends on egg, so neither can load first.
// Expected: plugin/dependency-cycle, naming both plugins (egg -> chicken -> egg).
import type { Plugin, ExecutionContext } from 'aetherscript-core';

export default class Egg implements Plugin {
  static meta = {
    name: 'egg',
    version: '1.0.0',
    engines: { aetherscript: '^1.0.0' },
    dependencies: { chicken: '^1.0.0' },
    commands: { hatch: { description: 'Hatch a chicken.' } },
  };

  async execute(_ctx: ExecutionContext) {
    return { hatched: 'chicken' };
  }
}
