// Units of the pipeline file (spec section 5): durations and memory sizes, as numbers or with a suffix.
// Lenient on purpose: the schema decides what is *allowed*; these only decide what a value *means*.

const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/i;
const MEMORY = /^\s*(\d+(?:\.\d+)?)\s*(mb|gb|m|g)?\s*$/i;

const MS_PER_UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };
const MB_PER_UNIT: Record<string, number> = { m: 1, mb: 1, g: 1024, gb: 1024 };

/** A duration in ms: a number of ms, or a string like `500ms`, `5s`, `1.5m`; undefined when not one. */
export function parseDuration(value: unknown): number | undefined {
  return parseWithUnit(value, DURATION, MS_PER_UNIT, 'ms');
}

/** A memory size in MB: a number of MB, or a string like `128MB`, `1GB`, `512M`, `1G`; undefined when not one. */
export function parseMemory(value: unknown): number | undefined {
  return parseWithUnit(value, MEMORY, MB_PER_UNIT, 'mb');
}

function parseWithUnit(value: unknown, pattern: RegExp, factors: Record<string, number>, defaultUnit: string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = pattern.exec(value);
  if (!match) return undefined;
  const factor = factors[(match[2] ?? defaultUnit).toLowerCase()];
  if (factor === undefined) return undefined;
  // Rounded so that `1.5s` and `0.1m` give whole numbers the limits code can use as-is.
  return Math.round(Number(match[1]) * factor);
}
