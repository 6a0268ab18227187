#!/usr/bin/env node
/**
 * The `onboard` command (and `npm run onboard`): runs the operator CLI (cli/main.ts) from one bundle of the project's TypeScript,
 * built with esbuild the first time and kept while the sources are unchanged, instead of through tsx,
 * whose resolver hooks on every module and whose transpiling were over half of a `status` (issue 15:
 * `onboard --local status` 2.3 s through tsx, ~1.2 s from the bundle).
 *
 * - The bundle holds this project's code only; packages load from the repository's node_modules.
 * - It is kept in node_modules/.cache/cloudtrail-onboarding/cli/<hash>.js, the hash taken over every
 *   file of cli/, handlers/, infra/, local/, statemachine/ and config/, the lockfile, tsconfig.json,
 *   this file and the checkout's path: any change builds a new one.
 * - Each module keeps its own `__dirname` (the source file's directory, written into the bundle),
 *   which the code uses to find the repository (the synth cache's source hash, the demo's outputs).
 * - `ONBOARD_CLI_BUNDLE=off`, or a bundle that cannot be built, runs the CLI through tsx as before.
 */
'use strict';
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const SOURCE_DIRS = ['cli', 'handlers', 'infra', 'local', 'statemachine', 'config'];
const SOURCE_FILES = ['package-lock.json', 'tsconfig.json', path.relative(ROOT, __filename)];
const CACHE_DIR = process.env.ONBOARD_CLI_CACHE_DIR ?? path.join(ROOT, 'node_modules', '.cache', 'cloudtrail-onboarding', 'cli');
/** Bundles of other source states kept besides the current one (switching branches back and forth). */
const KEEP_OTHERS = 3;

/** Every source file under `dir`, sorted (the hash must not depend on the directory's order). */
function filesUnder(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else if (/\.(ts|json)$/.test(entry.name)) out.push(full);
  }
  return out;
}

/** The hash of the sources the bundle is built from. */
function sourceHash() {
  const hash = createHash('sha256').update(ROOT).update('\0').update(process.version);
  const files = [...SOURCE_DIRS.flatMap((d) => filesUnder(path.join(ROOT, d))), ...SOURCE_FILES.map((f) => path.join(ROOT, f))];
  for (const file of files) hash.update(path.relative(ROOT, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 32);
}

/** An esbuild plugin: `__dirname` and `__filename` of each project file are its own, not the bundle's. */
const ownDirname = {
  name: 'own-dirname',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const source = fs.readFileSync(args.path, 'utf8');
      const contents = source.replace(/\b__dirname\b/g, JSON.stringify(path.dirname(args.path))).replace(/\b__filename\b/g, JSON.stringify(args.path));
      return { contents, loader: 'ts' };
    });
  },
};

/** Builds the bundle at `file` (written whole, then renamed: a concurrent run never reads half of one). */
function buildBundle(file) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  return require('esbuild')
    .build({
      entryPoints: [path.join(ROOT, 'cli', 'main.ts')],
      outfile: partial,
      bundle: true,
      platform: 'node',
      target: `node${process.versions.node.split('.')[0]}`,
      format: 'cjs',
      packages: 'external',
      tsconfig: path.join(ROOT, 'tsconfig.json'),
      plugins: [ownDirname],
      // Packages resolve from the repository, wherever the bundle is kept (ONBOARD_CLI_CACHE_DIR).
      banner: { js: `var require = require('node:module').createRequire(${JSON.stringify(path.join(ROOT, 'package.json'))});` },
      logLevel: 'error',
    })
    .then(() => fs.renameSync(partial, file))
    .catch((e) => {
      fs.rmSync(partial, { force: true });
      throw e;
    });
}

/** Removes the bundles of other source states but the newest {@link KEEP_OTHERS}. */
function prune(current) {
  const others = fs
    .readdirSync(CACHE_DIR)
    .filter((f) => f.endsWith('.js') && path.join(CACHE_DIR, f) !== current)
    .map((f) => ({ file: path.join(CACHE_DIR, f), at: fs.statSync(path.join(CACHE_DIR, f)).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  for (const { file } of others.slice(KEEP_OTHERS)) fs.rmSync(file, { force: true });
}

/** The CLI's module: from the bundle, else (switched off, or it cannot be built) through tsx. */
async function loadCli() {
  if (process.env.ONBOARD_CLI_BUNDLE !== 'off') {
    try {
      const file = path.join(CACHE_DIR, `${sourceHash()}.js`);
      if (!fs.existsSync(file)) {
        await buildBundle(file);
        prune(file);
      }
      return require(file);
    } catch (e) {
      process.stderr.write(`onboard: running through tsx, the CLI bundle could not be built: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
  require('tsx/cjs/api').register();
  return require(path.join(ROOT, 'cli', 'main.ts'));
}

loadCli().then(
  (cli) => cli.main(process.argv.slice(2)),
  (e) => {
    console.error(e);
    process.exitCode = 1;
  },
);
