// `aether.*` settings per document, when the client offers them: pulled once per document (not per
// keystroke: a round trip per edit is latency the user feels) and pulled again after a configuration
// change. Never kept in server globals beyond this cache (the vscode-eslint rule).
import type { Connection } from 'vscode-languageserver/node';
import type { LanguageSettings } from './service/languageService';

export class DocumentSettings {
  private readonly cache = new Map<string, Promise<LanguageSettings>>();
  /** Whether the client answers `workspace/configuration` (known after initialize). */
  canPull = false;

  constructor(private readonly connection: Connection) {}

  for(uri: string): Promise<LanguageSettings> {
    if (!this.canPull) return Promise.resolve({});
    let settings = this.cache.get(uri);
    if (!settings) {
      settings = this.connection.workspace.getConfiguration({ scopeUri: uri, section: 'aether' }).then(
        (config: { diagnostics?: { severity?: LanguageSettings['severities'] } } | null) => ({
          severities: config?.diagnostics?.severity ?? {},
        }),
        () => ({}),
      );
      this.cache.set(uri, settings);
    }
    return settings;
  }

  /** A configuration change: every document pulls again. */
  clear(): void {
    this.cache.clear();
  }

  forget(uri: string): void {
    this.cache.delete(uri);
  }
}
