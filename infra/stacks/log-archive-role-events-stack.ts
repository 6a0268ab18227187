/**
 * Log-archive role-events stack (log-archive account, us-east-1): the rule that forwards changes to
 * the reader roles to the orchestrator's bus. IAM's "AWS API Call via CloudTrail" events are
 * delivered in us-east-1 only, whatever the home region, so this rule cannot live in the LogArchive
 * stack (home region). It sends with the LogArchive stack's forwarder role (infra/change-forwarding.ts):
 * deploy the LogArchive stack first.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-integration.html
 */
import { Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { addReaderRoleChangeRule } from '../change-forwarding';
import type { AppConfig } from '../config';

/** Properties of {@link LogArchiveRoleEventsStack}. */
export interface LogArchiveRoleEventsStackProps extends StackProps {
  /** The validated deployment configuration. */
  readonly config: AppConfig;
}

/** The reader-role change rule. */
export class LogArchiveRoleEventsStack extends Stack {
  constructor(scope: Construct, id: string, props: LogArchiveRoleEventsStackProps) {
    super(scope, id, props);
    addReaderRoleChangeRule(this, props.config);
  }
}
