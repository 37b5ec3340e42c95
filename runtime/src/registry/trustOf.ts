// The workspace's trust settings (aether.trust in aether.config.json), as the registry commands use them.
import { readConfig } from '../config/workspace';
import { readTrustSettings, type TrustSettings } from '../config/trustConfig';

export function workspaceTrust(root: string): TrustSettings {
  const config = readConfig(root);
  return readTrustSettings(config.exists ? config.raw : undefined, config.file);
}

/**
 * How much an attestation status vouches for a package, for refusing downgrades on update:
 * verified, then signed by an unknown key or unchecked or unsigned (nothing vouches), then the statuses
 * that show something wrong (a bad signature, modified files, a malformed attestation, another subject).
 */
export function statusRank(status: string): number {
  switch (status) {
    case 'verified':
      return 2;
    case 'unknown-key':
    case 'unsigned':
    case 'unchecked':
      return 1;
    default:
      return 0;
  }
}
