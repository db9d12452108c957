import type { SourceEntry } from '../../store/telemetry-dictionaries';
import type { InstrumentationScope, Resource } from '../otlp';
import { cleanText, countOrNull, keyValuesJson, scalarText } from '../values';

/** What every row of one resource shares: its service and the promoted resource attributes. */
export interface ResourceContext {
  serviceName: string;
  k8sNamespace: string | null;
  k8sPod: string | null;
  k8sDeployment: string | null;
  host: string | null;
  resourceJson: string;
  resourceSchemaUrl: string | null;
  droppedAttributes: number | null;
}

/** The semantic conventions' name for telemetry of a resource without service.name. */
export const unknownService = 'unknown_service';

export function describeResource(
  resource: Resource | null | undefined,
  schemaUrl: string | null | undefined,
): ResourceContext {
  const ctx: ResourceContext = {
    serviceName: unknownService,
    k8sNamespace: null,
    k8sPod: null,
    k8sDeployment: null,
    host: null,
    resourceJson: keyValuesJson(resource?.attributes) ?? '{}',
    resourceSchemaUrl: schemaUrl ? cleanText(schemaUrl) : null,
    droppedAttributes: countOrNull(resource?.droppedAttributesCount),
  };
  for (const kv of resource?.attributes ?? []) {
    switch (kv.key) {
      case 'service.name':
        ctx.serviceName = scalarText(kv.value) || unknownService;
        break;
      case 'k8s.namespace.name':
        ctx.k8sNamespace = scalarText(kv.value);
        break;
      case 'k8s.pod.name':
        ctx.k8sPod = scalarText(kv.value);
        break;
      case 'k8s.deployment.name':
        ctx.k8sDeployment = scalarText(kv.value);
        break;
      case 'host.name':
        ctx.host = scalarText(kv.value);
        break;
    }
  }
  return ctx;
}

/** The telemetry source (resource + scope) rows of one scope block reference. */
export function sourceEntry(
  resource: ResourceContext,
  scope: InstrumentationScope | null | undefined,
  scopeSchemaUrl: string | null | undefined,
): SourceEntry {
  const entry = {
    resource: resource.resourceJson,
    resourceSchemaUrl: resource.resourceSchemaUrl,
    scopeName: scope?.name ? cleanText(scope.name) : null,
    scopeVersion: scope?.version ? cleanText(scope.version) : null,
    scopeAttributes: keyValuesJson(scope?.attributes),
    scopeSchemaUrl: scopeSchemaUrl ? cleanText(scopeSchemaUrl) : null,
    droppedAttributes: resource.droppedAttributes,
  };
  return { key: JSON.stringify(Object.values(entry)), ...entry };
}
