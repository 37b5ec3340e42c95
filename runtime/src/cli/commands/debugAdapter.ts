// `aether debug-adapter` (spec section 10): DAP over stdin/stdout until the client disconnects or
// closes stdin. Nothing else may write to stdout while it runs: every byte there is protocol.
import { AetherDebugSession } from '../../debug/debugSession';

export async function debugAdapterCommand(): Promise<number> {
  const session = new AetherDebugSession();
  session.setRunAsServer(false);
  session.start(process.stdin, process.stdout);
  await new Promise<void>((resolve) => process.stdin.once('close', resolve).once('end', resolve));
  return 0;
}
