import type { RecentDeploy } from '../runbooks/sdk/types';
import type { Pool } from './db';
import { rowBoundLimit, withinRowBound } from './query-bounds';

export interface RemediationTarget {
  namespace?: string;
  deployment?: string;
  host?: string;
  /** The systemd unit of a service that runs on a host (not in Kubernetes): named like it. */
  unit?: string;
  /** The allow-listed database (by configured name) where the fault shows, when one does. */
  database?: string;
  /** The version it runs replaced an older one within `recentDeployMs`: the likeliest culprit. */
  recentDeploy?: RecentDeploy;
}

/** How recent a new version must be to count as the change that caused an incident. */
const recentDeployMs = 15 * 60_000;

interface Placement {
  namespace: string | null;
  deployment: string | null;
  host: string | null;
  version: string | null;
}

/**
 * Where a service runs, from the resource attributes (k8s and host) of its most recent spans or,
 * for services seen only through their metrics (uninstrumented datastores), of its most recent
 * metric points, or, for services known only through their alerts (a team without OTLP), of the
 * labels of its latest alert that names a namespace. A service with a host and no Deployment is a
 * unit on that host.
 */
export async function latestRemediationTarget(
  pool: Pool,
  service: string,
): Promise<RemediationTarget> {
  const fromSpans = await pool.query<Placement>(
    `SELECT sp.k8s_namespace AS namespace, sp.k8s_deployment AS deployment, sp.host,
            src.resource->>'service.version' AS version
     FROM spans sp JOIN services s ON s.id = sp.service_id
     JOIN telemetry_sources src ON src.id = sp.source_id
     WHERE s.name = $1 AND sp.start_time > now() - interval '1 hour'
       AND (sp.k8s_deployment IS NOT NULL OR sp.host IS NOT NULL)
     ORDER BY sp.start_time DESC LIMIT 1`,
    [service],
  );
  const r =
    fromSpans.rows[0] ??
    (
      await pool.query<Placement>(
        `SELECT src.resource->>'k8s.namespace.name' AS namespace,
                src.resource->>'k8s.deployment.name' AS deployment,
                src.resource->>'host.name' AS host,
                src.resource->>'service.version' AS version
         FROM metric_points mp
         JOIN services s ON s.id = mp.service_id
         JOIN telemetry_sources src ON src.id = mp.source_id
         WHERE s.name = $1 AND mp.time > now() - interval '1 hour'
           AND (src.resource ? 'k8s.deployment.name' OR src.resource ? 'host.name')
         ORDER BY mp.time DESC LIMIT 1`,
        [service],
      )
    ).rows[0] ??
    (await alertPlacement(pool, service));
  const recentDeploy = r?.version ? await recentDeployOf(pool, service, r.version) : undefined;
  return {
    ...(r?.namespace && { namespace: r.namespace }),
    ...(r?.deployment && { deployment: r.deployment }),
    ...(r?.host && { host: r.host }),
    ...(r?.host && !r.deployment && { unit: service }),
    ...(recentDeploy && { recentDeploy }),
  };
}

/**
 * The running version, when the service's telemetry first showed it within `recentDeployMs` and
 * other versions before it (a fleet may run several versions at once; a deploy brings new ones).
 * A version rolled back to is old, so a rollback is never proposed twice for the same deploy.
 */
async function recentDeployOf(
  pool: Pool,
  service: string,
  running: string,
): Promise<RecentDeploy | undefined> {
  const { rows } = await pool.query<{ version: string; first_seen: Date }>(
    `SELECT src.resource->>'service.version' AS version, min(src.first_seen) AS first_seen
     FROM telemetry_sources src
     WHERE src.resource->>'service.name' = $1 AND src.resource ? 'service.version'
     GROUP BY 1 ${rowBoundLimit}`,
    [service],
  );
  const mine = withinRowBound(rows, 'versions of a service').find((r) => r.version === running);
  if (!mine || Date.now() - mine.first_seen.getTime() > recentDeployMs) return undefined;
  if (!rows.some((r) => r.first_seen < mine.first_seen)) return undefined;
  return { version: mine.version, firstSeen: mine.first_seen.toISOString() };
}

/**
 * The placement an alert's labels give: its `namespace`, and its `deployment` label
 * (kube-state-metrics' name) or else the Deployment named like the service, the convention the
 * investigation's Kubernetes evidence follows too (a runbook's first step on a Deployment that
 * is not there fails, changing nothing). `instance` is a scrape target, not where to act.
 */
async function alertPlacement(pool: Pool, service: string): Promise<Placement | undefined> {
  const { rows } = await pool.query<Placement>(
    `SELECT labels->>'namespace' AS namespace,
            coalesce(labels->>'deployment', service) AS deployment,
            NULL AS host, NULL AS version
     FROM alert
     WHERE service = $1 AND labels ? 'namespace' AND fired_at > now() - interval '1 hour'
     ORDER BY fired_at DESC LIMIT 1`,
    [service],
  );
  return rows[0];
}
