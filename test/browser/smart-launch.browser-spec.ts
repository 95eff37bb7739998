import { mkdirSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { Location } from '../../src/locations/location.entity';
import { OAuth1Token } from '../../src/oauth1/oauth1-token.entity';
import { sha256 } from '../../src/common/secrets';
import { api, DEMO_DEVELOPER_TOKEN, REDIRECT_URI, smartAppSource } from '../factories/developer';
import { formOf, oauthFor, sign } from '../helpers/oauth1-client';
import { closeServer, launchChromium, Stage, startStage } from './harness';

// A SMART app in a real Chromium: the launch page opens the app's index_url on a location, and the
// OAuth 1.0a consent (GET /oauth/authorize?oauth_token=…) sends the browser back with a verifier.

const SHOTS = join(__dirname, '..', '..', 'screenshots');
const DEMO = { email: 'demo@example.com', password: 'demo-password' };

/** The SMART app's own pages: index.html and the callback show what they were given. */
async function startSmartApp(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://app.invalid');
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    const rows = [...url.searchParams].map(([k, v]) => `<li><span class="k">${k}</span>=<span id="${k}">${v.replace(/[<>&"]/g, '')}</span></li>`).join('');
    res.end(`<!doctype html><title>SMART app</title><h1>SMART app ${url.pathname}</h1><ul>${rows}</ul>`);
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  return { url: `http://127.0.0.1:${port}`, server };
}

describe('a SMART app’s launch and OAuth 1.0a consent in Chromium', () => {
  let stage: Stage;
  let app: { url: string; server: Server };
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let consumer: { key: string; secret: string };
  let home: string;
  const platform = (path: string) => `${stage.platformUrl}${path}`;
  const shot = (p: Page, name: string) => p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    stage = await startStage();
    app = await startSmartApp();
    const http = stage.platform.getHttpServer();
    const published = await api(http, DEMO_DEVELOPER_TOKEN).post('', { source: smartAppSource({ name: 'SMART Chart' }) }).expect(201);
    const enabled = await api(http, DEMO_DEVELOPER_TOKEN)
      .put(`/${published.body.id}/oauth`, { redirect_uris: [REDIRECT_URI], oauth1: { callback_url: `${app.url}/callback`, index_url: `${app.url}/index.html` } })
      .expect(200);
    consumer = { key: enabled.body.consumer_key, secret: enabled.body.consumer_secret };
    home = (await stage.db.getRepository(Location).findOneByOrFail({ name: 'Home' })).id;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await stage?.close();
    if (app) {
      await closeServer(app.server);
    }
  });

  it('launches: log in, pick a location, land on index_url with record_id and api_base', async () => {
    await page.goto(platform(`/apps/${consumer.key}/launch`));
    await page.waitForURL(/\/login\?return_to=/);
    await page.getByLabel('Email').fill(DEMO.email);
    await page.getByLabel('Password').fill(DEMO.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(platform(`/apps/${consumer.key}/launch`));
    const text = await page.locator('main').innerText();
    expect(text).toContain('Open SMART Chart');
    expect(text).toContain('Cabin');
    expect(text).not.toContain('Flat');
    await shot(page, 'smart-01-launch');
    await page.getByLabel('Home').check();
    await page.getByRole('button', { name: 'Launch' }).click();
    await page.waitForURL(/\/index\.html\?/);
    expect(await page.locator('#record_id').innerText()).toBe(home);
    expect(await page.locator('#api_base').innerText()).toBe(platform('/api'));
  });

  it('authorizes a request token on the consent page and comes back with a verifier that exchanges', async () => {
    const http = stage.platform.getHttpServer();
    const signed = sign(oauthFor(consumer), 'POST', '/oauth/request_token', { base: stage.platformUrl, header: { oauth_callback: 'oob', smart_record_id: home } });
    const issued = formOf((await request(http).post('/oauth/request_token').set('Authorization', signed.authorization).expect(200)).text);
    await page.goto(platform(`/oauth/authorize?oauth_token=${encodeURIComponent(issued.oauth_token)}`));
    const consent = await page.locator('main').innerText();
    expect(consent).toContain('SMART Chart');
    expect(consent).toContain('Location: Home');
    await shot(page, 'smart-02-consent');
    await page.getByLabel('Kitchen Light').check();
    await page.getByRole('button', { name: 'Authorize' }).click();
    await page.waitForURL(/\/callback\?/);
    expect(await page.locator('#oauth_token').innerText()).toBe(issued.oauth_token);
    const verifier = await page.locator('#oauth_verifier').innerText();
    const exchange = sign(oauthFor(consumer), 'POST', '/oauth/access_token', {
      base: stage.platformUrl,
      token: { key: issued.oauth_token, secret: issued.oauth_token_secret },
      header: { oauth_verifier: verifier },
    });
    const access = formOf((await request(http).post('/oauth/access_token').set('Authorization', exchange.authorization).expect(200)).text);
    expect(access.record_id).toBe(home);
    const row = await stage.db.getRepository(OAuth1Token).findOneByOrFail({ tokenHash: sha256(access.oauth_token) });
    expect(row.kind).toBe('access');
  });
});
