// Reads a plugin's `static meta` from its source with the TypeScript parser. Plugin code is never
// executed: an untrusted workspace must be safe to open (issue 5, workspace model).
import type * as TS from 'typescript';
import { ts } from './typescript';
import type { AetherDiagnostic, Severity } from '../model/diagnostics';
import { HOOK_EVENTS, type JsonValue } from '../model/plugin';
import type { PluginCandidate } from '../model/catalog';
import { didYouMean } from '../pipeline/suggestions';
import { displayPath, validateMeta } from '../plugins';
import { LineIndex, type Span } from './text';

/** A value of the meta object literal, with where it is written. */
export type MetaNode =
  | { kind: 'literal'; range: Span; value: null | boolean | number | string }
  | { kind: 'object'; range: Span; properties: MetaProperty[] }
  | { kind: 'array'; range: Span; items: MetaNode[] }
  /** Not a literal (a variable, a call, a spread…): its value is unknown without running the code. */
  | { kind: 'unknown'; range: Span; text: string };

export interface MetaProperty {
  key: string;
  keyRange: Span;
  value: MetaNode;
}

/** A path into the meta value: object keys and array indexes. */
export type MetaPath = ReadonlyArray<string | number>;

/** What the language server knows of a plugin from its source alone. */
export interface PluginSourceInfo {
  file: string;
  /** Name of the default-exported class (undefined for an anonymous class or none). */
  className?: string;
  /** The class's name, or its `class` keyword when anonymous. */
  classRange?: Span;
  /** Range of the `static meta = …` member, and the tree of its value. */
  metaRange?: Span;
  meta?: MetaNode;
  /** The meta as JSON; unknown values are left out (see `unknowns`). */
  metaValue?: JsonValue;
  /** Paths whose values could not be read statically. */
  unknowns: Array<{ path: MetaPath; range: Span }>;
  hasExecute: boolean;
  hasOnHook: boolean;
  executeRange?: Span;
  onHookRange?: Span;
  /** Keys the plugin reads or writes with `ctx.state.get/set('<key>')` (string literals only). */
  stateKeys: string[];
  /** The class extends another, so members may be inherited. */
  extendsClass: boolean;
  /** Problems that need no other plugin to find. */
  diagnostics: AetherDiagnostic[];
  lineIndex: LineIndex;
}

/** Source kinds the parser is told about, by extension. */
function scriptKindOf(file: string): TS.ScriptKind {
  if (/\.[cm]?tsx$/i.test(file)) return ts.ScriptKind.TSX;
  if (/\.[cm]?ts$/i.test(file)) return ts.ScriptKind.TS;
  if (/\.jsx$/i.test(file)) return ts.ScriptKind.JSX;
  return ts.ScriptKind.JS;
}

/**
 * Finds the default-exported class of a plugin module, reads its `static meta` object literal into a
 * JSON value with ranges, and reports what is wrong with the class shape. Meta validation against the
 * runtime's rules is done by {@link validatePluginSource}, which adds to these diagnostics.
 */
export function readPluginSource(text: string, file: string): PluginSourceInfo {
  const lineIndex = new LineIndex(text);
  const info: PluginSourceInfo = {
    file,
    unknowns: [],
    hasExecute: false,
    hasOnHook: false,
    extendsClass: false,
    stateKeys: [],
    diagnostics: [],
    lineIndex,
  };
  const report = (code: string, severity: Severity, span: Span, message: string): void => {
    info.diagnostics.push({ code, severity, message, file, range: lineIndex.sourceRange(span.start, span.end) });
  };

  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, scriptKindOf(file));
  const span = (node: TS.Node): Span => ({ start: node.getStart(source), end: node.getEnd() });

  info.stateKeys = stateKeysOf(source);
  const found = findDefaultExport(source);
  if (found.kind === 'none') {
    report(
      'plugin-source/no-default-class',
      'error',
      { start: 0, end: Math.min(text.length, firstLineEnd(text)) },
      'A plugin module must default-export its plugin class: add `export default class MyPlugin { static meta = { … }; execute(ctx) { … } }`.',
    );
    return info;
  }
  if (found.kind === 'not-class') {
    report(
      'plugin-source/no-default-class',
      'error',
      span(found.node),
      'The default export is not a class. Export the plugin class itself: `export default class MyPlugin { … }`.',
    );
    return info;
  }

  const cls = found.node;
  info.className = cls.name?.text;
  const nameNode: TS.Node = cls.name ?? cls.getFirstToken(source) ?? cls;
  info.classRange = span(nameNode);
  info.extendsClass = (cls.heritageClauses ?? []).some((h) => h.token === ts.SyntaxKind.ExtendsKeyword);

  let metaMember: TS.PropertyDeclaration | TS.GetAccessorDeclaration | undefined;
  for (const member of cls.members) {
    const name = member.name && memberName(member.name);
    if (name === undefined) continue;
    const isStatic = ts.canHaveModifiers(member) && (ts.getModifiers(member) ?? []).some((m) => m.kind === ts.SyntaxKind.StaticKeyword);
    if (isStatic && name === 'meta' && (ts.isPropertyDeclaration(member) || ts.isGetAccessorDeclaration(member))) {
      metaMember = member;
    } else if (!isStatic && (name === 'execute' || name === 'onHook') && isCallableMember(member)) {
      if (name === 'execute') {
        info.hasExecute = true;
        info.executeRange = span(member.name!);
      } else {
        info.hasOnHook = true;
        info.onHookRange = span(member.name!);
      }
    }
  }

  if (!metaMember) {
    report(
      'plugin-source/no-meta',
      'error',
      info.classRange,
      `Plugin class ${info.className ?? '(anonymous)'} has no \`static meta\`. Add \`static meta = { name: 'my-plugin', version: '1.0.0' };\`.`,
    );
  } else {
    info.metaRange = span(metaMember);
    const initializer = ts.isPropertyDeclaration(metaMember) ? metaMember.initializer : undefined;
    if (!initializer) {
      report(
        'plugin-source/meta-not-literal',
        'warning',
        span(metaMember.name),
        '`static meta` must be an object literal (`static meta = { … }`) so that tools can read it without running the plugin.',
      );
    } else {
      const node = toMetaNode(initializer, source);
      info.meta = node;
      if (node.kind !== 'object') {
        report(
          'plugin-source/meta-not-literal',
          'warning',
          node.range,
          '`static meta` must be an object literal (`static meta = { … }`) so that tools can read it without running the plugin.',
        );
      } else {
        info.metaValue = toJson(node, [], info.unknowns);
        for (const unknown of info.unknowns) {
          report(
            'plugin-source/non-literal',
            'info',
            unknown.range,
            `meta.${unknown.path.join('.')} is not a literal value, so it is not checked here; the runtime checks it when the plugin loads.`,
          );
        }
      }
    }
  }

  if (!info.hasExecute && !info.extendsClass) {
    report(
      'plugin-source/missing-execute',
      'error',
      info.classRange,
      `Plugin class ${info.className ?? '(anonymous)'} has no \`execute(ctx)\` method; add one: it runs the plugin's commands.`,
    );
  }
  checkHooks(info, report);
  return info;
}

/** String-literal keys of `….state.get('k')` / `….state.set('k', …)` calls anywhere in the module. */
function stateKeysOf(source: TS.SourceFile): string[] {
  const keys = new Set<string>();
  const visit = (node: TS.Node): void => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const method = node.expression.name.text;
      const target = node.expression.expression;
      const first = node.arguments[0];
      if (
        (method === 'get' || method === 'set') &&
        ts.isPropertyAccessExpression(target) &&
        target.name.text === 'state' &&
        first &&
        ts.isStringLiteralLike(first)
      ) {
        keys.add(first.text);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return [...keys].sort();
}

function firstLineEnd(text: string): number {
  const nl = text.search(/\r?\n/);
  return nl < 0 ? text.length : nl;
}

function checkHooks(info: PluginSourceInfo, report: (code: string, severity: Severity, span: Span, message: string) => void): void {
  const hooksProp = info.meta?.kind === 'object' ? info.meta.properties.find((p) => p.key === 'hooks') : undefined;
  const hooksNode = hooksProp?.value;
  const declared: Array<{ name: string; range: Span }> = [];
  if (hooksNode?.kind === 'array') {
    for (const item of hooksNode.items) {
      if (item.kind === 'literal' && typeof item.value === 'string') declared.push({ name: item.value, range: item.range });
    }
    for (const hook of declared) {
      if (!(HOOK_EVENTS as readonly string[]).includes(hook.name)) {
        report(
          'plugin-source/unknown-hook',
          'error',
          hook.range,
          `Unknown hook "${hook.name}".${didYouMean(hook.name, HOOK_EVENTS)} Hooks are: ${HOOK_EVENTS.join(', ')}.`,
        );
      }
    }
  }
  // When `hooks` is not a literal array, we cannot tell whether it is empty: say nothing.
  const hooksUnknown = hooksNode !== undefined && hooksNode.kind !== 'array';
  const hasHooks = hooksNode?.kind === 'array' ? hooksNode.items.length > 0 : hooksUnknown;
  if (info.hasOnHook && !hasHooks && !hooksUnknown && info.meta?.kind === 'object' && info.onHookRange) {
    report(
      'plugin-source/onhook-without-hooks',
      'warning',
      info.onHookRange,
      "`onHook` is never called: meta.hooks lists no events. Add the events it handles, e.g. `hooks: ['pre-execute']`, or remove `onHook`.",
    );
  }
  if (hasHooks && !hooksUnknown && !info.hasOnHook && !info.extendsClass && hooksProp) {
    report(
      'plugin-source/hooks-without-onhook',
      'error',
      hooksProp.keyRange,
      'meta.hooks subscribes to events but the class has no `onHook(event, ctx)` method to receive them; add one or remove `hooks`.',
    );
  }
}

type DefaultExport = { kind: 'none' } | { kind: 'not-class'; node: TS.Node } | { kind: 'class'; node: TS.ClassLikeDeclaration };

function hasModifier(node: TS.Node, kind: TS.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);
}

function findDefaultExport(source: TS.SourceFile): DefaultExport {
  const classesByName = new Map<string, TS.ClassLikeDeclaration>();
  const otherNames = new Set<string>();
  for (const statement of source.statements) {
    if (ts.isClassDeclaration(statement) && statement.name) classesByName.set(statement.name.text, statement);
    if (ts.isVariableStatement(statement)) {
      for (const decl of statement.declarationList.declarations) {
        if (!ts.isIdentifier(decl.name)) continue;
        const init = decl.initializer && unwrap(decl.initializer);
        if (init && ts.isClassExpression(init)) classesByName.set(decl.name.text, init);
        else otherNames.add(decl.name.text);
      }
    }
  }
  const byName = (identifier: TS.Identifier, at: TS.Node): DefaultExport => {
    const cls = classesByName.get(identifier.text);
    return cls ? { kind: 'class', node: cls } : { kind: 'not-class', node: at };
  };

  for (const statement of source.statements) {
    if (
      ts.isClassDeclaration(statement) &&
      hasModifier(statement, ts.SyntaxKind.ExportKeyword) &&
      hasModifier(statement, ts.SyntaxKind.DefaultKeyword)
    ) {
      return { kind: 'class', node: statement };
    }
    if (
      (ts.isFunctionDeclaration(statement) || ts.isInterfaceDeclaration(statement)) &&
      hasModifier(statement, ts.SyntaxKind.ExportKeyword) &&
      hasModifier(statement, ts.SyntaxKind.DefaultKeyword)
    ) {
      if (ts.isInterfaceDeclaration(statement)) continue; // types vanish at run time
      return { kind: 'not-class', node: statement.name ?? statement };
    }
    if (ts.isExportAssignment(statement) && !statement.isExportEquals) {
      const expr = unwrap(statement.expression);
      if (ts.isClassExpression(expr)) return { kind: 'class', node: expr };
      if (ts.isIdentifier(expr)) return byName(expr, statement.expression);
      return { kind: 'not-class', node: statement.expression };
    }
    if (
      ts.isExportDeclaration(statement) &&
      !statement.moduleSpecifier &&
      statement.exportClause &&
      ts.isNamedExports(statement.exportClause)
    ) {
      for (const element of statement.exportClause.elements) {
        if (element.name.text === 'default')
          return byName(
            element.propertyName && ts.isIdentifier(element.propertyName) ? element.propertyName : (element.name as TS.Identifier),
            element,
          );
      }
    }
  }
  return { kind: 'none' };
}

/** Strips what does not change a value at run time: parentheses, `as const`, `satisfies`, `!`, `<T>x`. */
function unwrap(node: TS.Expression): TS.Expression {
  for (;;) {
    if (
      ts.isParenthesizedExpression(node) ||
      ts.isAsExpression(node) ||
      ts.isSatisfiesExpression(node) ||
      ts.isNonNullExpression(node) ||
      ts.isTypeAssertionExpression(node)
    ) {
      node = node.expression;
    } else return node;
  }
}

function memberName(name: TS.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name) || ts.isPrivateIdentifier(name)) return name.text;
  if (ts.isComputedPropertyName(name)) {
    const expr = unwrap(name.expression);
    if (ts.isStringLiteralLike(expr) || ts.isNumericLiteral(expr)) return expr.text;
  }
  return undefined;
}

function isCallableMember(member: TS.ClassElement): boolean {
  if (ts.isMethodDeclaration(member)) return true;
  if (ts.isPropertyDeclaration(member) && member.initializer) {
    const init = unwrap(member.initializer);
    return ts.isArrowFunction(init) || ts.isFunctionExpression(init);
  }
  return false;
}

function toMetaNode(expression: TS.Expression, source: TS.SourceFile): MetaNode {
  const node = unwrap(expression);
  const range = { start: node.getStart(source), end: node.getEnd() };
  if (ts.isStringLiteralLike(node)) return { kind: 'literal', range, value: node.text };
  if (ts.isNumericLiteral(node)) return { kind: 'literal', range, value: Number(node.text) };
  if (
    ts.isPrefixUnaryExpression(node) &&
    ts.isNumericLiteral(node.operand) &&
    (node.operator === ts.SyntaxKind.MinusToken || node.operator === ts.SyntaxKind.PlusToken)
  ) {
    const value = Number(node.operand.text);
    return { kind: 'literal', range, value: node.operator === ts.SyntaxKind.MinusToken ? -value : value };
  }
  if (node.kind === ts.SyntaxKind.TrueKeyword) return { kind: 'literal', range, value: true };
  if (node.kind === ts.SyntaxKind.FalseKeyword) return { kind: 'literal', range, value: false };
  if (node.kind === ts.SyntaxKind.NullKeyword) return { kind: 'literal', range, value: null };
  if (ts.isArrayLiteralExpression(node)) {
    return { kind: 'array', range, items: node.elements.map((element) => toMetaNode(element, source)) };
  }
  if (ts.isObjectLiteralExpression(node)) {
    const properties: MetaProperty[] = [];
    for (const property of node.properties) {
      if (ts.isPropertyAssignment(property)) {
        const key = memberName(property.name);
        const keyRange = { start: property.name.getStart(source), end: property.name.getEnd() };
        if (key === undefined) {
          properties.push({ key: `[${property.name.getText(source)}]`, keyRange, value: unknownNode(property, source) });
        } else {
          properties.push({ key, keyRange, value: toMetaNode(property.initializer, source) });
        }
      } else if (ts.isShorthandPropertyAssignment(property)) {
        const keyRange = { start: property.name.getStart(source), end: property.name.getEnd() };
        properties.push({ key: property.name.text, keyRange, value: unknownNode(property, source) });
      } else {
        // Spreads and methods: the object has content we cannot see.
        const keyRange = { start: property.getStart(source), end: property.getEnd() };
        properties.push({ key: '...', keyRange, value: unknownNode(property, source) });
      }
    }
    return { kind: 'object', range, properties };
  }
  return unknownNode(node, source);
}

function unknownNode(node: TS.Node, source: TS.SourceFile): MetaNode {
  return { kind: 'unknown', range: { start: node.getStart(source), end: node.getEnd() }, text: node.getText(source).slice(0, 80) };
}

function toJson(node: MetaNode, path: Array<string | number>, unknowns: Array<{ path: MetaPath; range: Span }>): JsonValue | undefined {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'array': {
      const out: JsonValue[] = [];
      node.items.forEach((item, i) => {
        const value = toJson(item, [...path, i], unknowns);
        // Keep positions stable so that paths from validation still point at the right item.
        out.push(value === undefined ? null : value);
      });
      return out;
    }
    case 'object': {
      const out: { [key: string]: JsonValue } = {};
      for (const property of node.properties) {
        const value = toJson(property.value, [...path, property.key], unknowns);
        if (value !== undefined && property.key !== '...') out[property.key] = value;
      }
      return out;
    }
    case 'unknown':
      unknowns.push({ path, range: node.range });
      return undefined;
  }
}

/** The property at `path` in the meta tree (the last one written, as JavaScript keeps the last). */
export function findMetaProperty(meta: MetaNode | undefined, path: MetaPath): MetaProperty | undefined {
  let node = meta;
  let found: MetaProperty | undefined;
  for (const segment of path) {
    if (!node) return undefined;
    if (node.kind === 'object') {
      found = [...node.properties].reverse().find((p) => p.key === String(segment));
      node = found?.value;
    } else if (node.kind === 'array' && typeof segment === 'number') {
      const item = node.items[segment];
      if (!item) return undefined;
      found = { key: String(segment), keyRange: item.range, value: item };
      node = item;
    } else return undefined;
  }
  return found;
}

/**
 * The most precise range for a problem at `path`: the value there, or the closest enclosing one that
 * exists. With `key`, the key's range is preferred (for "unknown property" style problems).
 */
export function rangeForMetaPath(info: PluginSourceInfo, path: MetaPath, prefer: 'key' | 'value' = 'value'): Span | undefined {
  for (let length = path.length; length > 0; length--) {
    const property = findMetaProperty(info.meta, path.slice(0, length));
    if (property) return prefer === 'key' || length < path.length ? property.keyRange : property.value.range;
  }
  return info.metaRange;
}

/** Whether `path` is at or under a value that could not be read statically. */
export function isUnderUnknown(info: PluginSourceInfo, path: MetaPath): boolean {
  return info.unknowns.some((u) => u.path.length <= path.length && u.path.every((segment, i) => String(segment) === String(path[i])));
}

/** Where a plugin's meta came from, for the runtime's checks (package engine range, display paths). */
export type PluginLocation = PluginCandidate;

/**
 * Reads the plugin source and validates its meta with the runtime's own rules (`validateMeta`), mapping
 * each runtime diagnostic to the range of the meta key it is about. Values that are not literals are
 * never reported as wrong: only the runtime can know them.
 */
export function validatePluginSource(text: string, file: string, location?: PluginLocation): PluginSourceInfo {
  const info = readPluginSource(text, file);
  if (info.meta?.kind !== 'object') return info;
  const candidate: PluginCandidate = location ?? { entry: file, dir: dirnameOf(file), source: 'local' };
  const prefix = `${displayPath(candidate)}: `;
  const { diagnostics } = validateMeta(info.metaValue, candidate);
  for (const diagnostic of diagnostics) {
    // Problems of package.json (its engines range) belong to that file, not to this source.
    if (diagnostic.file !== undefined && diagnostic.file !== candidate.entry) continue;
    const message = diagnostic.message.startsWith(prefix) ? diagnostic.message.slice(prefix.length) : diagnostic.message;
    const path = metaPathInMessage(message);
    if (path && (isUnderUnknown(info, path) || hasSpreadAt(info, path.slice(0, -1)))) continue;
    // Hook names get their own code with a did-you-mean (see checkHooks).
    if (path?.[0] === 'hooks' && diagnostic.code === 'meta/invalid-field' && message.includes('lifecycle event')) continue;
    const prefer = diagnostic.code === 'meta/unknown-field' ? 'key' : 'value';
    const span = (path && rangeForMetaPath(info, path, prefer)) ?? info.metaRange ?? info.classRange ?? { start: 0, end: 0 };
    info.diagnostics.push({ ...diagnostic, message, file, range: info.lineIndex.sourceRange(span.start, span.end) });
  }
  return info;
}

function dirnameOf(file: string): string {
  const at = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  return at <= 0 ? file : file.slice(0, at);
}

function hasSpreadAt(info: PluginSourceInfo, path: MetaPath): boolean {
  const node = path.length === 0 ? info.meta : findMetaProperty(info.meta, path)?.value;
  return node?.kind === 'object' && node.properties.some((p) => p.key === '...');
}

/**
 * The runtime names the field in its messages (`meta.commands["up load"].input`, `meta.hooks[1]`);
 * that is the only link from its diagnostics back to the source, so parse it here.
 */
export function metaPathInMessage(message: string): MetaPath | undefined {
  const match = /\bmeta((?:\.[A-Za-z_$][\w$]*|\[\d+\]|\["(?:[^"\\]|\\.)*"\])*)/.exec(message);
  if (!match) return undefined;
  const path: Array<string | number> = [];
  const segments = /\.([A-Za-z_$][\w$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  for (let m = segments.exec(match[1] ?? ''); m; m = segments.exec(match[1] ?? '')) {
    if (m[1] !== undefined) path.push(m[1]);
    else if (m[2] !== undefined) path.push(Number(m[2]));
    else if (m[3] !== undefined) path.push(JSON.parse(m[3]) as string);
  }
  return path;
}
