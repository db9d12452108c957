import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { migrate } from '../../store/migrate';
import { allSearchAttributes } from '../../workflows/search-attributes';
import { databaseUrl, temporalAddress, type Config } from '../config';
import { engineSchedules, ensureSchedule } from '../schedules';
import type { Logger } from '../telemetry/logger';
import { connectClient } from '../temporal-connection';

const { IndexedValueType } = temporal.api.enums.v1;

/**
 * Registers the engine's search attributes on the namespace, those missing only. A cluster that
 * refuses the operator API (Temporal Cloud manages them in its UI or `tcld`) is told what to add.
 */
async function ensureSearchAttributes(
  connection: Connection,
  namespace: string,
): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set([
    ...Object.keys(existing.customAttributes ?? {}),
    ...Object.keys(existing.systemAttributes ?? {}),
  ]);
  const missing = allSearchAttributes.filter((key) => !known.has(key.name));
  if (missing.length === 0) return [];
  const searchAttributes = Object.fromEntries(
    missing.map((key) => [key.name, IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`]]),
  );
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  } catch (err) {
    const names = missing.map((key) => `${key.name} (${key.type})`).join(', ');
    throw new Error(
      `could not register search attributes ${names} on namespace ${namespace}: ${err instanceof Error ? err.message : String(err)}; add them with \`temporal operator search-attribute create\` or, on Temporal Cloud, in its UI or with tcld`,
      { cause: err },
    );
  }
  return missing.map((key) => key.name);
}

/**
 * `aiops setup`: everything the roles expect to exist, made so idempotently: the schema
 * migrations (under an advisory lock), the search attributes and the Schedules. Safe to run on
 * every deploy (the Helm chart runs it as a pre-install/pre-upgrade hook).
 */
export async function runSetup(config: Config, logger: Logger): Promise<void> {
  const applied = await migrate(databaseUrl(config));
  logger.info(
    { applied },
    `PostgreSQL: schema up to date (${applied.length} migration(s) applied now)`,
  );
  const { connection, client } = await connectClient(config.temporal, temporalAddress(config));
  try {
    const added = await ensureSearchAttributes(connection, config.temporal.namespace);
    logger.info(
      { added },
      added.length
        ? `Temporal: search attributes added: ${added.join(', ')}`
        : 'Temporal: search attributes already registered',
    );
    for (const schedule of engineSchedules(config)) {
      const outcome = await ensureSchedule(client, schedule);
      logger.info(
        { scheduleId: schedule.scheduleId, outcome },
        `Schedule: ${schedule.scheduleId} ${outcome} (every ${schedule.everySeconds}s)`,
      );
    }
  } finally {
    await connection.close();
  }
}
