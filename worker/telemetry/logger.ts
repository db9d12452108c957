import pino from 'pino';
import type { Config } from '../config';

export type Logger = pino.Logger;

/**
 * The engine's structured log: one JSON object per line (pino) on stdout, at AIOPS_LOG_LEVEL,
 * with the process role on every line so a log pipeline can tell the roles apart.
 */
export function createLogger(
  level: Config['logLevel'],
  role: string,
  destination: pino.DestinationStream = pino.destination({ dest: 1, sync: true }),
): Logger {
  return pino(
    {
      level,
      base: { role, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
