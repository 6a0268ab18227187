/**
 * Prints one closing line, "tests: N passed, N failed", as the very last line of a jest run (after
 * jest's own summary, hence at process exit), so that CI logs end with a count a person or a tool
 * can read at a glance. A suite that failed to run (an import error, a missing file) has no failed
 * test of its own: it is counted as one failure, so the line never reads "0 failed" on a red run.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const tail = skipped ? `, ${skipped} skipped` : '';
    const line = `tests: ${results.numPassedTests} passed, ${failed} failed${tail}\n`;
    process.once('exit', () => process.stderr.write(line));
  }
}
module.exports = SummaryReporter;
