/**
 * Every port's factory: the wiring of a caller that may use any port (the CLI's reads, the event
 * function's OU paths: handlers/shared/aws-deps.ts). A step function names only its own
 * (handlers/<step>/index.ts), so its bundle holds only the SDK clients it calls.
 */
import { memberTrails, organizationTrails } from './cloudtrail';
import type { PortFactories } from './core';
import { memberChangeRules } from './events';
import { logArchiveRoles, memberRoles } from './iam';
import { keyPolicy, keyState, resolveKeyArn } from './kms';
import { accountPath, describeAccount, organization } from './organizations';
import { bucketPolicy, logFiles } from './s3';

export const ALL_PORTS: Required<PortFactories> = {
  describeAccount,
  accountPath,
  memberRoles,
  memberTrails,
  memberChangeRules,
  logArchiveRoles,
  organization,
  organizationTrails,
  bucketPolicy,
  logFiles,
  keyPolicy,
  keyState,
  resolveKeyArn,
};
