import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Browser, Page } from 'playwright-core';
import { Account } from '../../src/accounts/account.entity';
import { Installation } from '../../src/installations/installation.entity';
import { ClientsService } from '../../src/oauth/clients.service';
import { SmartAppsService } from '../../src/smartapps/smartapps.service';
import { closeServer, launchChromium, Stage, startStage } from './harness';

// A multi-page consent in a real Chromium: the focused layout, Next, Back keeping what was typed,
// and the last page's Authorize landing on the client with a code.

const SOURCE = `export default {
  definition: { name: 'Evening Lights', namespace: 'browser', author: 'Tests', description: 'Turns lights on in the evening',
                oauth: { displayName: 'Evening Service', displayLink: 'https://example.com/evening' } },
  preferences: { pages: [
    { name: 'lights', title: 'Which lights', sections: [ { section: 'Lights', inputs: [
      { name: 'switches', type: 'capability.switch', title: 'Which lights?', multiple: true } ] } ] },
    { name: 'when', title: 'When', sections: [ { section: 'Timing', inputs: [
      { name: 'level', type: 'number', title: 'Brightness', range: '1..100', defaultValue: 60 },
      { name: 'from', type: 'time', title: 'From', defaultValue: '19:00' },
      { name: 'mode', type: 'mode', title: 'Only in mode', required: false },
      { name: 'notify', type: 'bool', title: 'Tell me', required: false } ] } ] } ] },
  mappings: { '/ping': { GET: 'ping' } },
  handlers: { ping() { return { pong: true } } },
}`;

describe('a multi-page consent in Chromium', () => {
  let stage: Stage;
  let browser: Browser;
  let page: Page;
  let client: Server;
  let clientUrl: string;

  beforeAll(async () => {
    stage = await startStage();
    client = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>client</title><h1>Evening Service got ${new URL(req.url ?? '/', 'http://x').searchParams.has('code') ? 'a code' : 'no code'}</h1>`);
    });
    const port = await new Promise<number>((resolve) => client.listen(0, () => resolve((client.address() as AddressInfo).port)));
    clientUrl = `http://localhost:${port}/callback`;
    const demo = await stage.db.getRepository(Account).findOneByOrFail({ email: 'demo@example.com' });
    const published = await stage.platform.get(SmartAppsService).create(demo.id, SOURCE);
    await stage.platform.get(ClientsService).create({ clientId: 'evening', clientSecret: 'evening-secret', name: 'Evening Service', smartAppId: published.smartAppId, redirectUris: [clientUrl] });
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await closeServer(client);
    await stage?.close();
  });

  it('logs in, chooses a location, walks the pages with Back and authorizes with every value', async () => {
    const url = new URL('/oauth/authorize', stage.platformUrl);
    url.search = new URLSearchParams({ response_type: 'code', client_id: 'evening', redirect_uri: clientUrl, state: 'browser-state' }).toString();
    await page.goto(url.toString());
    await page.waitForURL(/\/login\?/);
    expect(await page.locator('main').innerText()).toContain('Log in to connect Evening Service');
    expect(await page.locator('nav[aria-label="Main"]').count()).toBe(0);
    await page.getByLabel('Email').fill('demo@example.com');
    await page.getByLabel('Password').fill('demo-password');
    await page.getByRole('button', { name: 'Log in' }).click();

    await page.waitForURL(/\/oauth\/authorize\/location/);
    expect(await page.locator('.back-to-client').innerText()).toBe('Back to Evening Service');
    await page.getByLabel('Cabin').check();
    await page.getByRole('button', { name: 'Next' }).click();

    await page.waitForURL(/\/oauth\/authorize\/preferences/);
    expect(await page.locator('main').innerText()).toContain('Page 1 of 2');
    expect(await page.getByRole('button', { name: 'Authorize' }).count()).toBe(0);
    await page.getByLabel('Cabin Light').check();
    await page.getByRole('button', { name: 'Next' }).click();

    await page.waitForURL(/page=1/);
    expect(await page.locator('main').innerText()).toContain('Page 2 of 2');
    expect(await page.getByLabel('Brightness').inputValue()).toBe('60');
    await page.getByLabel('Brightness').fill('80');
    await page.getByLabel('Only in mode').selectOption('Night');
    await page.getByRole('button', { name: 'Back' }).click();

    await page.waitForURL(/page=0/);
    expect(await page.getByLabel('Cabin Light').isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.waitForURL(/page=1/);
    expect(await page.getByLabel('Brightness').inputValue()).toBe('80');
    expect(await page.getByLabel('Only in mode').inputValue()).toBe('Night');
    await page.getByLabel('Tell me').check();
    await page.getByRole('button', { name: 'Authorize' }).click();

    await page.waitForURL((u) => u.toString().startsWith(clientUrl));
    expect(await page.locator('h1').innerText()).toBe('Evening Service got a code');
    const installation = await stage.db.getRepository(Installation).findOneByOrFail({ clientId: 'evening' });
    expect(installation.settings).toMatchObject({ level: 80, from: '19:00', mode: 'Night', notify: true });
  });
});
