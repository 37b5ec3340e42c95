// Plugin attestations (spec section 7): an in-toto Statement v1 naming the package and the SHA-256 of
// each of its files, in a DSSE envelope signed with Ed25519, stored as `aetherscript.attestation.json`.
// The format is documented in runtime/ATTESTATION.md; keep the two in step.
import { createHash, type KeyObject } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import * as path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { PluginPermissions } from '../model/plugin';
import { signedPermissions, type SignedPermissions } from '../model/permissions';

export { samePermissions, signedPermissions, type SignedPermissions } from '../model/permissions';
import { parseEnvelope, signEnvelope, verifyEnvelopeSignature, type ParsedEnvelope } from './dsse';
import { ATTESTATION_FILE, compareCodePoints, readPluginTree, type FileDigest, type PluginTree } from './digest';
import { AttestationFormatError, PluginFilesError } from './errors';
import { keyIdOf, loadPrivateKey, loadPublicKey } from './keys';

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const PLUGIN_PREDICATE_TYPE = 'https://aetherscript.dev/attestation/plugin/v2';
/** Read for compatibility: same file list, the tree digest under `sha256`, no permissions. */
export const LEGACY_PREDICATE_TYPE = 'https://aetherscript.dev/attestation/plugin/v1';
/**
 * The subject's digest key. Its value is not the SHA-256 of one artifact (what `sha256` would mean in
 * an in-toto DigestSet) but of the canonical file listing, so it has a name of its own.
 */
export const TREE_DIGEST_KEY = 'aetherscript-tree-sha256';

/** An attestation larger than this is refused unread: a real one is a few KB per hundred files. */
export const MAX_ATTESTATION_BYTES = 1024 * 1024;

/** The package an attestation is about. */
export interface PluginIdentity {
  name: string;
  version: string;
}

/** The in-toto Statement v1 an attestation carries. */
export interface PluginStatement {
  _type: typeof STATEMENT_TYPE;
  subject: [{ name: string; digest: Record<string, string> }];
  predicateType: typeof PLUGIN_PREDICATE_TYPE | typeof LEGACY_PREDICATE_TYPE;
  predicate: { files: FileDigest[]; permissions?: SignedPermissions; benchmarks?: SignedBenchmarks };
}

/** One benchmark's figures as signed: what `aether dev plugin-bench` measured (spec section 11), no samples. */
export interface SignedBenchFigures {
  samples: number;
  meanMs: number;
  medianMs: number;
  p95Ms: number;
  p99Ms: number;
  opsPerSec: number;
  moeMs: number;
  peakHeapBytes: number;
  heapGrowthBytes: number;
  /** Median over the reference no-op's median, measured in the same run. */
  ratio?: number;
}

/** `predicate.benchmarks`: the plugin's latest benchmark summary, recorded by `aether plugins sign`. */
export interface SignedBenchmarks {
  /** ISO time the figures were measured. */
  time: string;
  /** `run`: the last plugin-bench run; `baseline`: the committed test/bench-baseline.json. */
  source: string;
  library: string;
  machine: { platform: string; arch: string; cpu: string; cores: number; node: string };
  reference: SignedBenchFigures;
  benchmarks: Array<SignedBenchFigures & { name: string; status: string; error?: string }>;
}

/** A public key the workspace trusts, as listed under `aether.trust.keys`. */
export interface TrustedKey {
  keyid: string;
  /** SPKI PEM text. */
  publicKey: string;
}

/**
 * Outcome of checking a plugin's attestation. `unchecked` is what policy `off` reports: nothing was read.
 * - verified: signed by a trusted key, and every file is as signed;
 * - unsigned: no attestation file;
 * - unknown-key: signed, but by no trusted key;
 * - bad-signature: signed by a trusted key id, but the signature does not match;
 * - modified: validly signed, but files changed, were added or removed since;
 * - malformed: the attestation file is not a valid envelope or statement;
 * - subject-mismatch: validly signed, but for another package name or version.
 */
export type AttestationStatus =
  'verified' | 'unsigned' | 'unknown-key' | 'bad-signature' | 'modified' | 'malformed' | 'subject-mismatch' | 'unchecked';

export interface AttestationResult {
  status: AttestationStatus;
  /** The key that signed (verified) or that the attestation names (unknown-key, bad-signature…). */
  keyid?: string;
  /** One or two sentences naming the plugin and what was found. */
  message: string;
  /** For `modified`: files whose content differs, files not in the attestation, files missing. */
  changed?: string[];
  added?: string[];
  removed?: string[];
  /** The signed subject (`name@version`), once a trusted signature vouched for the statement. */
  subject?: string;
  /** The signed permissions (v2 statements), once a trusted signature vouched for the statement. */
  permissions?: SignedPermissions;
  /** The signed benchmark figures (v2 statements that carry them), once a trusted signature vouched for the statement. */
  benchmarks?: SignedBenchmarks;
  /** A v1 statement: verified, but re-signing records the permissions in the attestation too. */
  legacy?: boolean;
}

/** A verification together with the bytes it verified, which are the only bytes that may then run. */
export interface VerifiedTree {
  result: AttestationResult;
  /** Present whenever the files were read (verified or modified). */
  tree?: PluginTree;
}

/** `aether.trust.policy`. */
export type TrustPolicy = 'require' | 'warn' | 'off';
export const TRUST_POLICIES: readonly TrustPolicy[] = ['require', 'warn', 'off'];

/** What to do with a plugin given its attestation result and the policy. */
export interface TrustDecision {
  load: boolean;
  severity?: 'error' | 'warning';
  message?: string;
}

/** `name@version`, the subject name of a plugin's statement. */
export function subjectName(meta: PluginIdentity): string {
  return `${meta.name}@${meta.version}`;
}

/**
 * The tree digest: SHA-256 over the lines `"<sha256>  <path>\n"` (the `sha256sum` format) in
 * code-point order of path.
 */
export function fileListDigest(files: readonly FileDigest[]): string {
  const sorted = [...files].sort((a, b) => compareCodePoints(a.path, b.path));
  const hash = createHash('sha256');
  for (const file of sorted) hash.update(`${file.sha256}  ${file.path}\n`, 'utf8');
  return hash.digest('hex');
}

export function buildStatement(
  meta: PluginIdentity & { permissions?: PluginPermissions; benchmarks?: SignedBenchmarks },
  files: FileDigest[],
): PluginStatement {
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: subjectName(meta), digest: { [TREE_DIGEST_KEY]: fileListDigest(files) } }],
    predicateType: PLUGIN_PREDICATE_TYPE,
    predicate: {
      files,
      permissions: signedPermissions(meta.permissions),
      ...(meta.benchmarks ? { benchmarks: meta.benchmarks } : {}),
    },
  };
}

/**
 * Signs a plugin folder and writes `aetherscript.attestation.json` into it, atomically. `tree` is the
 * folder as already read (by the caller's static checks); it is read here otherwise.
 */
export async function signPlugin(
  pluginDir: string,
  privateKeyFile: string,
  meta: PluginIdentity & { permissions?: PluginPermissions; benchmarks?: SignedBenchmarks },
  tree?: PluginTree,
): Promise<{ file: string; keyid: string; subject: string }> {
  if (!meta.name || !meta.version) throw new AttestationFormatError('signing needs the plugin name and version');
  const privateKey: KeyObject = await loadPrivateKey(privateKeyFile);
  const keyid = keyIdOf(privateKey);
  const { files } = tree ?? (await readPluginTree(pluginDir));
  const statement = buildStatement(meta, files);
  const envelope = signEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement), 'utf8'), privateKey, keyid);
  const file = path.resolve(pluginDir, ATTESTATION_FILE);
  await writeFileAtomic(file, `${JSON.stringify(envelope, null, 2)}\n`, { mode: 0o644 });
  return { file, keyid, subject: subjectName(meta) };
}

type AttestationText = { text: string } | { missing: true } | { problem: string };

/**
 * Reads the attestation file in bounded time and memory: it must be a regular file (not a FIFO that
 * would block the read forever, nor a link) of at most MAX_ATTESTATION_BYTES.
 */
async function readAttestationFile(file: string): Promise<AttestationText> {
  let info;
  try {
    info = await lstat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { missing: true };
    return { problem: `it cannot be read (${(error as Error).message})` };
  }
  const kind = (s: { isSymbolicLink(): boolean; isFIFO(): boolean; isDirectory(): boolean }) =>
    s.isSymbolicLink() ? 'a symbolic link' : s.isFIFO() ? 'a FIFO' : s.isDirectory() ? 'a folder' : 'a special file';
  if (!info.isFile()) return { problem: `it is ${kind(info)}, not a regular file` };
  if (info.size > MAX_ATTESTATION_BYTES) return { problem: `it is ${info.size} bytes, over the ${MAX_ATTESTATION_BYTES} byte limit` };
  // O_NONBLOCK and O_NOFOLLOW: a file swapped for a FIFO or a link since the lstat still cannot block.
  const handle = await open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK | fsConstants.O_NOFOLLOW).catch((error: Error) => error);
  if (handle instanceof Error) return { problem: `it cannot be opened (${handle.message})` };
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) return { problem: `it is ${kind(opened)}, not a regular file` };
    const buffer = Buffer.alloc(MAX_ATTESTATION_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_ATTESTATION_BYTES) return { problem: `it grew over the ${MAX_ATTESTATION_BYTES} byte limit while being read` };
    }
    return { text: buffer.subarray(0, length).toString('utf8') };
  } finally {
    await handle.close();
  }
}

/**
 * Checks a plugin folder's attestation against the trusted keys and the plugin's own name and version.
 * Never throws for a bad attestation (that is a status); throws only when the folder cannot be read
 * or a trusted key is not a valid Ed25519 public key.
 */
export async function verifyPlugin(
  pluginDir: string,
  /** The plugin's own name and version (read statically from its source), compared with the subject. */
  meta: PluginIdentity | undefined,
  trustedKeys: readonly TrustedKey[],
  /** How to name the plugin in messages while `meta` is unknown (e.g. its package name@version). */
  label?: string,
): Promise<AttestationResult> {
  return (await verifyPluginTree(pluginDir, meta, trustedKeys, label)).result;
}

/** `verifyPlugin`, also handing back the bytes that were verified. */
export async function verifyPluginTree(
  pluginDir: string,
  meta: PluginIdentity | undefined,
  trustedKeys: readonly TrustedKey[],
  label?: string,
): Promise<VerifiedTree> {
  let who = meta ? `Plugin ${subjectName(meta)} (${pluginDir})` : `Plugin ${label ?? path.basename(pluginDir)} (${pluginDir})`;
  const file = path.join(pluginDir, ATTESTATION_FILE);
  const malformed = (reason: string, keyid?: string): VerifiedTree => ({
    result: {
      status: 'malformed',
      ...(keyid === undefined ? {} : { keyid }),
      message: `${who} has a malformed ${ATTESTATION_FILE}: ${reason}.`,
    },
  });

  const read = await readAttestationFile(file);
  if ('missing' in read) return { result: { status: 'unsigned', message: `${who} is unsigned: it has no ${ATTESTATION_FILE}.` } };
  if ('problem' in read) return malformed(read.problem);

  let envelope: ParsedEnvelope;
  try {
    envelope = parseEnvelope(JSON.parse(read.text) as unknown);
  } catch (error) {
    return malformed(error instanceof SyntaxError ? `not JSON (${error.message})` : (error as Error).message);
  }
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    return malformed(`payloadType is ${JSON.stringify(envelope.payloadType)}, expected ${JSON.stringify(IN_TOTO_PAYLOAD_TYPE)}`);
  }

  // Signature before content: nothing in the payload is looked at until a trusted key vouches for it.
  const keys = new Map<string, KeyObject>();
  for (const trusted of trustedKeys) {
    const key = loadPublicKey(trusted.publicKey, `trusted key ${trusted.keyid}`);
    keys.set(keyIdOf(key), key);
  }
  const signer = findSigner(envelope, keys);
  if (!signer) {
    // The keyid is an unauthenticated hint (DSSE): every trusted key was tried against every signature.
    const named = envelope.signatures.map((s) => s.keyid).filter((k) => k !== '');
    const trustedNamed = named.find((keyid) => keys.has(keyid));
    if (trustedNamed !== undefined) {
      return {
        result: {
          status: 'bad-signature',
          keyid: trustedNamed,
          message: `${who} has a signature that does not match for trusted key ${trustedNamed}: the attestation was altered or signed with another key.`,
        },
      };
    }
    const signedBy = named.length ? `key ${named.join(', ')}` : 'an unnamed key';
    return {
      result: {
        status: 'unknown-key',
        ...(named[0] === undefined ? {} : { keyid: named[0] }),
        message: `${who} is signed by ${signedBy}, which is not in aether.trust.keys (none of its ${keys.size} trusted key${keys.size === 1 ? '' : 's'} verifies the signature).`,
      },
    };
  }

  let statement: PluginStatement;
  try {
    statement = parseStatement(envelope.payloadBytes);
  } catch (error) {
    return malformed((error as Error).message, signer);
  }
  const subject = statement.subject[0];
  const legacy = statement.predicateType === LEGACY_PREDICATE_TYPE;
  const signed = {
    keyid: signer,
    subject: subject.name,
    ...(statement.predicate.permissions ? { permissions: statement.predicate.permissions } : {}),
    ...(statement.predicate.benchmarks ? { benchmarks: statement.predicate.benchmarks } : {}),
    ...(legacy ? { legacy } : {}),
  };
  if (!meta) who = `Plugin ${subject.name} (${pluginDir})`;
  if (meta && subject.name !== subjectName(meta)) {
    return {
      result: {
        status: 'subject-mismatch',
        ...signed,
        message: `${who} carries an attestation for ${subject.name}, not for ${subjectName(meta)}.`,
      },
    };
  }
  const treeDigest = legacy ? subject.digest.sha256 : subject.digest[TREE_DIGEST_KEY];
  if (treeDigest !== fileListDigest(statement.predicate.files)) {
    return malformed("the subject digest does not match the statement's file list", signer);
  }

  let tree: PluginTree;
  try {
    tree = await readPluginTree(pluginDir);
  } catch (error) {
    if (!(error instanceof PluginFilesError)) throw error;
    // Signing refuses such entries, so one present now appeared or changed after signing.
    const known = statement.predicate.files.some((f) => f.path === error.path);
    return {
      result: {
        status: 'modified',
        ...signed,
        message: `${who} was modified after signing: ${error.message}.`,
        changed: known ? [error.path] : [],
        added: known ? [] : [error.path],
        removed: [],
      },
    };
  }
  const diff = diffFiles(statement.predicate.files, tree.files);
  if (diff.changed.length || diff.added.length || diff.removed.length) {
    const parts = [
      diff.changed.length ? `changed ${nameList(diff.changed)}` : '',
      diff.added.length ? `added ${nameList(diff.added)}` : '',
      diff.removed.length ? `removed ${nameList(diff.removed)}` : '',
    ].filter(Boolean);
    return { result: { status: 'modified', ...signed, message: `${who} was modified after signing: ${parts.join('; ')}.`, ...diff }, tree };
  }
  const note = legacy ? ' (a v1 attestation: re-sign it to record its permissions)' : '';
  return { result: { status: 'verified', ...signed, message: `${who} is signed by trusted key ${signer} and unchanged${note}.` }, tree };
}

/**
 * The trusted key that made one of the envelope's signatures. A signature's keyid is only a hint
 * (DSSE): the key it names is tried first, then every other trusted key, so an envelope written by
 * a tool with another keyid convention verifies all the same.
 */
function findSigner(envelope: ParsedEnvelope, keys: ReadonlyMap<string, KeyObject>): string | undefined {
  for (const signature of envelope.signatures) {
    const hinted = keys.get(signature.keyid);
    const ordered: Array<[string, KeyObject]> = hinted ? [[signature.keyid, hinted]] : [];
    for (const entry of keys) if (entry[0] !== signature.keyid) ordered.push(entry);
    for (const [keyid, key] of ordered) {
      if (verifyEnvelopeSignature(envelope, signature, key, envelope.payloadBytes)) return keyid;
    }
  }
  return undefined;
}

function diffFiles(
  signed: readonly FileDigest[],
  current: readonly FileDigest[],
): { changed: string[]; added: string[]; removed: string[] } {
  const before = new Map(signed.map((f) => [f.path, f.sha256]));
  const changed: string[] = [];
  const added: string[] = [];
  for (const file of current) {
    const sha = before.get(file.path);
    if (sha === undefined) added.push(file.path);
    else if (sha !== file.sha256) changed.push(file.path);
    before.delete(file.path);
  }
  const removed = [...before.keys()].sort(compareCodePoints);
  return { changed, added, removed };
}

function nameList(paths: readonly string[]): string {
  const shown = paths.slice(0, 5).join(', ');
  return paths.length > 5 ? `${shown} and ${paths.length - 5} more` : shown;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the signed payload is this project's statement; throws AttestationFormatError naming the field. */
export function parseStatement(payload: Buffer): PluginStatement {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new AttestationFormatError('the signed payload is not JSON');
  }
  if (!isObject(json)) throw new AttestationFormatError('the signed payload is not a JSON object');
  if (json._type !== STATEMENT_TYPE) {
    throw new AttestationFormatError(`_type is ${JSON.stringify(json._type)}, expected ${JSON.stringify(STATEMENT_TYPE)}`);
  }
  const predicateType = json.predicateType;
  if (predicateType !== PLUGIN_PREDICATE_TYPE && predicateType !== LEGACY_PREDICATE_TYPE) {
    throw new AttestationFormatError(
      `predicateType is ${JSON.stringify(predicateType)}, expected ${JSON.stringify(PLUGIN_PREDICATE_TYPE)}`,
    );
  }
  const digestKey = predicateType === LEGACY_PREDICATE_TYPE ? 'sha256' : TREE_DIGEST_KEY;
  const subjects = json.subject;
  if (!Array.isArray(subjects) || subjects.length !== 1) throw new AttestationFormatError('subject must list exactly one package');
  const subject: unknown = subjects[0];
  if (
    !isObject(subject) ||
    typeof subject.name !== 'string' ||
    !isObject(subject.digest) ||
    typeof subject.digest[digestKey] !== 'string' ||
    !SHA256_HEX.test(subject.digest[digestKey])
  ) {
    throw new AttestationFormatError(`subject[0] must have a name and a hex digest["${digestKey}"]`);
  }
  if (!isObject(json.predicate) || !Array.isArray(json.predicate.files)) {
    throw new AttestationFormatError('predicate.files is not a list');
  }
  const seen = new Set<string>();
  const files = json.predicate.files.map((entry: unknown, i): FileDigest => {
    if (
      !isObject(entry) ||
      typeof entry.path !== 'string' ||
      entry.path === '' ||
      typeof entry.sha256 !== 'string' ||
      !SHA256_HEX.test(entry.sha256)
    ) {
      throw new AttestationFormatError(`predicate.files[${i}] must have a path and a hex sha256`);
    }
    if (seen.has(entry.path)) throw new AttestationFormatError(`predicate.files lists ${entry.path} twice`);
    seen.add(entry.path);
    return { path: entry.path, sha256: entry.sha256 };
  });
  let permissions: SignedPermissions | undefined;
  if (predicateType === PLUGIN_PREDICATE_TYPE) {
    const signed = json.predicate.permissions;
    const strings = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string');
    if (!isObject(signed) || !isObject(signed.fs) || !strings(signed.fs.read) || !strings(signed.fs.write) || !strings(signed.env)) {
      throw new AttestationFormatError('predicate.permissions must have fs.read, fs.write and env lists of strings');
    }
    permissions = signedPermissions({ fs: { read: signed.fs.read, write: signed.fs.write }, env: signed.env });
  }
  const benchmarks = predicateType === PLUGIN_PREDICATE_TYPE ? parseSignedBenchmarks(json.predicate.benchmarks) : undefined;
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: subject.name, digest: { [digestKey]: subject.digest[digestKey] as string } }],
    predicateType,
    predicate: { files, ...(permissions ? { permissions } : {}), ...(benchmarks ? { benchmarks } : {}) },
  };
}

/** At most this many benchmarks are read from a predicate, and strings are cut to these lengths. */
const MAX_SIGNED_BENCHMARKS = 1000;
const MAX_NAME_LENGTH = 200;
const MAX_ERROR_LENGTH = 1000;
const FIGURE_KEYS = ['samples', 'meanMs', 'medianMs', 'p95Ms', 'p99Ms', 'opsPerSec', 'moeMs', 'peakHeapBytes', 'heapGrowthBytes'] as const;

function signedFigures(value: unknown): SignedBenchFigures | undefined {
  if (!isObject(value)) return undefined;
  const figures: Partial<Record<(typeof FIGURE_KEYS)[number], number>> = {};
  for (const key of FIGURE_KEYS) {
    const n = value[key];
    if (typeof n !== 'number' || !Number.isFinite(n)) return undefined;
    figures[key] = n;
  }
  const ratio = value.ratio;
  return { ...(figures as SignedBenchFigures), ...(typeof ratio === 'number' && Number.isFinite(ratio) ? { ratio } : {}) };
}

/**
 * `predicate.benchmarks`, read leniently: the figures are information for people, not something the
 * trust decision rests on (the file digests are), so a member this runtime cannot read is left out
 * rather than making the whole attestation malformed, and an entry without a name or with a figure
 * that is not a finite number is dropped. Strings and the list are bounded.
 */
export function parseSignedBenchmarks(value: unknown): SignedBenchmarks | undefined {
  if (!isObject(value) || !Array.isArray(value.benchmarks)) return undefined;
  const reference = signedFigures(value.reference);
  if (!reference) return undefined;
  const text = (v: unknown, max = MAX_NAME_LENGTH, fallback = 'unknown') => (typeof v === 'string' ? v.slice(0, max) : fallback);
  const machine: Record<string, unknown> = isObject(value.machine) ? value.machine : {};
  const benchmarks: SignedBenchmarks['benchmarks'] = [];
  for (const entry of value.benchmarks.slice(0, MAX_SIGNED_BENCHMARKS) as unknown[]) {
    const figures = signedFigures(entry);
    if (!figures || !isObject(entry) || typeof entry.name !== 'string' || entry.name === '') continue;
    benchmarks.push({
      name: entry.name.slice(0, MAX_NAME_LENGTH),
      status: text(entry.status, 20),
      ...figures,
      ...(typeof entry.error === 'string' ? { error: entry.error.slice(0, MAX_ERROR_LENGTH) } : {}),
    });
  }
  return {
    time: text(value.time, 40),
    source: text(value.source, 20),
    library: text(value.library),
    machine: {
      platform: text(machine.platform),
      arch: text(machine.arch),
      cpu: text(machine.cpu),
      cores: typeof machine.cores === 'number' && Number.isInteger(machine.cores) ? machine.cores : 0,
      node: text(machine.node),
    },
    reference,
    benchmarks,
  };
}

const HINTS: Record<AttestationStatus, string> = {
  verified: '',
  unchecked: 'Set aether.trust.policy to "warn" or "require" to check attestations.',
  unsigned: 'Sign it with `aether plugins sign <plugin-dir> --key <key-file>`.',
  'unknown-key': 'If you trust the signer, add their public key with `aether keys trust <pub-file>`.',
  'bad-signature': 'Reinstall the plugin from its source; do not trust this copy.',
  modified: 'Reinstall the plugin, or re-sign it if you changed it on purpose.',
  malformed: 'Re-sign the plugin to rewrite its attestation.',
  'subject-mismatch': 'Re-sign the plugin for its current name and version.',
};

/**
 * Applies `aether.trust.policy`: `require` loads only verified plugins (others are errors); `warn`
 * loads everything, warning about anything not verified; `off` loads everything silently.
 */
export function applyTrustPolicy(result: AttestationResult, policy: TrustPolicy): TrustDecision {
  if (policy === 'off' || result.status === 'verified') return { load: true };
  const hint = HINTS[result.status];
  if (policy === 'require') {
    return { load: false, severity: 'error', message: `${result.message} Not loaded: aether.trust.policy is "require". ${hint}` };
  }
  return { load: true, severity: 'warning', message: `${result.message} Loaded anyway: aether.trust.policy is "warn". ${hint}` };
}

/** Verifies (unless the policy is `off`, which reports `unchecked` without reading anything) and decides. */
export async function checkPluginTrust(
  pluginDir: string,
  meta: PluginIdentity,
  settings: { keys: readonly TrustedKey[]; policy: TrustPolicy },
): Promise<VerifiedTree & { decision: TrustDecision }> {
  const checked: VerifiedTree =
    settings.policy === 'off'
      ? {
          result: {
            status: 'unchecked',
            message: `Plugin ${subjectName(meta)} (${pluginDir}) was not checked: aether.trust.policy is "off".`,
          },
        }
      : await verifyPluginTree(pluginDir, meta, settings.keys);
  return { ...checked, decision: applyTrustPolicy(checked.result, settings.policy) };
}
