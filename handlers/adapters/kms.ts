/**
 * The central key's policy. PutKeyPolicy must run in the key's own account and has no conditional
 * write (writers are serialised by lease-lock.ts). It never bypasses the policy-lockout safety check:
 * a policy that would lock the key administrators out is refused by KMS, and that refusal is terminal.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html
 */
import { CancelKeyDeletionCommand, DescribeKeyCommand, EnableKeyCommand, GetKeyPolicyCommand, type KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { AccessDenied, ConfigurationError, InvalidPolicyDocument, type OnboardingError, PolicyTooLarge, PropagationPending, ResourceNotFound } from '../shared/errors';
import { type AwsCall, awsErrorFacts, describeCall, isAwsError, mapAwsError, toOnboardingError } from './aws-errors';

/** The only key policy name KMS supports. */
export const KEY_POLICY_NAME = 'default';

/** Reads and writes the policy of one KMS key. */
export class KeyPolicyAdapter {
  /**
   * @param client a KMSClient with log-archive credentials, in the key's region.
   * @param keyArn the configured `keyArn`.
   */
  constructor(
    private readonly client: KMSClient,
    private readonly keyArn: string,
  ) {}

  /**
   * The key ARN behind the configured `keyArn`, which may be an alias ARN (a key the log-archive stack
   * created is only known by its alias before deploy). A key ARN is returned as it is, without a call.
   */
  async resolveKeyArn(): Promise<string> {
    if (/^arn:[^:]+:kms:[^:]+:\d{12}:key\//.test(this.keyArn)) return this.keyArn;
    const call: AwsCall = { service: 'KMS', operation: 'DescribeKey', target: this.keyArn };
    try {
      const out = await this.client.send(new DescribeKeyCommand({ KeyId: this.keyArn }));
      const arn = out.KeyMetadata?.Arn;
      if (!arn) throw new ResourceNotFound(`${describeCall(call)} returned no key ARN. Check keyArn in the configuration.`, { ...call });
      return arn;
    } catch (e) {
      if (e instanceof ResourceNotFound) throw e;
      throw this.mapError(e, call);
    }
  }

  /** The key's state as DescribeKey reports it (Enabled, Disabled, PendingDeletion, ...). */
  async state(): Promise<{ keyState: string; deletionDate?: Date }> {
    const call: AwsCall = { service: 'KMS', operation: 'DescribeKey', target: this.keyArn };
    try {
      const m = (await this.client.send(new DescribeKeyCommand({ KeyId: this.keyArn }))).KeyMetadata;
      return { keyState: m?.KeyState ?? 'Unknown', ...(m?.DeletionDate ? { deletionDate: m.DeletionDate } : {}) };
    } catch (e) {
      throw this.mapError(e, call);
    }
  }

  /** CancelKeyDeletion: the key comes back Disabled. https://docs.aws.amazon.com/kms/latest/APIReference/API_CancelKeyDeletion.html */
  async cancelDeletion(): Promise<void> {
    const call: AwsCall = { service: 'KMS', operation: 'CancelKeyDeletion', target: this.keyArn };
    try {
      await this.client.send(new CancelKeyDeletionCommand({ KeyId: this.keyArn }));
    } catch (e) {
      throw this.mapError(e, call);
    }
  }

  /** EnableKey. */
  async enable(): Promise<void> {
    const call: AwsCall = { service: 'KMS', operation: 'EnableKey', target: this.keyArn };
    try {
      await this.client.send(new EnableKeyCommand({ KeyId: this.keyArn }));
    } catch (e) {
      throw this.mapError(e, call);
    }
  }

  /** The key policy text. A missing key -> `ResourceNotFound` naming `keyArn`. */
  async get(): Promise<string> {
    const call: AwsCall = { service: 'KMS', operation: 'GetKeyPolicy', target: this.keyArn };
    try {
      const out = await this.client.send(new GetKeyPolicyCommand({ KeyId: this.keyArn, PolicyName: KEY_POLICY_NAME }));
      return out.Policy ?? '';
    } catch (e) {
      throw this.mapError(e, call);
    }
  }

  /**
   * Replaces the key policy with `text`. "Invalid principals" -> `PropagationPending` (a reader role
   * created moments ago is not visible to KMS yet); any other malformed-document refusal, including
   * the lockout safety check -> `InvalidPolicyDocument`.
   */
  async put(text: string): Promise<void> {
    const call: AwsCall = { service: 'KMS', operation: 'PutKeyPolicy', target: this.keyArn };
    try {
      await this.client.send(
        new PutKeyPolicyCommand({
          KeyId: this.keyArn,
          PolicyName: KEY_POLICY_NAME,
          Policy: text,
          BypassPolicyLockoutSafetyCheck: false,
        }),
      );
    } catch (e) {
      // KMS answers a key policy over 32 KB with LimitExceededException (PutKeyPolicy API reference);
      // the domain checks the size first, this is the backstop.
      if (isAwsError(e, 'LimitExceededException')) {
        throw mapAwsError(
          PolicyTooLarge,
          `${describeCall(call)}: KMS refused the key policy as larger than its 32 KB limit (${awsErrorFacts(e).message}).`,
          e,
          call,
        );
      }
      if (isAwsError(e, 'MalformedPolicyDocumentException')) {
        const message = awsErrorFacts(e).message;
        if (/principal/i.test(message)) {
          throw mapAwsError(
            PropagationPending,
            `${describeCall(call)}: KMS does not see a principal of the policy yet (${message}). ` +
              'IAM changes take a while to reach KMS; retried. If it persists, check that the principal exists.',
            e,
            call,
          );
        }
        throw mapAwsError(
          InvalidPolicyDocument,
          `${describeCall(call)}: KMS rejected the rendered key policy (${message}). Nothing was written; ` +
            'if KMS says the policy would lock you out, check the key administrators statement.',
          e,
          call,
        );
      }
      throw this.mapError(e, call);
    }
  }

  private mapError(e: unknown, call: AwsCall): OnboardingError {
    if (isAwsError(e, 'NotFoundException')) {
      return mapAwsError(
        ResourceNotFound,
        `${describeCall(call)}: key ${this.keyArn} does not exist. Check keyArn in the configuration.`,
        e,
        call,
      );
    }
    if (isAwsError(e, 'InvalidArnException')) {
      return mapAwsError(
        ConfigurationError,
        `${describeCall(call)}: KMS does not accept ${this.keyArn} as a key ARN (${awsErrorFacts(e).message}). ` +
          'Check keyArn in the configuration.',
        e,
        call,
      );
    }
    if (isAwsError(e, 'AccessDeniedException')) {
      // KMS: "Unless the key policy explicitly allows it, you cannot use IAM policies to allow access to
      // a KMS key." An existing key whose policy has no statement for the log-archive account's root
      // (or for the access role itself) denies the access role whatever its IAM policy says.
      // https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam
      const account = /^arn:[^:]+:kms:[^:]+:(\d{12}):/.exec(this.keyArn)?.[1] ?? '<log-archive>';
      return mapAwsError(
        AccessDenied,
        `${describeCall(call)} was denied (${awsErrorFacts(e).message}). KMS counts IAM policies only when the key policy ` +
          `allows it: add to the key policy of ${this.keyArn} the statement of AWS's default key policy that allows ` +
          `arn:aws:iam::${account}:root kms:* (or a statement allowing the access role these actions), then re-run. ` +
          'If the key policy has it, check that no SCP or permissions boundary denies the call.',
        e,
        call,
      );
    }
    if (isAwsError(e, 'KMSInvalidStateException')) {
      return mapAwsError(
        ResourceNotFound,
        `${describeCall(call)}: key ${this.keyArn} is not usable (${awsErrorFacts(e).name}: ${awsErrorFacts(e).message}). ` +
          'Check keyArn in the configuration and that the key is not pending deletion.',
        e,
        call,
      );
    }
    return toOnboardingError(e, call);
  }
}
