/** Builds SDK errors the way the SDK throws them (service exception classes with $fault/$metadata). */
type BaseCtor = new (opts: {
  name: string;
  $fault: 'client' | 'server';
  $metadata: { httpStatusCode?: number; requestId?: string };
  message: string;
}) => Error;

/** An error of AWS name `name` built from a service's base exception class (e.g. IAMServiceException). */
export function awsError(Base: BaseCtor, name: string, httpStatusCode: number, message = `${name} message`): Error {
  return new Base({
    name,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode, requestId: 'req-123' },
    message,
  });
}

/** A modeled exception of the SDK (e.g. NoSuchEntityException), with an HTTP status. */
export function modeled<E extends Error>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each class has its own option type
  Ctor: new (opts: any) => E,
  httpStatusCode: number,
  message = 'modeled error message',
): E {
  return new Ctor({ message, $metadata: { httpStatusCode, requestId: 'req-123' } });
}

/** The error `p` rejects with (fails the test when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error & { details: Record<string, unknown>; cause?: unknown }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { details: Record<string, unknown>; cause?: unknown };
  }
  throw new Error('expected the promise to reject');
}
