/**
 * Fakes only Date (timers run for real): the simulation, the SDK and the handlers all read Date, so
 * moving it moves time for all of them at once, as in AWS.
 */
import type { Config } from '@jest/types';

/** Everything jest can fake but Date. */
const NOT_DATE: NonNullable<Config.FakeTimersConfig['doNotFake']> = [
  'hrtime', 'nextTick', 'performance', 'queueMicrotask', 'requestAnimationFrame', 'cancelAnimationFrame', 'requestIdleCallback',
  'cancelIdleCallback', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout',
];

/** From now on Date is jest's; move it with `jest.setSystemTime`, give it back with `jest.useRealTimers()`. */
export function fakeDateOnly(): void {
  jest.useFakeTimers({ now: Date.now(), doNotFake: NOT_DATE });
}
