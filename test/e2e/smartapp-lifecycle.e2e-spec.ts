import request from 'supertest';
import { AppLog } from '../../src/installations/app-log.entity';
import { DeviceGrant } from '../../src/installations/device-grant.entity';
import { Installation } from '../../src/installations/installation.entity';
import { AuthorizationCode } from '../../src/oauth/authorization-code.entity';
import { AccessToken } from '../../src/oauth/access-token.entity';
import { csrfOf, decide, openPreferences, optionValue } from '../helpers/browser';
import { DEMO_USER, loggedIn } from '../helpers/oauth-flow';
import { startTestApp, TestApp } from '../helpers/test-app';
import { api, DEMO_DEVELOPER_TOKEN, install, logsOf, publishWithOAuth, REDIRECT_URI, smartAppSource } from '../factories/developer';

const PROBE = smartAppSource({
  name: 'Lifecycle Probe',
  lifecycle: `
    installed(ctx) { ctx.log.info('installed with ' + ctx.settings.switches.length + ' switch(es)'); ctx.state.installedAt = ctx.now },
    updated(ctx) { ctx.log.info('updated') },
    uninstalled(ctx) { ctx.log.info('uninstalled') },`,
  handlers: "ping(ctx) { ctx.log.info('ping'); return { installed: typeof ctx.state.installedAt === 'string' } },",
});

const BROKEN = smartAppSource({
  name: 'Broken Install',
  lifecycle: "installed(ctx) { ctx.log.info('about to fail'); ctx.settings.switches.forEach((d) => d.on()); throw new Error('cannot install here') },",
});

describe('SmartApp lifecycle: installed, uninstalled, and a failing installed()', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  async function counts(): Promise<number[]> {
    return [
      await t.db.getRepository(Installation).count(),
      await t.db.getRepository(DeviceGrant).count(),
      await t.db.getRepository(AuthorizationCode).count(),
      await t.db.getRepository(AccessToken).count(),
    ];
  }

  it('runs installed() at authorization and uninstalled() at uninstall, in that order in the author’s logs', async () => {
    const app = await publishWithOAuth(t.http, DEMO_DEVELOPER_TOKEN, PROBE);
    const installed = await install(t.http, app, DEMO_USER, 'Home', ['Kitchen Light']);
    const ping = await request(t.http).get(`${installed.base}/ping`).set('Authorization', `Bearer ${installed.accessToken}`).expect(200);
    expect(ping.body).toEqual({ installed: true });
    await request(t.http).delete(installed.base).set('Authorization', `Bearer ${installed.accessToken}`).expect(204);
    const lines = await logsOf(t.http, DEMO_DEVELOPER_TOKEN, app.id);
    expect(lines.map((l) => [l.installationId, l.message])).toEqual([
      [installed.installationId, 'installed with 1 switch(es)'],
      [installed.installationId, 'ping'],
      [installed.installationId, 'uninstalled'],
    ]);
    await request(t.http).get(`${installed.base}/ping`).set('Authorization', `Bearer ${installed.accessToken}`).expect(401);
  });

  it('aborts the authorization when installed() throws: an error page, no installation, grant, code or token, and the error in the author’s logs', async () => {
    const app = await publishWithOAuth(t.http, DEMO_DEVELOPER_TOKEN, BROKEN);
    const before = await counts();
    const agent = await loggedIn(t.http, DEMO_USER);
    const page = await openPreferences(agent, 'Home', { clientId: app.clientId, redirectUri: REDIRECT_URI });
    const res = await decide(agent, page, 'allow', { switches: optionValue(page, 'Kitchen Light') }).expect(500);
    expect(res.headers.location).toBeUndefined();
    expect(res.text).toContain('Broken Install could not be set up');
    expect(res.text).toContain('Nothing was installed');
    expect(await counts()).toEqual(before);
    const kitchen = await t.db.query("SELECT state FROM devices WHERE label = 'Kitchen Light'");
    expect(JSON.parse((kitchen as { state: string }[])[0].state).switch).toBe('off');

    const lines = await logsOf(t.http, DEMO_DEVELOPER_TOKEN, app.id);
    expect(lines.map((l) => l.level)).toEqual(['info', 'error']);
    expect(lines[0].message).toBe('about to fail');
    const errorId = /error id ([0-9a-f-]{36})/.exec(res.text)?.[1];
    expect(errorId).toBeDefined();
    expect(lines[1].message).toContain(`[${errorId}] lifecycle installed failed (exception): Error: cannot install here`);
    // the stack names the line of the throw in the SmartApp's own source
    expect(lines[1].message).toMatch(/\n.*installed/);
    expect(await t.db.getRepository(Installation).countBy({ id: lines[1].installationId })).toBe(0);
  });

  describe('the catalog', () => {
    it('lists published SmartApps and installs one into a location without an OAuth client, running installed() in the same transaction', async () => {
      const published = await api(t.http, DEMO_DEVELOPER_TOKEN).post('', { source: PROBE.replace('"Lifecycle Probe"', '"Catalog Probe"') }).expect(201);
      const id = published.body.id as string;
      const catalog = await request(t.http).get('/catalog').set('Accept', 'text/html').expect(200);
      expect(catalog.text).toContain('Catalog Probe');
      expect(catalog.text).toContain('Device Bridge');
      const detail = await request(t.http).get(`/catalog/${id}`).set('Accept', 'text/html').expect(200);
      expect(detail.text).toContain('see whether it is on and turn it on and off');

      const agent = await loggedIn(t.http, DEMO_USER);
      const choose = await agent.get(`/catalog/${id}/install`).expect(200);
      expect(choose.text).toContain('Where should Catalog Probe run?');
      const cabin = optionValue(choose.text, 'Cabin');
      const form = await agent.get(`/catalog/${id}/install?location_id=${cabin}`).expect(200);
      expect(form.text).toContain('Cabin Light');
      expect(form.text).not.toContain('Kitchen Light');
      const done = await agent
        .post(`/catalog/${id}/install`)
        .type('form')
        .send(`_csrf=${encodeURIComponent(csrfOf(form.text))}&location_id=${cabin}&decision=install&${encodeURIComponent('settings[switches]')}=${optionValue(form.text, 'Cabin Light')}`)
        .expect(303);
      const installationId = done.headers.location.replace('/apps/', '');
      const installation = await t.db.getRepository(Installation).findOneByOrFail({ id: installationId });
      expect(installation).toMatchObject({ clientId: null, locationId: cabin, status: 'active', smartAppId: id });
      expect(installation.state).toEqual({ installedAt: expect.any(String) });
      expect(await t.db.getRepository(DeviceGrant).countBy({ installationId })).toBe(1);
      const lines = await logsOf(t.http, DEMO_DEVELOPER_TOKEN, id);
      expect(lines.map((l) => l.message)).toEqual(['installed with 1 switch(es)']);
      await agent.get(done.headers.location).expect(200);
    });

    it('refuses a forged device on the catalog form and installs nothing', async () => {
      const listed = await api(t.http, DEMO_DEVELOPER_TOKEN).get('').expect(200);
      const bridge = (listed.body as { id: string; name: string }[]).find((a) => a.name === 'Device Bridge');
      const agent = await loggedIn(t.http, DEMO_USER);
      const choose = await agent.get(`/catalog/${bridge?.id}/install`).expect(200);
      const home = optionValue(choose.text, 'Home');
      const form = await agent.get(`/catalog/${bridge?.id}/install?location_id=${home}`).expect(200);
      const before = await counts();
      const flat = await t.db.query("SELECT id FROM devices WHERE label = 'Flat Light'");
      const res = await agent
        .post(`/catalog/${bridge?.id}/install`)
        .type('form')
        .send(`_csrf=${encodeURIComponent(csrfOf(form.text))}&location_id=${home}&decision=install&${encodeURIComponent('settings[switches]')}=${(flat as { id: string }[])[0].id}`)
        .expect(400);
      expect(res.text).toContain('A device that was not offered was chosen');
      expect(await counts()).toEqual(before);
    });

    it('leaves nothing behind when installed() throws during a catalog install, and keeps the error in the author’s logs', async () => {
      const published = await api(t.http, DEMO_DEVELOPER_TOKEN).post('', { source: BROKEN.replace('"Broken Install"', '"Broken Catalog"') }).expect(201);
      const id = published.body.id as string;
      const agent = await loggedIn(t.http, DEMO_USER);
      const choose = await agent.get(`/catalog/${id}/install`).expect(200);
      const home = optionValue(choose.text, 'Home');
      const form = await agent.get(`/catalog/${id}/install?location_id=${home}`).expect(200);
      const before = await counts();
      const logsBefore = await t.db.getRepository(AppLog).countBy({ smartAppId: id });
      const res = await agent.post(`/catalog/${id}/install`).type('form').send({ _csrf: csrfOf(form.text), location_id: home, decision: 'install' }).expect(500);
      expect(res.text).toContain('Broken Catalog could not be set up');
      expect(await counts()).toEqual(before);
      expect(await t.db.getRepository(AppLog).countBy({ smartAppId: id })).toBe(logsBefore + 2);
    });

    it('shows the catalog to anyone but asks for a log-in to install', async () => {
      await request(t.http).get('/catalog').set('Accept', 'text/html').expect(200);
      const listed = await api(t.http, DEMO_DEVELOPER_TOKEN).get('').expect(200);
      const res = await request(t.http).get(`/catalog/${(listed.body as { id: string }[])[0].id}/install`).set('Accept', 'text/html').expect(302);
      expect(res.headers.location).toMatch(/^\/login\?return_to=/);
      await request(t.http).get('/catalog/00000000-0000-0000-0000-000000000000').set('Accept', 'text/html').expect(404);
    });
  });
});
