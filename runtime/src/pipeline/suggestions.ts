// "Did you mean …?" for unknown keys, step ids and needs.

/**
 * Edit distance counting insertions, deletions, substitutions and swaps of neighbours (optimal string
 * alignment): `wiht` is one typo away from `with`, as a person would count it.
 */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i]!;
    const above = rows[i - 1]!;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(above[j]! + 1, row[j - 1]! + 1, above[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      row[j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/**
 * The candidate closest to `name`, when it is close enough to be a likely typo: at most a third of the
 * name's length away (at least 1, at most 3), compared case-insensitively. Ties go to the earlier candidate.
 */
export function closestMatch(name: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === name) continue;
    const distance = levenshtein(name.toLowerCase(), candidate.toLowerCase());
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** ` Did you mean "x"?` or '' — ready to append to a message. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const match = closestMatch(name, candidates);
  return match === undefined ? '' : ` Did you mean "${match}"?`;
}

/**
 * Comparisons one check may spend on suggestions among a file's step ids. Each unknown name is compared
 * with every id, so a file of n steps all naming unknown steps cost n² comparisons (2,000 steps: 5 s);
 * with this budget a check makes at most this many (about 0.1 s), whatever the file, and the names past
 * it get no "did you mean". A file with that many unknown names has a bigger problem than a typo.
 */
export const SUGGESTION_BUDGET = 50_000;

/** `didYouMean` among one set of candidates, many times, within SUGGESTION_BUDGET comparisons in all. */
export class Suggestions {
  private left = SUGGESTION_BUDGET;

  constructor(private readonly candidates: readonly string[]) {}

  /** ` Did you mean "x"?`, or '' (also once the budget is spent). */
  didYouMean(name: string): string {
    if (this.candidates.length > this.left) return '';
    this.left -= this.candidates.length;
    return didYouMean(name, this.candidates);
  }
}

/** Items shown in a list inside a message (`Steps: a, b, …`): the message of each of n diagnostics must not hold all n. */
export const LISTED = 10;

/** `a, b, c` for up to LISTED items, else the first LISTED and how many there are in all. */
export function listed(items: readonly string[]): string {
  if (items.length <= LISTED) return items.join(', ');
  return `${items.slice(0, LISTED).join(', ')}, … (${items.length} in all)`;
}
