// The embedded runtime: a bundle of its own (lazy/runtimeBundle.ts), loaded when the first run, sync,
// plugin list or sandbox test needs it.
import path from 'node:path';
import type { RuntimeBundles } from '../../runtime/src/engine/runtimePaths';
import type * as RuntimeBundle from './lazy/runtimeBundle';
import { loadBundle } from './lazy/loadBundle';

export function embeddedRuntime(): typeof RuntimeBundle {
  return loadBundle('runtime');
}

/** The plugin host and the `aetherscript-core` module plugins import, as shipped in the .vsix. */
export function runtimeBundles(extensionPath: string): RuntimeBundles {
  return embeddedRuntime().defaultBundles(path.join(extensionPath, 'runtime', 'dist'));
}
