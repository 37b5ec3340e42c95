// BROKEN ON PURPOSE: chicken depends on egg, and egg depends on chicken, so neither can load first.
// Expected: plugin/dependency-cycle, naming both plugins (chicken -> egg -> chicken).
import type { Plugin, ExecutionContext } from 'aetherscript-core';

export default class Chicken implements Plugin {
  static meta = {
    name: 'chicken',
    version: '1.0.0',
    engines: { aetherscript: '^1.0.0' },
    dependencies: { egg: '^1.0.0' },
    commands: { lay: { description: 'Lay an egg.' } },
  };

  async execute(_ctx: ExecutionContext) {
    return { laid: 'egg' };
  }
}
