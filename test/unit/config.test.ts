import { describe, expect, it } from 'vitest';
import { ConfigError, databaseUrl, loadConfig, temporalAddress } from '../../worker/config';

describe('configuration', () => {
  it('defaults to local components under ./.aiops', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config.home).toBe('/srv/app/.aiops');
    expect(config.postgres.dataDir).toBe('/srv/app/.aiops/postgres');
    expect(config.temporal.dbFile).toBe('/srv/app/.aiops/temporal/temporal.db');
    expect(databaseUrl(config)).toBe('postgres://postgres:aiops@127.0.0.1:55432/aiops');
    expect(temporalAddress(config)).toBe('127.0.0.1:7233');
    expect(config.taskQueues.detection).toBe('aiops-detection');
  });

  it('uses external services when their addresses are set', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:p@db:5432/x',
      TEMPORAL_ADDRESS: 'temporal:7233',
      AIOPS_TEMPORAL_PORT: '17233',
    });
    expect(databaseUrl(config)).toBe('postgres://u:p@db:5432/x');
    expect(temporalAddress(config)).toBe('temporal:7233');
  });

  it('treats blank values as unset', () => {
    expect(loadConfig({ DATABASE_URL: '  ' }).postgres.url).toBeUndefined();
  });

  it('names every invalid setting in one error', () => {
    expect(() => loadConfig({ AIOPS_PG_PORT: 'abc', AIOPS_TEMPORAL_PORT: '70000' })).toThrow(
      ConfigError,
    );
    try {
      loadConfig({ AIOPS_PG_PORT: 'abc', AIOPS_TEMPORAL_PORT: '70000' });
    } catch (err) {
      expect((err as Error).message).toMatch(/AIOPS_PG_PORT/);
      expect((err as Error).message).toMatch(/AIOPS_TEMPORAL_PORT/);
    }
  });
});
