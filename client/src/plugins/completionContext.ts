// Where in a pipeline the catalog's completion applies, from the text alone (pure, unit-tested): a key
// of the top-level `plugins:` map, or the value of a step's `run:`. And which plugin an unknown-plugin
// diagnostic names.

export interface CatalogCompletionContext {
  kind: 'plugins' | 'run';
  /** The partial word before the cursor that the completion replaces. */
  prefix: string;
}

const indentOf = (line: string) => line.length - line.trimStart().length;

/**
 * `before` is the current line up to the cursor; `previous` the lines above it, nearest first.
 */
export function catalogCompletionContext(before: string, previous: readonly string[]): CatalogCompletionContext | undefined {
  const run = /^\s*(?:-\s+)?run:\s*["']?([\w@./-]*)$/.exec(before);
  if (run) return { kind: 'run', prefix: run[1]! };
  const key = /^(\s+)([\w@./-]*)$/.exec(before);
  if (!key) return undefined;
  const indent = key[1]!.length;
  for (const line of previous) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const lineIndent = indentOf(line);
    // A sibling key of the same map, or a line inside one: keep looking for the parent.
    if (lineIndent >= indent) continue;
    return lineIndent === 0 && /^plugins:\s*(#.*)?$/.test(line) ? { kind: 'plugins', prefix: key[2]! } : undefined;
  }
  return undefined;
}

/** The plugin an unknown-plugin or unknown-command diagnostic names, when it says none is installed. */
export function pluginOfDiagnostic(code: string, message: string): string | undefined {
  if (code === 'pipeline/unknown-plugin') return /^Unknown plugin "([^"]+)"/.exec(message)?.[1];
  if (code === 'pipeline/unknown-command') return /no plugin named "([^"]+)" is installed/.exec(message)?.[1];
  return undefined;
}
