/**
 * Physical names and event shapes the stacks share. They are a contract between stacks that deploy
 * to different accounts and regions (one stack cannot reference another's resources there), so each
 * side builds the same name from here instead of passing a reference.
 */
import type * as events from 'aws-cdk-lib/aws-events';

/**
 * Prefix of every IAM role the orchestrator stack creates (`CloudTrailOnboarding-<StepName>`, ...).
 * The log-archive access role trusts `arn:aws:iam::<orchestrator>:role/CloudTrailOnboarding-*`, so the
 * stacks can be deployed in any order.
 */
export const ROLE_NAME_PREFIX = 'CloudTrailOnboarding-';

/** Name of the orchestrator's event bus: Organizations events arrive here, execution outcomes leave from here. */
export const ONBOARDING_BUS_NAME = 'cloudtrail-onboarding';

/** Name of the state machine (fixed, so that its ARN and its executions' ARNs are known at synth time). */
export const STATE_MACHINE_NAME = 'CloudTrailOnboarding';

/** Name of the forwarding rule in the management account (its ARN scopes the forwarder role's trust). */
export const FORWARD_RULE_NAME = 'CloudTrailOnboarding-ForwardCreateAccountResult';

/** Name of the role the forwarding rule sends events to the orchestrator bus with. */
export const FORWARDER_ROLE_NAME = `${ROLE_NAME_PREFIX}OrganizationsEventsForwarder`;

/**
 * Organizations reports a finished CreateAccount as a service event through CloudTrail, delivered to
 * the default bus of the management account in us-east-1 only.
 * https://docs.aws.amazon.com/organizations/latest/userguide/orgs_security_incident-response.html
 */
export const ORGANIZATIONS_EVENTS_REGION = 'us-east-1';

/** The event of a new account that was created successfully (CreateAccountResult, state SUCCEEDED). */
export const CREATE_ACCOUNT_SUCCEEDED_PATTERN: events.EventPattern = {
  source: ['aws.organizations'],
  detailType: ['AWS Service Event via CloudTrail'],
  detail: {
    eventName: ['CreateAccountResult'],
    serviceEventDetails: { createAccountStatus: { state: ['SUCCEEDED'] } },
  },
};

/** Where the new account's id is in that event. */
export const CREATED_ACCOUNT_ID_PATH = '$.detail.serviceEventDetails.createAccountStatus.accountId';

/**
 * An account joined the organization (AccountJoinedOrganization: by invitation, or created). Organizations
 * logs it as a service event of the management account, "available only in the management account's
 * event history" (us-east-1, like CreateAccountResult); joinedMethod is not matched (its spelling is not
 * documented, and a created account's second start is harmless: same execution name and input).
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_AcceptHandshake.html
 */
export const ACCOUNT_JOINED_PATTERN: events.EventPattern = {
  source: ['aws.organizations'],
  detailType: ['AWS Service Event via CloudTrail'],
  detail: { eventName: ['AccountJoinedOrganization'] },
};

/**
 * An account was moved to another root or OU (MoveAccount, an API call of the management account, in
 * us-east-1): EventBridge has it only while a trail logs the management account's write management
 * events there. StartFromEvent decides with the account's path after the move.
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_MoveAccount.html
 * https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-organizations.html
 */
export const ACCOUNT_MOVED_PATTERN: events.EventPattern = {
  source: ['aws.organizations'],
  detailType: ['AWS API Call via CloudTrail'],
  detail: { eventSource: ['organizations.amazonaws.com'], eventName: ['MoveAccount'] },
};

/**
 * Control Tower's Account Factory vended an account (the CreateManagedAccount lifecycle event, SUCCEEDED),
 * delivered on the management account's default bus in Control Tower's home region.
 * https://docs.aws.amazon.com/controltower/latest/userguide/lifecycle-events.html
 */
export const MANAGED_ACCOUNT_CREATED_PATTERN: events.EventPattern = {
  source: ['aws.controltower'],
  detailType: ['AWS Service Event via CloudTrail'],
  detail: { eventName: ['CreateManagedAccount'], serviceEventDetails: { createManagedAccountStatus: { state: ['SUCCEEDED'] } } },
};

/**
 * An account left the organization: AccountDepartedOrganization, the membership event Organizations logs in
 * the management account whether the management account removed it (departureMethod REMOVED), the member
 * left by itself (LEFT, LeaveOrganization) or a closed account was terminated after its 90 days (CLEANED); a
 * service event, so no trail is needed. StartFromEvent offboards it (handlers/domain/departure-event.ts).
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_RemoveAccountFromOrganization.html
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_LeaveOrganization.html
 */
export const ACCOUNT_DEPARTED_PATTERN: events.EventPattern = {
  source: ['aws.organizations'],
  detailType: ['AWS Service Event via CloudTrail'],
  detail: { eventName: ['AccountDepartedOrganization'] },
};

/**
 * The management account removed an account (RemoveAccountFromOrganization) or closed it (CloseAccount):
 * API calls of the management account in us-east-1, which EventBridge has only while a trail logs its write
 * management events there. Failed calls (`errorCode`: a CloseAccount over its quota) changed nothing and
 * are not forwarded (EventBridge's `exists: false`).
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_CloseAccount.html
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
 */
export const ACCOUNT_REMOVED_OR_CLOSED_PATTERN: events.EventPattern = {
  source: ['aws.organizations'],
  detailType: ['AWS API Call via CloudTrail'],
  detail: { eventSource: ['organizations.amazonaws.com'], eventName: ['RemoveAccountFromOrganization', 'CloseAccount'], errorCode: [{ exists: false }] },
};

/**
 * The forwarding rules of the ManagementEvents stack (us-east-1) besides {@link FORWARD_RULE_NAME}, one per
 * way in (and out: the departures offboard), each with its pattern; the forwarder role's trust names each of them.
 */
export const FORWARD_ACCOUNT_EVENT_RULES = [
  { id: 'ForwardAccountJoinedRule', ruleName: 'CloudTrailOnboarding-ForwardAccountJoined', pattern: ACCOUNT_JOINED_PATTERN, what: 'AccountJoinedOrganization' },
  { id: 'ForwardAccountMovedRule', ruleName: 'CloudTrailOnboarding-ForwardMoveAccount', pattern: ACCOUNT_MOVED_PATTERN, what: 'MoveAccount' },
  { id: 'ForwardManagedAccountCreatedRule', ruleName: 'CloudTrailOnboarding-ForwardCreateManagedAccount', pattern: MANAGED_ACCOUNT_CREATED_PATTERN, what: "Control Tower's CreateManagedAccount SUCCEEDED" },
  { id: 'ForwardAccountDepartedRule', ruleName: 'CloudTrailOnboarding-ForwardAccountDeparted', pattern: ACCOUNT_DEPARTED_PATTERN, what: 'AccountDepartedOrganization' },
  { id: 'ForwardAccountRemovedOrClosedRule', ruleName: 'CloudTrailOnboarding-ForwardRemoveOrCloseAccount', pattern: ACCOUNT_REMOVED_OR_CLOSED_PATTERN, what: 'RemoveAccountFromOrganization and CloseAccount' },
] as const;

/** Environment variable with the state machine's ARN (the API and the event starter read it). */
export const STATE_MACHINE_ARN_ENV = 'STATE_MACHINE_ARN';

/** The permissions boundary of every reader role (a managed policy of the LogArchive stack). */
export const READER_BOUNDARY_POLICY_NAME = `${ROLE_NAME_PREFIX}ReaderBoundary`;

/**
 * The shared reader role of the LogArchive stack (`readerAccess.mode` `shared`): one role for every
 * organization account, each reaching only its own logs through its session tag.
 */
export const SHARED_READER_ROLE_NAME = `${ROLE_NAME_PREFIX}LogReader`;

/**
 * Prefix of the auditor roles of the LogArchive stack (`auditReaders`): `CloudTrailOnboarding-Auditor-<name>`,
 * one per configured auditor, each reading every account's log files (README "Auditor access").
 */
export const AUDIT_READER_ROLE_NAME_PREFIX = `${ROLE_NAME_PREFIX}Auditor-`;

/** The read-only role of the LogArchive stack that operators (`onboard plan`) read the shared policies through. */
export const OPERATOR_READ_ROLE_NAME = `${ROLE_NAME_PREFIX}OperatorRead`;

/** The read-only Organizations role the ManagementEvents stack creates for an orchestrator in another account. */
export const ORGANIZATIONS_READ_ROLE_NAME = `${ROLE_NAME_PREFIX}OrganizationsRead`;

/** The customer managed policy (Orchestrator stack) for the CLI's read-only commands. */
export const OPERATOR_READ_ONLY_POLICY_NAME = `${ROLE_NAME_PREFIX}OperatorReadOnly`;

/**
 * The forwarded API-call events the onboarding bus acts on (StartFromChange): what the member accounts'
 * change rules and the LogArchive stacks' rules send. Each rule already narrows to the service's own
 * resources; the function checks again.
 */
export const CHANGE_EVENT_PATTERN: events.EventPattern = {
  source: ['aws.cloudtrail', 'aws.iam', 'aws.kms', 'aws.s3'],
  detailType: ['AWS API Call via CloudTrail'],
};

/** Construct ids of the stacks: a stable contract (renaming one replaces the stack). */
export const STACK_IDS = {
  logArchive: 'CloudTrailOnboarding-LogArchive',
  logArchiveRoleEvents: 'CloudTrailOnboarding-LogArchiveRoleEvents',
  orchestrator: 'CloudTrailOnboarding-Orchestrator',
  managementEvents: 'CloudTrailOnboarding-ManagementEvents',
  memberAccess: 'CloudTrailOnboarding-MemberAccess',
} as const;

/** Output names of the orchestrator stack: a contract with the operator CLI. */
export const ORCHESTRATOR_OUTPUTS = { stateMachineArn: 'StateMachineArn', tableName: 'StatusTableName', apiUrl: 'ApiUrl' } as const;
