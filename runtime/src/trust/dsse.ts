// DSSE v1 envelopes (https://github.com/secure-systems-lab/dsse/blob/master/protocol.md): the
// pre-authentication encoding that is actually signed, and a strict parser for envelopes read from disk.
import { sign, verify, type KeyObject } from 'node:crypto';
import { AttestationFormatError } from './errors';

/** One signature of an envelope; `keyid` is '' when the envelope did not name the key. */
export interface DsseSignature {
  keyid: string;
  /** Base64 signature over `pae(payloadType, payload)`. */
  sig: string;
}

/** A DSSE envelope as stored in `aetherscript.attestation.json`. */
export interface DsseEnvelope {
  payloadType: string;
  /** Base64 of the payload bytes. */
  payload: string;
  signatures: DsseSignature[];
}

/**
 * DSSE pre-authentication encoding:
 * `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths being byte counts in ASCII decimal.
 */
export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `, 'ascii'), type, Buffer.from(` ${payload.length} `, 'ascii'), payload]);
}

/** Signs `payload` with an Ed25519 private key and wraps it in a one-signature envelope. */
export function signEnvelope(payloadType: string, payload: Buffer, privateKey: KeyObject, keyid: string): DsseEnvelope {
  const sig = sign(null, pae(payloadType, payload), privateKey);
  return {
    payloadType,
    payload: payload.toString('base64'),
    signatures: [{ keyid, sig: sig.toString('base64') }],
  };
}

/**
 * True when `signature` is a valid signature of the envelope's payload by `publicKey`. `payload` is the
 * decoded payload when the caller has it already (a parsed envelope's), so it is decoded only once.
 */
export function verifyEnvelopeSignature(
  envelope: DsseEnvelope,
  signature: DsseSignature,
  publicKey: KeyObject,
  payload: Buffer = decodeBase64(envelope.payload, 'payload'),
): boolean {
  const message = pae(envelope.payloadType, payload);
  const sig = decodeBase64(signature.sig, 'signature');
  try {
    return verify(null, message, publicKey, sig);
  } catch {
    // Wrong key type or a signature of the wrong length: not a valid signature, not a crash.
    return false;
  }
}

/** The payload bytes of an already parsed envelope. */
export function envelopePayload(envelope: DsseEnvelope): Buffer {
  return decodeBase64(envelope.payload, 'payload');
}

// DSSE allows standard and URL-safe Base64, with or without padding.
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function decodeBase64(text: string, what: string): Buffer {
  if (!BASE64.test(text) || text.replace(/=+$/, '').length % 4 === 1) {
    throw new AttestationFormatError(`the envelope's ${what} is not valid Base64`);
  }
  return Buffer.from(text, 'base64');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** More signatures than any real envelope carries; each costs a verification per trusted key. */
export const MAX_SIGNATURES = 16;

/** A checked envelope and its payload, decoded once. */
export interface ParsedEnvelope extends DsseEnvelope {
  payloadBytes: Buffer;
}

/** Checks the shape of a parsed envelope; throws AttestationFormatError naming the first problem. */
export function parseEnvelope(json: unknown): ParsedEnvelope {
  if (!isObject(json)) throw new AttestationFormatError('the attestation is not a JSON object (expected a DSSE envelope)');
  const { payloadType, payload, signatures } = json;
  if (typeof payloadType !== 'string' || payloadType === '') {
    throw new AttestationFormatError('the envelope has no "payloadType" string');
  }
  if (typeof payload !== 'string') throw new AttestationFormatError('the envelope has no "payload" string');
  if (!Array.isArray(signatures)) throw new AttestationFormatError('the envelope has no "signatures" list');
  if (signatures.length === 0) throw new AttestationFormatError('the envelope\'s "signatures" list is empty');
  if (signatures.length > MAX_SIGNATURES) {
    throw new AttestationFormatError(`the envelope has ${signatures.length} signatures, more than the ${MAX_SIGNATURES} allowed`);
  }
  const payloadBytes = decodeBase64(payload, 'payload');
  const parsed = signatures.map((entry: unknown, i): DsseSignature => {
    if (!isObject(entry)) throw new AttestationFormatError(`signatures[${i}] is not an object`);
    const { keyid = '', sig } = entry;
    if (typeof keyid !== 'string') throw new AttestationFormatError(`signatures[${i}].keyid is not a string`);
    if (typeof sig !== 'string' || sig === '') {
      throw new AttestationFormatError(`signatures[${i}] has no "sig" string`);
    }
    decodeBase64(sig, `signatures[${i}].sig`);
    return { keyid, sig };
  });
  return { payloadType, payload, signatures: parsed, payloadBytes };
}
