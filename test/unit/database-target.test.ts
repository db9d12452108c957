import { describe, expect, it } from 'vitest';
import { databaseTarget, slowed } from '../../activities/postgres/database-target';
import type { DatabaseCalls } from '../../store/database-calls';
import { chooseRunbook } from '../../workflows/incident/choose-runbook';

const calls = (o: Partial<DatabaseCalls> = {}): DatabaseCalls => ({
  dbName: 'payments_main',
  address: 'db-1.internal',
  byService: true,
  recent: { calls: 10, p95Ms: 900 },
  before: { calls: 50, p95Ms: 12 },
  ...o,
});

const settings = {
  databases: {
    payments: 'postgres://aiops@db-1.internal:5432/payments_main',
    replica: 'postgres://aiops@db-2.internal:5432/payments_main',
    ledger: 'postgres://aiops@db-1.internal:5432/ledger',
  },
};

describe('the database where a fault shows', () => {
  it('counts calls as slowed only with enough of them on both sides and p95 doubled', () => {
    expect(slowed(calls())).toBe(true);
    expect(slowed(calls({ recent: { calls: 10, p95Ms: 20 } }))).toBe(false);
    expect(slowed(calls({ recent: { calls: 2, p95Ms: 900 } }))).toBe(false);
    // No baseline: no telling whether this is slow for it.
    expect(slowed(calls({ before: { calls: 0, p95Ms: null } }))).toBe(false);
  });

  it('names the configured database by db name, then by host when several share it', () => {
    expect(databaseTarget('pay', [calls()], settings)).toBe('payments');
    expect(databaseTarget('pay', [calls({ address: 'db-2.internal' })], settings)).toBe('replica');
    expect(databaseTarget('pay', [calls({ address: '10.0.0.9' })], settings)).toBeUndefined();
    expect(databaseTarget('pay', [calls({ dbName: 'ledger' })], settings)).toBe('ledger');
    expect(databaseTarget('pay', [calls({ dbName: 'unknown' })], settings)).toBeUndefined();
  });

  it('names none when the calls did not slow, or nothing is configured', () => {
    const fast = calls({ recent: { calls: 10, p95Ms: 13 } });
    expect(databaseTarget('pay', [fast], settings)).toBeUndefined();
    expect(databaseTarget('pay', [calls()], undefined)).toBeUndefined();
  });

  it("takes the service's mapping for its own calls that do not name a database", () => {
    const unnamed = calls({ dbName: null, address: null });
    expect(databaseTarget('pay', [unnamed], settings)).toBeUndefined();
    const mapped = { ...settings, services: { pay: 'ledger' } };
    expect(databaseTarget('pay', [unnamed], mapped)).toBe('ledger');
    expect(databaseTarget('other', [unnamed], mapped)).toBeUndefined();
  });

  it('names the database a root-cause service is, from the calls its clients make to it', () => {
    const toIt = calls({ byService: false, recent: { calls: 4, p95Ms: 5 } });
    expect(databaseTarget('payments-db', [toIt], settings)).toBe('payments');
  });

  it('makes the incident choose the database remedy before the Deployment ones', () => {
    const input = {
      incidentId: 'i-1',
      service: 'pay',
      namespace: 'shop',
      deployment: 'pay',
      rootCause: { service: 'pay', kind: 'latency' as const, score: 0.9 },
    };
    expect(chooseRunbook(input, undefined, null).entry.name).toBe('k8s-scale-out');
    const onDb = chooseRunbook({ ...input, database: 'payments' }, undefined, null);
    expect(onDb.entry.name).toBe('pg-cancel-slow-query');
    expect(onDb.reason).toBe("the fault shows in pay's PostgreSQL calls to payments");
  });
});
