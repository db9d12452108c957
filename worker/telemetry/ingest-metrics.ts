import type { Meter } from '@opentelemetry/api';
import type { IngestObserver } from '../../ingest/observer';

/** The receivers' metrics: exports accepted and refused, items rejected, queue bytes, flush latency. */
export function ingestMetrics(meter: Meter): IngestObserver {
  const requests = meter.createCounter('aiops.ingest.requests', {
    description: 'OTLP exports by signal and outcome (accepted, refused) and refusal reason',
  });
  const rejected = meter.createCounter('aiops.ingest.items.rejected', {
    description: 'Items refused inside accepted exports (partial success), by signal',
  });
  const flush = meter.createHistogram('aiops.ingest.flush.duration', {
    unit: 's',
    description: 'Time a batch write to PostgreSQL takes (COPY and rollups), by outcome',
  });
  const queueBytes = meter.createObservableGauge('aiops.ingest.queue.bytes', {
    unit: 'By',
    description: 'Bytes of exports admitted and not yet committed',
  });
  return {
    exported(signal, count) {
      requests.add(1, { signal, outcome: 'accepted' });
      if (count > 0) rejected.add(count, { signal });
    },
    refused(signal, reason) {
      requests.add(1, { signal, outcome: 'refused', reason });
    },
    flushed(seconds, ok) {
      flush.record(seconds, { outcome: ok ? 'ok' : 'failed' });
    },
    watchQueue(bytes) {
      queueBytes.addCallback((result) => result.observe(bytes()));
    },
  };
}
