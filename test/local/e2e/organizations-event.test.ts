/**
 * The Organizations way in, through the deployed EventBridge wiring: the CreateAccountResult event
 * (the fixture, delivered to the management account's default bus in us-east-1) is forwarded by the
 * ManagementEvents stack's rule and role to the orchestrator's bus, whose policy admits the
 * management account, and its rule invokes StartFromEvent with `{"accountId": ...}`; the onboarding
 * runs. Every hop is the synthesized template's, deployed into the simulation.
 */
import { organizationsEvents } from '../../fixtures';
import { startLocal, type Local } from '../harness';

const events = organizationsEvents();
const ACCOUNT = events.createAccountResultSucceeded.detail.serviceEventDetails.createAccountStatus.accountId;
let local: Local;

beforeAll(async () => {
  local = await startLocal();
});
afterAll(() => local.stop());

it('a CreateAccountResult SUCCEEDED event onboards the new account, through both buses and the event function', async () => {
  const outcome = local.world.events.emitAwsEvent(events.createAccountResultSucceeded as never);
  expect(outcome).toBe('received');
  await local.world.events.drain();
  await local.world.stepFunctions.idle();
  expect(local.world.events.failedDeliveries().filter((f) => !/Notifications|states/.test(JSON.stringify(f)))).toEqual([]);
  const runs = local.world.stepFunctions.list().filter((x) => x.name === `onboard-${ACCOUNT}`);
  expect(runs.map((x) => [x.status, JSON.parse(x.input)])).toEqual([['SUCCEEDED', { accountId: ACCOUNT }]]);
  expect(await local.status.getAccount(ACCOUNT)).toMatchObject({ status: 'ONBOARDED' });
  // The event function started it (authorized as its own role: StartExecution on this state machine).
  expect(local.world.stepFunctions.calls.filter((c) => c.operation === 'StartExecution' && c.error === undefined).map((c) => c.input.name)).toEqual([`onboard-${ACCOUNT}`]);
});

it('a FAILED account creation starts nothing', async () => {
  const before = local.world.stepFunctions.list().length;
  local.world.events.emitAwsEvent(events.createAccountResultFailed as never);
  await local.world.events.drain();
  expect(local.world.stepFunctions.list().length).toBe(before);
});
