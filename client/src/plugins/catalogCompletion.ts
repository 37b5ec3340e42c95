// Pipeline completion and quick fixes from the registry's catalog, on the client: the language server
// completes what is installed; this adds the plugins a user could install (under `plugins:`) and their
// commands (after `run:`), and offers "Install plugin X" on an unknown-plugin diagnostic. Done here, not
// in the server, because the catalog comes from the registry bundle, which the server never loads.
import * as vscode from 'vscode';
import { catalogCompletionContext, pluginOfDiagnostic } from './completionContext';
import { trustTone } from './pluginsModel';
import type { PluginService } from './pluginService';

export function registerCatalogCompletion(selector: vscode.DocumentSelector, service: PluginService): vscode.Disposable {
  const notInstalled = () => {
    const installed = new Set((service.installed ?? []).flatMap((p) => [p.name, p.packageName]));
    return (service.fullCatalog ?? []).filter((e) => !installed.has(e.name) && e.compatible && !(e.problems?.length ?? 0));
  };
  const completion = vscode.languages.registerCompletionItemProvider(
    selector,
    {
      provideCompletionItems(document, position) {
        const line = document.lineAt(position.line).text;
        const previous: string[] = [];
        for (let i = position.line - 1; i >= 0 && previous.length < 200; i--) previous.push(document.lineAt(i).text);
        const context = catalogCompletionContext(line.slice(0, position.character), previous);
        if (!context) return undefined;
        // The first completion in a pipeline asks the registry; its answer serves the next ones.
        if (!service.fullCatalog && !service.catalogLoading) void service.refresh();
        const range = new vscode.Range(position.translate(0, -context.prefix.length), position);
        const items: vscode.CompletionItem[] = [];
        for (const entry of notInstalled()) {
          const doc = new vscode.MarkdownString(
            [
              `**${entry.name}** ${entry.version} — not installed (catalog of ${entry.registry ?? 'the registry'})`,
              entry.description ?? '',
              `attestation: **${entry.attestation.status}** · runtime ${entry.runtimeRange ?? 'any'}`,
              'Install it from the Plugins view, or with the quick fix on the diagnostic.',
            ]
              .filter(Boolean)
              .join('\n\n'),
          );
          const detail = `catalog · ${entry.version} · ${entry.attestation.status}${trustTone(entry.attestation.status) === 'verified' ? '' : ' (not verified)'}`;
          if (context.kind === 'plugins') {
            const item = new vscode.CompletionItem({ label: entry.name, description: 'not installed' }, vscode.CompletionItemKind.Module);
            item.insertText = `${entry.name}:`;
            item.detail = detail;
            item.documentation = doc;
            item.range = range;
            item.sortText = `~${entry.name}`;
            items.push(item);
          } else {
            for (const command of entry.commands ?? [entry.name]) {
              const label = `${entry.name}/${command}`;
              const item = new vscode.CompletionItem({ label, description: 'not installed' }, vscode.CompletionItemKind.Function);
              item.insertText = label;
              item.detail = detail;
              item.documentation = doc;
              item.range = range;
              item.sortText = `~${label}`;
              items.push(item);
            }
          }
        }
        return items;
      },
    },
    '/',
  );
  const actions = vscode.languages.registerCodeActionsProvider(
    selector,
    {
      provideCodeActions(_document, _range, context) {
        const out: vscode.CodeAction[] = [];
        for (const diagnostic of context.diagnostics) {
          const code = typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code;
          const name = pluginOfDiagnostic(String(code ?? ''), diagnostic.message);
          if (!name) continue;
          const entry = service.catalogEntry(name);
          // Unknown to a catalog that was asked: nothing to install. Not asked yet: offer it, npm will say.
          if (service.fullCatalog && !entry) continue;
          const action = new vscode.CodeAction(
            `Install plugin ${name}${entry ? ` ${entry.version} (${entry.attestation.status})` : ' from the registry'}`,
            vscode.CodeActionKind.QuickFix,
          );
          action.diagnostics = [diagnostic];
          action.isPreferred = entry !== undefined && trustTone(entry.attestation.status) === 'verified';
          action.command = { command: 'aether.plugins.install', title: `Install plugin ${name}`, arguments: [name] };
          out.push(action);
        }
        return out;
      },
    },
    { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] },
  );
  return vscode.Disposable.from(completion, actions);
}
