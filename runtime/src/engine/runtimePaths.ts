// Where the runtime's own bundles live. The CLI and library bundles sit beside them in
// runtime/dist; an embedder that bundles the runtime elsewhere (the VS Code extension) passes its own.
import path from 'node:path';

export interface RuntimeBundles {
  /** The plugin host process entry. */
  hostModule: string;
  /** The module `aetherscript-core` resolves to inside plugins. */
  apiModule: string;
}

export function defaultBundles(distDir: string = __dirname): RuntimeBundles {
  return { hostModule: path.join(distDir, 'pluginHost.js'), apiModule: path.join(distDir, 'api.mjs') };
}
