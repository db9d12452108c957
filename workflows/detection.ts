import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { runDetectionPass, openOrAttachIncidents } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumInterval: '10 seconds', maximumAttempts: 5 },
});

export interface DetectionSummary {
  windowEnd: string;
  seriesScored: number;
  anomalies: number;
  incidents: string[];
}

/**
 * One detection pass, run by a Temporal Schedule: score what arrived since the last pass, then
 * open or attach one incident per correlated fault.
 */
export async function detectionWorkflow(): Promise<DetectionSummary> {
  const pass = await runDetectionPass.executeWithOptions(
    { startToCloseTimeout: '1 minute', summary: 'score new rollups' },
    [],
  );
  const incidents = pass.candidates.length
    ? await openOrAttachIncidents.executeWithOptions(
        {
          startToCloseTimeout: '1 minute',
          summary: `open or attach ${pass.candidates.length} incident(s)`,
        },
        [pass.candidates],
      )
    : [];
  return {
    windowEnd: pass.windowEnd,
    seriesScored: pass.seriesScored,
    anomalies: pass.anomalies,
    incidents,
  };
}
