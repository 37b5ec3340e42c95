// `aether keys generate --out DIR` and `aether keys trust PUB_FILE` (spec section 7).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { generateKeyPair } from '../../trust';
import { addTrustedKey } from '../../config/trustConfig';
import { CONFIG_FILE } from '../../config/workspace';
import { colorsFor } from '../terminal';
import { workspaceFrom } from './shared';

export async function keysGenerateCommand(options: { out: string }): Promise<number> {
  const pair = await generateKeyPair(path.resolve(options.out));
  const c = colorsFor(process.stdout);
  process.stdout.write(
    `${c.green('✓')} key id ${c.bold(pair.keyid)}\n` +
      `  private key: ${path.relative(process.cwd(), pair.privateKeyFile)} ${c.dim('(mode 0600: keep it secret, never commit it)')}\n` +
      `  public key:  ${path.relative(process.cwd(), pair.publicKeyFile)} ${c.dim('(share it; `aether keys trust` adds it to a workspace)')}\n`,
  );
  return 0;
}

export async function keysTrustCommand(file: string, options: { workspace?: string }): Promise<number> {
  const pem = await readFile(path.resolve(file), 'utf8');
  const configFile = path.join(workspaceFrom(options.workspace), CONFIG_FILE);
  const { keyid, added } = await addTrustedKey(configFile, pem);
  const c = colorsFor(process.stdout);
  process.stdout.write(
    added
      ? `${c.green('✓')} trusted key ${c.bold(keyid)} added to ${path.relative(process.cwd(), configFile)}\n`
      : `${c.dim('=')} key ${keyid} is already trusted in ${path.relative(process.cwd(), configFile)}\n`,
  );
  return 0;
}
