import type { Meter } from '@opentelemetry/api';
import { detectionLagSeconds, incidentCountsByStatus } from '../../store/engine-gauges';
import type { Pool } from '../../store/db';

/**
 * Gauges read from PostgreSQL at each collection: incidents by status and the detection lag
 * (how far the last scored window trails now). Detection pass latency is the activity
 * duration of the detection pass (aiops.activity.duration).
 */
export function watchEngineState(meter: Meter, pool: Pool, onError: (err: unknown) => void): void {
  const incidents = meter.createObservableGauge('aiops.incidents', {
    description: 'Incidents by status',
  });
  const lag = meter.createObservableGauge('aiops.detection.lag', {
    unit: 's',
    description: 'Seconds between now and the end of the last window detection scored',
  });
  meter.addBatchObservableCallback(
    async (result) => {
      try {
        const [counts, seconds] = await Promise.all([
          incidentCountsByStatus(pool),
          detectionLagSeconds(pool),
        ]);
        for (const [status, n] of counts) result.observe(incidents, n, { status });
        if (seconds !== null) result.observe(lag, seconds);
      } catch (err) {
        onError(err);
      }
    },
    [incidents, lag],
  );
}
