/**
 * Management-events stack (management account, us-east-1): forwards the Organizations
 * CreateAccountResult SUCCEEDED event from the default bus to the orchestrator's
 * `cloudtrail-onboarding` bus (orchestrator account, home region).
 *
 * Organizations events are delivered only to the management account's default bus in us-east-1, so
 * this stack is deployed whenever an organization is configured -- also when the orchestrator is the
 * management account but its home region is another one. When the orchestrator IS the management
 * account in us-east-1, it is deployed all the same (same account and region: the rule forwards from
 * the default bus to the onboarding bus): one path for the event in every layout, and the onboarding
 * bus's rule is the only place that starts executions from events.
 */
import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AppConfig, orchestratorAccount } from '../config';
import { acknowledge, wildcardResourceFinding } from '../nag';
import { CREATE_ACCOUNT_SUCCEEDED_PATTERN, FORWARD_RULE_NAME, FORWARDER_ROLE_NAME, ONBOARDING_BUS_NAME, ORGANIZATIONS_READ_ROLE_NAME, ROLE_NAME_PREFIX } from '../names';

/** Properties of {@link ManagementEventsStack}. */
export interface ManagementEventsStackProps extends StackProps {
  /** The validated deployment configuration. */
  readonly config: AppConfig;
}

/** The forwarder of the account-created event. */
export class ManagementEventsStack extends Stack {
  /** ARN of the orchestrator bus events are forwarded to. */
  public readonly targetBusArn: string;

  constructor(scope: Construct, id: string, props: ManagementEventsStackProps) {
    super(scope, id, props);
    const cfg = props.config;
    this.targetBusArn = `arn:${this.partition}:events:${cfg.homeRegion}:${orchestratorAccount(cfg)}:event-bus/${ONBOARDING_BUS_NAME}`;
    const bus = events.EventBus.fromEventBusArn(this, 'OnboardingBus', this.targetBusArn);

    // Known before the rule exists, so the role's trust can name it (confused-deputy protection).
    const ruleArn = `arn:${this.partition}:events:${this.region}:${this.account}:rule/${FORWARD_RULE_NAME}`;
    const role = new iam.Role(this, 'ForwarderRole', {
      roleName: FORWARDER_ROLE_NAME,
      description: 'EventBridge forwards the Organizations account-created event to the CloudTrail onboarding bus with this role.',
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account, 'aws:SourceArn': ruleArn } },
      }),
      inlinePolicies: {
        PutEventsOnOnboardingBus: new iam.PolicyDocument({
          statements: [new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [this.targetBusArn] })],
        }),
      },
    });

    // ---- what ValidateRequest reads Organizations through when the orchestrator is another account
    if (orchestratorAccount(cfg) !== cfg.managementAccountId && !cfg.organizationsRoleArn && cfg.organizationId) {
      const orchestrator = orchestratorAccount(cfg);
      const accounts = `arn:${this.partition}:organizations::${cfg.managementAccountId}:account/${cfg.organizationId}/*`;
      const readRole = new iam.Role(this, 'OrganizationsReadRole', {
        roleName: ORGANIZATIONS_READ_ROLE_NAME,
        description: 'Assumed by the CloudTrail onboarding service (ValidateRequest) to read the account being onboarded in Organizations.',
        // Only the ValidateRequest role of the orchestrator (a principal ARN condition: IAM refuses a
        // trust policy naming a role that does not exist yet, so the stacks deploy in any order).
        assumedBy: new iam.AccountPrincipal(orchestrator).withConditions({
          ArnEquals: { 'aws:PrincipalArn': `arn:${this.partition}:iam::${orchestrator}:role/${ROLE_NAME_PREFIX}ValidateRequest` },
        }),
        maxSessionDuration: Duration.hours(1),
        inlinePolicies: {
          DescribeAccounts: new iam.PolicyDocument({
            statements: [new iam.PolicyStatement({ sid: 'DescribeAccounts', actions: ['organizations:DescribeAccount'], resources: [accounts] })],
          }),
        },
      });
      acknowledge(
        readRole,
        wildcardResourceFinding(readRole, accounts),
        'ValidateRequest describes the account being onboarded, not known at deploy time; limited to DescribeAccount on accounts of this one organization.',
      );
    }

    const dlq = new sqs.Queue(this, 'ForwardDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Marks the queue as a dead-letter queue ([CT.SQS.PR.1]: every queue has a DLQ or is one). allowAll
      // is SQS's behaviour when a queue has no redrive-allow policy, made explicit; EventBridge writes to
      // it directly, no source queue redrives into it.
      // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
      redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.ALLOW_ALL },
    });
    acknowledge(
      dlq,
      'AwsSolutions-SQS3',
      'This queue is itself the dead-letter queue of the forwarding rule (e.g. events sent before the orchestrator bus existed).',
    );

    new events.Rule(this, 'ForwardAccountCreatedRule', {
      ruleName: FORWARD_RULE_NAME,
      description: 'Forwards CreateAccountResult SUCCEEDED to the CloudTrail onboarding bus in the orchestrator account.',
      eventPattern: CREATE_ACCOUNT_SUCCEEDED_PATTERN,
      targets: [new targets.EventBus(bus, { role, deadLetterQueue: dlq })],
    });
  }
}
