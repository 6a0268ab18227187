#!/usr/bin/env node
// The `onboard` command: runs the TypeScript CLI through tsx (no build step to forget).
require('tsx/cjs');
require('../cli/main.ts').main();
