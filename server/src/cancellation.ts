// Requests and cancellation: a cancellation that arrives while the request waits behind others (an
// edit's validation, say) is honoured before any work; one that arrives during the work (the service
// checks the token in its loops over steps and expressions) drops the result. Either way the client
// gets RequestCancelled.
import { LSPErrorCodes, ResponseError, type CancellationToken } from 'vscode-languageserver/node';

/** Runs `work` unless `token` is cancelled before or during it. */
export function unlessCancelled<T>(token: CancellationToken, work: () => T): T | ResponseError<void> {
  const cancelled = () => new ResponseError<void>(LSPErrorCodes.RequestCancelled, 'request cancelled');
  if (token.isCancellationRequested) return cancelled();
  const result = work();
  return token.isCancellationRequested ? cancelled() : result;
}
