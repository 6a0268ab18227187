/**
 * Starting an onboarding, for every way in: the API (handlers/api), the Organizations event
 * (handlers/start-from-event) and the operator CLI. Not a Lambda entry: a module they share.
 */
export { createStartDeps, loadStateMachineArn, regionOfStateMachine, STATE_MACHINE_ARN_ENV } from './aws-deps';
export { decideRetry, isOpen, latestExecution, nextRetryNumber, outcomeOfExisting, RetryOutcome, StartOutcome, type RetryAction } from './decisions';
export type { AccountStatusPort, ExecutionsPort, StartDeps } from './deps';
export { EXECUTION_NAME_PREFIX, executionInputFor, executionNameFor, isInputFor, retryExecutionNameFor, runNumberOf } from './naming';
export { describeOnboarding, retryOnboarding, startOnboarding, type ExecutionRef, type OnboardingView, type RetryResult, type StartResult } from './starter';
export { summarizeSteps, type StepStatus, type StepSummary } from './steps';
