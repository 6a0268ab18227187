/**
 * AWS-managed IAM policies, as far as the simulation needs their content.
 *
 * Every `arn:aws:iam::aws:policy/...` ARN can be attached (AWS publishes hundreds). For evaluation,
 * AdministratorAccess is what it says; every other AWS-managed policy is approximated as a
 * read-only audit policy that grants metadata reads but no S3 object reads and no KMS decryption,
 * which is the property the log-access checks depend on (SecurityAudit, ViewOnlyAccess).
 */
import { sharedDocument } from './policy-doc';

const ADMINISTRATOR = sharedDocument({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });

const READ_ONLY_AUDIT = sharedDocument({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: [
        'cloudtrail:Describe*',
        'cloudtrail:Get*',
        'cloudtrail:List*',
        'iam:Get*',
        'iam:List*',
        'kms:Describe*',
        'kms:GetKeyPolicy',
        'kms:List*',
        'organizations:Describe*',
        'organizations:List*',
        's3:GetBucket*',
        's3:ListAllMyBuckets',
        'sts:GetCallerIdentity',
      ],
      Resource: '*',
    },
  ],
});

const AWS_MANAGED_ARN = /^arn:[a-z-]+:iam::aws:policy\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/;

/** True for an AWS-managed policy ARN (`arn:aws:iam::aws:policy/...`), which always exists. */
export function isAwsManagedPolicyArn(arn: string): boolean {
  return AWS_MANAGED_ARN.test(arn);
}

/** Name of a managed policy from its ARN (the last path segment). */
export function managedPolicyName(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/** The document the simulation evaluates for an AWS-managed policy. */
export function awsManagedPolicyDocument(arn: string): object {
  return managedPolicyName(arn) === 'AdministratorAccess' ? ADMINISTRATOR : READ_ONLY_AUDIT;
}
