import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Account } from '../../src/accounts/account.entity';
import { Transactions } from '../../src/database/transactions';
import { Clock } from '../../src/events/clock';
import { AppLog } from '../../src/installations/app-log.entity';
import { InstallationLifecycle } from '../../src/installations/installation-lifecycle.service';
import { Installation } from '../../src/installations/installation.entity';
import { Device } from '../../src/locations/device.entity';
import { DevicesService } from '../../src/locations/devices.service';
import { Location } from '../../src/locations/location.entity';
import { ClientsService } from '../../src/oauth/clients.service';
import type { JsonObject } from '../../src/sandbox/sandbox.types';
import { SmartAppsService } from '../../src/smartapps/smartapps.service';
import type { TestApp } from '../helpers/test-app';

export const DEMO_EMAIL = 'demo@example.com';

export function exampleSource(file: string): string {
  return readFileSync(join(__dirname, '..', '..', 'examples', file), 'utf8');
}

export interface PublishedApp {
  smartAppId: string;
  versionId: string;
  clientId: string;
  clientSecret: string;
  webhookSecret: string;
  redirectUri: string;
}

/** Publishes a SmartApp as the demo developer and gives it an OAuth client (the demo seed's way). */
export async function publishApp(t: TestApp, source: string, options: { callbackPrefixes?: string[] } = {}): Promise<PublishedApp> {
  const author = await t.db.getRepository(Account).findOneByOrFail({ email: DEMO_EMAIL });
  const published = await t.app.get(SmartAppsService).create(author.id, source);
  const redirectUri = 'http://localhost:3001/callback';
  const client = await t.app.get(ClientsService).create({
    name: 'Test Service',
    smartAppId: published.smartAppId,
    redirectUris: [redirectUri],
    callbackPrefixes: options.callbackPrefixes ?? [],
  });
  return {
    smartAppId: published.smartAppId,
    versionId: published.versionId,
    clientId: client.clientId,
    clientSecret: client.clientSecret ?? '',
    webhookSecret: client.webhookSecret,
    redirectUri,
  };
}

/** A new device in one of the demo user's locations, so a test does not share devices with another. */
export async function addDevice(t: TestApp, label: string, capabilities: string[], locationName = 'Home'): Promise<string> {
  const account = await t.db.getRepository(Account).findOneByOrFail({ email: DEMO_EMAIL });
  const location = await t.db.getRepository(Location).findOneByOrFail({ accountId: account.id, name: locationName });
  return (await t.app.get(DevicesService).create({ locationId: location.id, label, capabilities })).id;
}

export async function deviceId(t: TestApp, label: string): Promise<string> {
  return (await t.db.getRepository(Device).findOneByOrFail({ label })).id;
}

/**
 * Installs a published SmartApp for the demo user the way the authorize step does (installation,
 * grants and installed() in one transaction), without the browser pages.
 */
export async function install(
  t: TestApp,
  app: PublishedApp,
  grants: { input: string; device: string; capability: string }[],
  settings: Record<string, string | number | boolean | null> = {},
  locationName = 'Home',
): Promise<string> {
  const account = await t.db.getRepository(Account).findOneByOrFail({ email: DEMO_EMAIL });
  const location = await t.db.getRepository(Location).findOneByOrFail({ accountId: account.id, name: locationName });
  const chosen = await Promise.all(grants.map(async (g) => ({ inputName: g.input, deviceId: await deviceId(t, g.device), capability: g.capability })));
  const { installation } = await t.app.get(InstallationLifecycle).install({
    smartAppId: app.smartAppId,
    smartAppVersionId: app.versionId,
    accountId: account.id,
    locationId: location.id,
    clientId: app.clientId,
    settings,
    grants: chosen,
    status: 'active',
    activity: 'Installed by a test',
  });
  return installation.id;
}

/** A device change from the user's side (the web page or a simulator), in its own transaction. */
export async function userCommand(t: TestApp, label: string, command: string, args: unknown[] = []): Promise<void> {
  const id = await deviceId(t, label);
  await t.app.get(Transactions).run((tx) => t.app.get(DevicesService).executeCommand(tx, { deviceId: id, command, args, source: 'user' }));
}

export async function sensorReading(t: TestApp, label: string, attribute: string, value: string | number): Promise<void> {
  const id = await deviceId(t, label);
  await t.app.get(Transactions).run((tx) => t.app.get(DevicesService).setAttribute(tx, { deviceId: id, attribute, value, source: 'simulator' }));
}

export async function stateOf(t: TestApp, installationId: string): Promise<JsonObject> {
  return (await t.db.getRepository(Installation).findOneByOrFail({ id: installationId })).state;
}

export async function appLogOf(t: TestApp, installationId: string): Promise<string[]> {
  const rows = await t.db.getRepository(AppLog).find({ where: { installationId }, order: { at: 'ASC' } });
  return rows.map((r) => `${r.level}: ${r.message}`);
}

export async function deviceState(t: TestApp, label: string): Promise<Record<string, unknown>> {
  return (await t.db.getRepository(Device).findOneByOrFail({ label })).state;
}

export interface ManualClock {
  now(): Date;
  set(at: Date): void;
  advance(ms: number): void;
}

/** Takes over the app's Clock: time moves only when the test says so. */
export function manualClock(t: TestApp, start = new Date()): ManualClock {
  let current = start.getTime();
  jest.spyOn(t.app.get(Clock), 'now').mockImplementation(() => new Date(current));
  return {
    now: () => new Date(current),
    set: (at) => {
      current = at.getTime();
    },
    advance: (ms) => {
      current += ms;
    },
  };
}

export interface ReceivedCallback {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  received: ReceivedCallback[];
  /** statuses to answer with, in order; 200 once they run out */
  answer(...statuses: number[]): void;
  /** resolves once `count` requests have arrived in all */
  arrived(count: number): Promise<void>;
  close(): Promise<void>;
}

/** An independent HTTP receiver on 127.0.0.1, port chosen by the system. */
export async function startReceiver(): Promise<Receiver> {
  const received: ReceivedCallback[] = [];
  const statuses: number[] = [];
  const waiting: { count: number; resolve: () => void }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = statuses.shift() ?? 200;
      res.end('ok');
      for (const w of waiting.filter((w) => received.length >= w.count)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answer: (...s) => statuses.push(...s),
    arrived: (count) => (received.length >= count ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ count, resolve }))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * How a receiver checks a callback, written from the docs (Standard Webhooks) without the platform's
 * code. No timestamp window: suites run the platform on a manual clock.
 */
export function verifySignature(secret: string, headers: IncomingHttpHeaders, body: string): boolean {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string' || !secret.startsWith('whsec_')) {
    return false;
  }
  const expected = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64')).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(' ').some((s) => {
    const given = Buffer.from(s.startsWith('v1,') ? s.slice(3) : '', 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
