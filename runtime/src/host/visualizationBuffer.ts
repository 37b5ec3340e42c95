// `ctx.visualize()` must never block a plugin (spec section 4): points go into a bounded ring
// buffer and leave in batches. When the consumer falls behind (too many batches unacknowledged, or
// the plugin's thread busy in a loop so no acknowledgement can arrive), the buffer keeps only the
// newest points and counts the ones it dropped. Every operation on the hot path is O(1).
import type { VisualizationPoint } from '../model/plugin';

export const BATCH_SIZE = 512;
export const FLUSH_INTERVAL_MS = 100;
export const BUFFER_CAPACITY = 10_000;
/** Batches in flight before the buffer holds points back. */
export const MAX_UNACKED_BATCHES = 8;

export interface BufferedPoint extends VisualizationPoint {
  time: number;
  callId?: number;
}

export class VisualizationBuffer {
  private readonly ring: Array<BufferedPoint | undefined>;
  private head = 0;
  private count = 0;
  private dropped = 0;
  private unacked = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly send: (points: BufferedPoint[], dropped: number) => void,
    private readonly capacity = BUFFER_CAPACITY,
  ) {
    this.ring = new Array<BufferedPoint | undefined>(capacity);
  }

  /** Points waiting to be sent. */
  get size(): number {
    return this.count;
  }

  push(point: VisualizationPoint, callId?: number): void {
    if (!point || typeof point.chart !== 'string') {
      throw new TypeError('ctx.visualize: a point needs at least { chart: string, kind, value }');
    }
    // Explicit fields, not a spread: this is the hot path of a plugin's own loop.
    const buffered: BufferedPoint = {
      chart: point.chart,
      kind: point.kind,
      value: point.value,
      unit: point.unit,
      series: point.series,
      label: point.label,
      time: Date.now(),
      callId,
    };
    if (this.count === this.capacity) {
      // Full: overwrite the oldest point.
      this.ring[this.head] = buffered;
      this.head = (this.head + 1) % this.capacity;
      this.dropped++;
    } else {
      this.ring[(this.head + this.count) % this.capacity] = buffered;
      this.count++;
    }
    if (this.count >= BATCH_SIZE && this.unacked < MAX_UNACKED_BATCHES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_INTERVAL_MS);
  }

  /**
   * Sends what is buffered with the count dropped since the last send, unless the consumer is
   * saturated. `force` sends anyway (a call is ending: its points must precede its result).
   */
  flush(force = false): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.count === 0 && this.dropped === 0) return;
    if (this.unacked >= MAX_UNACKED_BATCHES && !force) {
      this.timer = setTimeout(() => this.flush(), FLUSH_INTERVAL_MS);
      return;
    }
    const batch: BufferedPoint[] = new Array(this.count);
    for (let i = 0; i < this.count; i++) {
      const index = (this.head + i) % this.capacity;
      batch[i] = this.ring[index]!;
      this.ring[index] = undefined;
    }
    this.head = 0;
    this.count = 0;
    const dropped = this.dropped;
    this.dropped = 0;
    this.unacked++;
    this.send(batch, dropped);
  }

  acknowledge(): void {
    this.unacked = Math.max(0, this.unacked - 1);
  }
}
