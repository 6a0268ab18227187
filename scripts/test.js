#!/usr/bin/env node
/**
 * `npm test [-- <jest arguments>]`: the type-check (`tsc --noEmit`) and jest, side by side. The
 * type-check takes half a minute of one core; jest's workers leave a core idle at times (a suite
 * waiting on a retry interval, the last suites), so run together they take less time than one after
 * the other. The type-check's report is printed after jest's, and either failing fails the run.
 */
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const bin = (name) => path.join(ROOT, 'node_modules', '.bin', name);

/** Runs a command; resolves with its exit code and, when `capture`, what it printed. */
function run(command, args, capture) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let output = '';
    if (capture) {
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
    }
    child.on('error', (e) => resolve({ code: 1, output: `${output}${e.message}\n` }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

async function main() {
  const typeCheck = run(bin('tsc'), ['--noEmit', '-p', ROOT], true);
  const jest = await run(bin('jest'), process.argv.slice(2), false);
  const tsc = await typeCheck;
  if (tsc.code !== 0) {
    process.stderr.write(`\ntype-check (tsc --noEmit) FAILED:\n${tsc.output}`);
  } else {
    process.stdout.write('type-check (tsc --noEmit): no errors\n');
  }
  process.exitCode = tsc.code !== 0 ? tsc.code : jest.code;
}

main();
