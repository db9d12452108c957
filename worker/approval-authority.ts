import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  sign,
  type KeyObject,
} from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ApprovalClaims, SignedApproval } from '../runbooks/sdk/approval-statement';

/** What the authority is asked to vouch for; it adds the nonce and the validity window. */
export type VerifiedAnswer = Omit<ApprovalClaims, 'nonce' | 'issuedAt' | 'expiresAt'>;

/**
 * The approval authority: signs statements for answers whose approver it has verified. Its
 * private key stays with the gateway; runs trust its public key (from the worker's settings).
 */
export interface ApprovalAuthority {
  /** Raw Ed25519 public key, hex: what AIOPS_APPROVAL_AUTHORITY_KEYS lists. */
  publicKey: string;
  issue(answer: VerifiedAnswer): SignedApproval;
}

/** Long enough to send the Update, short enough that a leaked statement is soon worthless. */
const defaultValidityMs = 2 * 60_000;

export function createApprovalAuthority(
  privateKey: KeyObject,
  opts: { validityMs?: number; now?: () => number } = {},
): ApprovalAuthority {
  const validityMs = opts.validityMs ?? defaultValidityMs;
  const now = opts.now ?? Date.now;
  return {
    publicKey: publicKeyHex(privateKey),
    issue(answer) {
      const at = now();
      const claims: ApprovalClaims = {
        ...answer,
        nonce: randomUUID(),
        issuedAt: new Date(at).toISOString(),
        expiresAt: new Date(at + validityMs).toISOString(),
      };
      const statement = JSON.stringify(claims);
      const signature = sign(null, Buffer.from(statement, 'utf8'), privateKey).toString('hex');
      return { statement, signature };
    },
  };
}

/** The raw 32-byte public key (hex) of an Ed25519 key, private or public. */
export function publicKeyHex(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const { x } = pub.export({ format: 'jwk' });
  if (!x) throw new Error('not an Ed25519 key');
  return Buffer.from(x, 'base64url').toString('hex');
}

/** An Ed25519 private key from its 32-byte seed (hex), e.g. for a fixed test authority. */
export function ed25519KeyFromSeed(seedHex: string): KeyObject {
  const pkcs8Prefix = '302e020100300506032b657004220420';
  return createPrivateKey({
    key: Buffer.from(pkcs8Prefix + seedHex, 'hex'),
    format: 'der',
    type: 'pkcs8',
  });
}

/**
 * The authority's private key (PKCS#8 PEM). On a laptop the file is created on first use, so
 * `npm start` needs no setup; in production it is provisioned and only the gateway reads it.
 */
export async function loadAuthorityKey(path: string): Promise<KeyObject> {
  try {
    return createPrivateKey(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  await mkdir(dirname(path), { recursive: true });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' });
  // Written whole to a file of our own, then linked into place: the role processes start at
  // once, and the first link wins while the others read a complete key, never a half-written one.
  const own = `${path}.${process.pid}.tmp`;
  await writeFile(own, pem, { mode: 0o600 });
  try {
    await link(own, path).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    });
  } finally {
    await rm(own, { force: true });
  }
  return createPrivateKey(await readFile(path, 'utf8'));
}

/**
 * The authority keys a worker trusts: the configured ones, or else the local authority's (the
 * laptop, where worker and gateway share one home).
 */
export async function trustedAuthorityKeys(approval: {
  authorityKeys: string[];
  keyFile: string;
}): Promise<string[]> {
  if (approval.authorityKeys.length > 0) return approval.authorityKeys;
  return [publicKeyHex(await loadAuthorityKey(approval.keyFile))];
}
