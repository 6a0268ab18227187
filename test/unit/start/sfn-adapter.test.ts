import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  ExecutionLimitExceeded,
  ExecutionNotRedrivable,
  GetExecutionHistoryCommand,
  InvalidArn,
  InvalidExecutionInput,
  InvalidName,
  KmsAccessDeniedException,
  KmsThrottlingException,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
  StateMachineDeleting,
  StateMachineDoesNotExist,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { executionArnOf, StepFunctionsAdapter } from '../../../handlers/adapters/sfn';
import { awsError, modeled, rejection } from '../adapters/sdk-errors';

const SM = 'arn:aws:states:eu-west-1:111122223333:stateMachine:Onboarding';
const EXEC = 'arn:aws:states:eu-west-1:111122223333:execution:Onboarding:onboard-444455556666';
const sfnMock = mockClient(SFNClient);
const adapter = new StepFunctionsAdapter(new SFNClient({ region: 'eu-west-1' }), SM);

beforeEach(() => sfnMock.reset());

describe('executionArnOf', () => {
  it('is the state machine ARN with execution and the name', () => {
    expect(executionArnOf(SM, 'onboard-444455556666')).toBe(EXEC);
  });

  it('refuses an ARN that is not a state machine', () => {
    expect(() => executionArnOf('arn:aws:lambda:eu-west-1:111122223333:function:x', 'n')).toThrow(expect.objectContaining({ name: 'ConfigurationError' }));
  });
});

describe('startExecution', () => {
  it('sends the state machine, the name and the input text unchanged', async () => {
    // prepare
    const startDate = new Date('2026-11-20T08:27:15Z');
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: EXEC, startDate });

    // act
    const r = await adapter.startExecution('onboard-444455556666', '{"accountId":"444455556666"}');

    // assert
    expect(r).toEqual({ executionArn: EXEC, startDate, alreadyStarted: false });
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: SM,
      name: 'onboard-444455556666',
      input: '{"accountId":"444455556666"}',
    });
  });

  it('answers alreadyStarted with the execution ARN when the name is taken', async () => {
    // prepare
    sfnMock.on(StartExecutionCommand).rejects(modeled(ExecutionAlreadyExists, 400, `Execution Already Exists: '${EXEC}'`));

    // act
    const r = await adapter.startExecution('onboard-444455556666', '{"accountId":"444455556666"}');

    // assert
    expect(r).toEqual({ executionArn: EXEC, alreadyStarted: true });
  });
});

describe('describeExecution', () => {
  it('returns status, redrive status, input, error and cause, and dates', async () => {
    // prepare
    const startDate = new Date('2026-11-20T08:27:15Z');
    const stopDate = new Date('2026-11-20T08:29:00Z');
    sfnMock.on(DescribeExecutionCommand).resolves({
      executionArn: EXEC,
      stateMachineArn: SM,
      name: 'onboard-444455556666',
      status: 'FAILED',
      startDate,
      stopDate,
      input: '{"accountId":"444455556666"}',
      error: 'AccessDenied',
      cause: 'EnsureTrail: AWS denied CloudTrail CreateTrail',
      redriveCount: 0,
      redriveStatus: 'REDRIVABLE',
    });

    // act
    const d = await adapter.describeExecution(EXEC);

    // assert
    expect(d).toEqual({
      executionArn: EXEC,
      name: 'onboard-444455556666',
      status: 'FAILED',
      startDate,
      stopDate,
      input: '{"accountId":"444455556666"}',
      error: 'AccessDenied',
      cause: 'EnsureTrail: AWS denied CloudTrail CreateTrail',
      redriveCount: 0,
      redriveStatus: 'REDRIVABLE',
    });
  });

  it('returns undefined for an execution that does not exist', async () => {
    sfnMock.on(DescribeExecutionCommand).rejects(modeled(ExecutionDoesNotExist, 400));
    await expect(adapter.describeExecution(EXEC)).resolves.toBeUndefined();
  });
});

describe('redriveExecution', () => {
  it('redrives and returns the redrive date', async () => {
    const redriveDate = new Date('2026-11-21T10:00:00Z');
    sfnMock.on(RedriveExecutionCommand).resolves({ redriveDate });
    await expect(adapter.redriveExecution(EXEC)).resolves.toEqual({ redriven: true, redriveDate });
    expect(sfnMock).toHaveReceivedCommandWith(RedriveExecutionCommand, { executionArn: EXEC });
  });

  it('answers redriven: false with Step Functions reason when the execution cannot be redriven', async () => {
    sfnMock.on(RedriveExecutionCommand).rejects(modeled(ExecutionNotRedrivable, 400, 'Execution is RUNNING and cannot be redriven'));
    await expect(adapter.redriveExecution(EXEC)).resolves.toEqual({ redriven: false, reason: 'Execution is RUNNING and cannot be redriven' });
  });
});

describe('executionHistory', () => {
  it('reads every page, oldest first, without execution data, with state names and error names', async () => {
    // prepare: two pages
    const t = new Date('2026-11-20T08:27:15Z');
    sfnMock
      .on(GetExecutionHistoryCommand, { executionArn: EXEC, nextToken: undefined })
      .resolves({
        events: [
          { id: 1, type: 'ExecutionStarted', timestamp: t },
          { id: 2, previousEventId: 1, type: 'TaskStateEntered', timestamp: t, stateEnteredEventDetails: { name: 'EnsureTrail' } },
        ],
        nextToken: 'page-2',
      })
      .on(GetExecutionHistoryCommand, { executionArn: EXEC, nextToken: 'page-2' })
      .resolves({
        events: [
          { id: 3, previousEventId: 2, type: 'TaskScheduled', timestamp: t, taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', region: 'eu-west-1', parameters: '{}' } },
          { id: 4, previousEventId: 3, type: 'TaskFailed', timestamp: t, taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'TrailConflict', cause: 'not ours' } },
        ],
      });

    // act
    const events = await adapter.executionHistory(EXEC);

    // assert
    expect(events).toEqual([
      { id: 1, type: 'ExecutionStarted', timestamp: t },
      { id: 2, previousEventId: 1, type: 'TaskStateEntered', timestamp: t, stateName: 'EnsureTrail' },
      { id: 3, previousEventId: 2, type: 'TaskScheduled', timestamp: t },
      { id: 4, previousEventId: 3, type: 'TaskFailed', timestamp: t, error: 'TrailConflict', cause: 'not ours' },
    ]);
    expect(sfnMock).toHaveReceivedCommandTimes(GetExecutionHistoryCommand, 2);
    expect(sfnMock).toHaveReceivedCommandWith(GetExecutionHistoryCommand, { executionArn: EXEC, includeExecutionData: false, maxResults: 1000 });
  });
});

describe('listExecutionsByPrefix', () => {
  it('reads every page, keeps the names with the prefix, most recent first', async () => {
    // prepare
    const at = (m: number) => new Date(Date.UTC(2026, 10, 20, 8, m));
    const item = (name: string, m: number, status: 'SUCCEEDED' | 'FAILED' = 'SUCCEEDED') => ({ executionArn: `${SM.replace(':stateMachine:', ':execution:')}:${name}`, stateMachineArn: SM, name, status, startDate: at(m) });
    sfnMock
      .on(ListExecutionsCommand, { stateMachineArn: SM, nextToken: undefined })
      .resolves({ executions: [item('onboard-555566667777', 9), item('onboard-444455556666-retry-1', 5, 'FAILED')], nextToken: 't2' })
      .on(ListExecutionsCommand, { stateMachineArn: SM, nextToken: 't2' })
      .resolves({ executions: [item('local-1', 4), item('onboard-444455556666', 1, 'FAILED')] });

    // act
    const found = await adapter.listExecutionsByPrefix('onboard-444455556666');

    // assert
    expect(found.map((x) => [x.name, x.status])).toEqual([
      ['onboard-444455556666-retry-1', 'FAILED'],
      ['onboard-444455556666', 'FAILED'],
    ]);
    expect(sfnMock).toHaveReceivedCommandTimes(ListExecutionsCommand, 2);
  });
});

describe('SFN errors are mapped to named errors', () => {
  const cases: { label: string; sdkError: Error; expected: string; message?: RegExp }[] = [
    { label: 'StateMachineDoesNotExist', sdkError: modeled(StateMachineDoesNotExist, 400), expected: 'ConfigurationError', message: /STATE_MACHINE_ARN/ },
    { label: 'StateMachineDeleting', sdkError: modeled(StateMachineDeleting, 400), expected: 'ConfigurationError', message: /STATE_MACHINE_ARN/ },
    { label: 'InvalidArn (of the state machine)', sdkError: modeled(InvalidArn, 400), expected: 'ConfigurationError', message: /STATE_MACHINE_ARN/ },
    { label: 'InvalidName', sdkError: modeled(InvalidName, 400), expected: 'InvalidRequest', message: /name/ },
    { label: 'InvalidExecutionInput', sdkError: modeled(InvalidExecutionInput, 400), expected: 'InvalidRequest', message: /input/ },
    { label: 'ExecutionLimitExceeded', sdkError: modeled(ExecutionLimitExceeded, 400), expected: 'Throttled' },
    { label: 'ThrottlingException', sdkError: awsError(SFNServiceException as never, 'ThrottlingException', 400), expected: 'Throttled' },
    { label: 'KmsThrottlingException', sdkError: modeled(KmsThrottlingException, 400), expected: 'Throttled' },
    { label: 'AccessDeniedException', sdkError: awsError(SFNServiceException as never, 'AccessDeniedException', 400), expected: 'AccessDenied', message: /states:StartExecution/ },
    { label: 'KmsAccessDeniedException', sdkError: modeled(KmsAccessDeniedException, 400), expected: 'AccessDenied', message: /KMS key/ },
    { label: 'a 500', sdkError: awsError(SFNServiceException as never, 'InternalServerError', 500), expected: 'ServiceUnavailable' },
    { label: 'an unknown error', sdkError: awsError(SFNServiceException as never, 'SomethingNew', 400), expected: 'UnexpectedAwsError', message: /SomethingNew/ },
  ];

  it.each(cases)('StartExecution: $label -> $expected', async ({ sdkError, expected, message }) => {
    // prepare
    sfnMock.on(StartExecutionCommand).rejects(sdkError);

    // act
    const err = await rejection(adapter.startExecution('onboard-444455556666', '{}'));

    // assert
    expect(err.name).toBe(expected);
    expect(err.cause).toBe(sdkError);
    expect(err.details).toMatchObject({ service: 'StepFunctions', operation: 'StartExecution' });
    if (message) expect(err.message).toMatch(message);
  });

  it('ExecutionDoesNotExist in the history -> ResourceNotFound', async () => {
    sfnMock.on(GetExecutionHistoryCommand).rejects(modeled(ExecutionDoesNotExist, 400));
    const err = await rejection(adapter.executionHistory(EXEC));
    expect(err.name).toBe('ResourceNotFound');
  });

  it('throttling of ListExecutions -> Throttled', async () => {
    sfnMock.on(ListExecutionsCommand).rejects(awsError(SFNServiceException as never, 'ThrottlingException', 400));
    const err = await rejection(adapter.listExecutionsByPrefix('onboard-'));
    expect(err.name).toBe('Throttled');
  });
});
