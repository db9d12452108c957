import type { Client } from '@temporalio/client';
import type { Driver } from 'neo4j-driver';
import type { ActivityDeps } from '../activities';
import { defaultDetectionSettings } from '../activities/detection';
import { createIncidentNotifier } from '../activities/notify';
import { createAnthropicClient } from '../activities/summarizer';
import { serviceMapper } from '../ingest/alert-service';
import { configuredPrometheusSource } from '../integrations/prometheus/source';
import type { Pool } from '../store/db';
import { rollupBucketSeconds } from '../store/telemetry-rollups';
import { serviceHealthSince } from '../store/service-health';
import type { Config } from './config';
import { remediationDeps } from './remediation';

/** The activities' dependencies from configuration: one recipe for `aiops up` and `aiops worker`. */
export async function engineActivityDeps(
  config: Config,
  services: { pool: Pool; client: Client; neo4j: Driver | undefined },
): Promise<ActivityDeps> {
  const { pool } = services;
  return {
    ...services,
    detection: {
      ...defaultDetectionSettings,
      graceSeconds: config.detection.graceSeconds,
      threshold: config.detection.threshold,
      incidentTaskQueue: config.taskQueues.incident,
      quietPeriodSeconds: config.detection.quietPeriodSeconds,
      faultEvidenceSeconds: config.detection.faultEvidenceSeconds,
      alertFlapSeconds: config.integrations.alerts.flapSeconds,
    },
    notifier: createIncidentNotifier(pool, config.integrations.notify),
    escalation: config.integrations.notify,
    metrics:
      config.integrations.prometheus &&
      configuredPrometheusSource(
        config.integrations.prometheus,
        serviceMapper(config.integrations.prometheus.serviceRules),
        rollupBucketSeconds,
      ),
    anthropic: createAnthropicClient(config.investigation.llm),
    llm: config.investigation.llm,
    health: {
      serviceHealth: (service, since, until, excluded) =>
        serviceHealthSince(pool, service, since, until, excluded),
    },
    ...(await remediationDeps(config.remediation)),
  };
}
