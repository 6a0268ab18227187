/**
 * Prints one closing line, "tests: N passed, N failed", as the very last line of a jest run (after
 * jest's own summary, hence at process exit), so that CI logs end with a count a person or a tool
 * can read at a glance. Skipped tests are counted as well.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const tail = skipped ? `, ${skipped} skipped` : '';
    const line = `tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed${tail}\n`;
    process.once('exit', () => process.stderr.write(line));
  }
}
module.exports = SummaryReporter;
