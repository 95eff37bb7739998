// The log of a whole connect flow, read as an operator would: one JSON line per request with its
// id, and none of the secrets that travelled (password, cookie, CSRF token, code, tokens, client secret).
import request from 'supertest';
import { agentFor, codeFrom, decide, DEMO_CLIENT, exchangeCode, logIn, openPreferences, optionValue } from '../helpers/browser';
import { startTestApp, TestApp } from '../helpers/test-app';

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  req?: { id: string; method: string; url: string };
  res?: { statusCode: number };
}

describe('operations: structured logs with request ids and no secrets', () => {
  jest.setTimeout(60000);
  let t: TestApp;
  const lines: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: 'debug' }, { operations: { host: 'localhost', metricsToken: undefined, metricsPort: 0, readyMaxLagMs: 1000, logSink: { write: (line) => lines.push(line) } } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('logs a whole connect flow without a single secret', async () => {
    lines.length = 0;
    const agent = agentFor(t.http);
    await logIn(agent, 'demo@example.com', 'demo-password');
    const page = await openPreferences(agent, 'Home');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const decided = await decide(agent, page, 'allow', { switches: optionValue(page, 'Kitchen Light') }).expect(303);
    const code = codeFrom(decided.headers.location);
    const token = (await exchangeCode(t.http, code).expect(200)).body as { access_token: string; refresh_token: string; installation_id: string };
    const refreshed = (
      await request(t.http)
        .post('/oauth/token')
        .type('form')
        .send({ grant_type: 'refresh_token', refresh_token: token.refresh_token, client_id: DEMO_CLIENT.clientId, client_secret: DEMO_CLIENT.clientSecret })
        .expect(200)
    ).body as { access_token: string; refresh_token: string };
    await request(t.http).get('/api/smartapps/endpoints').set('Authorization', `Bearer ${refreshed.access_token}`).expect(200);
    // introspection is answered before Nest's router (IntrospectionEndpoint): still one logged line
    await request(t.http).post('/oauth/introspect').auth(DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret).type('form').send({ token: refreshed.access_token }).expect(200);
    await request(t.http).get(`/api/smartapps/installations/${token.installation_id}/switches`).query({ access_token: refreshed.access_token });
    await request(t.http).get(`/api/smartapps/installations/${token.installation_id}/switches`).set('Authorization', 'Bearer not-a-real-token-0123456789').expect(401);
    await request(t.http).post('/login').type('form').send({ email: 'demo@example.com', password: 'wrong-password-42', _csrf: 'x' });

    const cookie = (agent as unknown as { jar: { getCookie(name: string, opts: object): { value: string } | undefined } }).jar.getCookie('sid', { domain: '127.0.0.1', path: '/', secure: false, script: false });
    const secrets = [
      'demo-password',
      'wrong-password-42',
      DEMO_CLIENT.clientSecret,
      Buffer.from(`${DEMO_CLIENT.clientId}:${DEMO_CLIENT.clientSecret}`).toString('base64'),
      csrf,
      code,
      token.access_token,
      token.refresh_token,
      refreshed.access_token,
      refreshed.refresh_token,
      'not-a-real-token-0123456789',
      ...(cookie?.value ? [cookie.value.split('.')[0]] : []),
    ].filter((s) => s.length >= 8);
    expect(secrets.length).toBeGreaterThanOrEqual(10);

    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(10);
    for (const secret of secrets) {
      expect(log).not.toContain(secret);
      expect(log).not.toContain(encodeURIComponent(secret));
    }
    // the redirect to the client and the token calls are there, with what was hidden marked
    expect(log).toContain('[redacted]');
    const parsed = lines.map((l) => JSON.parse(l) as LogLine);
    const requests = parsed.filter((l) => l.req && l.res);
    expect(requests.map((l) => l.req?.url)).toEqual(expect.arrayContaining(['/oauth/token', '/api/smartapps/endpoints', '/oauth/introspect']));
    for (const line of requests) {
      expect(line.reqId ?? line.req?.id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('takes a sane x-request-id, echoes it and puts it on the request line; replaces an unsafe one', async () => {
    lines.length = 0;
    const given = await request(t.http).get('/login').set('x-request-id', 'lb-1234.abcd').expect(200);
    expect(given.headers['x-request-id']).toBe('lb-1234.abcd');
    const line = lines.map((l) => JSON.parse(l) as LogLine).find((l) => l.req?.url === '/login');
    expect(line?.reqId).toBe('lb-1234.abcd');

    const unsafe = await request(t.http).get('/login').set('x-request-id', 'evil "id" <with> spaces').expect(200);
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const fresh = await request(t.http).get('/login').expect(200);
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(fresh.headers['x-request-id']).not.toBe(unsafe.headers['x-request-id']);
  });
});
