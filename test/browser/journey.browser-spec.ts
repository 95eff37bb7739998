import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { Device } from '../../src/locations/device.entity';
import { DeviceGrant } from '../../src/installations/device-grant.entity';
import { closeServer, launchChromium, Stage, startFramingPage, startStage } from './harness';

// The end user's whole journey in a real Chromium: sign up, make a location with devices, connect
// the demo service through the consent pages, use it, reconfigure, disconnect. Screenshots of each
// page go to screenshots/ (git-ignored).

const SHOTS = join(__dirname, '..', '..', 'screenshots');
const USER = { name: 'Robin Example', email: 'robin@example.com', password: 'a-long-password-1' };

describe('the end user journey in Chromium', () => {
  let stage: Stage;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const cspViolations: string[] = [];

  const watch = (p: Page): void => {
    p.on('console', (msg) => {
      if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(msg.text())) {
        cspViolations.push(`${p.url()}: ${msg.text()}`);
      }
    });
    p.on('pageerror', (err) => cspViolations.push(`${p.url()}: ${err.message}`));
  };
  const shot = (p: Page, name: string) => p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const mainText = (p: Page) => p.locator('main').innerText();
  const platform = (path: string) => `${stage.platformUrl}${path}`;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    stage = await startStage();
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    watch(page);
  });

  afterAll(async () => {
    await browser?.close();
    await stage?.close();
  });

  it('signs up and lands on an empty home page', async () => {
    await page.goto(platform('/signup'));
    await page.getByLabel('Name').fill(USER.name);
    await page.getByLabel('Email').fill(USER.email);
    await page.getByLabel(/^Password/).fill(USER.password);
    await shot(page, '01-signup');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(platform('/'));
    expect(await mainText(page)).toContain(`Hello, ${USER.name}`);
    expect(await mainText(page)).toContain('You have no locations yet');
    await shot(page, '02-home-empty');
  });

  it('creates two locations and adds devices by capability', async () => {
    for (const name of ['Office', 'Beach House']) {
      await page.goto(platform('/locations'));
      await page.getByLabel('Name').fill(name);
      await page.getByLabel('Time zone').selectOption('Europe/Lisbon');
      await page.getByRole('button', { name: 'Create location' }).click();
      await page.waitForURL(/\/locations\/[0-9a-f-]{36}$/);
      expect(await page.getByRole('status').innerText()).toContain(`Location ${name} created`);
    }
    await shot(page, '03-location-created');
    const devices: [string, RegExp[]][] = [
      ['Lamp', [/^Switch —/]],
      ['Desk Lamp', [/^Switch —/, /^Switch Level /]],
      ['Gate', [/^Lock /]],
      ['Door Sensor', [/^Contact Sensor /, /^Battery /]],
    ];
    for (const [label, capabilities] of devices) {
      await page.getByRole('link', { name: 'Add a device' }).click();
      await page.getByLabel('Name').fill(label);
      for (const capability of capabilities) {
        await page.getByRole('checkbox', { name: capability }).check();
      }
      if (label === 'Lamp') {
        await shot(page, '04-add-device');
      }
      await page.getByRole('button', { name: 'Add device' }).click();
      await page.waitForURL(/\/devices\/[0-9a-f-]{36}$/);
      expect(await page.getByRole('status').innerText()).toContain(`${label} added`);
      await page.getByRole('link', { name: 'Beach House' }).click();
    }
    const text = await mainText(page);
    for (const label of ['Lamp', 'Desk Lamp', 'Gate', 'Door Sensor']) {
      expect(text).toContain(label);
    }
    await shot(page, '05-location-with-devices');
  });

  it('drives a device from its page and records the events', async () => {
    await page.getByRole('link', { name: 'Desk Lamp' }).click();
    await page.getByRole('button', { name: 'Turn on' }).click();
    expect(await page.getByRole('status').innerText()).toContain('Desk Lamp: Switch is now On.');
    await page.getByLabel('Level (%)').fill('40');
    await page.getByRole('button', { name: 'Set Level' }).click();
    expect(await page.getByRole('status').innerText()).toContain('Level is now 40 %');
    await page.getByRole('button', { name: 'Turn off' }).click();
    const events = await page.getByRole('table').innerText();
    expect(events).toContain('You');
    await shot(page, '06-device-switch-level');

    await page.getByRole('link', { name: 'Beach House' }).click();
    await page.getByRole('link', { name: 'Door Sensor' }).click();
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    expect(await page.getByRole('status').innerText()).toContain('Contact is now Open');
    await page.getByLabel('Battery (%)').fill('35');
    await page.getByRole('button', { name: 'Set Battery' }).click();
    expect(await page.getByRole('status').innerText()).toContain('Battery is now 35 %');
    expect(await page.getByRole('table').innerText()).toContain('Simulator');
    await shot(page, '07-device-simulator');

    await page.goto(platform('/'));
    expect(await mainText(page)).toContain('Contact: Open');
    await shot(page, '08-home-with-devices');
  });

  it('connects the demo service: log in, choose the location, grant one switch and not the lock', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login/);

    await page.goto(stage.demoUrl);
    await shot(page, '09-demo-service');
    await page.getByRole('button', { name: 'Connect to SmartApp Platform' }).click();
    await page.waitForURL(/\/login\?return_to=/);
    await page.getByLabel('Email').fill(USER.email);
    await page.getByLabel('Password').fill(USER.password);
    await shot(page, '10-login');
    await page.getByRole('button', { name: 'Log in' }).click();

    await page.waitForURL(/\/oauth\/authorize\/location\?/);
    const consent = await mainText(page);
    expect(consent).toContain('Demo Service wants to use Device Bridge');
    expect(consent).toContain('Lets an external service read and switch your lights and locks');
    expect(consent).toContain('SmartApp by SmartApp Platform');
    expect(consent).toContain(`sent back to ${new URL(stage.demoUrl).host}`);
    await page.getByRole('radio', { name: 'Beach House' }).check();
    await shot(page, '11-choose-location');
    await page.getByRole('button', { name: 'Next' }).click();

    await page.waitForURL(/\/oauth\/authorize\/preferences\?/);
    const prefs = await mainText(page);
    expect(prefs).toContain('Which switches?');
    expect(prefs).toContain('Lets the app see whether it is on and turn it on and off');
    expect(prefs).toContain('Which locks?');
    await page.getByRole('checkbox', { name: 'Lamp', exact: true }).check();
    expect(await page.getByRole('checkbox', { name: 'Gate' }).isChecked()).toBe(false);
    expect(await page.getByRole('checkbox', { name: 'Desk Lamp' }).isChecked()).toBe(false);
    await shot(page, '12-consent-preferences');
    await page.getByRole('button', { name: 'Authorize' }).click();

    await page.waitForURL(`${stage.demoUrl}/`);
    expect(await page.getByRole('status').innerText()).toContain('Connected to your location Beach House');
    const demo = await mainText(page);
    expect(demo).toContain('Your switches in Beach House');
    expect(demo).toContain('"name": "Beach House"');
    expect(await page.locator('.switch-name').allInnerTexts()).toEqual(['Lamp']);
    await shot(page, '13-demo-connected');
  });

  it('lists and toggles the granted switch from the demo service', async () => {
    await page.getByRole('button', { name: 'Turn Lamp on' }).click();
    expect(await page.getByRole('status').innerText()).toContain('Lamp is now on.');
    expect(await page.locator('.switch-state').allInnerTexts()).toEqual(['on']);
    const lamp = await stage.db.getRepository(Device).findOneByOrFail({ label: 'Lamp' });
    expect(lamp.state.switch).toBe('on');
    const gate = await stage.db.getRepository(Device).findOneByOrFail({ label: 'Gate' });
    expect(await stage.db.getRepository(DeviceGrant).countBy({ deviceId: gate.id })).toBe(0);
    await page.getByRole('button', { name: 'Refresh the token' }).click();
    expect(await page.getByRole('status').innerText()).toContain('Token refreshed');
    expect(await page.locator('.switch-name').allInnerTexts()).toEqual(['Lamp']);
    await shot(page, '14-demo-switched-on');
  });

  it('shows the call in Activity on Connected apps', async () => {
    await page.goto(platform('/apps'));
    const text = await mainText(page);
    expect(text).toContain('Device Bridge');
    expect(text).toContain('Connected by Demo Service in Beach House');
    expect(text).toMatch(/Which switches\?\s*Lamp/);
    expect(text).toContain('PUT /switches/“Lamp”/on → 200');
    expect(text).toContain('on() on device “Lamp”: switch → on');
    expect(text).toContain('GET /switches → 200');
    await shot(page, '15-connected-apps');
    await page.getByRole('link', { name: 'All activity' }).click();
    expect(await page.getByRole('table').innerText()).toContain('Installed by Demo Service with 1 device(s)');
    await shot(page, '16-app-activity');
  });

  it('shows a switch change made on the platform on the demo page by itself, pushed and signed', async () => {
    const back = page.url();
    const demoTab = await context.newPage();
    watch(demoTab);
    await demoTab.goto(stage.demoUrl);
    expect(await demoTab.getByRole('heading', { name: 'Events pushed by the platform' }).isVisible()).toBe(true);
    const lamp = await stage.db.getRepository(Device).findOneByOrFail({ label: 'Lamp' });
    await page.goto(platform(`/devices/${lamp.id}`));
    await page.getByRole('button', { name: 'Turn off' }).click();
    expect(await page.getByRole('status').innerText()).toContain('Lamp: Switch is now Off.');
    // no reload: the worker pushes the change, the page's script polls every 2 s
    const pushed = demoTab.locator('#pushed-events li', { hasText: 'Lamp switch is off' });
    await pushed.waitFor({ timeout: 8000 });
    expect(await demoTab.locator('#events-empty').isHidden()).toBe(true);
    // and the switch list follows it
    expect(await demoTab.locator('.switch-state').allInnerTexts()).toEqual(['off']);
    expect(await demoTab.getByRole('button', { name: 'Turn Lamp on' }).isVisible()).toBe(true);
    await shot(demoTab, '23-demo-events');
    await demoTab.close();
    await page.goto(back);
  });

  it('reconfigures to add a second switch, and the demo service sees two', async () => {
    await page.getByRole('link', { name: 'Configure' }).click();
    await page.waitForURL(/\/configure$/);
    expect(await page.getByRole('checkbox', { name: 'Lamp', exact: true }).isChecked()).toBe(true);
    await page.getByRole('checkbox', { name: 'Desk Lamp' }).check();
    await shot(page, '17-configure');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(/\/apps\/[0-9a-f-]{36}$/);
    expect(await page.getByRole('status').innerText()).toContain('Device Bridge was updated');
    expect(await page.getByRole('table').innerText()).toContain('Reconfigured by you: 2 device(s) granted');

    await page.goto(stage.demoUrl);
    expect((await page.locator('.switch-name').allInnerTexts()).sort()).toEqual(['Desk Lamp', 'Lamp']);
    await shot(page, '18-demo-two-switches');
  });

  it('disconnects after a confirmation, and the demo service then gets 401', async () => {
    await page.goto(platform('/apps'));
    await page.getByRole('link', { name: 'Disconnect…' }).click();
    expect(await mainText(page)).toContain('Disconnect Device Bridge?');
    await shot(page, '19-disconnect-confirm');
    await page.getByRole('button', { name: 'Disconnect Device Bridge' }).click();
    await page.waitForURL(platform('/apps'));
    expect(await page.getByRole('status').innerText()).toContain('Device Bridge was disconnected');
    expect(await mainText(page)).toContain('No apps are connected');
    await shot(page, '20-apps-after-disconnect');

    await page.goto(stage.demoUrl);
    const problem = await page.getByRole('alert').innerText();
    expect(problem).toContain('401');
    expect(problem).toContain('invalid_token');
    await shot(page, '21-demo-401');
  });

  it('shows an error page that says what went wrong and what to do', async () => {
    const res = await page.goto(platform('/devices/no-such-device'));
    expect(res?.status()).toBe(404);
    const text = await mainText(page);
    expect(text).toContain('Device not found');
    expect(text).toContain('What you can do');
    await shot(page, '22-error-page');
  });

  it('works at 360 px wide: home, location, device, consent pages without sideways scrolling', async () => {
    const phone = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    const p = await phone.newPage();
    watch(p);
    const fits = async (name: string) => {
      const width = Number(await p.evaluate('document.documentElement.scrollWidth'));
      expect({ name, width }).toEqual({ name, width: 360 });
      await shot(p, name);
    };
    await p.goto(stage.demoUrl);
    await fits('30-phone-demo');
    await p.getByRole('button', { name: 'Connect to SmartApp Platform' }).click();
    await p.waitForURL(/\/login/);
    await p.getByLabel('Email').fill(USER.email);
    await p.getByLabel('Password').fill(USER.password);
    await p.getByRole('button', { name: 'Log in' }).click();
    await p.waitForURL(/\/oauth\/authorize\/location/);
    await fits('31-phone-choose-location');
    await p.getByRole('radio', { name: 'Beach House' }).check();
    await p.getByRole('button', { name: 'Next' }).click();
    await p.waitForURL(/\/oauth\/authorize\/preferences/);
    await fits('32-phone-consent');
    await p.getByRole('button', { name: 'Deny' }).click();
    await p.waitForURL(`${stage.demoUrl}/`);
    expect(await p.getByRole('status').innerText()).toContain('You chose Deny');
    await p.goto(platform('/'));
    await fits('33-phone-home');
    await p.getByRole('link', { name: 'Door Sensor' }).click();
    await fits('34-phone-device');
    await p.goto(platform('/locations'));
    await fits('35-phone-locations');
    await phone.close();
  });

  it('completes the consent page with the keyboard alone, focus always visible', async () => {
    const keyboard = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const p = await keyboard.newPage();
    watch(p);
    type Focus = { label: string; tag: string; type: string; outline: string };
    const focused = (): Promise<Focus> =>
      p.evaluate<Focus>(`(() => {
        const e = document.activeElement;
        if (!e) { return { label: '', tag: '', type: '', outline: '' }; }
        const label = e.labels && e.labels.length ? e.labels[0].textContent : e.textContent;
        const style = getComputedStyle(e);
        return { label: (label || '').trim(), tag: e.tagName, type: e.type || '', outline: style.outlineStyle + ' ' + style.outlineWidth };
      })()`);
    const tabTo = async (matches: (f: { label: string; tag: string; type: string }) => boolean, what: string) => {
      for (let i = 0; i < 60; i++) {
        await p.keyboard.press('Tab');
        const f = await focused();
        if (matches(f)) {
          expect(f.outline).not.toMatch(/^none/);
          return;
        }
      }
      throw new Error(`Tab never reached ${what}`);
    };

    await p.goto(stage.demoUrl);
    await tabTo((f) => f.label === 'Connect to SmartApp Platform', 'the Connect button');
    await p.keyboard.press('Enter');
    await p.waitForURL(/\/login/);
    await tabTo((f) => f.type === 'email', 'the email field');
    await p.keyboard.type(USER.email);
    await p.keyboard.press('Tab');
    await p.keyboard.type(USER.password);
    await p.keyboard.press('Enter');

    await p.waitForURL(/\/oauth\/authorize\/location/);
    await tabTo((f) => f.type === 'radio', 'the location choice');
    // arrow keys move through a radio group; stop on Beach House
    for (let i = 0; i < 5 && (await focused()).label !== 'Beach House'; i++) {
      await p.keyboard.press('ArrowDown');
    }
    expect((await focused()).label).toBe('Beach House');
    await p.keyboard.press('Space');
    expect(await p.getByRole('radio', { name: 'Beach House' }).isChecked()).toBe(true);
    await tabTo((f) => f.label === 'Next', 'Next');
    await p.keyboard.press('Enter');

    await p.waitForURL(/\/oauth\/authorize\/preferences/);
    await tabTo((f) => f.type === 'checkbox' && f.label === 'Lamp', 'the Lamp checkbox');
    await p.keyboard.press('Space');
    expect(await p.getByRole('checkbox', { name: 'Lamp', exact: true }).isChecked()).toBe(true);
    await shot(p, '40-keyboard-consent');
    await tabTo((f) => f.label === 'Authorize', 'Authorize');
    await p.keyboard.press('Enter');
    await p.waitForURL(`${stage.demoUrl}/`);
    expect(await p.locator('.switch-name').allInnerTexts()).toEqual(['Lamp']);
    await keyboard.close();
  });

  it('keeps the consent page out of frames: an embedding page gets nothing', async () => {
    const p = await context.newPage();
    await p.goto(stage.demoUrl);
    await p.getByRole('button', { name: /Connect/ }).first().click();
    await p.waitForURL(/\/oauth\/authorize\/location\?transaction_id=/);
    const consentUrl = p.url();

    // a page on another origin (same site, so the session cookie would be sent) frames it
    const framing = await startFramingPage(consentUrl);
    const headers: Record<string, string>[] = [];
    p.on('response', (res) => {
      if (res.url() === consentUrl) {
        headers.push(res.headers());
      }
    });
    await p.goto(framing.url);
    await p.waitForTimeout(500);
    expect(headers.length).toBeGreaterThan(0);
    expect(headers[0]['x-frame-options']).toBe('DENY');
    expect(headers[0]['content-security-policy']).toContain("frame-ancestors 'none'");
    const child = p.frames().find((f) => f !== p.mainFrame());
    let framedForms = 0;
    let framedText = '';
    if (child) {
      try {
        framedForms = await child.locator('form').count();
        framedText = await child.locator('body').innerText({ timeout: 1000 });
      } catch {
        // a blocked frame has no document to read: nothing was shown
      }
    }
    expect(framedForms).toBe(0);
    expect(framedText).not.toContain('wants to use');
    await shot(p, '41-framing-blocked');
    await closeServer(framing.server);
    await p.close();
  });

  it('ran every page under the strict CSP without a violation', () => {
    expect(cspViolations).toEqual([]);
  });
});
