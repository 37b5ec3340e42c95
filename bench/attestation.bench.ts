// Attestation verification speed: a 200-file plugin verified 20 times, against the time to just read
// the same files. Target (spec work item): verification under 50 ms. Run:
//   node --import tsx bench/attestation.bench.ts
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateKeyPair, listPluginFiles, signPlugin, verifyPlugin } from '../runtime/src/trust';

export interface AttestationBenchResult {
  files: number;
  bytes: number;
  runs: number;
  verifyMedianMs: number;
  readMedianMs: number;
  /** verifyMedianMs / readMedianMs: the cost of hashing, walking and checking over plain reading. */
  ratio: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

async function time(fn: () => Promise<unknown>, runs: number): Promise<number> {
  await fn(); // warm-up: JIT and the page cache, so both measurements start equal
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

/** The one-line summary `bench/run.ts` collects. */
export function formatAttestationBench(r: AttestationBenchResult): string {
  return `verify ${r.files}-file plugin: median ${r.verifyMedianMs.toFixed(2)} ms (read-only ${r.readMedianMs.toFixed(2)} ms, ratio ${r.ratio.toFixed(2)})`;
}

export interface AttestationBenchOptions {
  fileCount?: number;
  runs?: number;
  /** Where the summary line goes (`formatAttestationBench`); default: nowhere, the caller prints it. */
  log?: ((line: string) => void) | null;
}

/**
 * Builds a signed plugin of `fileCount` files (1–16 KB, in 10 folders), times verification against
 * plain reading, and returns the figures; `formatAttestationBench` (or `log`) gives the line
 * `verify 200-file plugin: median X ms (read-only Y ms, ratio Z)`.
 */
export async function runAttestationBench(options: AttestationBenchOptions = {}): Promise<AttestationBenchResult> {
  const result = await measure(options.fileCount ?? 200, options.runs ?? 20);
  options.log?.(formatAttestationBench(result));
  return result;
}

async function measure(fileCount: number, runs: number): Promise<AttestationBenchResult> {
  const tmp = await mkdtemp(path.join(tmpdir(), 'aether-bench-attest-'));
  try {
    const dir = path.join(tmp, 'plugin');
    let bytes = 0;
    for (let i = 0; i < fileCount; i++) {
      const rel = path.join(`src${i % 10}`, `module-${i}.js`);
      await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
      const size = 1024 + ((i * 7919) % 15) * 1024;
      bytes += size;
      await writeFile(path.join(dir, rel), randomBytes(size).toString('base64').slice(0, size));
    }
    const meta = { name: 'bench-plugin', version: '1.0.0' };
    const pair = await generateKeyPair(path.join(tmp, 'keys'));
    await signPlugin(dir, pair.privateKeyFile, meta);
    const trusted = [{ keyid: pair.keyid, publicKey: await readFile(pair.publicKeyFile, 'utf8') }];

    const check = await verifyPlugin(dir, meta, trusted);
    if (check.status !== 'verified') throw new Error(`bench plugin did not verify: ${check.message}`);

    const verifyMedianMs = await time(() => verifyPlugin(dir, meta, trusted), runs);
    // Baseline: list the files and read them all in parallel, no hashing, no attestation.
    const readMedianMs = await time(async () => {
      const files = await listPluginFiles(dir);
      await Promise.all(files.map((f) => readFile(path.join(dir, f))));
    }, runs);
    return { files: fileCount, bytes, runs, verifyMedianMs, readMedianMs, ratio: verifyMedianMs / readMedianMs };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(__filename)) {
  runAttestationBench({ log: (line) => console.log(line) }).then(
    (r) => {
      console.log(
        `  ${(r.bytes / 1024).toFixed(0)} KB, median of ${r.runs} runs; target < 50 ms: ${r.verifyMedianMs < 50 ? 'ok' : 'MISSED'}`,
      );
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
