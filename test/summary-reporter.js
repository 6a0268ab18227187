/**
 * Prints one closing line, "tests: N passed, N failed", after jest's own summary, so that CI logs
 * end with a count a person or a tool can read at a glance. Skipped tests are counted as well.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const tail = skipped ? `, ${skipped} skipped` : '';
    process.stdout.write(`\ntests: ${results.numPassedTests} passed, ${results.numFailedTests} failed${tail}\n`);
  }
}
module.exports = SummaryReporter;
