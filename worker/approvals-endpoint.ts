import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { SignedApproval } from '../runbooks/sdk/approval-statement';
import type { ApprovalAuthority } from './approval-authority';
import type { ApproverDirectory } from './approver-identities';
import { findRunbookRun } from './commands/approve';
import { readBody } from './read-body';

export interface GatewayParts {
  temporal: Client;
  authority: ApprovalAuthority;
  directory: ApproverDirectory;
  log: (line: string) => void;
}

/** What `aiops approve` asks for. */
const statementRequest = z.object({
  incidentId: z.string().min(1),
  decision: z.enum(['approve', 'reject']),
  reason: z.string().max(2000).optional(),
  gate: z.string().min(1).optional(),
});
export type StatementRequest = z.infer<typeof statementRequest>;

/** What the gateway answers: the statement, and the run it is for. */
export interface StatementResponse {
  workflowId: string;
  runId: string;
  approval: SignedApproval;
}

const maxBodyBytes = 64 * 1024;

/**
 * `POST /approvals` with `Authorization: Bearer <personal token>`: a statement, signed by the
 * authority, that the token's holder gives this answer to the incident's waiting runbook run.
 * The caller sends it as the Update; the run decides whether its holder may answer.
 */
export function approvalsEndpoint({ temporal, authority, directory, log }: GatewayParts) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const reply = (status: number, body: object) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const auth = req.headers.authorization ?? '';
    const holder = auth.startsWith('Bearer ') ? directory.tokenHolder(auth.slice(7)) : undefined;
    if (!holder) {
      log('refused a statement request: missing or unknown approver token');
      req.resume();
      return reply(401, { error: 'missing or unknown approver token' });
    }
    const parsed = statementRequest.safeParse(await readJson(req));
    if (!parsed.success) {
      return reply(400, { error: 'expected {"incidentId", "decision": "approve"|"reject"}' });
    }
    const ask = parsed.data;
    try {
      const run = await findRunbookRun(temporal, ask.incidentId);
      if (!run)
        return reply(404, { error: `no runbook is running for incident ${ask.incidentId}` });
      const { runbook, awaiting, phase } = run.status;
      if (!awaiting) {
        return reply(409, {
          error: `${runbook.name} v${runbook.version} is not waiting for an approval (${phase})`,
        });
      }
      const approval = authority.issue({
        workflowId: run.workflowId,
        runId: run.runId,
        gate: ask.gate ?? awaiting.gate,
        decision: ask.decision,
        approver: holder,
        via: 'cli',
        ...(ask.reason ? { reason: ask.reason } : {}),
      });
      log(`issued a ${ask.decision} statement to ${holder} for ${run.workflowId}`);
      const body: StatementResponse = { workflowId: run.workflowId, runId: run.runId, approval };
      return reply(200, body);
    } catch (err) {
      log(`statement request failed: ${err instanceof Error ? err.message : String(err)}`);
      return reply(502, { error: 'Temporal could not be asked about the run' });
    }
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req, maxBodyBytes);
  try {
    return body === undefined ? undefined : (JSON.parse(body.toString('utf8')) as unknown);
  } catch {
    return undefined;
  }
}
