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

/** What IAM authorizes for one request: an action on a resource, with the request's condition keys. */
export interface AuthorizationRequest {
  readonly action: string;
  /** ARN of the resource, or `*` for actions without resource-level permissions. */
  readonly resource: string;
  /** Account owning the resource (default: the account the request acts on). */
  readonly resourceAccount?: string;
  /** Request-specific condition keys (`aws:RequestTag/...`, `iam:PermissionsBoundary`, `dynamodb:LeadingKeys`, ...). */
  readonly context?: Readonly<Record<string, string | string[]>>;
}

/** A simulated service. */
export interface SimServiceImpl {
  /**
   * The authorization of a request by the caller's identity-based policies, checked by the world
   * before the operation runs. Services whose operations evaluate a resource policy themselves
   * (S3 bucket policies, KMS key policies, STS trust policies) leave it out and call
   * `world.authorize` with their resource policy.
   */
  authorization?(call: SimCall): AuthorizationRequest | readonly AuthorizationRequest[] | undefined;
  /** Operations by SDK name without `Command`. */
  readonly operations: Readonly<Record<string, OperationHandler<never, unknown>>>;
  /** The account a request acts on: the caller's, unless the resource says otherwise. */
  targetAccount(operation: string, input: Record<string, unknown>, caller: Principal): string;
}
