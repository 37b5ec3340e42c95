// Plugin attestations (spec section 7): an in-toto Statement v1 naming the package and the SHA-256 of
// each of its files, in a DSSE envelope signed with Ed25519, stored as `aetherscript.attestation.json`.
import { createHash, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { envelopePayload, parseEnvelope, signEnvelope, verifyEnvelopeSignature, type DsseEnvelope } from './dsse';
import { ATTESTATION_FILE, compareCodePoints, digestPluginFiles, type FileDigest } from './digest';
import { AttestationFormatError, PluginFilesError } from './errors';
import { keyIdOf, loadPrivateKey, loadPublicKey } from './keys';

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const PLUGIN_PREDICATE_TYPE = 'https://aetherscript.dev/attestation/plugin/v1';

/** The package an attestation is about. */
export interface PluginIdentity {
  name: string;
  version: string;
}

/** The in-toto Statement v1 an attestation carries. */
export interface PluginStatement {
  _type: typeof STATEMENT_TYPE;
  subject: [{ name: string; digest: { sha256: string } }];
  predicateType: typeof PLUGIN_PREDICATE_TYPE;
  predicate: { files: FileDigest[] };
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
 * The subject digest: SHA-256 over the lines `"<sha256>  <path>\n"` (the `sha256sum` format) in
 * code-point order of path.
 */
export function fileListDigest(files: readonly FileDigest[]): string {
  const sorted = [...files].sort((a, b) => compareCodePoints(a.path, b.path));
  const hash = createHash('sha256');
  for (const file of sorted) hash.update(`${file.sha256}  ${file.path}\n`, 'utf8');
  return hash.digest('hex');
}

export function buildStatement(meta: PluginIdentity, files: FileDigest[]): PluginStatement {
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: subjectName(meta), digest: { sha256: fileListDigest(files) } }],
    predicateType: PLUGIN_PREDICATE_TYPE,
    predicate: { files },
  };
}

/** Signs a plugin folder and writes `aetherscript.attestation.json` into it, atomically. */
export async function signPlugin(
  pluginDir: string,
  privateKeyFile: string,
  meta: PluginIdentity,
): Promise<{ file: string; keyid: string; subject: string }> {
  if (!meta.name || !meta.version) throw new AttestationFormatError('signing needs the plugin name and version');
  const privateKey: KeyObject = await loadPrivateKey(privateKeyFile);
  const keyid = keyIdOf(privateKey);
  const { files } = await digestPluginFiles(pluginDir);
  const statement = buildStatement(meta, files);
  const envelope = signEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement), 'utf8'), privateKey, keyid);
  const file = path.resolve(pluginDir, ATTESTATION_FILE);
  await writeFileAtomic(file, `${JSON.stringify(envelope, null, 2)}\n`, { mode: 0o644 });
  return { file, keyid, subject: subjectName(meta) };
}

/**
 * Checks a plugin folder's attestation against the trusted keys and the plugin's own name and version.
 * Never throws for a bad attestation (that is a status); throws only when the folder cannot be read
 * or a trusted key is not a valid Ed25519 public key.
 */
export async function verifyPlugin(
  pluginDir: string,
  /**
   * The plugin's own name and version, compared with the signed subject. `undefined` before the
   * module is loaded: signature and files are checked, the subject is compared later.
   */
  meta: PluginIdentity | undefined,
  trustedKeys: readonly TrustedKey[],
  /** How to name the plugin in messages while `meta` is unknown (e.g. its package name@version). */
  label?: string,
): Promise<AttestationResult> {
  let who = meta ? `Plugin ${subjectName(meta)} (${pluginDir})` : `Plugin ${label ?? path.basename(pluginDir)} (${pluginDir})`;
  const file = path.join(pluginDir, ATTESTATION_FILE);

  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { status: 'unsigned', message: `${who} is unsigned: it has no ${ATTESTATION_FILE}.` };
    }
    return { status: 'malformed', message: `${who} has an unreadable ${ATTESTATION_FILE}: ${(error as Error).message}.` };
  }

  const malformed = (reason: string, keyid?: string): AttestationResult => ({
    status: 'malformed',
    ...(keyid === undefined ? {} : { keyid }),
    message: `${who} has a malformed ${ATTESTATION_FILE}: ${reason}.`,
  });

  let envelope: DsseEnvelope;
  try {
    envelope = parseEnvelope(JSON.parse(text) as unknown);
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
  let signer: string | undefined;
  let triedKeyid: string | undefined;
  for (const signature of envelope.signatures) {
    // An envelope may omit keyid (DSSE makes it optional): then any trusted key may have signed.
    const named = keys.get(signature.keyid);
    const candidates: [string, KeyObject][] = signature.keyid === '' ? [...keys] : named ? [[signature.keyid, named]] : [];
    for (const [keyid, key] of candidates) {
      triedKeyid ??= keyid;
      if (verifyEnvelopeSignature(envelope, signature, key)) {
        signer = keyid;
        break;
      }
    }
    if (signer) break;
  }
  if (!signer) {
    if (triedKeyid !== undefined) {
      return {
        status: 'bad-signature',
        keyid: triedKeyid,
        message: `${who} has a signature that does not match for trusted key ${triedKeyid}: the attestation was altered or signed with another key.`,
      };
    }
    const named = envelope.signatures.map((s) => s.keyid).filter((k) => k !== '');
    return {
      status: 'unknown-key',
      ...(named[0] === undefined ? {} : { keyid: named[0] }),
      message: `${who} is signed by ${named.length ? `key ${named.join(', ')}` : 'an unnamed key'}, which is not in aether.trust.keys.`,
    };
  }

  let statement: PluginStatement;
  try {
    statement = parseStatement(envelopePayload(envelope));
  } catch (error) {
    return malformed((error as Error).message, signer);
  }
  const subject = statement.subject[0];
  // Before the module is loaded, the signed subject is the best name there is.
  if (!meta) who = `Plugin ${subject.name} (${pluginDir})`;
  if (meta && subject.name !== subjectName(meta)) {
    return {
      status: 'subject-mismatch',
      keyid: signer,
      message: `${who} carries an attestation for ${subject.name}, not for ${subjectName(meta)}.`,
    };
  }
  if (subject.digest.sha256 !== fileListDigest(statement.predicate.files)) {
    return malformed("the subject digest does not match the statement's file list", signer);
  }

  let files: FileDigest[];
  try {
    ({ files } = await digestPluginFiles(pluginDir));
  } catch (error) {
    if (!(error instanceof PluginFilesError)) throw error;
    // Signing refuses such entries, so one present now appeared or changed after signing.
    const known = statement.predicate.files.some((f) => f.path === error.path);
    return {
      status: 'modified',
      keyid: signer,
      message: `${who} was modified after signing: ${error.message}.`,
      changed: known ? [error.path] : [],
      added: known ? [] : [error.path],
      removed: [],
    };
  }
  const diff = diffFiles(statement.predicate.files, files);
  if (diff.changed.length || diff.added.length || diff.removed.length) {
    const parts = [
      diff.changed.length ? `changed ${nameList(diff.changed)}` : '',
      diff.added.length ? `added ${nameList(diff.added)}` : '',
      diff.removed.length ? `removed ${nameList(diff.removed)}` : '',
    ].filter(Boolean);
    return { status: 'modified', keyid: signer, message: `${who} was modified after signing: ${parts.join('; ')}.`, ...diff };
  }
  return { status: 'verified', keyid: signer, subject: subject.name, message: `${who} is signed by trusted key ${signer} and unchanged.` };
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
  if (json.predicateType !== PLUGIN_PREDICATE_TYPE) {
    throw new AttestationFormatError(
      `predicateType is ${JSON.stringify(json.predicateType)}, expected ${JSON.stringify(PLUGIN_PREDICATE_TYPE)}`,
    );
  }
  const subjects = json.subject;
  if (!Array.isArray(subjects) || subjects.length !== 1) throw new AttestationFormatError('subject must list exactly one package');
  const subject: unknown = subjects[0];
  if (
    !isObject(subject) ||
    typeof subject.name !== 'string' ||
    !isObject(subject.digest) ||
    typeof subject.digest.sha256 !== 'string' ||
    !SHA256_HEX.test(subject.digest.sha256)
  ) {
    throw new AttestationFormatError('subject[0] must have a name and a hex digest.sha256');
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
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: subject.name, digest: { sha256: subject.digest.sha256 } }],
    predicateType: PLUGIN_PREDICATE_TYPE,
    predicate: { files },
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
): Promise<{ result: AttestationResult; decision: TrustDecision }> {
  const result: AttestationResult =
    settings.policy === 'off'
      ? { status: 'unchecked', message: `Plugin ${subjectName(meta)} (${pluginDir}) was not checked: aether.trust.policy is "off".` }
      : await verifyPlugin(pluginDir, meta, settings.keys);
  return { result, decision: applyTrustPolicy(result, settings.policy) };
}
