// The machine-readable descriptions: the platform's API at /api/openapi.json (and a page to read it),
// and, per installation, {uri}/openapi.json with exactly the SmartApp's mappings.
import OpenAPISchemaValidator from 'openapi-schema-validator';
import request from 'supertest';
import { connect, optionValue } from '../helpers/browser';
import { startTestApp, TestApp } from '../helpers/test-app';

interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
  servers?: { url: string }[];
}

function expectValid(doc: unknown): void {
  const validator = new OpenAPISchemaValidator({ version: 3 });
  const result = validator.validate(doc as never);
  expect(result.errors).toEqual([]);
}

describe('OpenAPI documents', () => {
  jest.setTimeout(60000);
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('/api/openapi.json describes OAuth, the endpoints service, the developer API and registration, and validates', async () => {
    const res = await request(t.http).get('/api/openapi.json').expect(200);
    const doc = res.body as OpenApiDoc;
    expect(doc.openapi).toMatch(/^3\./);
    expectValid(doc);
    const paths = Object.keys(doc.paths);
    for (const path of ['/oauth/token', '/oauth/authorize', '/oauth/register', '/api/smartapps/endpoints', '/healthz', '/readyz', '/metrics']) {
      expect(paths).toContain(path);
    }
    expect(paths.some((p) => p.startsWith('/api/developer/'))).toBe(true);
    // browser pages are not API
    expect(paths).not.toContain('/login');
    expect(paths).not.toContain('/locations');
  });

  it('has a page to read it', async () => {
    const res = await request(t.http).get('/api/docs').redirects(1).expect(200);
    expect(res.text).toContain('swagger');
    // its scripts come from this server, so the page works under the content security policy
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    for (const src of res.text.matchAll(/<script[^>]*src=["']([^"']+)["']/g)) {
      await request(t.http).get(new URL(src[1], `${t.config.baseUrl}/api/docs/`).pathname).expect(200);
    }
    expect(res.text).not.toMatch(/<script>(?!\s*<\/script>)/);
  });

  it('{uri}/openapi.json lists exactly the installation’s mappings and needs its token', async () => {
    const { token } = await connect(t.http, { email: 'demo@example.com', password: 'demo-password' }, 'Home', (page) => ({ switches: optionValue(page, 'Kitchen Light') }));
    const endpoints = await request(t.http).get('/api/smartapps/endpoints').set('Authorization', `Bearer ${token.access_token}`).expect(200);
    const { url, uri } = (endpoints.body as { url: string; uri: string }[])[0];

    await request(t.http).get(`${url}/openapi.json`).expect(401);
    const res = await request(t.http).get(`${url}/openapi.json`).set('Authorization', `Bearer ${token.access_token}`).expect(200);
    const doc = res.body as OpenApiDoc;
    expectValid(doc);
    expect(doc.servers).toEqual([{ url: uri }]);
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    // Device Bridge's mappings (examples/device-bridge.js)
    expect(operations.sort()).toEqual(
      [
        'GET /switches',
        'PUT /switches/{command}',
        'PUT /switches/{id}/{command}',
        'GET /locks',
        'GET /locks/{id}',
        'PUT /locks/{id}',
        'PUT /callback',
        'DELETE /callback',
      ].sort(),
    );
    expect(doc.paths['/switches/{id}/{command}'].put.parameters?.map((p) => [p.name, p.in])).toEqual([
      ['id', 'path'],
      ['command', 'path'],
    ]);

    // another installation's token does not read it
    const other = await connect(t.http, { email: 'other@example.com', password: 'other-password' }, 'Flat', () => ({}));
    const refused = await request(t.http).get(`${url}/openapi.json`).set('Authorization', `Bearer ${other.token.access_token}`);
    expect([403, 404]).toContain(refused.status);
  });
});
