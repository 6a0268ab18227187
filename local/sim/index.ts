/**
 * The simulated AWS organization (see world.ts). Entry point for the local runner, the demo and tests.
 */
export { SimWorld, type SimWorldOptions } from './world';
export { createDemoWorld, DEMO } from './demo-world';
export type { AccountSpec, AccountState, FeatureSet, OrganizationSpec, SimAccount } from './accounts';
export type { CallRecord } from './calls';
export type { LogAccessAction, LogAccessOptions } from './checks';
export type { SimService } from './errors';
export type { FaultKind, FaultSpec } from './faults';
export type { SimCredentials, Principal } from './identity';
export type { LogArchiveSeed, LogArchiveSpec, MemberSeedOptions, OrganizationTrailSeedSpec } from './seeds';
export { seedOrganizationTrail } from './seeds';
export { CLOUDTRAIL_SERVICE_PRINCIPAL } from './organizations';
export { ADMINISTRATOR_ACCESS, KEY_ADMINISTRATOR_ROLE, LOG_ARCHIVE_ACCESS_ROLE, ORGANIZATION_ACCESS_ROLE, denyInsecureTransport } from './seeds';
export type { WorldSnapshot } from './snapshot';
export { EventsSim, DEFAULT_BUS } from './events';
export type { DropFilter, FailedDelivery, LambdaTargetContext, LambdaTargetHandler, ReceivedEvent, SimEvent, SimEventBus, SimRule, TargetInvocation } from './events';
export { API_CALL_DETAIL_TYPE } from './api-call-events';
export { InvalidEventPatternError, matchesEventPattern, parseEventPattern, type EventPattern } from './event-patterns';
