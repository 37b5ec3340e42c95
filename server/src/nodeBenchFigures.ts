// The benchmark figures of a plugin folder on a real disk, for the hover over `static meta` (spec
// section 11): those signed into its attestation, else the latest `plugin-bench` summary (not signed).
// Both are plain JSON read from disk; no plugin code runs. The hover does not check the signature (the
// trust check behind the plugin's diagnostics does), so it says where the figures come from.
import { lstatSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnvelope } from '../../runtime/src/trust/dsse';
import { MAX_ATTESTATION_BYTES, parseSignedBenchmarks, parseStatement, type SignedBenchmarks } from '../../runtime/src/trust/attestation';
import { ATTESTATION_FILE } from '../../runtime/src/trust/digest';
import { latestBenchSummary } from '../../runtime/src/pluginBench/baseline';
import type { ReadBenchFigures } from './service/benchFigures';

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

export const nodeBenchFigures: ReadBenchFigures = (pluginDir) => {
  const signed = signedFigures(pluginDir);
  if (signed) return { signed: true, figures: signed };
  try {
    const latest = parseSignedBenchmarks(latestBenchSummary(pluginDir));
    return latest ? { signed: false, figures: latest } : undefined;
  } catch {
    return undefined;
  }
};
