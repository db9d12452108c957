import { operationKey } from '../store/telemetry-dictionaries';
import type { Pool } from '../store/db';

export interface NewNameLimits {
  /** Services never seen before that may appear per minute (a burst of as many at once). */
  servicesPerMinute: number;
  operationsPerMinute: number;
}

/** Asked by a signal's convert, per item, before the item may need a dictionary row. */
export interface NameGate {
  /** Whether an item of this service (and operation, and called service) may be stored. */
  allows(serviceName: string, operation?: string, peerServiceName?: string | null): boolean;
  /** Why the last refused item was refused, for the partial-success message. */
  readonly refusal: string;
}

/** A token bucket: `perMinute` tokens refilled evenly over a minute, holding at most that many. */
class Bucket {
  private tokens: number;
  private at: number;
  constructor(
    private readonly perMinute: number,
    private readonly now: () => number,
  ) {
    this.tokens = perMinute;
    this.at = now();
  }
  available(): number {
    const t = this.now();
    this.tokens = Math.min(this.perMinute, this.tokens + ((t - this.at) / 60_000) * this.perMinute);
    this.at = t;
    return Math.floor(this.tokens);
  }
  take(n: number) {
    this.tokens -= n;
  }
}

/**
 * The cap on new services and operations per minute at ingest. Every known name costs nothing;
 * a name never seen before takes a token, and an item whose new name finds none is refused
 * before any dictionary row is made (one request naming 20,000 services makes at most the cap's
 * worth of permanent rows). Known names come from the store once, then from what was admitted.
 */
export class NewNames {
  private readonly services = new Set<string>();
  private readonly operations = new Set<string>();
  private readonly serviceBucket: Bucket;
  private readonly operationBucket: Bucket;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly limits: NewNameLimits,
    now: () => number = Date.now,
  ) {
    this.serviceBucket = new Bucket(limits.servicesPerMinute, now);
    this.operationBucket = new Bucket(limits.operationsPerMinute, now);
  }

  /** Loads the names the store knows (once; again after a failed load). */
  ready(): Promise<void> {
    this.loading ??= this.load().catch((err: unknown) => {
      this.loading = undefined;
      throw err;
    });
    return this.loading;
  }

  private async load() {
    const services = await this.pool.query<{ name: string }>('SELECT name FROM services');
    for (const r of services.rows) this.services.add(r.name);
    const operations = await this.pool.query<{ service: string; kind: number; name: string }>(
      'SELECT s.name AS service, o.kind, o.name FROM operations o JOIN services s ON s.id = o.service_id',
    );
    for (const r of operations.rows) this.operations.add(operationKey(r.service, r.kind, r.name));
  }

  /** A gate for one request: what it admits is known to the next requests at once. */
  gate(): NameGate {
    const { servicesPerMinute, operationsPerMinute } = this.limits;
    const gate = {
      refusal: '',
      allows: (service: string, operation?: string, peer?: string | null) => {
        const newServices = [service, peer].filter(
          (s, i, all): s is string => !!s && !this.services.has(s) && all.indexOf(s) === i,
        );
        const newOperation = operation !== undefined && !this.operations.has(operation);
        if (newServices.length > this.serviceBucket.available()) {
          gate.refusal = `new service over the limit of ${servicesPerMinute} new services per minute`;
          return false;
        }
        if (newOperation && this.operationBucket.available() < 1) {
          gate.refusal = `new operation over the limit of ${operationsPerMinute} new operations per minute`;
          return false;
        }
        this.serviceBucket.take(newServices.length);
        for (const s of newServices) this.services.add(s);
        if (newOperation) {
          this.operationBucket.take(1);
          this.operations.add(operation);
        }
        return true;
      },
    };
    return gate;
  }
}
