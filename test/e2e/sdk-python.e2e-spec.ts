import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../helpers/listen';
import { startTestApp, TestApp } from '../helpers/test-app';

// Runs the Python SDK's unittest suite (clients/python/tests) against the real platform, started
// here on a free port. Skipped, saying so, where /usr/bin/python3 with requests and oauthlib is not
// installed (Debian: python3-requests, python3-oauthlib).

const PYTHON = '/usr/bin/python3';

function pythonMissing(): string | null {
  try {
    execFileSync(PYTHON, ['-c', 'import requests, oauthlib'], { stdio: 'pipe' });
    return null;
  } catch (err) {
    return err instanceof Error ? err.message.split('\n')[0] : String(err);
  }
}

const missing = pythonMissing();
if (missing) {
  console.warn(`sdk-python: skipped, ${PYTHON} with requests and oauthlib is not available (${missing}); apt-get install python3-requests python3-oauthlib`);
}
const describeIfPython = missing ? describe.skip : describe;

describeIfPython('the Python SDK against the platform (python3 -m unittest in clients/python)', () => {
  let t: TestApp;

  beforeAll(async () => {
    const port = await freePort();
    t = await startTestApp({ PORT: String(port), BASE_URL: `http://127.0.0.1:${port}`, RATE_LIMIT_CALLS: '12' });
    await t.app.listen(port, '127.0.0.1');
  });
  afterAll(async () => {
    await t.close();
  });

  it('passes every test of the Python SDK', async () => {
    // asynchronous: the platform answers from this very process while Python runs
    const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(
        PYTHON,
        ['-m', 'unittest', 'discover', '-s', 'tests', '-t', '.', '-v'],
        { cwd: join(__dirname, '..', '..', 'clients', 'python'), env: { ...process.env, SMARTAPP_BASE_URL: t.config.baseUrl, PYTHONDONTWRITEBYTECODE: '1' }, timeout: 240_000 },
        (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, output: `${stdout}${stderr}` }),
      );
    });
    if (code !== 0) {
      throw new Error(`python3 -m unittest failed:\n${output}`);
    }
    expect(output).toMatch(/\nOK/);
    // the platform tests ran, not skipped for want of the URL
    expect(output).not.toContain('SMARTAPP_BASE_URL is not set');
    expect(output).toMatch(/test_one_refresh_for_many_threads_and_the_refresh_token_rotates .*\.\.\. ok/);
    // the SMART walk runs wherever the platform serves the manifest, and says why where it does not
    if ((await fetch(`${t.config.baseUrl}/api/manifest`)).status === 404) {
      expect(output).toContain("skipped 'GET /api/manifest answers 404");
    } else {
      expect(output).toMatch(/test_the_whole_walk_and_signed_calls .*\.\.\. ok/);
    }
  }, 300_000);
});
