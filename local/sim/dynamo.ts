/**
 * A real DynamoDB: dynalite on 127.0.0.1, on a free port, in memory or (with `path`) in a LevelDB
 * directory that outlives the process. Tables are created by the caller; table state changes are
 * immediate (no CREATING/DELETING delay).
 * Note: dynalite implements the classic API only (no TransactWriteItems/TransactGetItems).
 * Only one process (one server) may use a data directory at a time: LevelDB locks it.
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

type Dynalite = (options: { createTableMs: number; deleteTableMs: number; updateTableMs: number; path?: string }) => Server;

/** Options of {@link DynamoServer.start}. */
export interface DynamoStartOptions {
  /** Directory of the LevelDB data (created if missing); default: in memory, dropped on stop. */
  readonly path?: string;
}

// dynalite ships no type declarations; its export is the factory above.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as Dynalite;

/** The dynalite server of one world. */
export class DynamoServer {
  private server?: Server;
  private url?: URL;

  /** Starts the server (once); resolves with its endpoint. */
  async start(options: DynamoStartOptions = {}): Promise<{ endpoint: string }> {
    if (this.url) return { endpoint: this.url.origin };
    if (options.path) mkdirSync(options.path, { recursive: true });
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.path ? { path: options.path } : {}) });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    this.server = server;
    this.url = new URL(`http://127.0.0.1:${port}`);
    return { endpoint: this.url.origin };
  }

  /** The endpoint, when running. */
  endpoint(): URL | undefined {
    return this.url;
  }

  /** Stops the server; in-memory data is dropped, a data directory is closed (and kept). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.url = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
