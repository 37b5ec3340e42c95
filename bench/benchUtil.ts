// Shared helpers for the benchmarks: medians, a scratch workspace, and a consistent report line.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export function scratchWorkspace(name: string, files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), `aether-bench-${name}-`));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  writeFileSync(path.join(root, 'aether.config.json'), '{}\n');
  return root;
}

/** `label: value (reference: ref) → ratio x [goal …: met|MISSED]` */
export function report(label: string, value: string, reference: string, ratio: number, goal?: { text: string; met: boolean }): string {
  const goalText = goal ? `  [goal ${goal.text}: ${goal.met ? 'met' : 'MISSED'}]` : '';
  return `${label.padEnd(44)} ${value.padStart(12)}   reference ${reference.padStart(12)}   ratio ${ratio.toFixed(2)}x${goalText}`;
}

export const fmtMs = (ms: number) => `${ms < 10 ? ms.toFixed(2) : ms.toFixed(0)} ms`;
export const fmtUs = (us: number) => `${us.toFixed(1)} µs`;
