import request from 'supertest';
import { Installation } from '../../src/installations/installation.entity';
import { Agent, agentFor, authorizeUrl, csrfOf, logIn, optionValue } from '../helpers/browser';
import { DEMO_USER, OTHER_USER } from '../helpers/oauth-flow';
import { startTestApp, TestApp } from '../helpers/test-app';
import { api, newDeveloper, OAuthApp, publishWithOAuth, REDIRECT_URI, smartAppSource } from '../factories/developer';

// Every input type, on two pages, through the consent, the catalog install and Configure.
const PAGES = `[
  { name: 'devices', title: 'Which things', sections: [
    { section: 'Lights', inputs: [
      { name: 'switches', type: 'capability.switch', title: 'Which lights?', multiple: true, required: true },
      { name: 'motion', type: 'capability.motionSensor', title: 'Which motion sensor?', required: false, hideWhenEmpty: true } ] } ] },
  { name: 'options', title: 'How it behaves', sections: [
    { section: 'Numbers', inputs: [
      { name: 'level', type: 'number', title: 'Level', range: '0..100', defaultValue: 50, required: false },
      { name: 'ratio', type: 'decimal', title: 'Ratio', range: '0.5..', required: false } ] },
    { section: 'Choices', inputs: [
      { name: 'color', type: 'enum', title: 'Colour', options: ['Red', 'Green'], defaultValue: 'Green', required: false },
      { name: 'days', type: 'enum', title: 'Days', options: ['Mon', 'Tue', 'Wed'], multiple: true, required: false },
      { name: 'awayMode', type: 'mode', title: 'Mode when away', required: false },
      { name: 'quietFrom', type: 'time', title: 'Quiet from', required: false },
      { name: 'phone', type: 'phone', title: 'Phone', required: false },
      { name: 'email', type: 'email', title: 'Email', required: false },
      { name: 'note', type: 'text', title: 'Note', required: false, description: 'Anything' },
      { name: 'notify', type: 'bool', title: 'Notify me', required: false, defaultValue: true } ] } ] } ]`;

const SETTINGS_HANDLER = `settings(ctx) { return ctx.settings },`;

/** Posts one page of a preference form: the hidden fields of the page plus `settings`. */
function postPage(agent: Agent, action: string, page: string, decision: string, settings: Record<string, string | string[]> = {}) {
  const form: string[] = [`_csrf=${encodeURIComponent(csrfOf(page))}`, `decision=${decision}`];
  for (const hidden of ['transaction_id', 'page', 'location_id']) {
    const m = new RegExp(`type="hidden" name="${hidden}" value="([^"]*)"`).exec(page);
    if (m) {
      form.push(`${hidden}=${encodeURIComponent(m[1])}`);
    }
  }
  for (const [name, value] of Object.entries(settings)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      form.push(`${encodeURIComponent(`settings[${name}]`)}=${encodeURIComponent(v)}`);
    }
  }
  return agent.post(action).type('form').send(form.join('&'));
}

const VALID = { level: '70', ratio: '2.5', color: 'Red', days: ['Mon', 'Wed'], awayMode: 'Away', quietFrom: '22:30', phone: '+44 20 7946 0000', email: 'me@example.com', note: 'hello', notify: 'true' };

describe('preference inputs and pages', () => {
  // a fresh PostgreSQL schema and the demo seed take a while on a loaded machine
  jest.setTimeout(120000);
  let t: TestApp;
  let app: OAuthApp;
  let devToken: string;

  beforeAll(async () => {
    t = await startTestApp();
    devToken = (await newDeveloper(t, 'pages-dev@example.com')).token;
    app = await publishWithOAuth(t.http, devToken, smartAppSource({ name: 'Inputs Tour', preferences: PAGES, mappings: `{ '/settings': { GET: 'settings' } }`, handlers: SETTINGS_HANDLER }));
  });

  afterAll(() => t.close());

  async function startConsent(who = DEMO_USER, location: string | null = 'Cabin'): Promise<{ agent: Agent; html: string }> {
    const agent = agentFor(t.http);
    await logIn(agent, who.email, who.password);
    const start = await agent.get(authorizeUrl({ clientId: app.clientId, redirectUri: REDIRECT_URI, state: 'st-1' })).expect(302);
    let html = (await agent.get(start.headers.location).expect(200)).text;
    if (location && start.headers.location.includes('/location')) {
      const chosen = await postPage(agent, '/oauth/authorize/location', html, 'next').send(`location_id=${optionValue(html, location)}`);
      expect(chosen.status).toBe(303);
      html = (await agent.get(chosen.headers.location).expect(200)).text;
    }
    return { agent, html };
  }

  it('a two-page consent: checked page by page, values kept on Back, all settings installed on Authorize', async () => {
    const { agent, html: first } = await startConsent();
    expect(first).toContain('Page 1 of 2');
    expect(first).toContain('Which things');
    expect(first).not.toContain('Which motion sensor?'); // hideWhenEmpty: Cabin has none
    expect(first).toContain('name="decision" value="next"');
    expect(first).not.toContain('value="allow"');

    const empty = await postPage(agent, '/oauth/authorize/decision', first, 'next').expect(400);
    expect(empty.text).toContain('Please choose at least one device for &quot;Which lights?&quot;');

    const light = optionValue(first, 'Cabin Light');
    const next = await postPage(agent, '/oauth/authorize/decision', first, 'next', { switches: light }).expect(303);
    expect(next.headers.location).toMatch(/\/oauth\/authorize\/preferences\?transaction_id=.+&page=1$/);
    const second = (await agent.get(next.headers.location).expect(200)).text;
    expect(second).toContain('Page 2 of 2');
    expect(second).toContain('value="allow"');
    expect(second).toMatch(/name="settings\[level\]" value="50" step="1" min="0" max="100"/);
    expect(second).toContain('<option value="Green" selected>');
    expect(second).toMatch(/<option value="Away" >Away<\/option>/);
    expect(second).toMatch(/id="f-notify" type="checkbox" name="settings\[notify\]" value="true" checked/);
    expect(second).toContain('type="tel"');
    expect(second).toContain('type="email"');

    const back = await postPage(agent, '/oauth/authorize/decision', second, 'back', { level: '70' }).expect(303);
    expect(back.headers.location).toMatch(/&page=0$/);
    const again = (await agent.get(back.headers.location).expect(200)).text;
    expect(again).toMatch(new RegExp(`value="${light}" checked>`));
    const forward = await postPage(agent, '/oauth/authorize/decision', again, 'next', { switches: light }).expect(303);
    const kept = (await agent.get(forward.headers.location).expect(200)).text;
    expect(kept).toContain('name="settings[level]" value="70"');

    const wrong = await postPage(agent, '/oauth/authorize/decision', kept, 'allow', {
      ...VALID,
      level: '150',
      ratio: '0.1',
      awayMode: 'Party',
      quietFrom: '25:00',
      phone: 'call me',
      email: 'nobody',
    }).expect(400);
    for (const message of [
      '&quot;Level&quot; must be between 0 and 100',
      '&quot;Ratio&quot; must be at least 0.5',
      'must be one of the location&#x27;s modes (Home, Away, Night)',
      '&quot;Quiet from&quot; must be a time like 07:30',
      '&quot;Phone&quot; must be a phone number',
      '&quot;Email&quot; must be an email address',
    ]) {
      expect(wrong.text).toContain(message);
    }
    const whole = await postPage(agent, '/oauth/authorize/decision', kept, 'allow', { ...VALID, level: '3.5' }).expect(400);
    expect(whole.text).toContain('&quot;Level&quot; must be a whole number');

    const done = await postPage(agent, '/oauth/authorize/decision', kept, 'allow', VALID).expect(303);
    const redirect = new URL(done.headers.location);
    expect(redirect.searchParams.get('state')).toBe('st-1');
    const tokens = await request(t.http)
      .post('/oauth/token')
      .auth(app.clientId, app.clientSecret)
      .type('form')
      .send({ grant_type: 'authorization_code', code: redirect.searchParams.get('code'), redirect_uri: REDIRECT_URI })
      .expect(200);
    const body = tokens.body as { access_token: string; installation_id: string };
    const settings = await request(t.http).get(`/api/smartapps/installations/${body.installation_id}/settings`).set('Authorization', `Bearer ${body.access_token}`).expect(200);
    expect(settings.body).toMatchObject({
      level: 70,
      ratio: 2.5,
      color: 'Red',
      days: ['Mon', 'Wed'],
      awayMode: 'Away',
      quietFrom: '22:30',
      phone: '+44 20 7946 0000',
      email: 'me@example.com',
      note: 'hello',
      notify: true,
    });
    expect((settings.body as { switches: { id: string }[] }).switches.map((s) => s.id)).toEqual([light]);
  });

  it('leaving out optional values gives their defaults; an unticked box is false', async () => {
    const { agent, html } = await startConsent();
    const next = await postPage(agent, '/oauth/authorize/decision', html, 'next', { switches: optionValue(html, 'Cabin Light') }).expect(303);
    const second = (await agent.get(next.headers.location).expect(200)).text;
    await postPage(agent, '/oauth/authorize/decision', second, 'allow', { level: '', color: '' }).expect(303);
    const rows = await t.db.getRepository(Installation).find({ order: { createdAt: 'DESC' }, take: 1 });
    expect(rows[0].settings).toMatchObject({ level: 50, color: 'Green', days: [], notify: false, ratio: null });
  });

  it('the focused layout: names and a way back to the client, no site navigation; Back after Deny returns to the client', async () => {
    const { agent, html } = await startConsent();
    expect(html).not.toContain('aria-label="Main"');
    expect(html).toContain('Test Service');
    expect(html).toContain('Inputs Tour');
    const back = /class="back-to-client" href="([^"]+)"/.exec(html);
    expect(back).not.toBeNull();
    const backUrl = new URL(back![1].replace(/&amp;/g, '&').replace(/&#x3D;/g, '='));
    expect(`${backUrl.origin}${backUrl.pathname}`).toBe(REDIRECT_URI);
    expect(backUrl.searchParams.get('error')).toBe('access_denied');
    expect(backUrl.searchParams.get('state')).toBe('st-1');
    expect(html).toContain('choose another location'); // the demo user has Home and Cabin

    expect(html).toContain('action="/oauth/authorize/decision"');
    const denied = await postPage(agent, '/oauth/authorize/decision', html, 'deny').expect(303);
    expect(new URL(denied.headers.location).searchParams.get('error')).toBe('access_denied');
    const transaction = /name="transaction_id" value="([^"]+)"/.exec(html)![1];
    const again = await agent.get(`/oauth/authorize/preferences?transaction_id=${encodeURIComponent(transaction)}`).expect(303);
    expect(new URL(again.headers.location).searchParams.get('error')).toBe('access_denied');
    expect(again.headers.location.startsWith(REDIRECT_URI)).toBe(true);
  });

  it('shows the app\'s icon and link on the consent page', async () => {
    const source = smartAppSource({ name: 'Iconic' }).replace(
      "description: 'A SmartApp of the test suite'",
      "description: 'A SmartApp of the test suite', iconUrl: 'https://icons.example.com/iconic.png', oauth: { displayName: 'Iconic', displayLink: 'https://iconic.example.com/about' }",
    );
    const iconic = await publishWithOAuth(t.http, devToken, source);
    const agent = agentFor(t.http);
    await logIn(agent, OTHER_USER.email, OTHER_USER.password);
    const start = await agent.get(authorizeUrl({ clientId: iconic.clientId, redirectUri: REDIRECT_URI })).expect(302);
    const html = (await agent.get(start.headers.location).expect(200)).text;
    expect(html).toContain('<img class="app-icon" src="https://icons.example.com/iconic.png"');
    expect(html).toContain('class="display-link" href="https://iconic.example.com/about"');
    const refused = await api(t.http, devToken).post('', { source: smartAppSource({ name: 'Bad Icon' }).replace("description: 'A SmartApp of the test suite'", "description: 'x', iconUrl: 'javascript:alert(1)'") }).expect(400);
    expect(JSON.stringify(refused.body)).toContain('iconUrl must be an https URL');
  });

  it('with one location there is no "choose another location"', async () => {
    const { html } = await startConsent(OTHER_USER, null);
    expect(html).toContain('Flat');
    expect(html).not.toContain('choose another location');
  });

  it('the log-in page in the middle of an authorization says who asks, in the focused layout', async () => {
    const agent = agentFor(t.http);
    const start = await agent.get(authorizeUrl({ clientId: app.clientId, redirectUri: REDIRECT_URI })).expect(302);
    expect(start.headers.location).toMatch(/^\/login\?return_to=/);
    const login = await agent.get(start.headers.location).expect(200);
    expect(login.text).toContain('Log in to connect Test Service');
    expect(login.text).toContain('Inputs Tour');
    expect(login.text).not.toContain('aria-label="Main"');
    expect(login.text).toContain('class="back-to-client"');
    const plain = await agentFor(t.http).get('/login').expect(200);
    expect(plain.text).not.toContain('Log in to connect');
  });

  it('serves a favicon and links it', async () => {
    const icon = await request(t.http).get('/favicon.ico').expect(200);
    expect(icon.headers['content-type']).toMatch(/image\/(x-icon|vnd\.microsoft\.icon)/);
    expect((icon.body as Buffer).subarray(0, 4)).toEqual(Buffer.from([0, 0, 1, 0]));
    const home = await request(t.http).get('/login').expect(200);
    expect(home.text).toContain('<link rel="icon" href="/favicon.ico">');
  });

  it('a required device input with no matching device says so clearly', async () => {
    const source = smartAppSource({
      name: 'Needs Motion',
      preferences: `[{ section: 'Sensors', inputs: [{ name: 'motion', type: 'capability.motionSensor', title: 'Which motion sensor?', required: true, hideWhenEmpty: true }] }]`,
    });
    const needs = await publishWithOAuth(t.http, devToken, source);
    const agent = agentFor(t.http);
    await logIn(agent, OTHER_USER.email, OTHER_USER.password);
    const start = await agent.get(authorizeUrl({ clientId: needs.clientId, redirectUri: REDIRECT_URI })).expect(302);
    const html = (await agent.get(start.headers.location).expect(200)).text;
    expect(html).toContain('Which motion sensor?'); // required: shown even though hideWhenEmpty
    expect(html).toContain('You have no devices that can do this in Flat.');
    const refused = await postPage(agent, '/oauth/authorize/decision', html, 'allow').expect(400);
    expect(refused.text).toContain('there is none in this location');
  });

  it('refuses bad input definitions at publishing with clear messages', async () => {
    const bad = smartAppSource({
      name: 'Bad Inputs',
      preferences: `[{ section: 'S', inputs: [
        { name: 'a', type: 'number', range: '10..1' },
        { name: 'b', type: 'text', range: '0..1' },
        { name: 'c', type: 'decimal', range: 'lots' },
        { name: 'd', type: 'number', defaultValue: 2.5 },
        { name: 'e', type: 'colour' },
        { name: 'f', type: 'text', multiple: true } ] }]`,
    });
    const res = await api(t.http, devToken).post('', { source: bad });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const text = JSON.stringify(res.body);
    expect(text).toContain('range: the low end is above the high end');
    expect(text).toContain('range is for number and decimal inputs');
    expect(text).toContain('range must look like');
    expect(text).toContain('defaultValue of a number input must be a whole number');
    expect(text).toContain('unknown input type \\"colour\\" (capability.<name>, text, number, decimal, bool, enum, mode, time, phone or email)');
    expect(text).toContain('multiple is for capability.* and enum inputs');
  });

  it('installs from the catalog through the pages, and Configure walks the same pages from the saved choices', async () => {
    const agent = agentFor(t.http);
    await logIn(agent, DEMO_USER.email, DEMO_USER.password);
    const entry = await agent.get(`/catalog/${app.id}/install`).expect(200);
    const cabin = optionValue(entry.text, 'Cabin');
    const first = (await agent.get(`/catalog/${app.id}/install?location_id=${cabin}`).expect(200)).text;
    expect(first).toContain('Page 1 of 2');
    const light = optionValue(first, 'Cabin Light');
    const next = await postPage(agent, `/catalog/${app.id}/install`, first, 'next', { switches: light }).expect(303);
    const second = (await agent.get(next.headers.location).expect(200)).text;
    expect(second).toContain('value="install"');
    const bad = await postPage(agent, `/catalog/${app.id}/install`, second, 'install', { ...VALID, level: '-1' }).expect(400);
    expect(bad.text).toContain('&quot;Level&quot; must be between 0 and 100');
    const installed = await postPage(agent, `/catalog/${app.id}/install`, second, 'install', VALID).expect(303);
    const installationId = /\/apps\/([0-9a-f-]{36})$/.exec(installed.headers.location)![1];
    const row = await t.db.getRepository(Installation).findOneByOrFail({ id: installationId });
    expect(row.settings).toMatchObject({ level: 70, ratio: 2.5, days: ['Mon', 'Wed'], notify: true, awayMode: 'Away' });

    // times in the location's time zone (Cabin: Europe/London), not UTC
    const detail = (await agent.get(`/apps/${installationId}`).expect(200)).text;
    expect(detail).toMatch(/<dd>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (GMT|BST|GMT\+1)<\/dd>/);
    expect(detail).not.toMatch(/\d\d:\d\d:\d\d UTC/);

    const configure = (await agent.get(`/apps/${installationId}/configure`).expect(200)).text;
    expect(configure).toContain('Page 1 of 2');
    expect(configure).toMatch(new RegExp(`value="${light}" checked>`));
    const onward = await postPage(agent, `/apps/${installationId}/configure`, configure, 'next', { switches: light }).expect(303);
    expect(onward.headers.location).toBe(`/apps/${installationId}/configure?page=1`);
    const options = (await agent.get(onward.headers.location).expect(200)).text;
    expect(options).toContain('name="settings[level]" value="70"');
    expect(options).toMatch(/<input type="checkbox" name="settings\[days\]" value="Mon" checked>/);
    expect(options).toContain('value="save"');
    const saved = await postPage(agent, `/apps/${installationId}/configure`, options, 'save', { ...VALID, level: '20', days: 'Tue' }).expect(303);
    expect(saved.headers.location).toBe(`/apps/${installationId}`);
    const after = await t.db.getRepository(Installation).findOneByOrFail({ id: installationId });
    expect(after.settings).toMatchObject({ level: 20, days: ['Tue'], color: 'Red' });
  });
});
