// The platform as a real process (`node …/main.js`), for tests that kill or stop it. The sources
// are transpiled once per test file (TypeScript's transpileModule: no type check, a few seconds),
// so each start costs only Nest's boot, not a compile.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

export const ROOT = join(__dirname, '..', '..');

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      return sourcesUnder(path);
    }
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Transpiles src/ (and the TypeScript SDK) into dist/<name>/src (under the project, so node_modules resolve); returns main.js. */
export function buildPlatform(name: string): { main: string; remove: () => void } {
  const out = join(ROOT, 'dist', name);
  rmSync(out, { recursive: true, force: true });
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    emitDecoratorMetadata: true,
    experimentalDecorators: true,
    esModuleInterop: true,
    allowSyntheticDefaultImports: true,
  };
  // the demo service imports the TypeScript SDK (clients/typescript/src)
  for (const file of [...sourcesUnder(join(ROOT, 'src')), ...sourcesUnder(join(ROOT, 'clients', 'typescript', 'src'))]) {
    const js = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: options, fileName: file }).outputText;
    const target = join(out, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, js);
  }
  // a process that loads every module first and starts the platform when told (a line on stdin):
  // a restart then costs Nest's boot only, not reading hundreds of files on a busy machine
  writeFileSync(join(out, 'prewarm.js'), "require('./src/app.setup');\nprocess.stdin.once('data', () => require('./src/main.js'));\n");
  return { main: join(out, 'src', 'main.js'), remove: () => rmSync(out, { recursive: true, force: true }) };
}

export interface PlatformProcess {
  child: ChildProcess;
  baseUrl: string;
  /** a prewarmed process starts the platform now */
  go(): void;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `node main.js` with `env` on top of a quiet default environment; `prewarmed`: loads the
 * modules now and starts the platform on go().
 */
export function startPlatform(main: string, port: number, env: Record<string, string>, prewarmed = false): PlatformProcess {
  const child = spawn(process.execPath, [prewarmed ? join(dirname(main), '..', 'prewarm.js') : main], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), DEMO_CLIENT_PORT: '0', LOG_LEVEL: 'warn', SESSION_SECRET: 'platform-process-secret-0123456789', ...env },
    stdio: [prewarmed ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const go = (): void => {
    child.stdin?.end('go\n');
  };
  return { child, baseUrl: `http://127.0.0.1:${port}`, go, output: () => output, exited };
}

function statusOf(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = httpRequest(url, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** Resolves once the process answers HTTP; rejects if it exits first or after `ms`. */
export async function untilReady(p: PlatformProcess, ms = 60000): Promise<void> {
  let gone = false;
  void p.exited.then(() => (gone = true));
  const until = Date.now() + ms;
  while ((await statusOf(`${p.baseUrl}/.well-known/oauth-authorization-server`)) !== 200) {
    if (gone || Date.now() > until) {
      throw new Error(`the platform did not start:\n${p.output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
