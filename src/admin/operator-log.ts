import type { Logger } from '../platform/logger.js';

/** Records one operator action: who did what to which agent, task or grant, and the result. */
export type OperatorLog = (
  operator: string,
  action: string,
  fields: Readonly<Record<string, string | number | boolean | null | undefined>>,
) => void;

/** Writes operator actions as audit lines (`audit: true`, event `operator_action`). */
export function createOperatorLog(logger: Logger): OperatorLog {
  const audit = logger.child({ audit: true });
  return (operator, action, fields) =>
    audit.info({ event: 'operator_action', operator, action, ...fields }, 'operator_action');
}
