// Plugin attestation (spec section 7): DSSE envelopes, Ed25519 keys, file digests, sign and verify.
export * from './errors';
export * from './dsse';
export * from './keys';
export * from './digest';
export * from './attestation';
