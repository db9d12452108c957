// undici (under @kubernetes/client-node) needs these gaps filled on Node 20: load first.
import '../undici-node20';
import {
  ApiException,
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  KubeConfig,
  PolicyV1Api,
} from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/activity';

export type { AppsV1Api };
// Importers take the API classes from here, so the Node 20 shim above is always loaded first.
export { AutoscalingV2Api, CoreV1Api, PolicyV1Api };

/**
 * The cluster credentials: the kubeconfig at `path`, else the usual lookup (KUBECONFIG,
 * ~/.kube/config, then the in-cluster service account).
 */
export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  return kc;
}

export function appsApi(kc: KubeConfig): AppsV1Api {
  return kc.makeApiClient(AppsV1Api);
}

/** The HTTP status of a failed API call, if it was one. */
export function statusOf(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

/** 404s will not heal by retrying: fail the step at once with a readable reason. */
export function notFoundAsFinal(err: unknown, what: string): never {
  if (statusOf(err) === 404) throw ApplicationFailure.nonRetryable(`${what} not found`, 'NotFound');
  throw err;
}

/** A Status body the API sent with an error, when it sent one. */
export function apiStatusOf(err: unknown): {
  message?: string;
  details?: { causes?: { message?: string }[] };
} {
  if (!(err instanceof ApiException)) return {};
  try {
    return typeof err.body === 'string' ? JSON.parse(err.body) : (err.body ?? {});
  } catch {
    return {};
  }
}
