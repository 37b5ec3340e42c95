// The seal on compile-cache entries. An entry in `.aether/cache/plugins` is reused only when its
// manifest carries a valid HMAC-SHA256 made with a key that lives outside every workspace (in the
// user's cache folder, mode 0600) and that plugin hosts cannot read (their file-system reads are
// limited to their own folders). Anyone who edits an entry, its manifest included, cannot make a
// valid seal, so an edited entry is compiled afresh from the plugin's (verified) sources instead.
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, writeSync, closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const KEY_BYTES = 32;
let cached: Buffer | null | undefined;

/** `$AETHER_CACHE_KEY_FILE`, else `$XDG_CACHE_HOME/aetherscript/cache-seal.key`, else `~/.cache/…`. */
export function sealKeyFile(): string {
  if (process.env.AETHER_CACHE_KEY_FILE) return path.resolve(process.env.AETHER_CACHE_KEY_FILE);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'aetherscript', 'cache-seal.key');
}

/**
 * This user's seal key, created on first use. Undefined when it can be neither read nor created
 * (a read-only home): then nothing is reused from the cache, every load compiles afresh.
 */
export function sealKey(): Buffer | undefined {
  if (cached !== undefined) return cached ?? undefined;
  const file = sealKeyFile();
  cached = readKey(file) ?? createKey(file) ?? readKey(file) ?? null;
  return cached ?? undefined;
}

function readKey(file: string): Buffer | undefined {
  try {
    const key = readFileSync(file);
    return key.length === KEY_BYTES ? key : undefined;
  } catch {
    return undefined;
  }
}

function createKey(file: string): Buffer | undefined {
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const key = randomBytes(KEY_BYTES);
    // 'wx': never replace a key another process made first (its seals would all break).
    const fd = openSync(file, 'wx', 0o600);
    try {
      writeSync(fd, key);
    } finally {
      closeSync(fd);
    }
    return key;
  } catch {
    return undefined;
  }
}

export function sealOf(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text, 'utf8').digest('hex');
}
