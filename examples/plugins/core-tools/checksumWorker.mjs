// The `checksum` command's hashing, for `offload: true`: core-tools runs it with ctx.spawnWorker in a
// thread of its own. Plain JavaScript: spawned modules are loaded by Node as they are, not compiled.
import { createHash } from 'node:crypto';

export default function checksum({ text, algorithm, repeat }) {
  return createHash(algorithm).update(text.repeat(repeat), 'utf8').digest('hex');
}
