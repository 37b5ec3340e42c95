// Mirrors the server's custom protocol (server/src/protocol.ts). The types come from the server; the
// requests are sent by method name, so this file (loaded at activation) pulls in no client library.
import type { LanguageClient } from 'vscode-languageclient/node';
import type { LoadOrderParams, LoadOrderResult } from '../../server/src/protocol';

export type { LoadOrderEntry, LoadOrderResult, NotLoadedEntry, LoadOrderParams } from '../../server/src/protocol';

/** Sent by the client (the Load order panel): the resolved plugin load order per workspace folder. */
export function requestLoadOrder(client: LanguageClient, params: LoadOrderParams): Promise<LoadOrderResult[]> {
  return client.sendRequest<LoadOrderResult[]>('aether/loadOrder', params);
}
