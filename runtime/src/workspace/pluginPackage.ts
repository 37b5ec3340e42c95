// Diagnostics of a plugin's package.json: bad JSON, and an `aetherscript` field whose `plugin` entry is
// missing, not a path, outside the package, or not there. Parsed with the TypeScript JSON parser, so
// every problem has the range of the value it is about. Whether the entry file exists is what the
// index's discovery found on disk (the service does no I/O of its own).
import type * as TS from 'typescript';
import { ts } from './typescript';
import type { AetherDiagnostic, Severity } from '../model/diagnostics';
import { LineIndex, type Span } from './text';

/** Whether `path` is a package.json the plugin model cares about (a local plugin's, or any with `aetherscript`). */
export function isPackageJson(path: string): boolean {
  return /(?:^|[/\\])package\.json$/.test(path);
}

/** What the checks need of the workspace index: its root, and what discovery found on disk. */
export interface PackageContext {
  root: string;
  diagnostics: readonly AetherDiagnostic[];
}

function isLocalPluginPackage(index: PackageContext, file: string): boolean {
  const root = index.root.replace(/\\/g, '/').replace(/\/+$/, '');
  return new RegExp(`^${escape(root)}/plugins/[^/]+/package\\.json$`).test(file.replace(/\\/g, '/'));
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function validatePluginPackageJson(text: string, file: string, index: PackageContext): AetherDiagnostic[] {
  const lines = new LineIndex(text);
  const out: AetherDiagnostic[] = [];
  const report = (code: string, severity: Severity, span: Span, message: string): void => {
    out.push({ code, severity, file, message, range: lines.sourceRange(span.start, Math.max(span.end, span.start + 1)) });
  };
  const local = isLocalPluginPackage(index, file);
  const source = ts.parseJsonText(file, text);
  const parseErrors = (source as unknown as { parseDiagnostics?: TS.Diagnostic[] }).parseDiagnostics ?? [];
  const statement = source.statements[0];
  const root = statement?.expression;
  if (parseErrors.length > 0 || !root || !ts.isObjectLiteralExpression(root)) {
    // A package that is not a plugin is not ours to judge, unless it says it is one.
    if (!local && !/"aetherscript"\s*:/.test(text)) return [];
    const first = parseErrors[0];
    const at = first?.start ?? 0;
    const why = first ? ts.flattenDiagnosticMessageText(first.messageText, ' ') : 'the top level must be a JSON object';
    report(
      'plugin/bad-package-json',
      'error',
      { start: at, end: at + (first?.length ?? 1) },
      `package.json is not valid JSON (${why}); fix it, or the plugin is not loaded.`,
    );
    return out;
  }
  const field = property(root, 'aetherscript');
  if (!field) return out;
  const spanOf = (node: TS.Node): Span => ({ start: node.getStart(source), end: node.getEnd() });
  if (!ts.isObjectLiteralExpression(field.initializer)) {
    report(
      'plugin/bad-package-json',
      'error',
      spanOf(field.initializer),
      '"aetherscript" must be an object: "aetherscript": { "plugin": "./dist/index.js" }.',
    );
    return out;
  }
  const plugin = property(field.initializer, 'plugin');
  if (!plugin) {
    report(
      'plugin/no-entry',
      local ? 'error' : 'warning',
      spanOf(field.name),
      '"aetherscript" has no "plugin" entry: add "plugin": "./dist/index.js" (the plugin module). Until then it is not loaded.',
    );
    return out;
  }
  const value = plugin.initializer;
  if (!ts.isStringLiteral(value) || value.text.trim() === '') {
    report(
      'plugin/bad-package-json',
      'error',
      spanOf(value),
      '"aetherscript.plugin" must be the path of the plugin module, e.g. "./dist/index.js".',
    );
    return out;
  }
  const declared = value.text;
  if (
    declared.startsWith('/') ||
    /^[A-Za-z]:[\\/]/.test(declared) ||
    declared.split(/[\\/]/).filter((s) => s !== '.' && s !== '')[0] === '..'
  ) {
    report(
      'plugin/bad-package-json',
      'error',
      spanOf(value),
      `"aetherscript.plugin" ("${declared}") points outside the package; use a path inside it, e.g. "./dist/index.js".`,
    );
    return out;
  }
  // Whether the entry exists is only known from the disk: discovery's finding for this file.
  for (const d of index.diagnostics) {
    if (d.file === file && d.code === 'plugin/missing-entry') {
      report(
        'plugin/missing-entry',
        'error',
        spanOf(value),
        `The plugin entry "${declared}" (aetherscript.plugin) does not exist: build the plugin or fix the path. It is not loaded.`,
      );
    }
  }
  return out;
}

function property(object: TS.ObjectLiteralExpression, name: string): TS.PropertyAssignment | undefined {
  for (const p of object.properties) {
    if (ts.isPropertyAssignment(p) && (ts.isStringLiteral(p.name) || ts.isIdentifier(p.name)) && p.name.text === name) return p;
  }
  return undefined;
}
