import { RunbookInputError } from '../runbooks/sdk/context';
import { UnknownRunbookError } from './commands/runbook-describe';
import { ConfigError } from './config';
import { StackInUseError } from './stack/pid-files';
import { PortInUseError } from './stack/ports';
import { PostgresStartError } from './stack/postgres';
import { TemporalCliMissingError } from './stack/temporal-cli';

/** Failures whose message says all the user needs: printed as one line, without a stack. */
export function isKnownFailure(err: unknown): err is Error {
  return (
    err instanceof ConfigError ||
    err instanceof PortInUseError ||
    err instanceof PostgresStartError ||
    err instanceof TemporalCliMissingError ||
    err instanceof StackInUseError ||
    err instanceof RunbookInputError ||
    err instanceof UnknownRunbookError
  );
}
