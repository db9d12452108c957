import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for PagerDuty's Events API v2 (POST /v2/enqueue): no PagerDuty account can be
 * reached from here. It validates events as the API documents (a 32-character routing key;
 * event_action trigger, acknowledge or resolve; a dedup key of at most 255 characters, required
 * except on trigger; on trigger a payload with summary ≤ 1024, source and severity one of
 * critical, error, warning, info), answers 202 with the dedup key or 400 with the errors, and
 * keeps each alert's state the way PagerDuty does: a trigger with an open dedup key adds to that
 * alert, acknowledge and resolve apply to an open one and are otherwise ignored.
 */
export interface PagerDutyStandIn {
  url: string;
  /** Every accepted event, in order. */
  events: Record<string, unknown>[];
  /** dedup key → triggered | acknowledged | resolved. */
  alerts: Map<string, 'triggered' | 'acknowledged' | 'resolved'>;
  /** While set, every request is answered with this status (an outage or throttling). */
  failWith: number | undefined;
  close(): Promise<void>;
}

const actions = new Set(['trigger', 'acknowledge', 'resolve']);
const severities = new Set(['critical', 'error', 'warning', 'info']);

export function validateEvent(e: Record<string, unknown>): string[] {
  const errors: string[] = [];
  if (typeof e.routing_key !== 'string' || e.routing_key.length !== 32)
    errors.push("'routing_key' must be 32 characters");
  if (typeof e.event_action !== 'string' || !actions.has(e.event_action))
    errors.push("'event_action' is invalid (must be one of trigger, acknowledge, resolve)");
  if (e.dedup_key !== undefined && (typeof e.dedup_key !== 'string' || e.dedup_key.length > 255))
    errors.push("'dedup_key' must be a string of at most 255 characters");
  if (e.event_action !== 'trigger' && e.dedup_key === undefined)
    errors.push("'dedup_key' is required for acknowledge and resolve");
  if (e.event_action === 'trigger') {
    const p = e.payload as Record<string, unknown> | undefined;
    if (!p || typeof p !== 'object') errors.push("'payload' is missing");
    else {
      if (typeof p.summary !== 'string' || !p.summary || p.summary.length > 1024)
        errors.push("'payload.summary' must be 1 to 1024 characters");
      if (typeof p.source !== 'string' || !p.source) errors.push("'payload.source' is missing");
      if (typeof p.severity !== 'string' || !severities.has(p.severity))
        errors.push("'payload.severity' is invalid");
    }
  }
  return errors;
}

export async function startPagerDutyStandIn(): Promise<PagerDutyStandIn> {
  const state: Omit<PagerDutyStandIn, 'url' | 'close'> = {
    events: [],
    alerts: new Map(),
    failWith: undefined,
  };
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || req.url !== '/v2/enqueue') return send(res, 404, {});
    if (state.failWith) return send(res, state.failWith, { status: 'unavailable' });
    let event: Record<string, unknown>;
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      event = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
    } catch {
      return send(res, 400, { status: 'invalid event', message: 'Event object is invalid' });
    }
    const errors = validateEvent(event);
    if (errors.length)
      return send(res, 400, {
        status: 'invalid event',
        message: 'Event object is invalid',
        errors,
      });
    const key = (event.dedup_key as string | undefined) ?? crypto.randomUUID().replace(/-/g, '');
    const current = state.alerts.get(key);
    const open = current === 'triggered' || current === 'acknowledged';
    if (event.event_action === 'trigger' && !open) state.alerts.set(key, 'triggered');
    if (event.event_action === 'acknowledge' && open) state.alerts.set(key, 'acknowledged');
    if (event.event_action === 'resolve' && open) state.alerts.set(key, 'resolved');
    state.events.push(event);
    send(res, 202, { status: 'success', message: 'Event processed', dedup_key: key });
  };
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/v2/enqueue`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  });
}
