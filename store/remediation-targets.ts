import type { Pool } from './db';

export interface RemediationTarget {
  namespace?: string;
  deployment?: string;
  host?: string;
}

/** Where a service runs, from its most recent spans' resource attributes (k8s and host). */
export async function latestRemediationTarget(
  pool: Pool,
  service: string,
): Promise<RemediationTarget> {
  const { rows } = await pool.query<{
    k8s_namespace: string | null;
    k8s_deployment: string | null;
    host: string | null;
  }>(
    `SELECT sp.k8s_namespace, sp.k8s_deployment, sp.host
     FROM spans sp JOIN services s ON s.id = sp.service_id
     WHERE s.name = $1 AND sp.start_time > now() - interval '1 hour'
       AND (sp.k8s_deployment IS NOT NULL OR sp.host IS NOT NULL)
     ORDER BY sp.start_time DESC LIMIT 1`,
    [service],
  );
  const r = rows[0];
  return {
    ...(r?.k8s_namespace && { namespace: r.k8s_namespace }),
    ...(r?.k8s_deployment && { deployment: r.k8s_deployment }),
    ...(r?.host && { host: r.host }),
  };
}
