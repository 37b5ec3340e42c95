// Errors of the trust library. Each extends AetherInputError so the CLI maps it to exit code 2
// (invalid input: a bad key file, a malformed attestation, an unreadable plugin folder).
import { AetherInputError } from '../model/diagnostics';

/** An attestation or DSSE envelope that does not have the required shape; `reason` says what is wrong. */
export class AttestationFormatError extends AetherInputError {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'AttestationFormatError';
  }
}

/** A signing or public key that cannot be used: missing, wrong kind (public vs private), not Ed25519. */
export class SigningKeyError extends AetherInputError {
  constructor(message: string) {
    super(message);
    this.name = 'SigningKeyError';
  }
}

/** A plugin folder whose files cannot be digested; `path` is the offending entry, relative and POSIX. */
export class PluginFilesError extends AetherInputError {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'PluginFilesError';
  }
}
