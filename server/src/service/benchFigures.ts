// The benchmark figures the hover over `static meta` shows (spec section 11): those signed into the
// plugin's attestation by `aether plugins sign`, else the latest `plugin-bench` summary (not signed).
// Both are plain JSON read from disk; no plugin code runs. The hover does not check the signature (the
// trust check behind the plugin's diagnostics does), so it says where the figures come from.
import { lstatSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnvelope } from '../../../runtime/src/trust/dsse';
import {
  MAX_ATTESTATION_BYTES,
  parseSignedBenchmarks,
  parseStatement,
  type SignedBenchmarks,
} from '../../../runtime/src/trust/attestation';
import { ATTESTATION_FILE } from '../../../runtime/src/trust/digest';
import { latestBenchSummary } from '../../../runtime/src/pluginBench/baseline';

/** A plugin's figures and whether they are the ones its attestation carries. */
export interface PluginBenchFigures {
  signed: boolean;
  figures: SignedBenchmarks;
}

/** Reads a plugin folder's benchmark figures; undefined when it has none (or they cannot be read). */
export type ReadBenchFigures = (pluginDir: string) => PluginBenchFigures | undefined;

function signedFigures(pluginDir: string): SignedBenchmarks | undefined {
  const file = path.join(pluginDir, ATTESTATION_FILE);
  try {
    const info = lstatSync(file);
    if (!info.isFile() || info.size > MAX_ATTESTATION_BYTES) return undefined;
    const envelope = parseEnvelope(JSON.parse(readFileSync(file, 'utf8')) as unknown);
    return parseStatement(envelope.payloadBytes).predicate.benchmarks;
  } catch {
    return undefined;
  }
}

export const readBenchFigures: ReadBenchFigures = (pluginDir) => {
  const signed = signedFigures(pluginDir);
  if (signed) return { signed: true, figures: signed };
  try {
    const latest = parseSignedBenchmarks(latestBenchSummary(pluginDir));
    return latest ? { signed: false, figures: latest } : undefined;
  } catch {
    return undefined;
  }
};
