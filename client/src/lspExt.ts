// Mirrors the server's custom protocol (server/src/protocol.ts). The types come from the server; the
// request object is rebuilt here on the client's own vscode-jsonrpc so only one copy gets bundled.
import { RequestType } from 'vscode-languageclient/node';
import type { LoadOrderParams, LoadOrderResult } from '../../server/src/protocol';

export type { LoadOrderEntry, LoadOrderResult, NotLoadedEntry, LoadOrderParams } from '../../server/src/protocol';

/** Sent by the client (the Load order panel): the resolved plugin load order per workspace folder. */
export const loadOrderRequest = new RequestType<LoadOrderParams, LoadOrderResult[], void>('aether/loadOrder');
