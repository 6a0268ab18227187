/**
 * Which step (and execution) the code running now belongs to, carried through every await with
 * AsyncLocalStorage: the local runner sets it around each handler invocation, and the simulated AWS
 * stamps it on every call it logs, so tests and the benchmark can attribute calls to steps even when
 * many executions interleave.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** The invocation a piece of code runs in. */
export interface Invocation {
  readonly step: string;
  readonly executionName: string;
  /**
   * The session of the function's execution role (`arn:aws:sts::<acct>:assumed-role/<role>/<function>`):
   * what a request signed with the environment credentials acts as (local/sim/world.ts).
   */
  readonly principalArn?: string;
}

/** The current invocation's store. */
export const invocationContext = new AsyncLocalStorage<Invocation>();

/** The current invocation, if any. */
export function currentInvocation(): Invocation | undefined {
  return invocationContext.getStore();
}
