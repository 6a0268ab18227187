import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  assumeRole,
  isAssumeRoleDenied,
  logArchiveSession,
  memberAccountSession,
  SessionCache,
} from '../../../handlers/adapters/sts';
import { AccessDenied, LogArchiveRoleNotAssumable, MemberAccountNotReady, Throttled } from '../../../handlers/shared/errors';
import { awsError, rejection } from './sdk-errors';

const stsMock = mockClient(STSClient);
const sts = new STSClient({ region: 'eu-west-1' });

const T0 = new Date('2025-03-01T10:00:00Z');
const expiresAt = new Date(T0.getTime() + 60 * 60 * 1000);
const member = { partition: 'aws', accountId: '444455556666', memberAccessRoleName: 'OrganizationAccountAccessRole', region: 'eu-west-1' };
const memberRoleArn = 'arn:aws:iam::444455556666:role/OrganizationAccountAccessRole';
const logArchiveRoleArn = 'arn:aws:iam::222233334444:role/OnboardingLogArchiveAccess';

const credentials = (id: string) => ({
  Credentials: { AccessKeyId: id, SecretAccessKey: 'secret', SessionToken: 'token', Expiration: expiresAt },
});
const denied = () => awsError(STSServiceException, 'AccessDenied', 403, 'not authorized to perform: sts:AssumeRole');

let clock: Date;
let cache: SessionCache;

beforeEach(() => {
  stsMock.reset();
  clock = T0;
  cache = new SessionCache(() => clock);
  stsMock.on(AssumeRoleCommand).resolves(credentials('ASIAFIRST'));
  stsMock.on(GetCallerIdentityCommand).resolves({ Account: '444455556666' });
});

describe('assumeRole', () => {
  it('returns credentials usable by createClient, with expiration and account id', async () => {
    // act
    const creds = await assumeRole(sts, memberRoleArn, 'test-session');

    // assert
    expect(creds).toEqual({
      accessKeyId: 'ASIAFIRST',
      secretAccessKey: 'secret',
      sessionToken: 'token',
      expiration: expiresAt,
      accountId: '444455556666',
    });
    expect(stsMock).toHaveReceivedCommandWith(AssumeRoleCommand, { RoleArn: memberRoleArn, RoleSessionName: 'test-session' });
  });

  it('reports a denial as AccessDenied that isAssumeRoleDenied recognises', async () => {
    // prepare
    stsMock.on(AssumeRoleCommand).rejects(denied());

    // act
    const err = await rejection(assumeRole(sts, memberRoleArn, 's'));

    // assert
    expect(err).toBeInstanceOf(AccessDenied);
    expect(isAssumeRoleDenied(err)).toBe(true);
    expect(isAssumeRoleDenied(new AccessDenied('other call', { operation: 'PutKeyPolicy' }))).toBe(false);
  });
});

describe('memberAccountSession', () => {
  it('assumes the member-access role and probes with the new credentials', async () => {
    // act
    const creds = await memberAccountSession(sts, member, { cache });

    // assert
    expect(creds.accessKeyId).toBe('ASIAFIRST');
    expect(stsMock).toHaveReceivedCommandWith(AssumeRoleCommand, { RoleArn: memberRoleArn });
    const probe = stsMock.commandCalls(GetCallerIdentityCommand)[0].thisValue as STSClient;
    const probeCreds = await (probe.config.credentials as () => Promise<{ accessKeyId: string }>)();
    expect(probeCreds.accessKeyId).toBe('ASIAFIRST');
  });

  it('reuses the cached session until five minutes before it expires', async () => {
    // prepare
    await memberAccountSession(sts, member, { cache });
    stsMock.on(AssumeRoleCommand).resolves(credentials('ASIASECOND'));

    // act
    clock = new Date(expiresAt.getTime() - 6 * 60 * 1000);
    const stillCached = await memberAccountSession(sts, member, { cache });
    clock = new Date(expiresAt.getTime() - 5 * 60 * 1000);
    const renewed = await memberAccountSession(sts, member, { cache });

    // assert
    expect(stillCached.accessKeyId).toBe('ASIAFIRST');
    expect(renewed.accessKeyId).toBe('ASIASECOND');
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
  });

  it('turns a denied AssumeRole into MemberAccountNotReady that says what to check', async () => {
    // prepare
    stsMock.on(AssumeRoleCommand).rejects(denied());

    // act
    const err = await rejection(memberAccountSession(sts, member, { cache }));

    // assert
    expect(err).toBeInstanceOf(MemberAccountNotReady);
    expect(err.message).toMatch(/minutes/);
    expect(err.message).toMatch(/role exists/);
    expect(err.message).toMatch(/trusts the orchestrator/);
    expect(err.details).toMatchObject({ accountId: '444455556666', roleArn: memberRoleArn, awsError: 'AccessDenied' });
    expect(err.cause).toBeInstanceOf(STSServiceException);
  });

  it('turns a refused probe into MemberAccountNotReady and does not cache the session', async () => {
    // prepare
    stsMock.on(GetCallerIdentityCommand).rejectsOnce(denied()).resolves({ Account: '444455556666' });

    // act
    const err = await rejection(memberAccountSession(sts, member, { cache }));
    await memberAccountSession(sts, member, { cache });

    // assert
    expect(err).toBeInstanceOf(MemberAccountNotReady);
    expect(err.details.operation).toBe('GetCallerIdentity');
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
  });

  it('keeps throttling as Throttled rather than MemberAccountNotReady', async () => {
    // prepare
    stsMock.on(AssumeRoleCommand).rejects(awsError(STSServiceException, 'Throttling', 400));

    // act
    const err = await rejection(memberAccountSession(sts, member, { cache }));

    // assert
    expect(err).toBeInstanceOf(Throttled);
  });
});

describe('logArchiveSession', () => {
  it('assumes logArchiveAccessRoleArn and caches it', async () => {
    // act
    await logArchiveSession(sts, { logArchiveAccessRoleArn: logArchiveRoleArn }, { cache });
    const again = await logArchiveSession(sts, { logArchiveAccessRoleArn: logArchiveRoleArn }, { cache });

    // assert
    expect(again.accessKeyId).toBe('ASIAFIRST');
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    expect(stsMock).toHaveReceivedCommandWith(AssumeRoleCommand, { RoleArn: logArchiveRoleArn });
    expect(stsMock).not.toHaveReceivedCommand(GetCallerIdentityCommand);
  });

  it('treats a denied AssumeRole as LogArchiveRoleNotAssumable (retried: STS answers propagation so too), naming the config key', async () => {
    // prepare
    stsMock.on(AssumeRoleCommand).rejects(denied());

    // act
    const err = await rejection(logArchiveSession(sts, { logArchiveAccessRoleArn: logArchiveRoleArn }, { cache }));

    // assert
    expect(err).toBeInstanceOf(LogArchiveRoleNotAssumable);
    expect(err.message).toContain('logArchiveAccessRoleArn');
  });
});
