// One plugin source file to one ES module, with TypeScript's `transpileModule`: types stripped
// (type-only imports vanish), syntax errors reported, nothing type-checked. Two custom transforms
// make the copy in the compile cache behave like the original file: `import.meta.url`, `.filename`
// and `.dirname` keep naming the original, and every import specifier is rewritten by the caller
// (the compiled copy lives elsewhere, so relative and package imports must be made to point back).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as TS from 'typescript';

/** An import the module still has after types are stripped. */
export interface ImportRequest {
  specifier: string;
  /** `import('…')` rather than a static `import`/`export … from`. */
  dynamic: boolean;
  /** Whether the import already carries `with { … }` attributes. */
  hasAttributes: boolean;
  /** 0-based offset of the specifier in the original text, when known. */
  start: number | undefined;
}

export interface TransformedModule {
  code: string;
  /** Syntax errors; empty when the module compiled. */
  diagnostics: readonly TS.Diagnostic[];
  /** The parsed original, for positions of the caller's own diagnostics. */
  sourceFile: TS.SourceFile | undefined;
}

/**
 * Transforms `text` (the contents of `file`). `rewrite` gets each surviving import and returns the
 * specifier to emit instead, or undefined to keep it as written. `outputName` names the compiled file
 * in its source map.
 */
export function transformModule(
  ts: typeof TS,
  file: string,
  text: string,
  outputName: string,
  rewrite: (request: ImportRequest) => string | undefined,
  /** The file `import.meta` and `require` speak for at run time (default: `file` itself). */
  runsAs: string = file,
): TransformedModule {
  let sourceFile: TS.SourceFile | undefined;
  const result = ts.transpileModule(text, {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      moduleDetection: ts.ModuleDetectionKind.Force,
      // Off on purpose: imports used only as types are dropped even when not written `import type`.
      verbatimModuleSyntax: false,
      jsx: ts.JsxEmit.React,
      sourceMap: true,
      allowJs: true,
    },
    transformers: {
      before: [importMetaTransformer(ts, runsAs)],
      after: [
        (context) => (node) => {
          sourceFile = ts.getParseTreeNode(node, ts.isSourceFile);
          return rewriteImports(ts, context, node, sourceFile, runsAs, rewrite);
        },
      ],
    },
  });
  const errors = (result.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  return { code: withInlineSourceMap(result.outputText, result.sourceMapText, file, outputName), diagnostics: errors, sourceFile };
}

/** `import.meta.url/filename/dirname` become those of `file` (the original, or its sealed copy), as literals. */
function importMetaTransformer(ts: typeof TS, file: string): TS.TransformerFactory<TS.SourceFile> {
  const values: Record<string, string> = { url: pathToFileURL(file).href, filename: file, dirname: path.dirname(file) };
  return (context) => (sourceFile) => {
    const visit = (node: TS.Node): TS.Node => {
      if (
        ts.isPropertyAccessExpression(node) &&
        ts.isMetaProperty(node.expression) &&
        node.expression.keywordToken === ts.SyntaxKind.ImportKeyword &&
        Object.hasOwn(values, node.name.text)
      ) {
        return ts.setTextRange(context.factory.createStringLiteral(values[node.name.text]!), node);
      }
      return ts.visitEachChild(node, visit, context);
    };
    return ts.visitEachChild(sourceFile, visit, context);
  };
}

function rewriteImports(
  ts: typeof TS,
  context: TS.TransformationContext,
  sourceFile: TS.SourceFile,
  original: TS.SourceFile | undefined,
  file: string,
  rewrite: (request: ImportRequest) => string | undefined,
): TS.SourceFile {
  const factory = context.factory;
  const startOf = (literal: TS.Node): number | undefined => {
    const parsed = ts.getParseTreeNode(literal);
    return parsed && original ? parsed.getStart(original) : undefined;
  };
  const replacement = (literal: TS.Expression | undefined, dynamic: boolean, hasAttributes: boolean): TS.StringLiteral | undefined => {
    if (!literal || !(ts.isStringLiteral(literal) || ts.isNoSubstitutionTemplateLiteral(literal))) return undefined;
    const specifier = rewrite({ specifier: literal.text, dynamic, hasAttributes, start: startOf(literal) });
    return specifier === undefined ? undefined : factory.createStringLiteral(specifier);
  };
  let usesRequire = false;
  const visit = (node: TS.Node): TS.Node => {
    if (ts.isImportDeclaration(node)) {
      const specifier = replacement(node.moduleSpecifier, false, node.attributes !== undefined);
      return specifier ? factory.updateImportDeclaration(node, node.modifiers, node.importClause, specifier, node.attributes) : node;
    }
    if (ts.isExportDeclaration(node)) {
      const specifier = replacement(node.moduleSpecifier, false, node.attributes !== undefined);
      return specifier
        ? factory.updateExportDeclaration(node, node.modifiers, node.isTypeOnly, node.exportClause, specifier, node.attributes)
        : node;
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [first, ...rest] = node.arguments;
      const specifier = replacement(first, true, rest.length > 0);
      if (specifier) {
        const options = rest.map((arg) => ts.visitNode(arg, visit, ts.isExpression) ?? arg);
        return factory.updateCallExpression(node, node.expression, node.typeArguments, [specifier, ...options]);
      }
    }
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require') usesRequire = true;
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require') usesRequire = true;
    return ts.visitEachChild(node, visit, context);
  };
  const visited = ts.visitEachChild(sourceFile, visit, context);
  if (!usesRequire || (original && declaresRequire(ts, original))) return visited;
  // An ES module has no `require`; code that calls it (often for a JSON file or a CommonJS package)
  // gets one that resolves from the original file, as Node gives CommonJS modules.
  const createRequire = factory.createUniqueName('__aetherCreateRequire');
  const prologue = [
    factory.createImportDeclaration(
      undefined,
      factory.createImportClause(
        undefined,
        undefined,
        factory.createNamedImports([factory.createImportSpecifier(false, factory.createIdentifier('createRequire'), createRequire)]),
      ),
      factory.createStringLiteral('node:module'),
    ),
    factory.createVariableStatement(
      undefined,
      factory.createVariableDeclarationList(
        [
          factory.createVariableDeclaration(
            'require',
            undefined,
            undefined,
            factory.createCallExpression(createRequire, undefined, [factory.createStringLiteral(pathToFileURL(file).href)]),
          ),
        ],
        ts.NodeFlags.Const,
      ),
    ),
  ];
  return factory.updateSourceFile(visited, [...prologue, ...visited.statements]);
}

/** Does the module declare a top-level `require` of its own? Then it needs none from us. */
function declaresRequire(ts: typeof TS, sourceFile: TS.SourceFile): boolean {
  const named = (name: TS.Node | undefined) => name !== undefined && ts.isIdentifier(name) && name.text === 'require';
  return sourceFile.statements.some((statement) => {
    if (ts.isVariableStatement(statement)) return statement.declarationList.declarations.some((d) => named(d.name));
    if (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) return named(statement.name);
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      const bindings = clause?.namedBindings;
      return (
        named(clause?.name) ||
        (bindings !== undefined && (ts.isNamespaceImport(bindings) ? named(bindings.name) : bindings.elements.some((e) => named(e.name))))
      );
    }
    return false;
  });
}

/**
 * Replaces TypeScript's `//# sourceMappingURL=<file>.js.map` with the map inline, its source the
 * original file by absolute URL: stack traces (`--enable-source-maps`) then name the plugin's own file
 * and line, wherever the compiled copy lives.
 */
function withInlineSourceMap(code: string, mapText: string | undefined, file: string, outputName: string): string {
  const body = code.replace(/\n?\/\/# sourceMappingURL=\S*\s*$/, '');
  if (!mapText) return `${body}\n`;
  const map = JSON.parse(mapText) as { sources?: string[]; sourceRoot?: string; file?: string };
  map.sources = [pathToFileURL(file).href];
  map.file = outputName;
  delete map.sourceRoot;
  return `${body}\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;
}
