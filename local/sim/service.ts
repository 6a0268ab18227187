/**
 * The shape every simulated service has: its operations, and which account a request acts on.
 */
import type { Principal } from './identity';

/** One request, as handed to an operation. */
export interface SimCall<I = Record<string, unknown>> {
  readonly operation: string;
  readonly input: I;
  readonly caller: Principal;
  /** Region of the client that sent the request. */
  readonly region: string;
  /** Account the request acts on (see `SimServiceImpl.targetAccount`). */
  readonly accountId: string;
}

/** An operation: SDK input in, SDK output (without `$metadata`) out, or a thrown SimAwsError. */
export type OperationHandler<I = never, O = unknown> = (call: SimCall<I>) => Omit<O, '$metadata'> | Promise<Omit<O, '$metadata'>>;

/** A simulated service. */
export interface SimServiceImpl {
  /** Operations by SDK name without `Command`. */
  readonly operations: Readonly<Record<string, OperationHandler<never, unknown>>>;
  /** The account a request acts on: the caller's, unless the resource says otherwise. */
  targetAccount(operation: string, input: Record<string, unknown>, caller: Principal): string;
}
