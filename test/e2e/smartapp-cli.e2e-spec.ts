import request from 'supertest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, STARTER_APP } from '../../scripts/smartapp-cli';
import { DEMO_USER } from '../helpers/oauth-flow';
import { startTestApp, TestApp } from '../helpers/test-app';
import { api, DEMO_DEVELOPER_TOKEN, install, REDIRECT_URI } from '../factories/developer';

const ROOT = join(__dirname, '..', '..');

describe('the smartapp CLI against a running platform', () => {
  let t: TestApp;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(t.http.address() as AddressInfo).port}`;
    dir = mkdtempSync(join(tmpdir(), 'smartapp-cli-'));
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function cli(argv: string[], env: Record<string, string> = {}, extra: { signal?: AbortSignal } = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, {
      env: { SMARTAPP_URL: url, SMARTAPP_TOKEN: DEMO_DEVELOPER_TOKEN, ...env },
      cwd: dir,
      out: (line) => out.push(line),
      err: (line) => err.push(line),
      followIntervalMs: 50,
      ...extra,
    });
    return { code, out, err };
  }

  it('init writes a starter SmartApp that publishes, and publishing it again makes version 2', async () => {
    expect(await cli(['init', 'starter.js'])).toMatchObject({ code: 0 });
    expect(readFileSync(join(dir, 'starter.js'), 'utf8')).toBe(STARTER_APP);
    expect((await cli(['init', 'starter.js'])).code).toBe(1);

    const first = await cli(['publish', 'starter.js']);
    expect(first).toEqual({ code: 0, out: [expect.stringMatching(/^Published me\/My Switches version 1 \(id [0-9a-f-]{36}\)$/)], err: [] });
    const second = await cli(['publish', 'starter.js']);
    expect(second).toEqual({ code: 0, out: [expect.stringMatching(/^Published version 2 of [0-9a-f-]{36}; installations run it from their next call$/)], err: [] });
    const listed = await cli(['list']);
    expect(listed.out).toContainEqual(expect.stringMatching(/ me\/My Switches {2}v2 {2}0 installation\(s\)$/));
  });

  it('prints every validation message of an invalid SmartApp and exits 1', async () => {
    writeFileSync(join(dir, 'broken.js'), "export default { definition: { name: 'Broken' }, mappings: { '/a': { GET: 'nope' } } }");
    const res = await cli(['publish', 'broken.js']);
    expect(res.code).toBe(1);
    expect(res.err.join('\n').split('\n')).toEqual([
      'Publishing failed: the SmartApp is not valid',
      '  definition.namespace: namespace must be a non-empty string',
      '  definition.author: author must be a non-empty string',
      '  definition.description: description must be a non-empty string',
      '  mappings["/a"].GET: handler "nope" is not a function in handlers',
    ]);
  });

  it('explains a missing or refused token and a wrong command', async () => {
    const missing = await cli(['list'], { SMARTAPP_TOKEN: '' });
    expect(missing).toMatchObject({ code: 2, err: ['Set SMARTAPP_TOKEN to a developer API token (developer console → API tokens)'] });
    const refused = await cli(['list'], { SMARTAPP_TOKEN: 'wrong-token' });
    expect(refused.code).toBe(1);
    expect(refused.err[0]).toContain('The platform refused the token (401)');
    expect((await cli(['frobnicate'])).code).toBe(2);
    expect((await cli(['publish'])).code).toBe(2);
  });

  it('publishes every SmartApp in examples/ (a new version when it is already the caller’s)', async () => {
    const files = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.js'));
    for (const file of files) {
      const res = await cli(['publish', join(ROOT, 'examples', file)]);
      expect({ file, ...res }).toEqual({ file, code: 0, out: [expect.stringMatching(/^Published /)], err: [] });
    }
  });

  it('logs --follow prints the lines of the SmartApp as they are written', async () => {
    writeFileSync(join(dir, 'follow.js'), STARTER_APP.replace("name: 'My Switches'", "name: 'Followed'"));
    const published = await cli(['publish', 'follow.js']);
    const id = /\(id ([0-9a-f-]{36})\)/.exec(published.out[0])?.[1] ?? '';
    const oauth = await api(t.http, DEMO_DEVELOPER_TOKEN).put(`/${id}/oauth`, { redirect_uris: [REDIRECT_URI], client_name: 'Follower' }).expect(200);
    const installed = await install(t.http, { id, clientId: oauth.body.client_id, clientSecret: oauth.body.client_secret, webhookSecret: '' }, DEMO_USER, 'Home', ['Kitchen Light']);

    const stop = new AbortController();
    const out: string[] = [];
    const following = runCli(['logs', id, '--follow'], { env: { SMARTAPP_URL: url, SMARTAPP_TOKEN: DEMO_DEVELOPER_TOKEN }, cwd: dir, out: (l) => out.push(l), err: (l) => out.push(l), signal: stop.signal, followIntervalMs: 50 });
    const seen = async (text: string) => {
      for (let i = 0; i < 100 && !out.some((l) => l.includes(text)); i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      return out.some((l) => l.includes(text));
    };
    expect(await seen('installed with 1 switch(es)')).toBe(true);
    await request(t.http).put(`${installed.base}/switches/on`).set('Authorization', `Bearer ${installed.accessToken}`).expect(204);
    expect(await seen('all switches on')).toBe(true);
    stop.abort();
    expect(await following).toBe(0);
    expect(out.filter((l) => l.includes('installed with'))).toHaveLength(1);
    expect(out[0]).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z INFO  \\[${installed.installationId.slice(0, 8)}\\] installed with 1 switch\\(es\\)$`));
  });

  it('runs as `npm run smartapp` (ts-node) and publishes over HTTP', async () => {
    const file = join(dir, 'spawned.js');
    writeFileSync(file, STARTER_APP.replace("name: 'My Switches'", "name: 'Spawned'"));
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(ROOT, 'scripts', 'smartapp-cli.ts'), 'publish', file], {
      cwd: ROOT,
      env: { ...process.env, SMARTAPP_URL: url, SMARTAPP_TOKEN: DEMO_DEVELOPER_TOKEN },
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Published me\/Spawned version 1 \(id [0-9a-f-]{36}\)\n$/);
  });
});

describe('the smartapp CLI as a tool, from a folder outside the platform', () => {
  jest.setTimeout(90000);
  let t: TestApp;
  let url: string;
  let outside: string;

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(t.http.address() as AddressInfo).port}`;
    outside = mkdtempSync(join(tmpdir(), 'smartapp-author-'));
  });
  afterAll(async () => {
    await t.close();
    rmSync(outside, { recursive: true, force: true });
  });

  /** `smartapp …` as an author runs it: bin/smartapp.js, in their own folder, with a clean environment. */
  function tool(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: outside };
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'smartapp.js'), ...args], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  }

  it('init <dir> writes into that folder; publish reads --url/--token, then a config file found from a subfolder', async () => {
    const init = await tool(['init', 'lights'], outside);
    expect(init.code).toBe(0);
    expect(readFileSync(join(outside, 'lights', 'smartapp.js'), 'utf8')).toBe(STARTER_APP);
    expect(readdirSync(ROOT)).not.toContain('lights');

    const flagged = await tool(['publish', join('lights', 'smartapp.js'), '--url', url, '--token', DEMO_DEVELOPER_TOKEN], outside);
    expect(flagged).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Published me\/My Switches version 1 \(id [0-9a-f-]{36}\)\n$/) });

    writeFileSync(join(outside, 'smartapp.config.json'), JSON.stringify({ url, token: DEMO_DEVELOPER_TOKEN }));
    const configured = await tool(['publish', 'smartapp.js'], join(outside, 'lights'));
    expect(configured).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Published version 2 of [0-9a-f-]{36}/) });
    // a flag beats the file
    const refused = await tool(['list', '--token', 'wrong-token'], join(outside, 'lights'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('The platform refused the token (401)');
  });

  it('dev publishes, re-publishes on every save, reports an invalid save and keeps going', async () => {
    const dir = mkdtempSync(join(outside, 'dev-'));
    const file = join(dir, 'app.js');
    writeFileSync(file, STARTER_APP.replace("name: 'My Switches'", "name: 'Developed'"));
    const stop = new AbortController();
    const lines: string[] = [];
    const running = runCli(['dev', 'app.js'], {
      env: { SMARTAPP_URL: url, SMARTAPP_TOKEN: DEMO_DEVELOPER_TOKEN, HOME: outside },
      cwd: dir,
      out: (l) => lines.push(l),
      err: (l) => lines.push(`ERR ${l}`),
      signal: stop.signal,
      followIntervalMs: 50,
      devDebounceMs: 50,
    });
    const seen = async (pattern: RegExp) => {
      for (let i = 0; i < 400 && !lines.some((l) => pattern.test(l)); i++) {
        await new Promise((r) => setTimeout(r, 25));
      }
      return lines.some((l) => pattern.test(l));
    };
    try {
      expect(await seen(/^Published me\/Developed version 1/)).toBe(true);
      expect(await seen(/^Watching /)).toBe(true);
      writeFileSync(file, STARTER_APP.replace("name: 'My Switches'", "name: 'Developed'").replace('Lets a service', 'Lets any service'));
      expect(await seen(/^Published version 2 of /)).toBe(true);
      writeFileSync(file, "export default { definition: { name: 'Developed' } }");
      expect(await seen(/^ERR Publishing a new version failed: the SmartApp is not valid/)).toBe(true);
      writeFileSync(file, STARTER_APP.replace("name: 'My Switches'", "name: 'Developed'"));
      expect(await seen(/^Published version 3 of /)).toBe(true);
    } finally {
      stop.abort();
    }
    expect(await running).toBe(0);
  });
});
