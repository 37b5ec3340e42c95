// Aliases and the values they expand to, in time linear in the document. The `yaml` library resolves
// each alias by walking the document up to it (`Alias.resolve`), and its `toJS` checks each alias's
// expansion the same way: a file with thousands of aliases took seconds to minutes. Here one walk in
// document order records where every alias points, and values are built once per anchored node.
import { isAlias, isMap, isPair, isScalar, isSeq, type Alias, type Document, type Node } from 'yaml';

/** Where each alias of a document points: the last anchor of its name before it, as YAML says. */
export interface AliasIndex {
  /** Target of each alias whose anchor is set before it. */
  readonly targets: ReadonlyMap<Alias, Node>;
  /** Aliases whose anchor is not set before them, in document order. */
  readonly unresolved: readonly Alias[];
  /** The document's first alias. */
  readonly first: Alias | undefined;
  /** Anchored nodes that some alias points to, in document order. */
  readonly anchored: readonly Node[];
  /** Nodes in the document (aliases counted once). */
  readonly nodeCount: number;
}

const indexes = new WeakMap<Document, AliasIndex>();

/**
 * The alias index of `document`, computed once per document. The language server updates a cached tree
 * in place only when it has no anchors or aliases (incrementalPipeline.ts), so the index stays true.
 */
export function aliasIndex(document: Document): AliasIndex {
  let index = indexes.get(document);
  if (!index) {
    index = buildIndex(document);
    indexes.set(document, index);
  }
  return index;
}

/**
 * Records that `document` has no alias (its source has no `*`, which every alias starts with), so that
 * `aliasIndex` need not walk it (a walk of every node, ~3% of a large file's parse). Nothing expands
 * without aliases, so the expansion budget is unbounded (`nodeCount` Infinity) and never checked.
 */
export function noAliases(document: Document): void {
  if (!indexes.has(document))
    indexes.set(document, { targets: new Map(), unresolved: [], first: undefined, anchored: [], nodeCount: Infinity });
}

/** The node an alias stands for, or the node itself when it is not an alias (undefined: unknown anchor). */
export function resolveAlias(document: Document, node: unknown): unknown {
  return isAlias(node) ? aliasIndex(document).targets.get(node) : node;
}

function buildIndex(document: Document): AliasIndex {
  const targets = new Map<Alias, Node>();
  const unresolved: Alias[] = [];
  const anchored = new Set<Node>();
  const latest = new Map<string, Node>();
  let first: Alias | undefined;
  let nodeCount = 0;
  // Pre-order, keys before values: the order in which YAML says an anchor is "before" an alias.
  const stack: unknown[] = [document.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isPair(node)) {
      stack.push(node.value, node.key);
      continue;
    }
    if (!node || typeof node !== 'object') continue;
    nodeCount++;
    if (isAlias(node)) {
      first ??= node;
      const target = latest.get(node.source);
      if (target) {
        targets.set(node, target);
        anchored.add(target);
      } else unresolved.push(node);
      continue;
    }
    if ((isScalar(node) || isMap(node) || isSeq(node)) && node.anchor) latest.set(node.anchor, node);
    if (isMap(node) || isSeq(node)) for (let i = node.items.length - 1; i >= 0; i--) stack.push(node.items[i]);
  }
  // A Set keeps insertion order, which is document order: an anchor is always met before its aliases.
  return { targets, unresolved, first, anchored: [...anchored], nodeCount };
}

/** Why a value could not be built; `alias` is where. */
export class AliasError extends Error {
  constructor(
    message: string,
    readonly alias: Alias,
  ) {
    super(message);
  }
}

/**
 * The expansion budget: a value may hold, aliases expanded, at most this many nodes plus ten times the
 * document's own. A "billion laughs" file blows past it within a few aliases, while files that reuse
 * anchors a lot stay well under; whatever walks the value afterwards (the schema check) is bounded by it.
 */
const EXPANSION_BASE = 100_000;
const EXPANSION_PER_NODE = 10;

/** Builds plain values (what `toJS` would give) from a document's nodes; each anchored value once. */
export class ValueBuilder {
  private readonly index: AliasIndex;
  private readonly built = new Map<Node, { value: unknown; size: number }>();
  private readonly building = new Set<Node>();
  private readonly limit: number;
  private expanded = 0;

  constructor(document: Document) {
    this.index = aliasIndex(document);
    this.limit = EXPANSION_BASE + EXPANSION_PER_NODE * this.index.nodeCount;
    // Targets in document order: each one's own aliases point further up, so they are built already
    // and recursion stays as deep as the nesting (which parseYaml bounds).
    for (const target of this.index.anchored) this.valueOf(target);
  }

  /** The value of `node`; throws AliasError for an unknown anchor, a self-reference or an expansion over budget. */
  valueOf(node: unknown): unknown {
    this.expanded = 0;
    return this.build(node);
  }

  private build(node: unknown): unknown {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const target = this.index.targets.get(node);
      if (!target) throw new AliasError(unknownAliasMessage(node), node);
      if (this.building.has(target)) {
        throw new AliasError(
          `The alias *${node.source} is inside the value it refers to (&${node.source}): a value cannot contain itself`,
          node,
        );
      }
      const done = this.built.get(target) ?? this.buildTarget(target);
      this.count(done.size, node);
      return done.value;
    }
    // No lookup per node in a document without anchors (most pipelines).
    const anchored = this.built.size > 0 ? this.built.get(node as Node) : undefined;
    if (anchored) {
      this.count(anchored.size, undefined);
      return anchored.value;
    }
    this.count(1, undefined);
    if (isScalar(node)) return node.value;
    if (isSeq(node)) return node.items.map((item) => this.build(item));
    if (isMap(node)) {
      const object: Record<string, unknown> = {};
      for (const pair of node.items) {
        const key = this.keyOf(pair.key);
        const value = this.build(pair.value);
        // As `toJS` does: `__proto__` is an own key like any other, never the prototype.
        if (key === '__proto__') Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
        else object[key] = value;
      }
      return object;
    }
    return null;
  }

  private buildTarget(target: Node): { value: unknown; size: number } {
    const outer = this.expanded;
    this.expanded = 0;
    this.building.add(target);
    try {
      const value = this.build(target);
      const done = { value, size: this.expanded };
      this.built.set(target, done);
      return done;
    } finally {
      this.building.delete(target);
      this.expanded = outer;
    }
  }

  /** A key as an object key: scalars by their value, collections as JSON (no warning on stderr, unlike `toJS`). */
  private keyOf(key: unknown): string {
    const value = this.build(key);
    if (value === null || value === undefined) return '';
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }

  private count(size: number, alias: Alias | undefined): void {
    this.expanded += size;
    if (this.expanded > this.limit) {
      const where = alias ?? this.index.first;
      throw new AliasError(
        `The document expands too far through aliases (over ${this.limit} values): use fewer nested *aliases`,
        where as Alias,
      );
    }
  }
}

const builders = new WeakMap<Document, ValueBuilder | AliasError>();

/** The value builder of `document`, made once per document (making it builds every anchored value). */
export function valueBuilder(document: Document): ValueBuilder {
  let builder = builders.get(document);
  if (!builder) {
    try {
      builder = new ValueBuilder(document);
    } catch (error) {
      if (!(error instanceof AliasError)) throw error;
      builder = error;
    }
    builders.set(document, builder);
  }
  if (builder instanceof AliasError) throw builder;
  return builder;
}

export function unknownAliasMessage(alias: Alias): string {
  return `Unknown alias *${alias.source}: no anchor &${alias.source} is set before it. Set &${alias.source} on a value above this one, or remove the alias`;
}
