// Generators of pipelines that look ordinary but stress one dimension each, and a timing helper that
// compares a check at N and 4N in one process (a ratio, never an absolute time).
import { strict as assert } from 'node:assert';

/** Steps whose `with` holds an anchored expression and an alias of it (2 aliases per step). */
export function aliases(n: number): string {
  let text = 'name: aliases\nenv:\n  BASE: x\nsteps:\n';
  for (let i = 0; i < n; i++) text += `  - id: s${i}\n    run: bundle\n    with: { entry: &v${i} "\${{ env.BASE }}", minify: *v${i} }\n`;
  return text;
}

/** One `env:` mapping with n keys. */
export function keys(n: number): string {
  let text = 'name: keys\nenv:\n';
  for (let i = 0; i < n; i++) text += `  KEY_${i}: value${i}\n`;
  return `${text}steps:\n  - id: a\n    run: bundle\n    with: { entry: "\${{ env.KEY_0 }}" }\n`;
}

/** A chain of n steps, each needing the one before and reading the first one's output. */
export function chain(n: number): string {
  let text = 'name: chain\nsteps:\n  - id: s0\n    run: bundle\n    with: { entry: a }\n';
  for (let i = 1; i < n; i++)
    text += `  - id: s${i}\n    run: bundle\n    needs: [s${i - 1}]\n    with: { entry: "\${{ steps.s0.output.path }}" }\n`;
  return text;
}

/** n anchors of one name, and aliases of it along the way. */
export function sameAnchor(n: number): string {
  let text = 'name: anchors\nsteps:\n  - id: a\n    run: notify\n    with:\n      values:\n';
  for (let i = 0; i < n; i++) text += i % 10 === 9 ? '        - *a\n' : `        - &a v${i}\n`;
  return text;
}

/** Collections nested `depth` levels deep in a step's `with`, as flow sequences. */
export function deepFlow(depth: number): string {
  return `name: deep\nsteps:\n  - id: a\n    run: bundle\n    with: { entry: ${'['.repeat(depth)}${']'.repeat(depth)} }\n`;
}

/** The best of `runs` timings of `check` on `text`, in ms. */
function best(text: string, check: (text: string) => unknown, runs = 3): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    check(text);
    min = Math.min(min, performance.now() - started);
  }
  return min;
}

export function assertLinear(name: string, family: (n: number) => string, n: number, check: (text: string) => unknown): void {
  check(family(n)); // warm-up: compiled code, schema validators
  const small = best(family(n), check);
  const large = best(family(4 * n), check);
  const ratio = large / small;
  console.log(`${name}: N=${n} ${small.toFixed(0)} ms, 4N ${large.toFixed(0)} ms, ratio ${ratio.toFixed(1)}`);
  assert.ok(ratio < 8, `${name}: 4x the input took ${ratio.toFixed(1)}x the time (${small.toFixed(0)} -> ${large.toFixed(0)} ms)`);
}

export const FAMILIES = [
  { name: 'aliases', family: aliases, n: 500 },
  { name: 'keys in one mapping', family: keys, n: 3000 },
  { name: 'needs chain with expressions', family: chain, n: 500 },
  { name: 'anchors of one name', family: sameAnchor, n: 3000 },
];
