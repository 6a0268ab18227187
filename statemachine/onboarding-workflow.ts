/**
 * The onboarding workflow (Standard, JSONPath mode so that the same definition runs locally).
 *
 * ```
 * ValidateRequest ──(validation error)──> DescribeRejection ─> Rejected (Fail)
 *      │
 *      ▼
 * ByAction (Choice) ──(action offboard)──> OffboardAccount ─> Offboarded (Succeed)   (any error: RecordFailure)
 *      │
 *      ▼
 * StartedByChange (Choice) ──(notBefore)──> WaitForChangeWindow
 *      │                                        │
 *      ▼                                        ▼
 * Onboard (Parallel) ──(any error)──> RecordFailure ─> OnboardingFailed (Fail)
 *   ├─ LogDelivery: SharedPolicies (Parallel: EnsureBucketPolicy | EnsureKeyPolicy) ─> TrailByMode (Choice on trailMode)
 *   │                 ─> EnsureTrail (account) | EnsureOrganizationTrail (organization)
 *   ├─ EnsureSwitchRole
 *   ├─ EnsureReaderRole
 *   └─ EnsureChangeRules
 *      │
 *      ▼
 * RecordResult ─> Onboarded (Succeed)
 * ```
 * The trail waits for both policies (CreateTrail checks them, for an organization trail too); the switch role and the reader role
 * depend on nothing but the account id, so they run from the start; so do the change rules (the
 * forwarder role and the EventBridge rules that report changes to the trail and the switch role).
 */
import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { addRetries, REJECTION_ERRORS, RetryProfile, STEP_RETRIES } from './retry-policy';
import { StepName } from './steps';

/** Properties of {@link OnboardingWorkflow}. */
export interface OnboardingWorkflowProps {
  /** One function per step, keyed by state name. */
  readonly functions: Readonly<Record<StepName, lambda.IFunction>>;
  /** Where execution history is logged (level ALL, with execution data). */
  readonly logGroup: logs.ILogGroup;
  /** Whole-execution timeout. Default: 2 hours (a new account may need minutes before it is usable). */
  readonly timeout?: Duration;
}

/** Input every step after validation receives. */
const STEP_PAYLOAD = {
  accountId: sfn.JsonPath.stringAt('$.accountId'),
  executionArn: sfn.JsonPath.stringAt('$.executionArn'),
  mode: sfn.JsonPath.stringAt('$.mode'),
};

/** The onboarding state machine and its definition. */
export class OnboardingWorkflow extends Construct {
  /** The state machine. */
  public readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: OnboardingWorkflowProps) {
    super(scope, id);
    const fns = props.functions;

    const invoke = (
      name: StepName,
      opts: { payload: Record<string, unknown>; resultSelector?: Record<string, unknown>; resultPath?: string | null; outputPath?: string },
      retries: readonly RetryProfile[],
    ): tasks.LambdaInvoke => {
      const task = new tasks.LambdaInvoke(this, name, {
        stateName: name,
        lambdaFunction: fns[name],
        payload: sfn.TaskInput.fromObject(opts.payload),
        resultSelector: opts.resultSelector,
        resultPath: opts.resultPath === null ? sfn.JsonPath.DISCARD : opts.resultPath,
        outputPath: opts.outputPath,
        // Our own Lambda-service retry (with jitter) replaces CDK's default one.
        retryOnServiceExceptions: false,
        taskTimeout: sfn.Timeout.duration(Duration.minutes(5)),
      });
      addRetries(task, retries);
      return task;
    };

    // ---- validation: the raw input is handed over whole so unknown fields can be rejected by name.
    const validate = invoke(
      'ValidateRequest',
      {
        payload: { request: sfn.JsonPath.executionInput, executionArn: sfn.JsonPath.executionId },
        resultSelector: {
          accountId: sfn.JsonPath.stringAt('$.Payload.accountId'),
          executionArn: sfn.JsonPath.stringAt('$.Payload.executionArn'),
          mode: sfn.JsonPath.stringAt('$.Payload.mode'),
          notBefore: sfn.JsonPath.stringAt('$.Payload.notBefore'),
          trailMode: sfn.JsonPath.stringAt('$.Payload.trailMode'),
          action: sfn.JsonPath.stringAt('$.Payload.action'),
          reason: sfn.JsonPath.stringAt('$.Payload.reason'),
        },
        // No ResultPath: the default ("$") replaces the raw input with the validated request.
        // (aws-local-stepfunctions 3.0.0 mishandles an explicit "$", so it is left out.)
      },
      STEP_RETRIES.record,
    );

    // A rejected request writes nothing in AWS; ValidateRequest has recorded the account REJECTED (a valid id
    // refused: handlers/steps/validate-request.ts). Lambda's error envelope carries the message in Cause.
    const describeRejection = new sfn.Pass(this, 'DescribeRejection', {
      stateName: 'DescribeRejection',
      parameters: {
        Error: sfn.JsonPath.stringAt('$.Error'),
        Cause: sfn.JsonPath.stringToJson(sfn.JsonPath.stringAt('$.Cause')),
      },
    });
    const rejected = new sfn.Fail(this, 'Rejected', {
      stateName: 'Rejected',
      errorPath: '$.Error',
      causePath: '$.Cause.errorMessage',
    });
    validate.addCatch(describeRejection.next(rejected), { errors: [...REJECTION_ERRORS] });

    // ---- the resources
    const ensure = (name: StepName, resultSelector: Record<string, unknown>, resultKey: string) =>
      invoke(name, { payload: STEP_PAYLOAD, resultSelector, resultPath: `$.${resultKey}` }, STEP_RETRIES.ensure);
    const changed = sfn.JsonPath.stringAt('$.Payload.changed');
    // What each step found different (and, applying, changed): handlers/domain/drift.ts.
    const drift = sfn.JsonPath.objectAt('$.Payload.drift');

    const bucketPolicy = ensure('EnsureBucketPolicy', { changed, drift, bytes: sfn.JsonPath.numberAt('$.Payload.bytes') }, 'bucketPolicy');
    const keyPolicy = ensure('EnsureKeyPolicy', { changed, drift, bytes: sfn.JsonPath.numberAt('$.Payload.bytes') }, 'keyPolicy');
    const sharedPolicies = new sfn.Parallel(this, 'SharedPolicies', {
      stateName: 'SharedPolicies',
      resultSelector: {
        bucketPolicy: sfn.JsonPath.objectAt('$[0].bucketPolicy.drift'),
        keyPolicy: sfn.JsonPath.objectAt('$[1].keyPolicy.drift'),
      },
      resultPath: '$.sharedPolicies',
    })
      .branch(bucketPolicy)
      .branch(keyPolicy);
    const trailResult = {
      changed,
      drift,
      trailArn: sfn.JsonPath.stringAt('$.Payload.trailArn'),
      delivery: sfn.JsonPath.stringAt('$.Payload.delivery'),
      deliveryDetail: sfn.JsonPath.stringAt('$.Payload.deliveryDetail'),
      // migrateAccountTrails: what became of the account's per-account trail (`none` from EnsureTrail).
      migration: sfn.JsonPath.stringAt('$.Payload.migration'),
      migrationDetail: sfn.JsonPath.stringAt('$.Payload.migrationDetail'),
    };
    const accountTrail = ensure('EnsureTrail', trailResult, 'trail');
    // trailMode organization: the one organization trail instead of a trail per account, same result shape.
    const organizationTrail = ensure('EnsureOrganizationTrail', trailResult, 'trail');
    const trail = new sfn.Choice(this, 'TrailByMode', { stateName: 'TrailByMode' })
      .when(sfn.Condition.stringEquals('$.trailMode', 'organization'), organizationTrail)
      .otherwise(accountTrail);
    const switchRole = ensure('EnsureSwitchRole', { changed, drift, roleArn: sfn.JsonPath.stringAt('$.Payload.roleArn') }, 'switchRole');
    const readerRole = ensure('EnsureReaderRole', { changed, drift, roleArn: sfn.JsonPath.stringAt('$.Payload.roleArn') }, 'readerRole');
    const changeRules = ensure('EnsureChangeRules', { changed, drift }, 'changeRules');

    const onboard = new sfn.Parallel(this, 'Onboard', {
      stateName: 'Onboard',
      // Branch order is fixed: [log delivery, switch role, reader role, change rules].
      resultSelector: {
        trailArn: sfn.JsonPath.stringAt('$[0].trail.trailArn'),
        switchRoleArn: sfn.JsonPath.stringAt('$[1].switchRole.roleArn'),
        readerRoleArn: sfn.JsonPath.stringAt('$[2].readerRole.roleArn'),
        delivery: sfn.JsonPath.stringAt('$[0].trail.delivery'),
        deliveryDetail: sfn.JsonPath.stringAt('$[0].trail.deliveryDetail'),
        accountTrail: { migration: sfn.JsonPath.stringAt('$[0].trail.migration'), detail: sfn.JsonPath.stringAt('$[0].trail.migrationDetail') },
        drift: {
          bucketPolicy: sfn.JsonPath.objectAt('$[0].sharedPolicies.bucketPolicy'),
          keyPolicy: sfn.JsonPath.objectAt('$[0].sharedPolicies.keyPolicy'),
          trail: sfn.JsonPath.objectAt('$[0].trail.drift'),
          switchRole: sfn.JsonPath.objectAt('$[1].switchRole.drift'),
          readerRole: sfn.JsonPath.objectAt('$[2].readerRole.drift'),
          changeRules: sfn.JsonPath.objectAt('$[3].changeRules.drift'),
        },
      },
      resultPath: '$.resources',
    })
      .branch(sharedPolicies.next(trail))
      .branch(switchRole)
      .branch(readerRole)
      .branch(changeRules);

    const recordResult = invoke(
      'RecordResult',
      {
        payload: {
          accountId: sfn.JsonPath.stringAt('$.accountId'),
          executionArn: sfn.JsonPath.stringAt('$.executionArn'),
          mode: sfn.JsonPath.stringAt('$.mode'),
          resources: sfn.JsonPath.objectAt('$.resources'),
        },
        // The switch-role console link: in the execution's output, which the success notification quotes.
        resultSelector: {
          status: sfn.JsonPath.stringAt('$.Payload.status'),
          health: sfn.JsonPath.stringAt('$.Payload.health'),
          switchRoleLink: sfn.JsonPath.stringAt('$.Payload.switchRoleLink'),
        },
        resultPath: '$.result',
      },
      STEP_RETRIES.record,
    );

    // ---- failure path: record FAILED with the error and a cause a person can act on, then fail.
    const recordFailure = invoke(
      'RecordFailure',
      {
        // The whole state is passed: the failure may come before the account id was validated.
        payload: { state: sfn.JsonPath.entirePayload, executionArn: sfn.JsonPath.executionId },
        outputPath: '$.Payload',
      },
      STEP_RETRIES.record,
    );
    const failed = new sfn.Fail(this, 'OnboardingFailed', {
      stateName: 'OnboardingFailed',
      errorPath: '$.error',
      causePath: '$.cause',
    });
    const failurePath = recordFailure.next(failed);
    validate.addCatch(failurePath, { errors: [sfn.Errors.ALL], resultPath: '$.failure' });
    onboard.addCatch(failurePath, { errors: [sfn.Errors.ALL], resultPath: '$.failure' });
    recordResult.addCatch(failurePath, { errors: [sfn.Errors.ALL], resultPath: '$.failure' });

    // A reconcile started by a change event reads nothing before the end of the change's minute
    // (handlers/start/reconcile.ts changeReconcileFor): then one run sees every change of that minute.
    const waitForChanges = new sfn.Wait(this, 'WaitForChangeWindow', { stateName: 'WaitForChangeWindow', time: sfn.WaitTime.timestampPath('$.notBefore') });
    const fromChange = new sfn.Choice(this, 'StartedByChange', { stateName: 'StartedByChange' })
      .when(sfn.Condition.isTimestamp('$.notBefore'), waitForChanges.next(onboard))
      .otherwise(onboard);

    onboard.next(recordResult).next(new sfn.Succeed(this, 'Onboarded', { stateName: 'Onboarded' }));

    // ---- offboarding (`"action": "offboard"`): one step, in order -- the account's resources, the shared
    // grants, the reader role, OFFBOARDED (handlers/steps/offboard-account.ts).
    const offboard = invoke(
      'OffboardAccount',
      {
        payload: { accountId: sfn.JsonPath.stringAt('$.accountId'), executionArn: sfn.JsonPath.stringAt('$.executionArn'), reason: sfn.JsonPath.stringAt('$.reason') },
        resultSelector: { removed: sfn.JsonPath.listAt('$.Payload.removed'), leftBehind: sfn.JsonPath.listAt('$.Payload.leftBehind') },
        resultPath: '$.offboarded',
      },
      STEP_RETRIES.ensure,
    );
    offboard.addCatch(failurePath, { errors: [sfn.Errors.ALL], resultPath: '$.failure' });
    offboard.next(new sfn.Succeed(this, 'Offboarded', { stateName: 'Offboarded' }));
    const byAction = new sfn.Choice(this, 'ByAction', { stateName: 'ByAction' })
      .when(sfn.Condition.stringEquals('$.action', 'offboard'), offboard)
      .otherwise(fromChange);
    const definition = validate.next(byAction);

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: props.timeout ?? Duration.hours(2),
      tracingEnabled: true,
      logs: { destination: props.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
  }
}
