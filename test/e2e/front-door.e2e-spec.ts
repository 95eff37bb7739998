// The front door (src/common/front-door.ts): a plain form POST to /oauth/introspect and a bearer GET
// of the install URL skip Express's router, and must answer exactly as the platform does everywhere
// else: the same replies and errors, the access line, metrics, request ids and security headers.
import request from 'supertest';
import { connect, DEMO_CLIENT, optionValue } from '../helpers/browser';
import { DEMO_USER } from '../helpers/oauth-flow';
import { startTestApp, TestApp } from '../helpers/test-app';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

describe('front door: introspection outside the router', () => {
  let t: TestApp;
  let accessToken: string;
  const lines: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: 'info' }, { operations: { host: 'localhost', metricsToken: METRICS_TOKEN, metricsPort: 0, readyMaxLagMs: 1000, logSink: { write: (line) => lines.push(line) } } });
    const { token } = await connect(t.http, DEMO_USER, 'Home', (page) => ({ switches: optionValue(page, 'Kitchen Light') }));
    accessToken = token.access_token;
  }, 60000);
  afterAll(async () => {
    await t.close();
  });

  const introspect = () => request(t.http).post('/oauth/introspect').auth(DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret);

  it('answers a form with the RFC 7662 reply, the request id, no-store and the machine security headers', async () => {
    const res = await introspect().set('X-Request-Id', 'front-door-1').type('form').send({ token: accessToken }).expect(200);
    expect(res.body).toMatchObject({ active: true, client_id: DEMO_CLIENT.clientId, token_type: 'bearer' });
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-request-id']).toBe('front-door-1');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('gives the same reply to JSON, which Express parses', async () => {
    const form = await introspect().type('form').send({ token: accessToken }).expect(200);
    const json = await introspect().send({ token: accessToken }).expect(200);
    expect(json.body).toEqual(form.body);
  });

  it('answers bad requests as RFC 6749 §5.2 says', async () => {
    const twice = await introspect().type('form').send('token=a&token=b').expect(400);
    expect(twice.body).toEqual({ error: 'invalid_request', error_description: 'Parameter token is given more than once' });
    expect(twice.headers['cache-control']).toBe('no-store');
    const nested = await introspect().type('form').send('token[a]=b').expect(400);
    expect(nested.body).toEqual({ error: 'invalid_request', error_description: 'Parameter token must be a string' });
    const missing = await introspect().type('form').send('token_type_hint=access_token').expect(400);
    expect(missing.body.error).toBe('invalid_request');
    const large = await introspect().type('form').send(`token=${'x'.repeat(300 * 1024)}`).expect(413);
    expect(large.body).toEqual({ error: 'invalid_request', error_description: 'The request body is too large' });
    const wrong = await request(t.http).post('/oauth/introspect').auth(DEMO_CLIENT.clientId, 'not-the-secret').type('form').send({ token: accessToken }).expect(401);
    expect(wrong.body.error).toBe('invalid_client');
    expect(wrong.headers['www-authenticate']).toMatch(/^Basic /);
  });

  it('leaves to Express what it does not take: credentials in the query string are refused there', async () => {
    const res = await request(t.http)
      .post(`/oauth/introspect?client_id=${DEMO_CLIENT.clientId}&client_secret=${DEMO_CLIENT.clientSecret}`)
      .type('form')
      .send({ token: accessToken })
      .expect(400);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: 'Client credentials must not be sent in the query string' });
  });

  it('logs one access line per call and counts it under its route in /metrics', async () => {
    lines.length = 0;
    await introspect().set('X-Request-Id', 'front-door-logged').type('form').send({ token: accessToken }).expect(200);
    const logged = lines.map((l) => JSON.parse(l) as { reqId?: string; req?: { url: string; method: string }; res?: { statusCode: number } }).filter((l) => l.reqId === 'front-door-logged' && l.res);
    expect(logged).toEqual([expect.objectContaining({ req: expect.objectContaining({ method: 'POST', url: '/oauth/introspect' }), res: { statusCode: 200 } })]);
    const metrics = await request(t.http).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
    expect(metrics.text).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/oauth\/introspect"[^}]*status="200"[^}]*\} [1-9]/);
    expect(metrics.text).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/oauth\/introspect"[^}]*status="400"[^}]*\} [1-9]/);
  });
});

describe('front door: the install URL GET outside the router', () => {
  let t: TestApp;
  let token: { access_token: string; installation_id: string };
  let other: { access_token: string; installation_id: string };
  const lines: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: 'info' }, { operations: { host: 'localhost', metricsToken: METRICS_TOKEN, metricsPort: 0, readyMaxLagMs: 1000, logSink: { write: (line) => lines.push(line) } } });
    token = (await connect(t.http, DEMO_USER, 'Home', (page) => ({ switches: optionValue(page, 'Kitchen Light') }))).token;
    other = (await connect(t.http, DEMO_USER, 'Home', (page) => ({ switches: optionValue(page, 'Kitchen Light') }))).token;
  }, 60000);
  afterAll(async () => {
    await t.close();
  });

  const get = (path: string, bearer = token.access_token) => request(t.http).get(path).set('Authorization', `Bearer ${bearer}`);
  // a classic client's doubled slash is collapsed by Express before its router: the same call, through Express
  const viaExpress = (path: string, bearer = token.access_token) => get(`/${path}`, bearer);
  const comparable = (res: request.Response) => ({
    status: res.status,
    body: res.body as unknown,
    type: res.headers['content-type'],
    limit: res.headers['x-ratelimit-limit'],
    authenticate: res.headers['www-authenticate'],
  });

  it('answers as the router does: replies, 404 and 405 of the mappings, another installation, a bad token', async () => {
    const base = `/api/smartapps/installations/${token.installation_id}`;
    const cases: [string, string?][] = [
      [`${base}/switches`],
      [`${base}/switches/`],
      [`${base}/switches?verbose=1`],
      [`${base}/nothing/here`],
      [`${base}/switches/on`],
      [`/api/smartapps/installations/${other.installation_id}/switches`],
      [`${base}/switches`, 'not-a-real-token-0123456789'],
    ];
    for (const [path, bearer] of cases) {
      const door = await get(path, bearer);
      const router = await viaExpress(path, bearer);
      expect([path, comparable(door)]).toEqual([path, comparable(router)]);
    }
    const ok = await get(`${base}/switches`).expect(200);
    expect(ok.body).toEqual([expect.objectContaining({ name: 'Kitchen Light' })]);
    expect(ok.headers['x-ratelimit-current']).toMatch(/^\d+$/);
    expect(ok.headers['x-content-type-options']).toBe('nosniff');
    expect(ok.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    await get(`/api/smartapps/installations/${other.installation_id}/switches`).expect(403);
    await get(`${base}/switches`, 'not-a-real-token-0123456789').expect(401);
  });

  it('leaves the openapi.json route and escaped paths to the router', async () => {
    const base = `/api/smartapps/installations/${token.installation_id}`;
    const openApi = await get(`${base}/openapi.json`).expect(200);
    expect(openApi.body).toMatchObject({ openapi: expect.any(String) });
    // helmet's page headers: Express answered
    expect(openApi.headers['content-security-policy']).toContain("default-src 'self'");
    const escaped = await get(`${base}/%73witches`).expect(200);
    expect(escaped.body).toEqual((await get(`${base}/switches`)).body);
    expect(escaped.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('logs the call and counts it under the route pattern, as the router does', async () => {
    lines.length = 0;
    await get(`/api/smartapps/installations/${token.installation_id}/switches`).set('X-Request-Id', 'door-get-1').expect(200);
    const logged = lines.map((l) => JSON.parse(l) as { reqId?: string; res?: { statusCode: number } }).filter((l) => l.reqId === 'door-get-1' && l.res);
    expect(logged).toEqual([expect.objectContaining({ res: { statusCode: 200 } })]);
    const metrics = await request(t.http).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
    const routes = [...metrics.text.matchAll(/http_request_duration_seconds_count\{([^}]*)\}/g)].map((m) => m[1]).filter((labels) => labels.includes('installations'));
    expect(routes.length).toBeGreaterThan(0);
    // the calls answered by the router (the `//` ones above) and by the front door share one label
    const calls = new Set(routes.filter((labels) => !labels.includes('openapi.json')).map((labels) => /route="([^"]*)"/.exec(labels)?.[1]));
    expect([...calls]).toEqual(['/api/smartapps/installations/:installationId/*path']);
    for (const labels of routes) {
      expect(labels).toContain('route="/api/smartapps/installations/:installationId');
      expect(labels).not.toContain(token.installation_id);
    }
  });
});
