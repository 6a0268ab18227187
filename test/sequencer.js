/**
 * Jest's default order, except on a machine with no timings of an earlier run (a fresh clone, as in CI):
 * there jest orders by file size, and the suites that run hundreds of executions in the simulation
 * (small files) started last, leaving one worker busy for minutes after the other finished. A suite whose
 * docblock carries `@slow` runs first when no timing is known. With timings, jest's order (failed first,
 * then longest first) is kept.
 */
const { readFileSync } = require('node:fs');
const Sequencer = require('@jest/test-sequencer').default;

const SLOW = /^\s*\*\s*@slow\b/m;

function markedSlow(file) {
  try {
    return SLOW.test(readFileSync(file, 'utf8').slice(0, 4000));
  } catch {
    return false;
  }
}

class SlowFirstSequencer extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const untimed = (t) => t.duration == null;
    const slow = sorted.filter((t) => untimed(t) && markedSlow(t.path));
    return [...slow, ...sorted.filter((t) => !slow.includes(t))];
  }
}

module.exports = SlowFirstSequencer;
