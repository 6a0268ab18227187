/**
 * Test helpers: a demo world attached to real SDK clients made with createClient.
 */
import { createClient, registerClientHook, type SdkClient } from '../../../handlers/shared/clients';
import { createDemoWorld, DEMO } from '../../../local/sim/demo-world';
import type { SimWorld, SimWorldOptions } from '../../../local/sim/world';

export { DEMO };

/** A world registered as client hook; call `dispose()` in afterEach. */
export interface TestWorld {
  readonly world: SimWorld;
  /** A client of `Ctor` signed as `principalArn` (default: the orchestrator's Lambda session). */
  client<C extends SdkClient>(Ctor: new (config: never) => C, principalArn?: string, region?: string): C;
  dispose(): Promise<void>;
}

/** Builds the demo world and registers its hook. */
export function demoWorld(options: Omit<SimWorldOptions, 'organization' | 'partition'> = {}): TestWorld {
  const world = createDemoWorld(options);
  const unregister = registerClientHook(world.hook);
  const clients: SdkClient[] = [];
  return {
    world,
    client(Ctor, principalArn = DEMO.operatorPrincipalArn, region = DEMO.region) {
      const client = createClient(Ctor, { region, credentials: world.credentialsFor(principalArn) });
      clients.push(client);
      return client;
    },
    async dispose() {
      unregister();
      for (const c of clients) c.destroy();
      await world.stop();
    },
  };
}

/** Runs `fn` and returns what it threw (fails when it does not throw). */
export async function caught(fn: () => Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number; attempts?: number } }> {
  try {
    await fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the call to fail');
}

/** Role ARN helpers of the demo organization. */
export const memberRole = (accountId: string, name = 'OrganizationAccountAccessRole') => `arn:aws:iam::${accountId}:role/${name}`;
export const session = (accountId: string, roleName: string, sessionName = 'test') => `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`;
