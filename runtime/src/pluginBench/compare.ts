// The statistical comparison of a benchmark with its baseline (spec section 11). Pure.
//
// The test: a one-sided bootstrap on the ratio of medians. Both sample sets are resampled with
// replacement (2,000 times, a fixed seed so a run is reproducible) and the ratio current/baseline of
// the resampled medians is taken each time; the benchmark is slower when the lower confidence bound
// of that ratio (its 1st percentile at 99% confidence) is above 1 + threshold. Why this test:
// - medians, not means: a noisy machine adds rare long samples (preemption, GC of another process),
//   which move a mean and a t-test on it but hardly a median;
// - the threshold is part of the hypothesis (H0: ratio ≤ 1 + threshold), so a real but small shift
//   never fails, and a large one fails only when the data are sure of it;
// - no normality assumption: latency samples are skewed, which Welch's t-test assumes away.
// Samples are the worker's evenly spaced quantiles (at most a thousand or so), not every sample:
// fewer points widen the interval, which makes the test more cautious, never less.
// When the baseline was recorded on another machine, both sides are first divided by their own
// run's reference no-op (resampled too), so the comparison is of ratios to the reference.

export const DEFAULT_CONFIDENCE = 0.99;
export const DEFAULT_RESAMPLES = 2000;
/** Fewer samples than this on either side: not compared (the interval would mean little). */
export const MIN_SAMPLES_TO_COMPARE = 10;

export interface CompareOptions {
  /** Allowed slowdown, as a fraction (0.1 for 10%). */
  threshold: number;
  confidence?: number;
  resamples?: number;
  seed?: number;
  /** Reference no-op samples of each run, to compare ratios to the reference (baseline from another machine). */
  reference?: { current: readonly number[]; baseline: readonly number[] };
}

export interface Comparison {
  test: 'bootstrap-median-ratio';
  confidence: number;
  threshold: number;
  /** Medians in ms; with `normalized`, the ratio compared is of medians over each run's reference median. */
  baselineMedianMs: number;
  currentMedianMs: number;
  normalized: boolean;
  /** Point estimate of current / baseline. */
  ratio: number;
  /** The one-sided lower confidence bound of the ratio: the slowdown the data are sure of. */
  lowerBound: number;
  upperBound: number;
  /** The lower bound exceeds 1 + threshold. */
  slower: boolean;
  /** Why the comparison did not run, when it did not. */
  skipped?: string;
}

/** Small, fast, seedable PRNG (mulberry32): the bootstrap must give the same answer twice. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function sortedCopy(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

export function medianOf(sorted: readonly number[]): number {
  if (sorted.length === 0) return 0;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** In-place selection of the k-th smallest index value (Hoare's quickselect). */
function select(values: Int32Array, k: number): number {
  let low = 0;
  let high = values.length - 1;
  while (low < high) {
    const pivot = values[(low + high) >> 1]!;
    let i = low;
    let j = high;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const swap = values[i]!;
        values[i] = values[j]!;
        values[j] = swap;
        i++;
        j--;
      }
    }
    if (k <= j) high = j;
    else if (k >= i) low = i;
    else break;
  }
  return values[k]!;
}

/**
 * Medians of `resamples` bootstrap resamples of sorted data. On sorted data the median of a resample
 * is the value at the median of the drawn indices, so each resample selects among integers only.
 */
function bootstrapMedians(sorted: readonly number[], resamples: number, next: () => number): Float64Array {
  const n = sorted.length;
  const drawn = new Int32Array(n);
  const medians = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) drawn[i] = Math.floor(next() * n);
    const low = select(drawn, (n - 1) >> 1);
    const high = n % 2 ? low : select(drawn, n >> 1);
    medians[r] = (sorted[low]! + sorted[high]!) / 2;
  }
  return medians;
}

export function compareWithBaseline(current: readonly number[], baseline: readonly number[], options: CompareOptions): Comparison {
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const cur = sortedCopy(current);
  const base = sortedCopy(baseline);
  const refCur = options.reference ? sortedCopy(options.reference.current) : undefined;
  const refBase = options.reference ? sortedCopy(options.reference.baseline) : undefined;
  const normalized = refCur !== undefined && refBase !== undefined;
  const scale = (c: number, b: number, rc: number, rb: number) => (c / b) * (normalized ? rb / rc : 1);
  const ratio = scale(medianOf(cur), medianOf(base), medianOf(refCur ?? []), medianOf(refBase ?? []));
  const result: Comparison = {
    test: 'bootstrap-median-ratio',
    confidence,
    threshold: options.threshold,
    baselineMedianMs: medianOf(base),
    currentMedianMs: medianOf(cur),
    normalized,
    ratio,
    lowerBound: ratio,
    upperBound: ratio,
    slower: false,
  };
  const small = [cur, base, ...(normalized ? [refCur, refBase] : [])].some((s) => s.length < MIN_SAMPLES_TO_COMPARE);
  if (small) return { ...result, skipped: `fewer than ${MIN_SAMPLES_TO_COMPARE} samples on one side` };
  if (!(medianOf(base) > 0) || (normalized && !(medianOf(refCur) > 0 && medianOf(refBase) > 0))) {
    return { ...result, skipped: 'a baseline median of zero cannot be compared' };
  }

  const next = random(options.seed ?? 0x5eed);
  const c = bootstrapMedians(cur, resamples, next);
  const b = bootstrapMedians(base, resamples, next);
  const rc = normalized ? bootstrapMedians(refCur, resamples, next) : undefined;
  const rb = normalized ? bootstrapMedians(refBase, resamples, next) : undefined;
  const ratios = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) ratios[r] = scale(c[r]!, b[r]!, rc?.[r] ?? 1, rb?.[r] ?? 1);
  ratios.sort();
  const at = (q: number) => ratios[Math.min(resamples - 1, Math.max(0, Math.floor(q * resamples)))]!;
  result.lowerBound = at(1 - confidence);
  result.upperBound = at(confidence);
  result.slower = result.lowerBound > 1 + options.threshold;
  return result;
}

/** `10%`, `10` (percent) or `0.1`? Only the first two: a bare number is a percentage, as in `--threshold 10`. */
export function parseThreshold(text: string): number | undefined {
  const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*%?\s*$/.exec(text);
  if (!match) return undefined;
  const percent = Number(match[1]);
  return Number.isFinite(percent) && percent >= 0 && percent <= 1000 ? percent / 100 : undefined;
}
