// The real entry point as an operator runs it: a bad setting stops the start with a message
// naming the variable; SIGTERM lets an in-flight request finish and closes cleanly.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/listen';

const ROOT = join(__dirname, '..', '..');

function start(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, DEMO_CLIENT_PORT: '0', EVENTS_WORKER: 'false', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => output, exited };
}

async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) {
      throw new Error('timed out');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the process: npm start’s entry point', () => {
  jest.setTimeout(240000);
  const started: ChildProcess[] = [];
  afterEach(() => {
    // a failed expectation must not leave a platform running (it would keep Jest from exiting)
    for (const child of started.splice(0)) {if (child.exitCode === null && child.signalCode === null) {child.kill('SIGKILL');}}
  });

  it('stops at once with a message naming a bad variable', async () => {
    const run = start({ PORT: 'eighty', DATABASE_URL: 'sqlite::memory:' });
    started.push(run.child);
    const { code } = await run.exited;
    expect(code).toBe(1);
    expect(run.output()).toContain('Configuration error: PORT must be a whole number');
    expect(run.output()).not.toMatch(/\n\s+at /);
  });

  it('answers, then on SIGTERM finishes what is in flight and exits', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'platform-'));
    const run = start({ PORT: String(port), DATABASE_URL: `sqlite:${join(dir, 'p.sqlite')}`, DATA_DIR: dir, SEED_DEMO: 'true' });
    started.push(run.child);
    await waitFor(() => run.output().includes('SmartApp Platform listening'), 180000);
    expect(run.output()).toContain('demo@example.com / demo-password');
    expect(await get(port, '/.well-known/oauth-authorization-server')).toBe(200);
    const inFlight = get(port, '/login');
    run.child.kill('SIGTERM');
    expect(await inFlight).toBe(200);
    const { code, signal } = await run.exited;
    // Nest closes the app, then re-raises the signal: a clean SIGTERM exit
    expect(code === 0 || signal === 'SIGTERM').toBe(true);
    expect(run.output()).not.toMatch(/ERROR/);
  });
});
