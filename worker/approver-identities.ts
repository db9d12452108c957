import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Who is who, for the approval gateway: each person (the name approver groups list) with their
 * Slack user ids and the SHA-256 digests (hex) of their personal approver tokens. Every account
 * resolves to one person, so one person cannot count twice towards a two-person gate.
 */
export type ApproverIdentities = Record<string, { slack?: string[]; tokens?: string[] }>;

export interface ApproverDirectory {
  /** The person behind a Slack user, or `slack:<id>` for a user no person lists. */
  slackUser(userId: string): string;
  /** The person whose token this is, if any. */
  tokenHolder(token: string): string | undefined;
}

export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export function approverDirectory(identities: ApproverIdentities): ApproverDirectory {
  const bySlack = new Map<string, string>();
  const byToken: { digest: Buffer; person: string }[] = [];
  for (const [person, accounts] of Object.entries(identities)) {
    for (const id of accounts.slack ?? []) {
      const other = bySlack.get(id);
      if (other !== undefined && other !== person) {
        throw new Error(`Slack user ${id} is listed for both ${other} and ${person}`);
      }
      bySlack.set(id, person);
    }
    for (const hex of accounts.tokens ?? []) {
      if (!/^[0-9a-f]{64}$/i.test(hex)) {
        throw new Error(`a token of ${person} is not a SHA-256 digest (64 hex characters)`);
      }
      const digest = Buffer.from(hex, 'hex');
      const other = byToken.find((t) => t.digest.equals(digest));
      if (other && other.person !== person) {
        throw new Error(`one token is listed for both ${other.person} and ${person}`);
      }
      byToken.push({ digest, person });
    }
  }
  return {
    slackUser: (userId) => bySlack.get(userId) ?? `slack:${userId}`,
    tokenHolder(token) {
      const digest = tokenDigest(token);
      return byToken.find((t) => timingSafeEqual(t.digest, digest))?.person;
    },
  };
}

/**
 * The laptop's personal approver token, in the local home (mode 0600): the demo registers it
 * for whoever runs it, and `aiops approve` uses it when AIOPS_APPROVER_TOKEN is unset.
 */
export async function localApproverToken(
  home: string,
  create: boolean,
): Promise<string | undefined> {
  const path = join(home, 'approver-token');
  const existing = await readFile(path, 'utf8').catch(() => undefined);
  if (existing?.trim() || !create) return existing?.trim() || undefined;
  await writeFile(path, randomBytes(24).toString('base64url'), { mode: 0o600 });
  return (await readFile(path, 'utf8')).trim();
}
