import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { Account } from '../../src/accounts/account.entity';
import { InstallationLifecycle } from '../../src/installations/installation-lifecycle.service';
import { Location } from '../../src/locations/location.entity';
import { ClientsService } from '../../src/oauth/clients.service';
import { SmartAppsService } from '../../src/smartapps/smartapps.service';
import { launchChromium, Stage, startStage } from './harness';

// Location modes and notifications in a real Chromium: the demo user switches Home to Away on the
// location page; a connected app subscribed to the mode sends a push; the navigation shows it as
// unread, the notifications page lists it, and marking it read clears the count.

const SHOTS = join(__dirname, '..', '..', 'screenshots');
const DEMO = { email: 'demo@example.com', password: 'demo-password' };
const MODE_NOTIFIER = `
export default {
  definition: { name: 'Mode Notifier', namespace: 'test.browser', author: 'Tests', description: 'tells you the mode', category: 'Test' },
  preferences: [{ section: 'Devices', inputs: [{ name: 'switches', type: 'capability.switch', title: 'Switches', multiple: true, required: false }] }],
  mappings: {},
  installed(ctx) { ctx.subscribe(ctx.location, 'mode', 'onMode') },
  handlers: { onMode(ctx, evt) { ctx.sendPush(evt.displayName + ' switched to ' + evt.value + ' mode') } },
}`;

describe('location modes and notifications in Chromium', () => {
  let stage: Stage;
  let browser: Browser;
  let page: Page;
  const platform = (path: string) => `${stage.platformUrl}${path}`;
  const mainText = () => page.locator('main').innerText();
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    stage = await startStage();
    // an app already connected to Home, installed the way the consent step does
    const demo = await stage.db.getRepository(Account).findOneByOrFail({ email: DEMO.email });
    const home = await stage.db.getRepository(Location).findOneByOrFail({ accountId: demo.id, name: 'Home' });
    const published = await stage.platform.get(SmartAppsService).create(demo.id, MODE_NOTIFIER);
    const client = await stage.platform.get(ClientsService).create({
      name: 'Mode Service',
      smartAppId: published.smartAppId,
      redirectUris: ['http://localhost:4999/callback'],
      callbackPrefixes: [],
    });
    await stage.platform.get(InstallationLifecycle).install({
      smartAppId: published.smartAppId,
      smartAppVersionId: published.versionId,
      accountId: demo.id,
      locationId: home.id,
      clientId: client.clientId,
      settings: {},
      grants: [],
      status: 'active',
      activity: 'Installed by the browser test',
    });
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await stage?.close();
  });

  it('switches Home to Away on the location page', async () => {
    await page.goto(platform('/login'));
    await page.getByLabel('Email').fill(DEMO.email);
    await page.getByLabel('Password').fill(DEMO.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(platform('/'));
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Locations' }).click();
    await page.getByRole('link', { name: 'Home', exact: true }).last().click();
    await page.waitForURL(/\/locations\/[0-9a-f-]{36}$/);
    expect(await page.locator('#current-mode').innerText()).toBe('Home');
    await page.getByLabel('Away').check();
    await page.getByRole('button', { name: 'Switch mode' }).click();
    await page.waitForURL(/\/locations\/[0-9a-f-]{36}$/);
    expect(await mainText()).toContain('Home is now in Away mode.');
    expect(await page.locator('#current-mode').innerText()).toBe('Away');
    await shot('modes-01-location-away');
  });

  it('shows the notification the app sent, with an unread count, and marks it read', async () => {
    // the events worker runs the app's handler on its own; reload until its notification is there
    for (let i = 0; i < 60 && !(await page.locator('#nav-notifications .badge').count()); i++) {
      await page.waitForTimeout(500);
      await page.reload();
    }
    expect(await page.locator('#nav-notifications .badge').innerText()).toBe('1');
    await page.locator('#nav-notifications').click();
    await page.waitForURL(platform('/notifications'));
    expect(await mainText()).toContain('Home switched to Away mode');
    expect(await mainText()).toContain('Mode Notifier in Home');
    await shot('modes-02-notifications');
    await page.getByRole('button', { name: 'Mark read' }).click();
    await page.waitForURL(platform('/notifications'));
    expect(await page.locator('#nav-notifications .badge').count()).toBe(0);
    expect(await mainText()).toContain('Notification marked read.');
  });
});
