// Every custom message between the AetherScript client and language server, declared once. The client
// mirrors this file (or imports it); each message names who sends it.
import { RequestType } from 'vscode-jsonrpc';
import type { LoadOrderResult } from '../../runtime/src/model/loadOrder';

export type { LoadOrderEntry, LoadOrderResult, NotLoadedEntry } from '../../runtime/src/model/loadOrder';

export interface LoadOrderParams {
  /** A workspace folder or any file in it; all folders when absent. */
  uri?: string;
}

/** Sent by the client (the plugins panel): the resolved plugin load order with reasons, overrides and hooks. */
// eslint-disable-next-line @typescript-eslint/no-namespace -- the vscode-eslint shape: one namespace per message
export namespace LoadOrderRequest {
  export const method = 'aether/loadOrder' as const;
  export const type = new RequestType<LoadOrderParams, LoadOrderResult[], void>(method);
}
