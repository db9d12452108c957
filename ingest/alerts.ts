import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Pool } from '../store/db';
import { recordAlerts, type AlertOutcome } from '../store/alerts';
import type { Admission, AdmissionTicket } from './admission';
import { AlertPayloadError, parseAlerts, type AlertSource } from './alert-payload';
import type { ServiceOfLabels } from './alert-service';
import { asExportError, StoreUnavailableError } from './errors';
import { readBody } from './http-receiver';

/** Handles one request on an extra path of the HTTP receiver, after authentication. */
export type HttpRoute = (
  req: IncomingMessage,
  res: ServerResponse,
  tenant: string | undefined,
) => Promise<void>;

export interface AlertRouteDeps {
  pool: Pool;
  admission: Admission;
  serviceOf: ServiceOfLabels;
}

/** Where alerts come in: Alertmanager's webhook, and the generic JSON webhook. */
export const alertPaths: Record<string, AlertSource> = {
  '/v1/alerts/alertmanager': 'alertmanager',
  '/v1/alerts': 'webhook',
};

/**
 * The alert webhooks, on the OTLP HTTP receiver behind the same authentication and admission.
 * An alert is acknowledged (200) only once recorded; a store failure answers 503 so the sender
 * (Alertmanager retries) keeps it; a malformed body answers 400 and saying why.
 */
export function createAlertRoutes(deps: AlertRouteDeps): Record<string, HttpRoute> {
  return Object.fromEntries(
    Object.entries(alertPaths).map(([path, source]) => [
      path,
      (req: IncomingMessage, res: ServerResponse, tenant: string | undefined) =>
        receive(deps, source, req, res, tenant),
    ]),
  );
}

async function receive(
  deps: AlertRouteDeps,
  source: AlertSource,
  req: IncomingMessage,
  res: ServerResponse,
  tenant: string | undefined,
): Promise<void> {
  if (req.method !== 'POST')
    return reply(res, 405, { error: 'alerts are POSTed' }, { Allow: 'POST' });
  const media = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (media !== 'application/json')
    return reply(res, 415, { error: `unsupported content type "${media}"; use application/json` });
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity')
    return reply(res, 415, { error: `unsupported content encoding "${encoding}"` });
  let ticket: AdmissionTicket | undefined;
  try {
    const declared = Number(req.headers['content-length']) || 0;
    ticket = deps.admission.admit(declared);
    const alerts = parseAlerts(await readBody(req, ticket, declared), source);
    const outcomes = await recordAlerts(
      deps.pool,
      alerts.map((a) => ({
        ...a,
        tenant: tenant ?? '',
        source,
        service: deps.serviceOf(a.labels),
      })),
    ).catch((err: unknown) => {
      throw new StoreUnavailableError(`alerts not recorded: ${String(err)}`);
    });
    const count = (o: AlertOutcome) => outcomes.filter((x) => x === o).length;
    const unmapped = alerts.filter((a) => deps.serviceOf(a.labels) === undefined);
    reply(res, 200, {
      received: alerts.length,
      new: count('new'),
      refired: count('refired'),
      repeated: count('repeat'),
      resolved: count('resolved'),
      stale: count('stale'),
      ...(unmapped.length && {
        unmapped: unmapped.map((a) => a.fingerprint),
        warning:
          'alerts without a label the service rules map (AIOPS_ALERT_SERVICE_RULES) are recorded but never open incidents',
      }),
    });
  } catch (err) {
    if (err instanceof AlertPayloadError)
      return reply(res, 400, { error: err.message }, { Connection: 'close' });
    const e = asExportError(err);
    reply(
      res,
      e.httpStatus,
      { error: e.message },
      e.retryAfterSeconds === null ? {} : { 'Retry-After': String(e.retryAfterSeconds) },
    );
  } finally {
    ticket?.release();
  }
}

function reply(
  res: ServerResponse,
  status: number,
  body: object,
  headers: Record<string, string> = {},
): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': bytes.length,
  });
  res.end(bytes);
}
