// Reads a plugin's `static meta` from its source text with the TypeScript parser, without running
// any of it (spec section 7: nothing runs before it is verified). The runtime learns a plugin's name,
// version and permissions this way before it loads the module: to compare them with the signed
// subject, and to start the plugin's host with exactly the permissions it declares.
import type * as TS from 'typescript';
import type { JsonValue } from '../model/plugin';

export interface StaticMeta {
  /** The meta object as far as it is literal; values that are not literals are left out. */
  meta?: { [key: string]: JsonValue };
  /** Dotted paths of values that are not literals (a variable, a call, a spread…). */
  unknown: string[];
  /** Why no meta could be read at all (no default-exported class, no `static meta`). */
  problem?: string;
}

let typescript: typeof TS | undefined;

function ts(): typeof TS {
  // Loaded on first use: a warm run whose plugins are cached may still need it for this (it is cheap
  // next to compiling), but nothing loads it at start-up.
  typescript ??= require('typescript') as typeof TS;
  return typescript;
}

/** Reads `static meta` of the default-exported class of the module `text` (of `file`). */
export function readStaticMeta(text: string, file: string): StaticMeta {
  const t = ts();
  const kind = /\.[cm]?tsx?$/i.test(file) ? (/x$/i.test(file) ? t.ScriptKind.TSX : t.ScriptKind.TS) : t.ScriptKind.JS;
  const source = t.createSourceFile(file, text, t.ScriptTarget.ES2022, true, kind);
  const cls = defaultExportedClass(t, source);
  if (!cls) return { unknown: [], problem: 'it has no default-exported class declared in the module' };
  const member = cls.members.find(
    (m): m is TS.PropertyDeclaration =>
      t.isPropertyDeclaration(m) &&
      (m.modifiers?.some((mod) => mod.kind === t.SyntaxKind.StaticKeyword) ?? false) &&
      propertyName(t, m.name) === 'meta',
  );
  if (!member?.initializer) return { unknown: [], problem: 'its class has no `static meta = { … }` initialised in the class body' };
  const unknown: string[] = [];
  const value = literalValue(t, member.initializer, 'meta', unknown);
  if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { unknown, problem: '`static meta` is not an object literal' };
  }
  return { meta: value, unknown };
}

function defaultExportedClass(t: typeof TS, source: TS.SourceFile): TS.ClassLikeDeclaration | undefined {
  const classes = new Map<string, TS.ClassLikeDeclaration>();
  for (const statement of source.statements) {
    if (t.isClassDeclaration(statement)) {
      const isDefault = statement.modifiers?.some((m) => m.kind === t.SyntaxKind.DefaultKeyword) ?? false;
      if (isDefault) return statement;
      if (statement.name) classes.set(statement.name.text, statement);
    }
  }
  for (const statement of source.statements) {
    if (t.isExportAssignment(statement) && !statement.isExportEquals) {
      const expression = unwrap(t, statement.expression);
      if (t.isClassExpression(expression)) return expression;
      if (t.isIdentifier(expression)) return classes.get(expression.text);
    }
    // export { MyPlugin as default }
    if (
      t.isExportDeclaration(statement) &&
      !statement.moduleSpecifier &&
      statement.exportClause &&
      t.isNamedExports(statement.exportClause)
    ) {
      const named = statement.exportClause.elements.find((e) => e.name.text === 'default');
      if (named) return classes.get((named.propertyName ?? named.name).text);
    }
  }
  return undefined;
}

function propertyName(t: typeof TS, name: TS.PropertyName): string | undefined {
  if (t.isIdentifier(name) || t.isStringLiteral(name) || t.isNumericLiteral(name) || t.isNoSubstitutionTemplateLiteral(name)) {
    return name.text;
  }
  return undefined;
}

/** `x as const`, `x satisfies T`, `<T>x` and `(x)` are the value `x`. */
function unwrap(t: typeof TS, node: TS.Expression): TS.Expression {
  for (;;) {
    if (t.isAsExpression(node) || t.isSatisfiesExpression(node) || t.isTypeAssertionExpression(node) || t.isParenthesizedExpression(node)) {
      node = node.expression;
    } else return node;
  }
}

function literalValue(t: typeof TS, raw: TS.Expression, at: string, unknown: string[]): JsonValue | undefined {
  const node = unwrap(t, raw);
  if (t.isStringLiteral(node) || t.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (t.isNumericLiteral(node)) return Number(node.text);
  if (t.isPrefixUnaryExpression(node) && node.operator === t.SyntaxKind.MinusToken && t.isNumericLiteral(node.operand)) {
    return -Number(node.operand.text);
  }
  if (node.kind === t.SyntaxKind.TrueKeyword) return true;
  if (node.kind === t.SyntaxKind.FalseKeyword) return false;
  if (node.kind === t.SyntaxKind.NullKeyword) return null;
  if (t.isArrayLiteralExpression(node)) {
    const items: JsonValue[] = [];
    for (const [index, element] of node.elements.entries()) {
      const value = t.isSpreadElement(element) ? undefined : literalValue(t, element, `${at}[${index}]`, unknown);
      if (value === undefined) {
        if (t.isSpreadElement(element)) unknown.push(`${at}[${index}]`);
        return undefined;
      }
      items.push(value);
    }
    return items;
  }
  if (t.isObjectLiteralExpression(node)) {
    const object: { [key: string]: JsonValue } = {};
    for (const property of node.properties) {
      const key = property.name ? propertyName(t, property.name) : undefined;
      if (t.isPropertyAssignment(property) && key !== undefined) {
        const value = literalValue(t, property.initializer, `${at}.${key}`, unknown);
        if (value !== undefined) object[key] = value;
      } else {
        unknown.push(key === undefined ? `${at}.…` : `${at}.${key}`);
      }
    }
    return object;
  }
  unknown.push(at);
  return undefined;
}
