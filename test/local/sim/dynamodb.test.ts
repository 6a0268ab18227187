import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { caught, DEMO, demoWorld, type TestWorld } from './helpers';

describe('DynamoDB pass-through to dynalite', () => {
  let t: TestWorld;
  let doc: DynamoDBDocumentClient;
  beforeEach(async () => {
    t = demoWorld();
    const { endpoint } = await t.world.startDynamo();
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const ddb = t.client(DynamoDBClient);
    // The runner creates the table; the sim only passes requests on.
    await ddb.send(new CreateTableCommand({ TableName: 'status', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }));
    doc = DynamoDBDocumentClient.from(ddb);
    t.world.resetCalls();
  });
  afterEach(() => t.dispose());

  it('stores items in dynalite, logs the calls and counts writes', async () => {
    await doc.send(new PutCommand({ TableName: 'status', Item: { pk: 'ACCOUNT#1', status: 'IN_PROGRESS' } }));
    await doc.send(new UpdateCommand({ TableName: 'status', Key: { pk: 'MEMBERS#shared-policies' }, UpdateExpression: 'ADD accounts :a', ExpressionAttributeValues: { ':a': new Set(['444455556666']) } }));
    const { Item } = await doc.send(new GetCommand({ TableName: 'status', Key: { pk: 'ACCOUNT#1' } }));
    expect(Item).toEqual({ pk: 'ACCOUNT#1', status: 'IN_PROGRESS' });
    expect(t.world.calls.map((c) => [c.service, c.operation, c.write, c.accountId])).toEqual([
      ['dynamodb', 'PutItem', true, DEMO.managementAccountId],
      ['dynamodb', 'UpdateItem', true, DEMO.managementAccountId],
      ['dynamodb', 'GetItem', false, DEMO.managementAccountId],
    ]);
    expect(t.world.writeCalls()).toHaveLength(2);
  });

  it('gives one client the sockets of many Lambda containers: 200 requests at once are not queued behind 50 sockets', async () => {
    const warnings: string[] = [];
    const warn = jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
      warnings.push(args.map(String).join(' '));
    });
    try {
      await Promise.all(Array.from({ length: 200 }, (_, i) => doc.send(new PutCommand({ TableName: 'status', Item: { pk: `ACCOUNT#${i}` } }))));
    } finally {
      warn.mockRestore();
    }
    expect(warnings.filter((w) => /socket usage at capacity/.test(w))).toEqual([]);
    // The pool itself: the agent the handler sends with allows more than the SDK's default 50 sockets.
    const client = t.client(DynamoDBClient);
    await DynamoDBDocumentClient.from(client).send(new GetCommand({ TableName: 'status', Key: { pk: 'ACCOUNT#0' } }));
    const handler = (client.config as unknown as { requestHandler: { config?: { httpAgent?: { maxSockets?: number } } } }).requestHandler;
    expect(handler.config?.httpAgent?.maxSockets).toBeGreaterThan(200);
  });

  it('passes DynamoDB errors through and records them', async () => {
    await doc.send(new PutCommand({ TableName: 'status', Item: { pk: 'LOCK#bucket-policy', owner: 'a' } }));
    const err = await caught(() => doc.send(new PutCommand({ TableName: 'status', Item: { pk: 'LOCK#bucket-policy', owner: 'b' }, ConditionExpression: 'attribute_not_exists(pk)' })));
    expect(err.name).toBe('ConditionalCheckFailedException');
    expect(t.world.calls.at(-1)).toMatchObject({ operation: 'PutItem', write: true, error: 'ConditionalCheckFailedException' });
  });

  it('applies fault injection before the request reaches dynalite, and the SDK retries', async () => {
    t.world.faults.inject({ service: 'dynamodb', operation: 'PutItem', error: 'Throttling' });
    const out = await doc.send(new PutCommand({ TableName: 'status', Item: { pk: 'ACCOUNT#2' } }));
    expect(out.$metadata.attempts).toBe(2);
    expect(t.world.calls.map((c) => c.error)).toEqual(['ProvisionedThroughputExceededException', undefined]);
  });
});
