// Read-modify-write of a JSON file (aether.config.json) under a lock, written atomically, so concurrent
// writers (`aether keys trust`, `aether plugins sync`, two terminals) never lose each other's changes
// and a reader never sees half a file.
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import * as lockfile from 'proper-lockfile';
import writeFileAtomic from 'write-file-atomic';
import { AetherInputError } from '../model/diagnostics';

/** A JSON object as parsed; keys keep the file's order (see the note on `updateJsonFile`). */
export type JsonObject = Record<string, unknown>;

/** What `updateJsonFile` did. */
export interface JsonFileUpdate {
  /** False when `mutate` left the content as it was, in which case the file was not rewritten. */
  changed: boolean;
}

// Retries with backoff for up to ~10 s; a lock whose holder died is taken over after `stale` ms.
const LOCK_OPTIONS: lockfile.LockOptions = {
  realpath: false,
  stale: 10_000,
  retries: { retries: 60, factor: 1.3, minTimeout: 5, maxTimeout: 250, randomize: true },
};

/**
 * Locks `file` (through a `<file>.lock` sibling, so the file need not exist yet), reads it (a missing
 * file reads as `{}`), lets `mutate` change the object in place, and writes it back atomically with
 * 2-space indentation and a trailing newline. If `mutate` throws, the file is left untouched.
 *
 * Key order is kept as JavaScript keeps it: insertion order, except that integer-like keys ("10")
 * always come first. The file's own formatting (indentation, comments are not JSON anyway) is not kept.
 */
export async function updateJsonFile(file: string, mutate: (json: JsonObject) => void | Promise<void>): Promise<JsonFileUpdate> {
  const target = path.resolve(file);
  // proper-lockfile would retry a missing folder for the whole retry budget; say it at once instead.
  const folder = await stat(path.dirname(target)).catch(() => undefined);
  if (!folder?.isDirectory()) throw new AetherInputError(`cannot write ${target}: the folder ${path.dirname(target)} does not exist.`);
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(target, { ...LOCK_OPTIONS, lockfilePath: `${target}.lock` });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new AetherInputError(
        `${target} is locked by another aether process (${target}.lock); try again, or delete the .lock folder if no aether command is running.`,
      );
    }
    throw error;
  }
  try {
    const original = await readOptional(target);
    const json = original === undefined ? {} : parseJsonObject(original, target);
    const before = JSON.stringify(json);
    await mutate(json);
    // Compared on content, so an untouched file keeps its own formatting and mtime.
    if (JSON.stringify(json) === before) return { changed: false };
    await writeFileAtomic(target, `${JSON.stringify(json, null, 2)}\n`);
    return { changed: true };
  } finally {
    await release();
  }
}

/** Reads and parses a JSON object file; undefined when it does not exist. */
export async function readJsonFile(file: string): Promise<JsonObject | undefined> {
  const text = await readOptional(file);
  return text === undefined ? undefined : parseJsonObject(text, file);
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function parseJsonObject(text: string, file: string): JsonObject {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new AetherInputError(`${file} is not valid JSON (${(error as Error).message}); fix it by hand, nothing was changed.`, [
      { code: 'config/invalid-json', severity: 'error', message: `not valid JSON: ${(error as Error).message}`, file },
    ]);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new AetherInputError(`${file} must hold a JSON object at the top level.`, [
      { code: 'config/invalid-json', severity: 'error', message: 'the top level must be a JSON object', file },
    ]);
  }
  return json as JsonObject;
}
