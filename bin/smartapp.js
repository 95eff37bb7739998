#!/usr/bin/env node
// The SmartApp authors' command line tool, usable from any folder:
//   npm link (in the platform's folder) once, then `smartapp <command>` anywhere,
//   or `npx --prefix /path/to/platform smartapp <command>`, or `node /path/to/platform/bin/smartapp.js`.
// Runs the built CLI (dist/, after `npm run build` or `npm start`), else the TypeScript source with ts-node.
'use strict';
const { existsSync, statSync } = require('node:fs');
const { join } = require('node:path');

const built = join(__dirname, '..', 'dist', 'scripts', 'smartapp-cli.js');
const source = join(__dirname, '..', 'scripts', 'smartapp-cli.ts');
let cli;
// the build, unless the source changed since (a checkout that was built once and edited later)
if (existsSync(built) && (!existsSync(source) || statSync(built).mtimeMs >= statSync(source).mtimeMs)) {
  cli = require(built);
} else {
  require('ts-node').register({ transpileOnly: true, project: join(__dirname, '..', 'tsconfig.json') });
  cli = require(source);
}

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
cli
  .runCli(process.argv.slice(2), {
    env: process.env,
    cwd: process.cwd(),
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    signal: stop.signal,
  })
  .then(
    (code) => process.exit(code),
    (err) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
