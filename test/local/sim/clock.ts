/**
 * A clock a test moves by hand: pass it as `clock` of a SimWorld (demoWorld({ clock })), then
 * `clock.advance({ minutes: 5 })`. Nothing waits: the simulation computes what happened meanwhile.
 */

/** A manual clock: call it for the time. */
export interface ManualClock {
  (): Date;
  /** Moves the clock forward; returns the new time. */
  advance(by: { days?: number; hours?: number; minutes?: number; seconds?: number }): Date;
  /** Sets the clock to a time (ISO string or Date). */
  set(to: string | Date): Date;
}

/** A clock standing at `start` until moved. */
export function manualClock(start: string | Date = '2025-03-01T00:00:00.000Z'): ManualClock {
  let now = new Date(start).getTime();
  const clock = (() => new Date(now)) as ManualClock;
  clock.advance = ({ days = 0, hours = 0, minutes = 0, seconds = 0 }) => {
    now += (((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000;
    return new Date(now);
  };
  clock.set = (to) => {
    now = new Date(to).getTime();
    return new Date(now);
  };
  return clock;
}

/** `start` plus minutes, as a Date (for expected times). */
export const plusMinutes = (start: Date, minutes: number): Date => new Date(start.getTime() + minutes * 60_000);
