import { ed25519 } from '@noble/curves/ed25519';
import { hexToBytes, utf8ToBytes } from '@noble/curves/abstract/utils';
import type { ApprovalChannel } from './types';

/**
 * Signed approvals. An answer reaches a runbook only as a statement signed (Ed25519) by an
 * approval authority, the gateway that checked who the approver is (Slack's request signature,
 * a personal token). The workflow verifies it in the Update validator, so this module is
 * workflow-safe: pure JavaScript, no Node built-ins, the clock passed in.
 */

/** What the authority vouches for: one answer by one verified person to one gate of one run. */
export interface ApprovalClaims {
  workflowId: string;
  runId: string;
  gate: string;
  decision: 'approve' | 'reject';
  /** The verified identity: a person (`alice`), or `slack:<user id>` for an unmapped Slack user. */
  approver: string;
  /** Where the authority verified the approver. */
  via: Exclude<ApprovalChannel, 'ui'>;
  reason?: string;
  /** Single use: a run refuses a statement whose nonce it has seen. */
  nonce: string;
  issuedAt: string;
  expiresAt: string;
}

/** The `approve` Update's argument: the claims as JSON and the signature over its UTF-8 bytes. */
export interface SignedApproval {
  statement: string;
  /** Ed25519 signature, hex. */
  signature: string;
}

/** An authority's clock may run ahead of the workflow's by this much. */
export const clockSkewMs = 60_000;

export type StatementCheck = { claims: ApprovalClaims } | { refused: string };

const hex = /^[0-9a-f]*$/i;

/**
 * Checks a statement against the trusted authority keys (hex, raw 32 bytes), the run it must be
 * for, and the workflow's clock. The nonce is the caller's to check: only the run knows which it
 * has seen.
 */
export function checkApprovalStatement(
  arg: unknown,
  trust: { authorityKeys: readonly string[]; workflowId: string; runId: string; now: number },
): StatementCheck {
  if (!isSignedApproval(arg)) {
    return {
      refused:
        'an approval must be a statement signed by the approval authority: answer from Slack or with `aiops approve`, which get one from the approval gateway',
    };
  }
  if (trust.authorityKeys.length === 0) {
    return {
      refused: 'no approval authority is trusted by this run (AIOPS_APPROVAL_AUTHORITY_KEYS)',
    };
  }
  if (!signedByOneOf(arg, trust.authorityKeys)) {
    return { refused: 'the statement is not signed by a trusted approval authority' };
  }
  const claims = parseClaims(arg.statement);
  if (!claims) return { refused: 'the signed statement is malformed' };
  if (claims.workflowId !== trust.workflowId || claims.runId !== trust.runId) {
    return { refused: 'the statement was issued for another run' };
  }
  const issuedAt = Date.parse(claims.issuedAt);
  const expiresAt = Date.parse(claims.expiresAt);
  if (!(issuedAt <= trust.now + clockSkewMs)) {
    return { refused: `the statement is issued in the future (${claims.issuedAt})` };
  }
  if (!(trust.now < expiresAt)) return { refused: `the statement expired at ${claims.expiresAt}` };
  return { claims };
}

/** The claims of a statement already checked by the validator (handlers are replayed unchecked). */
export function claimsOf(signed: SignedApproval): ApprovalClaims {
  const claims = parseClaims(signed.statement);
  if (!claims) throw new Error('the signed statement is malformed');
  return claims;
}

export function isSignedApproval(arg: unknown): arg is SignedApproval {
  if (typeof arg !== 'object' || arg === null) return false;
  const v = arg as Record<string, unknown>;
  return typeof v.statement === 'string' && typeof v.signature === 'string';
}

function signedByOneOf(signed: SignedApproval, keys: readonly string[]): boolean {
  if (signed.signature.length !== 128 || !hex.test(signed.signature)) return false;
  const signature = hexToBytes(signed.signature);
  const message = utf8ToBytes(signed.statement);
  return keys.some((key) => {
    if (key.length !== 64 || !hex.test(key)) return false;
    try {
      return ed25519.verify(signature, message, hexToBytes(key), { zip215: false });
    } catch {
      return false;
    }
  });
}

function parseClaims(statement: string): ApprovalClaims | undefined {
  let v: Record<string, unknown>;
  try {
    const parsed = JSON.parse(statement) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    v = parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const strings = ['workflowId', 'runId', 'gate', 'approver', 'nonce', 'issuedAt', 'expiresAt'];
  if (!strings.every((k) => typeof v[k] === 'string' && v[k] !== '')) return undefined;
  if (v.decision !== 'approve' && v.decision !== 'reject') return undefined;
  if (v.via !== 'slack' && v.via !== 'cli') return undefined;
  if (v.reason !== undefined && typeof v.reason !== 'string') return undefined;
  return v as unknown as ApprovalClaims;
}
