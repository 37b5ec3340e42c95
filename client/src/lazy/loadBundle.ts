// Code activation does not need lives in bundles of its own next to dist/client/extension.js and is
// required on first use; esbuild leaves a require() of a computed path alone, so nothing is inlined.
import path from 'node:path';
import type * as RuntimeBundle from './runtimeBundle';
import type * as LanguageClientBundle from './languageClientBundle';

interface Bundles {
  runtime: typeof RuntimeBundle;
  languageClient: typeof LanguageClientBundle;
}

const loaded: Partial<Bundles> = {};

export function loadBundle<K extends keyof Bundles>(name: K): Bundles[K] {
  return (loaded[name] ??= require(path.join(__dirname, `${name}.js`)) as Bundles[K]);
}
