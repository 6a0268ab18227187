/**
 * A real DynamoDB (dynalite, in memory) with the status table created, for adapter tests.
 * `const t = await startTable(); ... await t.stop();`
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { STATUS_INDEX_NAME, TABLE_KEY } from '../../../handlers/adapters/status-store';

// dynalite ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (opts: { createTableMs?: number; deleteTableMs?: number }) => Server;

/** A running dynalite with one table. */
export interface TestTable {
  doc: DynamoDBDocumentClient;
  tableName: string;
  stop(): Promise<void>;
}

/** Starts dynalite on a free port and creates `tableName` with the status table's key and its status index (as the Orchestrator stack defines them). */
export async function startTable(tableName = 'onboarding-status'): Promise<TestTable> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [
        { AttributeName: TABLE_KEY, AttributeType: 'S' },
        { AttributeName: 'status', AttributeType: 'S' },
        { AttributeName: 'accountId', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: TABLE_KEY, KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: STATUS_INDEX_NAME,
          KeySchema: [
            { AttributeName: 'status', KeyType: 'HASH' },
            { AttributeName: 'accountId', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  for (let i = 0; i < 100; i++) {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (out.Table?.TableStatus === 'ACTIVE') break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const doc = DynamoDBDocumentClient.from(client);
  return {
    doc,
    tableName,
    stop: async () => {
      client.destroy();
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  };
}

/** Counts the writes (Put/Update/Delete) sent through `doc` from now on. */
export function countWrites(doc: DynamoDBDocumentClient): () => number {
  const spy = jest.spyOn(doc, 'send');
  return () =>
    spy.mock.calls.filter(([command]) => ['PutCommand', 'UpdateCommand', 'DeleteCommand'].includes(command.constructor.name))
      .length;
}
