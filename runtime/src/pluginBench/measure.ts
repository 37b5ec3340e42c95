// Runs inside the plugin's worker thread: tinybench times the plugin's own calls there, so the
// figures are the plugin's and not the isolation boundary's (whose round trip the runner measures
// from the runtime's side and reports beside them).
import { getHeapStatistics } from 'node:v8';
import { Bench } from 'tinybench';
import type { BenchFigures, BenchPlan } from '../host/protocol';

/** Heap is read every this many iterations (about 0.6 µs a read, kept outside the timed window). */
const HEAP_EVERY = 8;

export type MeasuredFigures = Omit<BenchFigures, 'logs' | 'stateWrites' | 'points' | 'firstErrorLog'>;

/** Thrown when the measured function threw: carries the plugin's own error and which iteration. */
export class BenchIterationError extends Error {
  constructor(
    readonly original: unknown,
    readonly iteration: number,
  ) {
    super(original instanceof Error ? original.message : String(original), { cause: original });
    this.name = 'BenchIterationError';
  }
}

/**
 * Calls faster than this are timed in batches: each tinybench sample is then the mean of a batch of
 * calls (as mitata does), so neither the timer's own cost (tens of ns) nor millions of stored samples
 * (tens of MB of the plugin's heap) distort the figures.
 */
export const MIN_SAMPLE_MS = 0.05;

/**
 * Measures `fn` with tinybench after a warm-up. `progress[0]` is incremented before and after every
 * call or batch (odd: one is running), so the host's main thread can stop one that outlives the call
 * timeout, as it stops a blocked call.
 */
export async function measure(fn: () => unknown, plan: BenchPlan, progress: Int32Array): Promise<MeasuredFigures> {
  let iteration = 0;
  let failure: BenchIterationError | undefined;
  const once = async () => {
    iteration++;
    try {
      await fn();
    } catch (error) {
      failure ??= new BenchIterationError(error, iteration);
      throw error;
    }
  };

  // Warm-up: the JIT settles, and the time of one call decides the batch size.
  const warmStart = performance.now();
  let warmCalls = 0;
  while (warmCalls < plan.warmupIterations || performance.now() - warmStart < plan.warmupMs) {
    Atomics.add(progress, 0, 1);
    try {
      await once();
    } catch (error) {
      throw failure ?? error;
    } finally {
      Atomics.add(progress, 0, 1);
    }
    warmCalls++;
  }
  const perCall = warmCalls > 0 ? (performance.now() - warmStart) / warmCalls : MIN_SAMPLE_MS;
  // A fixed number of iterations is counted in calls: no batching then.
  const batch = plan.timeMs > 0 && perCall < MIN_SAMPLE_MS ? Math.max(1, Math.floor(MIN_SAMPLE_MS / Math.max(perCall, 1e-6))) : 1;

  const heapBefore = getHeapStatistics().used_heap_size;
  if (plan.bareLoop) return bareLoop(fn, plan, progress, heapBefore);
  let peakHeap = heapBefore;
  let measured = 0;
  const bench = new Bench({
    time: plan.timeMs,
    iterations: plan.iterations,
    warmup: false,
    retainSamples: true,
    throws: false,
  });
  bench.add(
    'benchmark',
    batch === 1
      ? once
      : async () => {
          // The same loop as a bare one (no wrapper per call), so the harness adds nothing per call.
          const started = performance.now();
          try {
            for (let i = 0; i < batch; i++) {
              iteration++;
              await fn();
            }
          } catch (error) {
            failure ??= new BenchIterationError(error, iteration);
            throw error;
          }
          const elapsed = performance.now() - started;
          return { overriddenDuration: elapsed / batch, overriddenIterationCost: elapsed };
        },
    {
      async: true,
      beforeEach: () => {
        Atomics.add(progress, 0, 1);
      },
      afterEach: () => {
        Atomics.add(progress, 0, 1);
        if (++measured % HEAP_EVERY === 0) peakHeap = Math.max(peakHeap, getHeapStatistics().used_heap_size);
      },
    },
  );
  const [task] = await bench.run();
  const heapAfter = getHeapStatistics().used_heap_size;
  peakHeap = Math.max(peakHeap, heapAfter);
  const result = task?.result;
  if (failure) throw failure;
  if (!result || (result.state !== 'completed' && result.state !== 'aborted-with-statistics')) {
    const error = result && 'error' in result ? result.error : undefined;
    throw new BenchIterationError(error ?? new Error(`tinybench ended in state ${result?.state ?? 'unknown'}`), iteration);
  }
  const latency = result.latency;
  const sorted = latency.samples ?? [];
  return {
    samples: latency.samplesCount,
    batch,
    meanMs: latency.mean,
    medianMs: latency.p50,
    p95Ms: quantileSorted(sorted, 0.95),
    p99Ms: latency.p99,
    minMs: latency.min,
    maxMs: latency.max,
    sdMs: latency.sd,
    moeMs: latency.moe,
    rmePercent: latency.rme,
    // Operations per second from the mean latency (tinybench's throughput mean averages per-sample rates).
    opsPerSec: latency.mean > 0 ? 1000 / latency.mean : 0,
    peakHeapBytes: peakHeap,
    heapGrowthBytes: heapAfter - heapBefore,
    sampleMs: thinSorted(sorted, plan.maxSamples),
    library: 'tinybench',
  };
}

/** `plan.iterations` calls in a plain loop, timed as a whole: what a call costs with no harness around it. */
async function bareLoop(fn: () => unknown, plan: BenchPlan, progress: Int32Array, heapBefore: number): Promise<MeasuredFigures> {
  Atomics.add(progress, 0, 1);
  const started = performance.now();
  for (let i = 0; i < plan.iterations; i++) await fn();
  const meanMs = (performance.now() - started) / plan.iterations;
  Atomics.add(progress, 0, 1);
  const heapAfter = getHeapStatistics().used_heap_size;
  return {
    samples: 1,
    batch: plan.iterations,
    meanMs,
    medianMs: meanMs,
    p95Ms: meanMs,
    p99Ms: meanMs,
    minMs: meanMs,
    maxMs: meanMs,
    sdMs: 0,
    moeMs: 0,
    rmePercent: 0,
    opsPerSec: meanMs > 0 ? 1000 / meanMs : 0,
    peakHeapBytes: Math.max(heapBefore, heapAfter),
    heapGrowthBytes: heapAfter - heapBefore,
    sampleMs: [meanMs],
    library: 'bare loop',
  };
}

/** Linear interpolation between order statistics (tinybench's own convention for p50/p99). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}

/** At most `max` evenly spaced quantiles of sorted samples: the same distribution, fewer points. */
export function thinSorted(sorted: readonly number[], max: number): number[] {
  if (sorted.length <= max) return [...sorted];
  return Array.from({ length: max }, (_, i) => quantileSorted(sorted, max === 1 ? 0.5 : i / (max - 1)));
}
