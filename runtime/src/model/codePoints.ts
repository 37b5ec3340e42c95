// One string order for everything that must sort the same on every machine: load order ties,
// discovery, attestation file lists.

/**
 * Orders strings by Unicode code point. `localeCompare` depends on the machine's ICU data, and plain
 * `<` compares UTF-16 code units, which puts characters above U+FFFF (surrogate pairs) before
 * U+E000–U+FFFF; remapping the units fixes that without allocating.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800) x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
    if (y >= 0xd800) y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    return x - y;
  }
  return a.length - b.length;
}
