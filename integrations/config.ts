import { z } from 'zod';
import type { NotifyTargets } from '../activities/notify';
import { pagerDutyEventsUrl } from '../activities/notify/pagerduty';
import type { PromQuery } from './prometheus/source';
import { jsonSetting, optionalString } from '../worker/config-values';

/**
 * How an alert's labels name its service: the first rule whose label is present (and whose
 * regex, if any, matches; its first group is then the service) wins.
 */
export interface ServiceLabelRule {
  label: string;
  regex?: string;
}

/** A pod's name less what its controller appended (ReplicaSet hash and pod suffix, or ordinal). */
export const podNameRegex =
  '^(.+?)(?:(?:-[bcdfghjklmnpqrstvwxz2456789]{6,10})?-[bcdfghjklmnpqrstvwxz2456789]{5}|-[0-9]+)$';

export const defaultServiceLabelRules: ServiceLabelRule[] = [
  { label: 'service' },
  { label: 'service_name' },
  { label: 'app_kubernetes_io_name' },
  { label: 'app' },
  { label: 'job' },
  { label: 'pod', regex: podNameRegex },
];

const serviceLabelRule = z.object({
  label: z.string().min(1),
  regex: z
    .string()
    .refine((r) => {
      try {
        new RegExp(r);
        return true;
      } catch {
        return false;
      }
    }, 'is not a valid regular expression')
    .optional(),
});

/** name → PromQL expression. */
const promQueries = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/), z.string().min(1));

/**
 * What the investigation reads from Prometheus by default: the resource metrics of
 * Kubernetes workloads (cAdvisor) and of any process with a client library, per pod or instance.
 */
export const defaultEvidenceQueries: Record<string, string> = {
  container_memory_working_set_bytes:
    'sum by (namespace, pod) (container_memory_working_set_bytes{container!=""})',
  container_cpu_usage_cores:
    'sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{container!=""}[1m]))',
  process_resident_memory_bytes: 'process_resident_memory_bytes',
  process_cpu_cores: 'rate(process_cpu_seconds_total[1m])',
};

/** The environment settings of the integrations (merged into the engine's config schema). */
export const integrationSettings = {
  AIOPS_ALERT_SERVICE_RULES: jsonSetting(z.array(serviceLabelRule).min(1)),
  AIOPS_ALERT_FLAP_SECONDS: z.coerce.number().int().min(0).default(900),
  AIOPS_NOTIFY_WEBHOOK_URL: optionalString,
  AIOPS_NOTIFY_WEBHOOK_SECRET: optionalString,
  AIOPS_PAGERDUTY_ROUTING_KEY: optionalString,
  AIOPS_PAGERDUTY_EVENTS_URL: z.url().default(pagerDutyEventsUrl),
  AIOPS_PROMETHEUS_URL: optionalString.pipe(z.url().optional()),
  AIOPS_PROMETHEUS_QUERIES: jsonSetting(promQueries),
  AIOPS_PROMETHEUS_DETECTION_QUERIES: jsonSetting(promQueries),
  AIOPS_PROMETHEUS_SERVICE_RULES: jsonSetting(z.array(serviceLabelRule).min(1)),
};

type IntegrationEnv = z.output<z.ZodObject<typeof integrationSettings>>;

export interface IntegrationsConfig {
  alerts: {
    serviceRules: ServiceLabelRule[];
    /** An alert firing again this soon after it resolved backs an open incident, never opens one. */
    flapSeconds: number;
  };
  /** Where incident changes go besides Slack (each unset: not sent). */
  notify: NotifyTargets;
  /** The team's Prometheus (unset: none is read). */
  prometheus:
    | {
        url: string;
        evidenceQueries: PromQuery[];
        detectionQueries: PromQuery[];
        serviceRules: ServiceLabelRule[];
      }
    | undefined;
}

const asQueries = (r: Record<string, string>): PromQuery[] =>
  Object.entries(r).map(([name, query]) => ({ name, query }));

export function integrationsConfig(e: IntegrationEnv): IntegrationsConfig {
  return {
    alerts: {
      serviceRules: e.AIOPS_ALERT_SERVICE_RULES ?? defaultServiceLabelRules,
      flapSeconds: e.AIOPS_ALERT_FLAP_SECONDS,
    },
    prometheus: e.AIOPS_PROMETHEUS_URL
      ? {
          url: e.AIOPS_PROMETHEUS_URL,
          evidenceQueries: asQueries(e.AIOPS_PROMETHEUS_QUERIES ?? defaultEvidenceQueries),
          detectionQueries: asQueries(e.AIOPS_PROMETHEUS_DETECTION_QUERIES ?? {}),
          serviceRules: e.AIOPS_PROMETHEUS_SERVICE_RULES ?? defaultServiceLabelRules,
        }
      : undefined,
    notify: {
      ...(e.AIOPS_NOTIFY_WEBHOOK_URL && {
        webhook: { url: e.AIOPS_NOTIFY_WEBHOOK_URL, secret: e.AIOPS_NOTIFY_WEBHOOK_SECRET },
      }),
      ...(e.AIOPS_PAGERDUTY_ROUTING_KEY && {
        pagerDuty: { routingKey: e.AIOPS_PAGERDUTY_ROUTING_KEY, url: e.AIOPS_PAGERDUTY_EVENTS_URL },
      }),
    },
  };
}
