import request from 'supertest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AccountsService } from '../../src/accounts/accounts.service';
import { sha256 } from '../../src/common/secrets';
import { DeveloperToken } from '../../src/developer/developer-token.entity';
import { AppLog } from '../../src/installations/app-log.entity';
import { OAuthClient } from '../../src/oauth/oauth-client.entity';
import { SmartAppVersion } from '../../src/smartapps/smartapp-version.entity';
import { SmartApp } from '../../src/smartapps/smartapp.entity';
import { connect, csrfOf } from '../helpers/browser';
import { DEMO_USER, loggedIn } from '../helpers/oauth-flow';
import { startTestApp, TestApp } from '../helpers/test-app';
import { api, DEMO_DEVELOPER_TOKEN, install, logsOf, newDeveloper, publishWithOAuth, REDIRECT_URI, smartAppSource } from '../factories/developer';

describe('the developer API: tokens, publishing, validation, OAuth clients, logs', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ APP_LOG_RETENTION: '10' });
  });
  afterAll(async () => {
    await t.close();
  });

  describe('developer tokens', () => {
    it('seeds demo-developer-token for demo@example.com, stored only as its hash', async () => {
      const rows = await t.db.getRepository(DeveloperToken).find();
      expect(rows.map((r) => r.tokenHash)).toContain(sha256(DEMO_DEVELOPER_TOKEN));
      expect(JSON.stringify(rows)).not.toContain(DEMO_DEVELOPER_TOKEN);
      const list = await api(t.http, DEMO_DEVELOPER_TOKEN).get('').expect(200);
      expect(list.body).toEqual([{ id: expect.any(String), namespace: 'example', name: 'Device Bridge', latestVersion: 1, installations: 0 }]);
    });

    it.each([
      ['no Authorization header', undefined],
      ['an unknown token', 'Bearer not-a-developer-token'],
      ['a malformed header', 'Basic abc'],
    ])('answers %s with 401 invalid_token JSON', async (_what, header) => {
      const req = request(t.http).get('/api/developer/smartapps');
      const res = await (header ? req.set('Authorization', header) : req).expect(401);
      expect(res.body).toEqual({ error: 'invalid_token', error_description: expect.any(String) });
      expect(res.headers['www-authenticate']).toContain('Bearer error="invalid_token"');
    });

    it('refuses an OAuth access token and a token whose account is no longer a developer', async () => {
      const app = await publishWithOAuth(t.http, DEMO_DEVELOPER_TOKEN, smartAppSource({ name: 'Token Kinds' }));
      const installed = await install(t.http, app, DEMO_USER, 'Home', []);
      expect((await api(t.http, installed.accessToken).get('').expect(401)).body.error).toBe('invalid_token');
      const dev = await newDeveloper(t, 'demoted@example.com');
      await api(t.http, dev.token).get('').expect(200);
      await t.app.get(AccountsService).setRole(dev.account.id, 'user');
      const res = await api(t.http, dev.token).get('').expect(401);
      expect(res.body.error).toBe('invalid_token');
    });

    it('creates a token on the console, shows it once, and revoking it stops it at once', async () => {
      const agent = await loggedIn(t.http, DEMO_USER);
      const consolePage = await agent.get('/developer').expect(200);
      expect(consolePage.text).toContain('Device Bridge');
      const created = await agent.post('/developer/tokens').type('form').send({ _csrf: csrfOf(consolePage.text), name: 'laptop' }).expect(201);
      expect(created.headers['cache-control']).toBe('no-store');
      const token = /<pre class="secret"><code>([^<]+)<\/code>/.exec(created.text)?.[1] ?? '';
      expect(token).toMatch(/^sadev_[A-Za-z0-9_-]{43}$/);
      await api(t.http, token).get('').expect(200);
      const again = await agent.get('/developer').expect(200);
      expect(again.text).toContain('laptop');
      expect(again.text).not.toContain(token);
      const row = await t.db.getRepository(DeveloperToken).findOneByOrFail({ tokenHash: sha256(token) });
      await agent.post(`/developer/tokens/${row.id}/revoke`).type('form').send({ _csrf: csrfOf(again.text) }).expect(303);
      await api(t.http, token).get('').expect(401);
    });

    it('lets an admin’s developer token, and no other, through the admin-only debug endpoints', async () => {
      const admin = await newDeveloper(t, 'token-admin@example.com');
      await t.app.get(AccountsService).setRole(admin.account.id, 'admin');
      const { token } = await connect(t.http, DEMO_USER, 'Home', () => ({}));
      const minted = await request(t.http)
        .post('/oauth/debug/token')
        .set('Authorization', `Bearer ${admin.token}`)
        .send({ client_id: 'device-bridge', installation_id: token.installation_id })
        .expect(201);
      expect(minted.body.access_token).toEqual(expect.any(String));
      await request(t.http).get('/oauth/debug/introspect?access_token=x').set('Authorization', `Bearer ${DEMO_DEVELOPER_TOKEN}`).expect(403);
      await request(t.http).get('/oauth/debug/introspect?access_token=x').set('Authorization', 'Bearer wrong-token').expect(401);
    });

    it('lets any account become a developer on the console', async () => {
      const agent = request.agent(t.http);
      const signup = await agent.get('/signup').expect(200);
      await agent.post('/signup').type('form').send({ _csrf: csrfOf(signup.text), name: 'New Author', email: 'new-author@example.com', password: 'a-long-password' }).expect(303);
      const enroll = await agent.get('/developer').expect(200);
      expect(enroll.text).toContain('Become a developer');
      await agent.get('/developer/smartapps/new').expect(403);
      await agent.post('/developer/enroll').type('form').send({ _csrf: csrfOf(enroll.text) }).expect(303);
      const page = await agent.get('/developer').expect(200);
      expect(page.text).toContain('API tokens');
    });
  });

  describe('publishing', () => {
    it('publishes a valid SmartApp: 201 {id, namespace, name, version: 1}', async () => {
      const res = await api(t.http, DEMO_DEVELOPER_TOKEN).post('', { source: smartAppSource({ name: 'Valid One' }) }).expect(201);
      expect(res.body).toEqual({ id: expect.any(String), namespace: 'test', name: 'Valid One', version: 1 });
      const detail = await api(t.http, DEMO_DEVELOPER_TOKEN).get(`/${res.body.id}`).expect(200);
      expect(detail.body).toEqual({
        id: res.body.id,
        namespace: 'test',
        name: 'Valid One',
        versions: [{ version: 1, createdAt: expect.any(String) }],
        installations: 0,
        oauth: { enabled: false, clientId: null, redirectUris: [] },
      });
    });

    const invalid: [string, string, { path: string; message: string | RegExp }[]][] = [
      ['a syntax error, with its line', 'export default {\n  definition: {},\n  handlers: { list(ctx) { return [ } }\n}', [{ path: 'source:3', message: /^SyntaxError: / }]],
      ['a module without a default export', 'export const definition = {}', [{ path: 'source', message: 'The module has no default export: it must end in "export default { ... }"' }]],
      ['a throw while the module loads', "const x = 1\nthrow new Error('cannot start')\nexport default {}", [{ path: 'source:2', message: 'Error: cannot start' }]],
      [
        'missing definition fields',
        "export default { definition: { name: 'No Rest' } }",
        [
          { path: 'definition.namespace', message: 'namespace must be a non-empty string' },
          { path: 'definition.author', message: 'author must be a non-empty string' },
          { path: 'definition.description', message: 'description must be a non-empty string' },
        ],
      ],
      ['no definition at all', 'export default { handlers: {} }', [{ path: 'definition', message: 'definition must be an object' }]],
      ['a namespace with spaces', smartAppSource({ name: 'Spaces', namespace: 'my space' }), [{ path: 'definition.namespace', message: 'namespace may hold letters, digits, ".", "_" and "-" only' }]],
      [
        'an oauth that is not an object',
        "export default { definition: { name: 'N', namespace: 'n', author: 'a', description: 'd', oauth: 'yes' } }",
        [{ path: 'definition.oauth', message: 'oauth must be an object like { displayName, displayLink }' }],
      ],
      [
        'an unknown input type',
        smartAppSource({ name: 'Bad Type', preferences: "[{ section: 'S', inputs: [{ name: 'colour', type: 'color', title: 'Colour' }] }]" }),
        [{ path: 'preferences[0].inputs[0].type', message: 'unknown input type "color" (capability.<name>, text, number, decimal, bool, enum, mode, time, phone or email)' }],
      ],
      [
        'an input without a type',
        smartAppSource({ name: 'No Type', preferences: "[{ section: 'S', inputs: [{ name: 'thing', title: 'Thing' }] }]" }),
        [{ path: 'preferences[0].inputs[0].type', message: 'type is required: capability.<name>, text, number, decimal, bool, enum, mode, time, phone or email' }],
      ],
      [
        'an unknown capability',
        smartAppSource({ name: 'Teleport', preferences: "[{ section: 'S', inputs: [{ name: 'pads', type: 'capability.teleporter', title: 'Pads' }] }]" }),
        [{ path: 'preferences[0].inputs[0].type', message: 'unknown capability "teleporter"' }],
      ],
      [
        'an enum without options and a default of the wrong type',
        smartAppSource({
          name: 'Enums',
          preferences: "[{ section: 'S', inputs: [{ name: 'mode', type: 'enum', title: 'Mode' }, { name: 'level', type: 'number', title: 'Level', defaultValue: 'high' }] }]",
        }),
        [
          { path: 'preferences[0].inputs[0].options', message: 'an enum input needs options: a non-empty array of strings' },
          { path: 'preferences[0].inputs[1].defaultValue', message: 'defaultValue of a number input must be a whole number within its range' },
        ],
      ],
      [
        'an input name used twice',
        smartAppSource({ name: 'Twice', preferences: "[{ section: 'S', inputs: [{ name: 'a', type: 'text' }, { name: 'a', type: 'number' }] }]" }),
        [{ path: 'preferences[0].inputs[1].name', message: 'input name a is used twice' }],
      ],
      [
        'malformed mapping paths',
        smartAppSource({ name: 'Paths', mappings: "{ 'switches': { GET: 'ping' }, '/a/b/c/d/e': { GET: 'ping' }, '/x/:id/:id': { GET: 'ping' } }" }),
        [
          { path: 'mappings["switches"]', message: 'a mapping path is /a/b/:param with 1 to 4 segments' },
          { path: 'mappings["/a/b/c/d/e"]', message: 'a mapping path is /a/b/:param with 1 to 4 segments' },
          { path: 'mappings["/x/:id/:id"]', message: 'path variable :id is used twice' },
        ],
      ],
      [
        'two mappings that match the same requests',
        smartAppSource({ name: 'Twins', mappings: "{ '/locks/:id': { GET: 'ping' }, '/locks/:name': { PUT: 'ping' } }" }),
        [{ path: 'mappings["/locks/:name"]', message: 'matches the same requests as mappings["/locks/:id"]' }],
      ],
      [
        'unknown methods',
        smartAppSource({ name: 'Methods', mappings: "{ '/a': { FETCH: 'ping', get: 'ping' }, '/b': {} }" }),
        [
          { path: 'mappings["/a"].FETCH', message: 'unknown method FETCH (GET, POST, PUT, DELETE)' },
          { path: 'mappings["/a"].get', message: 'unknown method get (GET, POST, PUT, DELETE); methods are upper case: GET' },
          { path: 'mappings["/b"]', message: 'a mapping needs at least one method: { GET: handlerName }' },
        ],
      ],
      [
        'a mapping to a handler that does not exist or is not a function',
        smartAppSource({ name: 'Handlers', mappings: "{ '/a': { GET: 'missing' }, '/b': { GET: 'notAFunction' } }", handlers: 'notAFunction: 42,' }),
        [
          { path: 'mappings["/a"].GET', message: 'handler "missing" is not a function in handlers' },
          { path: 'mappings["/b"].GET', message: 'handler "notAFunction" is not a function in handlers' },
          { path: 'handlers.notAFunction', message: 'handler notAFunction must be a function' },
        ],
      ],
      [
        'lifecycle handlers that are not functions',
        smartAppSource({ name: 'Lifecycle', lifecycle: "installed: 'soon', uninstalled: 3," }),
        [
          { path: 'installed', message: 'installed must be a function' },
          { path: 'uninstalled', message: 'uninstalled must be a function' },
        ],
      ],
    ];

    it.each(invalid)('refuses %s with 400 invalid_smartapp and stores nothing', async (_what, source, details) => {
      const appsBefore = await t.db.getRepository(SmartApp).count();
      const versionsBefore = await t.db.getRepository(SmartAppVersion).count();
      const res = await api(t.http, DEMO_DEVELOPER_TOKEN).post('', { source }).expect(400);
      expect(res.body).toEqual({ error: 'invalid_smartapp', details: details.map((d) => ({ path: d.path, message: typeof d.message === 'string' ? d.message : expect.stringMatching(d.message) })) });
      expect(await t.db.getRepository(SmartApp).count()).toBe(appsBefore);
      expect(await t.db.getRepository(SmartAppVersion).count()).toBe(versionsBefore);
    });

    it('refuses a body without a source string', async () => {
      const res = await api(t.http, DEMO_DEVELOPER_TOKEN).post('', { source: 42 }).expect(400);
      expect(res.body).toEqual({ error: 'invalid_smartapp', details: [{ path: 'source', message: 'source must be the SmartApp module as a string' }] });
      await api(t.http, DEMO_DEVELOPER_TOKEN).post('').expect(400);
    });

    it('answers 409 for a name already taken, naming the id only when it is the caller’s own', async () => {
      const source = smartAppSource({ name: 'Taken' });
      const first = await api(t.http, DEMO_DEVELOPER_TOKEN).post('', { source }).expect(201);
      const again = await api(t.http, DEMO_DEVELOPER_TOKEN).post('', { source }).expect(409);
      expect(again.body).toMatchObject({ error: 'smartapp_exists', id: first.body.id });
      const other = await newDeveloper(t, 'taker@example.com');
      const theirs = await api(t.http, other.token).post('', { source }).expect(409);
      expect(theirs.body.error).toBe('smartapp_exists');
      expect(theirs.body).not.toHaveProperty('id');
    });

    it('publishes new versions and refuses one that renames the SmartApp', async () => {
      const created = await api(t.http, DEMO_DEVELOPER_TOKEN).post('', { source: smartAppSource({ name: 'Versioned' }) }).expect(201);
      const v2 = await api(t.http, DEMO_DEVELOPER_TOKEN).post(`/${created.body.id}/versions`, { source: smartAppSource({ name: 'Versioned', handlers: 'ping(ctx) { return 2 },' }) }).expect(201);
      expect(v2.body).toEqual({ id: created.body.id, version: 2 });
      const renamed = await api(t.http, DEMO_DEVELOPER_TOKEN).post(`/${created.body.id}/versions`, { source: smartAppSource({ name: 'Renamed' }) }).expect(400);
      expect(renamed.body).toEqual({
        error: 'invalid_smartapp',
        details: [{ path: 'definition.name', message: 'a new version must keep the name "Versioned"; publish a new SmartApp to change it' }],
      });
      const invalid = await api(t.http, DEMO_DEVELOPER_TOKEN).post(`/${created.body.id}/versions`, { source: 'export default {' }).expect(400);
      expect(invalid.body.error).toBe('invalid_smartapp');
      const detail = await api(t.http, DEMO_DEVELOPER_TOKEN).get(`/${created.body.id}`).expect(200);
      expect(detail.body.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    });

    it('publishes every SmartApp in examples/ cleanly', async () => {
      const dev = await newDeveloper(t, 'examples@example.com');
      const dir = join(__dirname, '..', '..', 'examples');
      const files = readdirSync(dir).filter((f) => f.endsWith('.js'));
      expect(files.length).toBeGreaterThanOrEqual(3);
      for (const file of files) {
        const source = readFileSync(join(dir, file), 'utf8').replace(/namespace: '[^']*'/, "namespace: 'examples-test'");
        const res = await api(t.http, dev.token).post('', { source });
        expect({ file, status: res.status, body: res.status === 201 ? 'ok' : res.body }).toEqual({ file, status: 201, body: 'ok' });
      }
    });
  });

  describe('tenancy', () => {
    it('answers 404 for another developer’s SmartApp on every route, and lists only one’s own', async () => {
      const mine = await publishWithOAuth(t.http, DEMO_DEVELOPER_TOKEN, smartAppSource({ name: 'Mine Only' }));
      const other = await newDeveloper(t, 'nosy@example.com');
      const nosy = api(t.http, other.token);
      for (const res of [
        await nosy.get(`/${mine.id}`),
        await nosy.get(`/${mine.id}/logs`),
        await nosy.post(`/${mine.id}/versions`, { source: smartAppSource({ name: 'Mine Only' }) }),
        await nosy.put(`/${mine.id}/oauth`, { redirect_uris: ['https://evil.example/cb'], client_name: 'Evil' }),
        await nosy.post(`/${mine.id}/oauth/rotate-secret`),
        await nosy.get('/00000000-0000-0000-0000-000000000000'),
      ]) {
        expect(res.status).toBe(404);
        expect(res.body.error).toBe('not_found');
      }
      expect((await nosy.get('').expect(200)).body).toEqual([]);
      const client = await t.db.getRepository(OAuthClient).findOneByOrFail({ clientId: mine.clientId });
      expect(client.redirectUris).toEqual([REDIRECT_URI]);
      const agent = await loggedIn(t.http, { email: 'nosy@example.com', password: other.password });
      await agent.get(`/developer/smartapps/${mine.id}`).expect(404);
      await agent.get(`/developer/smartapps/${mine.id}/logs`).expect(404);
    });
  });

  describe('OAuth for a SmartApp', () => {
    it('enables OAuth once with secrets shown once, updates settings, and rotates the secret', async () => {
      const created = await api(t.http, DEMO_DEVELOPER_TOKEN).post('', { source: smartAppSource({ name: 'OAuth App' }) }).expect(201);
      const id = created.body.id as string;
      const enabled = await api(t.http, DEMO_DEVELOPER_TOKEN).put(`/${id}/oauth`, { redirect_uris: ['https://service.example/callback'], client_name: 'Service' }).expect(200);
      expect(enabled.body).toEqual({ client_id: expect.any(String), client_secret: expect.any(String), webhook_secret: expect.any(String) });
      const stored = await t.db.getRepository(OAuthClient).findOneByOrFail({ clientId: enabled.body.client_id });
      expect(stored.clientSecretHash).toBe(sha256(enabled.body.client_secret));
      expect(stored.webhookSecret).toBe(enabled.body.webhook_secret);

      const updated = await api(t.http, DEMO_DEVELOPER_TOKEN)
        .put(`/${id}/oauth`, { redirect_uris: ['https://service.example/callback', 'http://localhost:5000/cb'], client_name: 'Renamed Service', callback_prefixes: ['https://service.example/hooks/'], classic_compat: true })
        .expect(200);
      expect(updated.body).toEqual({ client_id: enabled.body.client_id });
      const after = await t.db.getRepository(OAuthClient).findOneByOrFail({ clientId: enabled.body.client_id });
      expect(after).toMatchObject({ name: 'Renamed Service', redirectUris: ['https://service.example/callback', 'http://localhost:5000/cb'], callbackPrefixes: ['https://service.example/hooks/'], classicCompat: true, grantTypes: ['authorization_code'] });
      expect(after.clientSecretHash).toBe(stored.clientSecretHash);
      const detail = await api(t.http, DEMO_DEVELOPER_TOKEN).get(`/${id}`).expect(200);
      expect(detail.body.oauth).toEqual({ enabled: true, clientId: enabled.body.client_id, redirectUris: ['https://service.example/callback', 'http://localhost:5000/cb'] });

      const rotated = await api(t.http, DEMO_DEVELOPER_TOKEN).post(`/${id}/oauth/rotate-secret`).expect(200);
      expect(rotated.body).toEqual({ client_secret: expect.any(String) });
      expect(rotated.headers['cache-control']).toBe('no-store');
      expect(rotated.body.client_secret).not.toBe(enabled.body.client_secret);
      const rotatedRow = await t.db.getRepository(OAuthClient).findOneByOrFail({ clientId: enabled.body.client_id });
      expect(rotatedRow.clientSecretHash).toBe(sha256(rotated.body.client_secret));
      // the old secret no longer authenticates
      const refused = await request(t.http).post('/oauth/token').auth(enabled.body.client_id, enabled.body.client_secret).type('form').send({ grant_type: 'authorization_code', code: 'x', redirect_uri: 'https://service.example/callback' });
      expect(refused.status).toBe(401);
    });

    it('refuses rotating the secret before OAuth is enabled', async () => {
      const created = await api(t.http, DEMO_DEVELOPER_TOKEN).post('', { source: smartAppSource({ name: 'No OAuth Yet' }) }).expect(201);
      const res = await api(t.http, DEMO_DEVELOPER_TOKEN).post(`/${created.body.id}/oauth/rotate-secret`).expect(409);
      expect(res.body.error).toBe('oauth_not_enabled');
    });

    it('validates redirect URIs and callback prefixes with precise paths and stores nothing', async () => {
      const created = await api(t.http, DEMO_DEVELOPER_TOKEN).post('', { source: smartAppSource({ name: 'Bad Redirects' }) }).expect(201);
      const res = await api(t.http, DEMO_DEVELOPER_TOKEN)
        .put(`/${created.body.id}/oauth`, {
          redirect_uris: ['https://ok.example/cb', 'http://service.example/cb', 'https://ok.example/cb#frag', 'not a url', 'https://*.example/cb'],
          client_name: 'Bad',
          callback_prefixes: ['ftp://files.example/', 'https://hooks.example/?x=1'],
        })
        .expect(400);
      expect(res.body).toEqual({
        error: 'invalid_request',
        error_description: expect.any(String),
        details: [
          { path: 'redirect_uris[1]', message: 'http://service.example/cb must use https (http only on localhost, 127.0.0.1 or [::1])' },
          { path: 'redirect_uris[2]', message: 'https://ok.example/cb#frag must not have a fragment' },
          { path: 'redirect_uris[3]', message: 'not a url is not an absolute URL' },
          { path: 'redirect_uris[4]', message: 'https://*.example/cb must not contain wildcards' },
          { path: 'callback_prefixes[0]', message: 'ftp://files.example/ must be an http or https URL' },
          { path: 'callback_prefixes[1]', message: 'https://hooks.example/?x=1 must not have a query or fragment' },
        ],
      });
      const shape = await api(t.http, DEMO_DEVELOPER_TOKEN).put(`/${created.body.id}/oauth`, { redirect_uris: 'https://ok.example/cb', classic_compat: 'yes' }).expect(400);
      expect(shape.body.details).toEqual(
        expect.arrayContaining([
          { path: 'redirect_uris', message: 'redirect_uris must be an array of URLs' },
          { path: 'classic_compat', message: 'classic_compat must be true or false' },
        ]),
      );
      expect(await t.db.getRepository(OAuthClient).countBy({ smartAppId: created.body.id })).toBe(0);
    });
  });

  describe('versions and installations', () => {
    it('runs an installation on the newest published version from its next call on, with its settings and devices', async () => {
      const v1 = smartAppSource({ name: 'Upgrades', handlers: "ping(ctx) { return { version: 1, switches: ctx.settings.switches.map((d) => d.label) } }," });
      const app = await publishWithOAuth(t.http, DEMO_DEVELOPER_TOKEN, v1);
      const installed = await install(t.http, app, DEMO_USER, 'Home', ['Porch Light']);
      const first = await request(t.http).get(`${installed.base}/ping`).set('Authorization', `Bearer ${installed.accessToken}`).expect(200);
      expect(first.body).toEqual({ version: 1, switches: ['Porch Light'] });
      const v2 = smartAppSource({ name: 'Upgrades', handlers: "ping(ctx) { return { version: 2, switches: ctx.settings.switches.map((d) => d.label) } }," });
      await api(t.http, DEMO_DEVELOPER_TOKEN).post(`/${app.id}/versions`, { source: v2 }).expect(201);
      const second = await request(t.http).get(`${installed.base}/ping`).set('Authorization', `Bearer ${installed.accessToken}`).expect(200);
      expect(second.body).toEqual({ version: 2, switches: ['Porch Light'] });
      const list = await api(t.http, DEMO_DEVELOPER_TOKEN).get('').expect(200);
      expect(list.body).toContainEqual({ id: app.id, namespace: 'test', name: 'Upgrades', latestVersion: 2, installations: 1 });
    });
  });

  describe('logs', () => {
    const LOGGER = smartAppSource({
      name: 'Chatty',
      mappings: "{ '/say/:count': { GET: 'say' } }",
      handlers: "say(ctx) { for (let i = 1; i <= Number(ctx.params.count); i++) ctx.log.info('line ' + i + ' of ' + ctx.params.tag) },",
    });

    it('shows ctx.log lines to the author, filtered by installation and since, and to no other developer', async () => {
      const app = await publishWithOAuth(t.http, DEMO_DEVELOPER_TOKEN, LOGGER);
      const a = await install(t.http, app, DEMO_USER, 'Home', []);
      const b = await install(t.http, app, DEMO_USER, 'Cabin', []);
      await request(t.http).get(`${a.base}/say/2?tag=a`).set('Authorization', `Bearer ${a.accessToken}`).expect(204);
      await request(t.http).get(`${b.base}/say/1?tag=b`).set('Authorization', `Bearer ${b.accessToken}`).expect(204);
      const all = await logsOf(t.http, DEMO_DEVELOPER_TOKEN, app.id);
      expect(all.map((l) => [l.installationId, l.level, l.message])).toEqual([
        [a.installationId, 'info', 'line 1 of a'],
        [a.installationId, 'info', 'line 2 of a'],
        [b.installationId, 'info', 'line 1 of b'],
      ]);
      expect(all.every((l) => !Number.isNaN(Date.parse(l.at)))).toBe(true);
      const onlyB = await logsOf(t.http, DEMO_DEVELOPER_TOKEN, app.id, `?installation=${b.installationId}`);
      expect(onlyB.map((l) => l.message)).toEqual(['line 1 of b']);
      const after = await logsOf(t.http, DEMO_DEVELOPER_TOKEN, app.id, `?since=${encodeURIComponent(all[1].at)}`);
      expect(after.map((l) => l.message)).toEqual(['line 1 of b']);
      const bad = await api(t.http, DEMO_DEVELOPER_TOKEN).get(`/${app.id}/logs?since=yesterday`).expect(400);
      expect(bad.body.details).toEqual([{ path: 'since', message: 'since must be an ISO 8601 time like 2025-01-31T12:00:00.000Z' }]);

      const other = await newDeveloper(t, 'reader@example.com');
      await api(t.http, other.token).get(`/${app.id}/logs`).expect(404);
      // the user sees the activity summary, never the app's log lines
      const agent = await loggedIn(t.http, DEMO_USER);
      const page = await agent.get(`/apps/${a.installationId}`).expect(200);
      expect(page.text).not.toContain('line 1 of a');
    });

    it('keeps only the newest APP_LOG_RETENTION lines per installation', async () => {
      const app = await publishWithOAuth(t.http, DEMO_DEVELOPER_TOKEN, LOGGER.replace('"Chatty"', '"Chatty Retained"'));
      const a = await install(t.http, app, DEMO_USER, 'Home', []);
      const b = await install(t.http, app, DEMO_USER, 'Cabin', []);
      await request(t.http).get(`${a.base}/say/8?tag=first`).set('Authorization', `Bearer ${a.accessToken}`).expect(204);
      await request(t.http).get(`${b.base}/say/3?tag=other`).set('Authorization', `Bearer ${b.accessToken}`).expect(204);
      await request(t.http).get(`${a.base}/say/7?tag=second`).set('Authorization', `Bearer ${a.accessToken}`).expect(204);
      expect(await t.db.getRepository(AppLog).countBy({ installationId: a.installationId })).toBe(10);
      const lines = await logsOf(t.http, DEMO_DEVELOPER_TOKEN, app.id, `?installation=${a.installationId}`);
      expect(lines.map((l) => l.message)).toEqual([
        'line 6 of first',
        'line 7 of first',
        'line 8 of first',
        ...[1, 2, 3, 4, 5, 6, 7].map((i) => `line ${i} of second`),
      ]);
      expect(await t.db.getRepository(AppLog).countBy({ installationId: b.installationId })).toBe(3);
    });
  });

  describe('developer console pages', () => {
    it('publishes, shows validation errors, enables OAuth with secrets once, and shows logs', async () => {
      const agent = await loggedIn(t.http, DEMO_USER);
      const form = await agent.get('/developer/smartapps/new').expect(200);
      const invalid = await agent.post('/developer/smartapps').type('form').send({ _csrf: csrfOf(form.text), source: smartAppSource({ name: 'Console App', mappings: "{ '/a': { GET: 'nope' } }" }) }).expect(400);
      expect(invalid.text).toContain('handler &quot;nope&quot; is not a function in handlers');
      const published = await agent.post('/developer/smartapps').type('form').send({ _csrf: csrfOf(form.text), source: smartAppSource({ name: 'Console App' }) }).expect(303);
      const detail = await agent.get(published.headers.location).expect(200);
      expect(detail.text).toContain('Console App');
      expect(detail.text).toContain('Enable OAuth');
      const enabled = await agent
        .post(`${published.headers.location}/oauth`)
        .type('form')
        .send({ _csrf: csrfOf(detail.text), client_name: 'Console Service', redirect_uris: 'https://console.example/cb\nhttp://localhost:7000/cb', callback_prefixes: '' })
        .expect(200);
      expect(enabled.text).toContain('Copy these now');
      expect(enabled.headers['cache-control']).toBe('no-store');
      const id = published.headers.location.split('/').pop() as string;
      const client = await t.db.getRepository(OAuthClient).findOneByOrFail({ smartAppId: id });
      expect(client.redirectUris).toEqual(['https://console.example/cb', 'http://localhost:7000/cb']);
      const secret = /<dt>Client secret<\/dt><dd><code class="secret">([^<]+)<\/code>/.exec(enabled.text)?.[1] ?? '';
      expect(sha256(secret)).toBe(client.clientSecretHash);
      const after = await agent.get(published.headers.location).expect(200);
      expect(after.text).not.toContain(secret);
      const badOAuth = await agent.post(`${published.headers.location}/oauth`).type('form').send({ _csrf: csrfOf(after.text), client_name: 'x', redirect_uris: 'http://evil.example/cb' }).expect(400);
      expect(badOAuth.text).toContain('must use https');
      await agent.get(`${published.headers.location}/logs`).expect(200);
    });
  });
});
