import type { NameGate } from '../new-names';
import { rollupBucket } from '../../store/telemetry-rollups';
import { encodeLog, type LogRow } from '../../store/telemetry-rows';
import type { LogTemplateTagger } from '../log-templates';
import { LogsRequest, LogsResponse, type LogRecord } from '../otlp';
import { nanosToMicros } from '../time';
import { anyValueJson, cleanText, countOrNull, isSmallint, keyValuesJson } from '../values';
import type { ResourceContext } from './resource';
import {
  encodeDrafts,
  exportResponse,
  isValidId,
  newNeeds,
  Rejections,
  type AcceptWindow,
  type ConvertedRequest,
  type Signal,
  walkScopes,
} from './signal';

interface LogDraft extends LogRow {
  serviceName: string;
  sourceKey: string;
}

/** 0 unspecified, 1 trace, 2 debug, 3 info, 4 warn, 5 error, 6 fatal (four numbers each). */
export function severityClass(severityNumber: number): number {
  if (severityNumber <= 0) return 0;
  return Math.min(6, Math.floor((severityNumber - 1) / 4) + 1);
}

function logDraft(
  record: LogRecord,
  resource: ResourceContext,
  sourceKey: string,
  window: AcceptWindow,
  rejections: Rejections,
): LogDraft | null {
  if (!isSmallint(record.severityNumber ?? 0)) {
    rejections.add('invalid severity number');
    return null;
  }
  const observedUs = nanosToMicros(record.observedTimeUnixNano);
  // The spec's order: the event time, else when a collector observed it, else receipt.
  const timeUs = nanosToMicros(record.timeUnixNano) || observedUs || window.nowUs;
  if (timeUs < window.minUs || timeUs > window.maxUs) {
    rejections.add('time outside the retention window');
    return null;
  }
  const body = record.body;
  const isText = body?.stringValue != null;
  return {
    timeUs,
    observedTimeUs: observedUs || null,
    serviceId: 0,
    severityNumber: record.severityNumber ?? 0,
    severityText: record.severityText ? cleanText(record.severityText) : null,
    body: isText ? cleanText(body.stringValue!) : null,
    bodyValue: body && !isText ? anyValueJson(body) : null,
    traceId: isValidId(record.traceId, 16) ? record.traceId : null,
    spanId: isValidId(record.spanId, 8) ? record.spanId : null,
    flags: record.flags ? record.flags | 0 : null,
    eventName: record.eventName ? cleanText(record.eventName) : null,
    sourceId: 0,
    attributes: keyValuesJson(record.attributes),
    droppedAttributes: countOrNull(record.droppedAttributesCount),
    templateId: null,
    serviceName: resource.serviceName,
    sourceKey,
  };
}

function convert(
  request: LogsRequest,
  window: AcceptWindow,
  names: NameGate,
  templates: LogTemplateTagger,
): ConvertedRequest {
  const drafts: LogDraft[] = [];
  const needs = newNeeds();
  const rejections = new Rejections('log records');
  walkScopes(
    request.resourceLogs,
    (rl) => rl.scopeLogs,
    drafts,
    needs,
    (sl, resource, sourceKey) => {
      for (const record of sl.logRecords ?? []) {
        const d = logDraft(record, resource, sourceKey, window, rejections);
        if (!d) continue;
        if (names.allows(d.serviceName)) drafts.push(d);
        else rejections.add(names.refusal);
      }
    },
  );
  return {
    accepted: drafts.length,
    rejections,
    needs,
    encode(ids, rollups) {
      const encoded = encodeDrafts('logs', drafts, 400, (encoder, d) => {
        d.serviceId = ids.serviceId(d.serviceName);
        d.sourceId = ids.sourceId(d.sourceKey);
        if (d.body !== null)
          d.templateId = templates.tag(d.serviceName, d.body, d.severityNumber, d.timeUs);
        encodeLog(encoder, d);
        rollups.addLog(rollupBucket(d.timeUs), d.serviceId, severityClass(d.severityNumber));
        return d.timeUs;
      });
      return { ...encoded, durable: () => templates.persist() };
    },
  };
}

export function createLogsSignal(templates: LogTemplateTagger): Signal<LogsRequest> {
  return {
    name: 'logs',
    httpPath: '/v1/logs',
    grpcPath: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
    decode: (body) => [LogsRequest.decode(body)],
    fromJson: (json) => [LogsRequest.fromObject(json)],
    convert: (request, window, names) => convert(request, window, names, templates),
    ready: () => templates.ready(),
    response: (rejected, message, format) =>
      exportResponse(
        (m) => LogsResponse.encode(m).finish(),
        rejected ? { rejectedLogRecords: rejected, errorMessage: message } : null,
        format,
      ),
  };
}
