// The `aether.trust` section of aether.config.json (spec section 7): trusted keys and the policy.
import { AetherInputError } from '../model/diagnostics';
import { TRUST_POLICIES, type TrustedKey, type TrustPolicy } from '../trust/attestation';
import { keyIdOf, loadPublicKey } from '../trust/keys';
import { updateJsonFile, type JsonObject } from './jsonFile';

/** `aether.trust`, with defaults applied. */
export interface TrustSettings {
  keys: TrustedKey[];
  policy: TrustPolicy;
}

export const DEFAULT_TRUST_POLICY: TrustPolicy = 'warn';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function configError(file: string, where: string, message: string): AetherInputError {
  return new AetherInputError(`${file}: ${where} ${message}`, [
    { code: 'config/trust', severity: 'error', message: `${where} ${message}`, file },
  ]);
}

/**
 * Reads `aether.trust` from a parsed config (undefined when there is no config file). Every key must be
 * an Ed25519 SPKI PEM whose key id matches its `keyid`; `file` names the config in errors.
 */
export function readTrustSettings(config: unknown, file = 'aether.config.json'): TrustSettings {
  if (config === undefined || config === null) return { keys: [], policy: DEFAULT_TRUST_POLICY };
  if (!isObject(config)) throw configError(file, 'the top level', 'must be a JSON object');
  const aether = config.aether;
  if (aether === undefined) return { keys: [], policy: DEFAULT_TRUST_POLICY };
  if (!isObject(aether)) throw configError(file, '"aether"', 'must be an object');
  const trust = aether.trust;
  if (trust === undefined) return { keys: [], policy: DEFAULT_TRUST_POLICY };
  if (!isObject(trust)) throw configError(file, '"aether.trust"', 'must be an object with "keys" and "policy"');

  const policy = trust.policy ?? DEFAULT_TRUST_POLICY;
  if (typeof policy !== 'string' || !(TRUST_POLICIES as readonly string[]).includes(policy)) {
    throw configError(
      file,
      '"aether.trust.policy"',
      `is ${JSON.stringify(policy)}; allowed values: ${TRUST_POLICIES.map((p) => `"${p}"`).join(', ')}.`,
    );
  }

  const rawKeys = trust.keys ?? [];
  if (!Array.isArray(rawKeys)) throw configError(file, '"aether.trust.keys"', 'must be a list of { "keyid", "publicKey" }');
  const keys = rawKeys.map((entry: unknown, i): TrustedKey => {
    const where = `"aether.trust.keys[${i}]"`;
    if (!isObject(entry) || typeof entry.keyid !== 'string' || typeof entry.publicKey !== 'string') {
      throw configError(file, where, 'must be { "keyid": string, "publicKey": SPKI PEM string }');
    }
    let actual: string;
    try {
      actual = keyIdOf(loadPublicKey(entry.publicKey, `${where}.publicKey`));
    } catch (error) {
      throw configError(file, where, `is unusable: ${(error as Error).message}`);
    }
    if (actual !== entry.keyid) {
      throw configError(file, where, `says keyid ${entry.keyid}, but its public key has id ${actual}; re-add it with aether keys trust.`);
    }
    return { keyid: entry.keyid, publicKey: entry.publicKey };
  });
  return { keys, policy: policy as TrustPolicy };
}

/**
 * `aether keys trust`: adds a public key to `aether.trust.keys` of `configFile` (created if missing),
 * unless a key with the same id is already there. Every other key of the file is kept.
 */
export async function addTrustedKey(configFile: string, pubPemText: string): Promise<{ keyid: string; added: boolean }> {
  const publicKey = loadPublicKey(pubPemText);
  const keyid = keyIdOf(publicKey);
  // Stored re-exported, so the config holds canonical PEM whatever whitespace the .pub file had.
  const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  let added = false;
  await updateJsonFile(configFile, (json) => {
    const aether = objectAt(json, 'aether', configFile);
    const trust = objectAt(aether, 'trust', configFile, 'aether.');
    trust.keys ??= [];
    if (!Array.isArray(trust.keys)) throw configError(configFile, '"aether.trust.keys"', 'must be a list; fix it before adding a key');
    if (trust.keys.some((k: unknown) => isObject(k) && k.keyid === keyid)) return;
    trust.keys.push({ keyid, publicKey: pem });
    added = true;
  });
  return { keyid, added };
}

function objectAt(parent: JsonObject, key: string, file: string, prefix = ''): JsonObject {
  const value = (parent[key] ??= {});
  if (!isObject(value)) throw configError(file, `"${prefix}${key}"`, 'must be an object');
  return value;
}
