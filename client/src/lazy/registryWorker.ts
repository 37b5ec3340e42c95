// The plugin registry's calls in a child process of the extension host (dist/client/registry.js, npm's
// libraries bundled in). Not in the extension host itself: VS Code patches Node's http/https there for
// its proxy support, and that patch breaks npm's own agent (@npmcli/agent: "Cannot set headers after
// they are sent", the request never settles; seen in code-server). A child process also keeps the tarball
// checks of a 200-plugin search off the extension host's thread. One process per call; the protocol is
// RegistryCall / RegistryReply in client/src/plugins/registryClient.ts.
import * as registry from '../../../runtime/src/registry';
import type { RegistryCall, RegistryReply } from '../plugins/registryClient';

const controller = new AbortController();
const send = (reply: RegistryReply) => process.send?.(reply);

async function run(call: Extract<RegistryCall, { type: 'call' }>): Promise<unknown> {
  const options = { ...call.options, signal: controller.signal, onProgress: (line: string) => send({ type: 'progress', line }) };
  const [a, b] = call.args as [string, string];
  switch (call.op) {
    case 'searchPlugins':
      return registry.searchPlugins(a, b, options);
    case 'inspectPlugin':
      return registry.inspectPlugin(a, b, options);
    case 'addPlugin':
      return registry.addPlugin(a, b, options);
    case 'updatePlugins':
      return registry.updatePlugins(a, b, options);
    case 'removePlugin':
      return registry.removePlugin(a, b, options);
    case 'preparePublish':
      return registry.preparePublish(a, options);
    case 'publishPlugin':
      return registry.publishPlugin(a, options);
  }
}

process.on('message', (message: RegistryCall) => {
  if (message.type === 'abort') controller.abort();
  else if (message.type === 'call')
    run(message).then(
      (result) => send({ type: 'result', result }),
      (error: unknown) => {
        const e = error as { name?: string; code?: string; message?: string; details?: unknown; stack?: string };
        send({
          type: 'error',
          error: { name: e?.name ?? 'Error', code: e?.code, message: e?.message ?? String(error), details: e?.details, stack: e?.stack },
        });
      },
    );
});
// The extension host went away: so does this call (npm's own child is killed with it by npm).
process.on('disconnect', () => {
  controller.abort();
  setTimeout(() => process.exit(1), 5000).unref();
});
