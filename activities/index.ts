import type Anthropic from '@anthropic-ai/sdk';
import type { Client } from '@temporalio/client';
import type { Driver } from 'neo4j-driver';
import type { Pool } from '../store/db';
import {
  createDetectionActivities,
  defaultDetectionSettings,
  type DetectionSettings,
} from './detection';
import { createApprovalActivities, type ApprovalHook } from './approval';
import type { ApprovalPolicy } from './approval-policy';
import { createHealthActivities, type HealthSource } from './health';
import { createIncidentSymptomActivities } from './incident-symptom';
import { createHeartbeatActivities } from './heartbeat';
import { createKubernetesActivities } from './kubernetes';
import { createPostgresActivities, type PostgresSettings } from './postgres';
import { createSlackActivities, type SlackDeps } from './slack';
import { createSshActivities, type SshSettings } from './ssh';
import type { KubeConfig } from '@kubernetes/client-node';
import { createIncidentActivities } from './incidents';
import type { IncidentNotifier, NotifyTargets } from './notify';
import { createEscalationActivities } from './notify/escalate';
import { createFlagActivities, type FlagEndpoint } from './http/flags';
import type { MetricsSource } from '../integrations/prometheus/source';
import { createInvestigationActivities } from './investigation';
import { createKnowledgeGraphActivities } from './knowledge-graph';
import { createSummarizerActivities, defaultLlmSettings, type LlmSettings } from './summarizer';
import { createRetentionActivities } from './retention';

export interface ActivityDeps {
  pool: Pool;
  /** For activities that start or signal workflows (opening incidents). */
  client?: Client;
  detection?: DetectionSettings;
  clock?: () => number;
  /** Runbook actions and approvals; each action fails with a clear reason when its dep is unset. */
  kube?: KubeConfig;
  ssh?: SshSettings;
  /** The databases PostgreSQL actions may act on, by name. */
  postgres?: PostgresSettings;
  slack?: SlackDeps;
  approvalPolicy?: ApprovalPolicy;
  /** Called with each recorded approval decision (e.g. to add it to the knowledge graph). */
  onApprovalRecorded?: ApprovalHook;
  /** RED metrics for runbook verification. */
  health?: HealthSource;
  /** The knowledge graph; unset, its activities answer `available: false`. */
  neo4j?: Driver;
  /** Unset (no API key): summaries come from the deterministic template. */
  anthropic?: Anthropic;
  llm?: LlmSettings;
  /** Incident changes to a generic webhook and PagerDuty; unset, none are sent. */
  notifier?: IncidentNotifier | undefined;
  /** Where escalation actions page and post (the integrations' PagerDuty and webhook). */
  escalation?: NotifyTargets | undefined;
  /** The feature flags runbooks may set, by name. */
  flags?: Record<string, FlagEndpoint> | undefined;
  /** The team's Prometheus: metric evidence and PromQL expressions for detection. */
  metrics?: MetricsSource | undefined;
}

/** Every activity of the engine, built from explicitly passed dependencies (no singletons). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createHeartbeatActivities(deps),
    ...createIncidentActivities(deps),
    ...createInvestigationActivities(deps),
    ...createKnowledgeGraphActivities(deps),
    ...createSummarizerActivities({ ...deps, llm: deps.llm ?? defaultLlmSettings }),
    ...createDetectionActivities({
      ...deps,
      detection: deps.detection ?? defaultDetectionSettings,
    }),
    ...createApprovalActivities(deps),
    ...createHealthActivities(deps),
    ...createIncidentSymptomActivities(deps),
    ...createKubernetesActivities(deps),
    ...createSshActivities(deps),
    ...createPostgresActivities(deps),
    ...createSlackActivities(deps),
    ...createEscalationActivities(deps),
    ...createFlagActivities(deps),
    ...createRetentionActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
