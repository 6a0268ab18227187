/**
 * The organization trail as a CloudTrail delegated administrator manages it
 * (`organizationTrail.delegatedAdministratorAccountId`), with a client in that account.
 *
 * Ownership: "The management account remains the owner of any CloudTrail organization resources the
 * delegated administrator creates", so the trail's ARN is the management account's
 * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-delegated-administrator.html).
 * By name, CloudTrail finds only trails of the caller's own account ("If one or more trail names are
 * specified, information is returned only if the names match the names of trails belonging only to the
 * current Region and current account", API_DescribeTrails.html): the delegated administrator would not
 * find the trail it created. So every call but CreateTrail (whose Name is a name, never an ARN) names
 * the trail by its ARN, which GetTrail, GetTrailStatus, UpdateTrail, StartLogging and
 * PutEventSelectors all accept.
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetTrail.html
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_UpdateTrail.html
 *
 * Refusal: CloudTrail answers NotOrganizationMasterAccountException to an organization-trail write of an
 * account that is neither the management account nor a registered delegated administrator
 * (API_CreateTrail.html, Errors). From the configured delegated administrator that means it is not
 * registered (or was deregistered): `DelegatedAdministratorNotRegistered`, naming the command that
 * registers it.
 */
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { DelegatedAdministratorNotRegistered } from '../shared/errors';
import { type AwsCall, awsErrorFacts, describeCall, isAwsError, mapAwsError } from './aws-errors';
import { TrailAdapter } from './cloudtrail';
import type { ObservedTrail, TrailInput } from './types';

/** Which trail, and from which account. */
export interface DelegatedAdministratorTrail {
  /** The delegated administrator the client acts in. */
  readonly accountId: string;
  /** The organization trail's name (what the step asks for). */
  readonly trailName: string;
  /** Its ARN, the management account's. */
  readonly trailArn: string;
}

/** The command that registers `accountId` (run from the management account). */
export function registerDelegatedAdministratorCommand(accountId: string): string {
  return `aws cloudtrail register-organization-delegated-admin --member-account-id ${accountId}`;
}

/** {@link TrailAdapter} for the organization trail, from a CloudTrail delegated administrator. */
export class DelegatedAdministratorTrails extends TrailAdapter {
  /** @param client a CloudTrailClient in the delegated administrator account and the trail's home region. */
  constructor(
    client: CloudTrailClient,
    private readonly trail: DelegatedAdministratorTrail,
  ) {
    super(client);
  }

  /** The ARN for the organization trail's name; any other name unchanged. */
  private address(name: string): string {
    return name === this.trail.trailName ? this.trail.trailArn : name;
  }

  /** Runs a write, naming a NotOrganizationMasterAccountException for what it means here. */
  private async write<T>(call: AwsCall, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      const aws = (e as { cause?: unknown }).cause ?? e;
      if (!isAwsError(aws, 'NotOrganizationMasterAccountException')) throw e;
      const f = awsErrorFacts(aws);
      throw mapAwsError(
        DelegatedAdministratorNotRegistered,
        `${describeCall(call)}: account ${this.trail.accountId} (organizationTrail.delegatedAdministratorAccountId) is not a registered CloudTrail ` +
          `delegated administrator of the organization (${f.name}: ${f.message}). Register it from the management account with ` +
          `\`${registerDelegatedAdministratorCommand(this.trail.accountId)}\` (the organization needs all features and trusted access for ` +
          'cloudtrail.amazonaws.com), or leave delegatedAdministratorAccountId out to manage the trail from the management account; then re-run. ' +
          'Nothing was written.',
        aws,
        call,
      );
    }
  }

  override get(name: string): Promise<ObservedTrail | undefined> {
    return super.get(this.address(name));
  }

  override create(input: TrailInput): Promise<string> {
    return this.write({ service: 'CloudTrail', operation: 'CreateTrail', target: input.name }, () => super.create(input));
  }

  override update(input: TrailInput): Promise<void> {
    const name = this.address(input.name);
    return this.write({ service: 'CloudTrail', operation: 'UpdateTrail', target: name }, () => super.update({ ...input, name }));
  }

  override startLogging(name: string): Promise<void> {
    const arn = this.address(name);
    return this.write({ service: 'CloudTrail', operation: 'StartLogging', target: arn }, () => super.startLogging(arn));
  }

  override putDefaultEventSelectors(name: string): Promise<void> {
    const arn = this.address(name);
    return this.write({ service: 'CloudTrail', operation: 'PutEventSelectors', target: arn }, () => super.putDefaultEventSelectors(arn));
  }

  override isLogging(name: string): Promise<boolean> {
    return super.isLogging(this.address(name));
  }
}
