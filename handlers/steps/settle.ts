/**
 * Requests a step sends together (one round trip) are all answered before it goes on: no request of a
 * step is left in flight when it fails, and a failure is reported as it would be had they been sent one
 * by one (the first in the order given).
 */

/** Waits for every promise to settle, then returns their values, or throws the first rejection in the order given. */
export async function allInOrder<const T extends readonly unknown[]>(promises: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(promises);
  for (const r of settled) if (r.status === 'rejected') throw r.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}
