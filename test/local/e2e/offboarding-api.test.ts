/**
 * DELETE /accounts/{accountId}, end to end on the simulated deployment: the Api function runs as its
 * own role from the synthesized template (its grants decide every call), starts the offboarding with
 * the caller API Gateway authorized and `?reason=`, the run takes the account to OFFBOARDED, and GET
 * then returns the record; bad input gets the same named errors as POST and writes nothing.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { accountsInBucketPolicy } from '../../../handlers/domain/bucket-policy';
import { logDestinationFromConfig } from '../../../handlers/domain/log-destination';
import { parsePolicy } from '../../../handlers/domain/policy-document';
import { parseRuntimeConfig } from '../../../handlers/shared/config';
import { parseAppConfig, runtimeConfigOf } from '../../../infra/config';
import sample from '../../../config/onboarding.sample.json';
import { DEMO, startLocal, writes, type Local } from '../harness';

const [A, B] = DEMO.memberAccountIds;
const CALLER = `arn:aws:sts::${DEMO.managementAccountId}:assumed-role/Operator/jane`;
const dest = logDestinationFromConfig(parseRuntimeConfig(runtimeConfigOf(parseAppConfig(sample, 'test'), 'onboarding-status')));

let local: Local;
beforeAll(async () => {
  local = await startLocal();
  for (const id of [A, B]) {
    const r = await local.run({ accountId: id }, `onboard-${id}`);
    if (r.status !== 'SUCCEEDED') throw new Error(`onboarding ${id}: ${r.status} ${r.error} ${r.cause}`);
  }
}, 120_000);
afterAll(() => local?.stop());

/** A REST proxy event for /accounts/{accountId}, as API Gateway sends it for an AWS_IAM-authorized caller. */
async function call(method: 'DELETE' | 'GET', accountId: string, opts: { query?: Record<string, string>; body?: string } = {}) {
  const event: Partial<APIGatewayProxyEvent> = {
    httpMethod: method,
    resource: '/accounts/{accountId}',
    path: `/accounts/${accountId}`,
    pathParameters: { accountId },
    queryStringParameters: opts.query ?? null,
    multiValueQueryStringParameters: opts.query ? Object.fromEntries(Object.entries(opts.query).map(([k, v]) => [k, [v]])) : null,
    body: opts.body ?? null,
    isBase64Encoded: false,
    headers: {},
    requestContext: { requestId: `offboard-${accountId}`, identity: { userArn: CALLER, caller: 'AROAEXAMPLE:jane', accountId: DEMO.managementAccountId } } as never,
  };
  const r = (await local.sfn.invokeFunction('Api', event)) as { statusCode: number; body: string };
  return { statusCode: r.statusCode, body: JSON.parse(r.body) };
}

describe('DELETE /accounts/{accountId}', () => {
  it.each([
    ['a malformed id', '4444', {}, 400, 'InvalidAccountId'],
    ['an account never onboarded', '123412341234', {}, 404, 'NothingToOffboard'],
    ['a body', A, { body: '{"reason":"contract ended"}' }, 400, 'InvalidRequest'],
    ['an unknown query parameter', A, { query: { force: 'true' } }, 400, 'InvalidRequest'],
  ])('refuses %s by name and writes nothing', async (_what, id, opts, statusCode, name) => {
    local.world.resetCalls();
    const r = await call('DELETE', id, opts);
    expect({ statusCode: r.statusCode, name: r.body.error?.name }).toEqual({ statusCode, name });
    expect(writes(local.world)).toEqual([]);
    expect(local.world.stepFunctions.list().filter((x) => x.name.startsWith('offboard-'))).toEqual([]);
  });

  it('starts the offboarding as the Api role (202) with who asked and why; the run ends OFFBOARDED and GET returns the record', async () => {
    const r = await call('DELETE', A, { query: { reason: 'contract ended' } });

    expect(r.statusCode).toBe(202);
    expect(r.body).toMatchObject({ outcome: 'started', accountId: A, execution: { executionName: expect.stringMatching(new RegExp(`^offboard-${A}-\\d{8}T\\d{6}Z$`)), status: 'RUNNING' } });
    expect((await local.world.stepFunctions.settled(r.body.execution.executionArn)).status).toBe('SUCCEEDED');
    const view = await call('GET', A);
    expect(view.statusCode).toBe(200);
    expect(view.body).toMatchObject({
      status: 'OFFBOARDED',
      execution: { executionName: r.body.execution.executionName, status: 'SUCCEEDED' },
      record: { offboarding: { reason: `API DELETE by ${CALLER}: contract ended`, removed: expect.arrayContaining(['trail', 'bucketPolicy', 'keyPolicy', 'readerRole']), leftBehind: [] } },
    });
    expect(accountsInBucketPolicy(parsePolicy(local.world.s3.getBucket(dest.bucketName)?.policy, 'bucket policy'), dest)).toEqual([B]);
  });

  it('again, once offboarded: a new run (the next name), which finds nothing left to remove and leaves the record as it was', async () => {
    const before = (await call('GET', A)).body.record.offboarding;
    const r = await call('DELETE', A);
    expect(r.statusCode).toBe(202);
    expect(r.body.execution.executionName).toMatch(new RegExp(`^offboard-${A}-\\d{8}T\\d{6}Z-1$`));
    expect((await local.world.stepFunctions.settled(r.body.execution.executionArn)).status).toBe('SUCCEEDED');
    // Nothing to do, nothing written: the first run's record (its reason, what it removed) stays.
    expect((await call('GET', A)).body.record.offboarding).toEqual(before);
    expect(before).toMatchObject({ reason: `API DELETE by ${CALLER}: contract ended`, removed: expect.arrayContaining(['trail', 'readerRole']) });
  });
});
