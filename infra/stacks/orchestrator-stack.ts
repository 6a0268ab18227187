/**
 * Orchestrator stack: the step functions, the status table and the state machine.
 * Deployed in the orchestrator account (default: the management account), home region.
 */
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { CONFIG_ENV } from '../../handlers/shared/config';
import { OnboardingWorkflow } from '../../statemachine/onboarding-workflow';
import { STEP_ENV, STEP_NAMES, STEPS, StepName } from '../../statemachine/steps';
import { AppConfig, runtimeConfigOf } from '../config';

/** Properties of {@link OrchestratorStack}. */
export interface OrchestratorStackProps extends StackProps {
  /** The validated deployment configuration. */
  readonly config: AppConfig;
}

/** What each step may do beyond reading and writing the status table. */
const STEP_ACCESS: Record<StepName, { member?: boolean; logArchive?: boolean; organizations?: boolean }> = {
  ValidateRequest: { organizations: true },
  EnsureSwitchRole: { member: true },
  EnsureBucketPolicy: { logArchive: true },
  EnsureKeyPolicy: { logArchive: true },
  EnsureTrail: { member: true },
  EnsureReaderRole: { logArchive: true },
  RecordResult: {},
  RecordFailure: {},
};

const HANDLERS_DIR = path.join(__dirname, '..', '..', 'handlers');

/** The orchestrator: state machine, step functions, status table. */
export class OrchestratorStack extends Stack {
  /** The onboarding state machine. */
  public readonly workflow: OnboardingWorkflow;
  /** Status table. */
  public readonly table: dynamodb.Table;
  /** Step functions by state name. */
  public readonly functions: Record<StepName, nodejs.NodejsFunction>;

  constructor(scope: Construct, id: string, props: OrchestratorStackProps) {
    super(scope, id, props);
    const cfg = props.config;

    this.table = new dynamodb.Table(this, 'StatusTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const runtimeConfig = this.toJsonString(runtimeConfigOf(cfg, this.table.tableName));
    const memberRoleArn = `arn:${this.partition}:iam::*:role/${cfg.memberAccessRoleName}`;
    const logArchiveRoleArn = `arn:${this.partition}:iam::${cfg.logArchiveAccountId}:role/${cfg.logArchiveAccessRoleName}`;

    const fns = {} as Record<StepName, nodejs.NodejsFunction>;
    for (const name of STEP_NAMES) {
      const logGroup = new logs.LogGroup(this, `${name}Logs`, {
        retention: logs.RetentionDays.ONE_YEAR,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const fn = new nodejs.NodejsFunction(this, name, {
        entry: path.join(HANDLERS_DIR, STEPS[name], 'index.ts'),
        handler: 'handler',
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: 256,
        timeout: Duration.minutes(2),
        tracing: lambda.Tracing.ACTIVE,
        logGroup,
        environment: {
          [CONFIG_ENV]: runtimeConfig,
          [STEP_ENV]: name,
          POWERTOOLS_SERVICE_NAME: 'cloudtrail-onboarding',
          POWERTOOLS_METRICS_NAMESPACE: 'CloudTrailOnboarding',
          NODE_OPTIONS: '--enable-source-maps',
        },
        bundling: {
          forceDockerBundling: false,
          minify: true,
          sourceMap: true,
          target: 'node22',
          format: nodejs.OutputFormat.CJS,
          // Pin our own SDK version in the bundle rather than the runtime's.
          bundleAwsSDK: true,
        },
      });
      const access = STEP_ACCESS[name];
      this.table.grantReadWriteData(fn);
      if (access.member) {
        fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [memberRoleArn] }));
      }
      if (access.logArchive) {
        fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [logArchiveRoleArn] }));
      }
      if (access.organizations && cfg.organizationId) {
        if (cfg.organizationsRoleArn) {
          fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [cfg.organizationsRoleArn] }));
        } else {
          fn.addToRolePolicy(
            new iam.PolicyStatement({
              actions: ['organizations:DescribeAccount'],
              resources: [`arn:${this.partition}:organizations::${cfg.managementAccountId}:account/${cfg.organizationId}/*`],
            }),
          );
        }
      }
      fns[name] = fn;
    }
    this.functions = fns;

    const sfnLogs = new logs.LogGroup(this, 'StateMachineLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.workflow = new OnboardingWorkflow(this, 'Onboarding', { functions: fns, logGroup: sfnLogs });
  }
}
