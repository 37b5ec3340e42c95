// The benchmark figures the hover over `static meta` shows (spec section 11): those signed into the
// plugin's attestation by `aether plugins sign`, else the latest `plugin-bench` summary (not signed).
// Types only: the service reads no disk; `server/src/nodeBenchFigures.ts` reads them (injected).
import type { SignedBenchmarks } from '../../../runtime/src/trust/attestation';

/** A plugin's figures and whether they are the ones its attestation carries. */
export interface PluginBenchFigures {
  signed: boolean;
  figures: SignedBenchmarks;
}

/** Reads a plugin folder's benchmark figures; undefined when it has none (or they cannot be read). */
export type ReadBenchFigures = (pluginDir: string) => PluginBenchFigures | undefined;
