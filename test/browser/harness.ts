import { NestExpressApplication } from '@nestjs/platform-express';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Browser, chromium } from 'playwright-core';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.setup';
import { loadConfig } from '../../src/config/app-config';
import { startDemoClient } from '../../src/demo-client/demo-client';
import { EventsWorker } from '../../src/events/events-worker';
import { ClientsService } from '../../src/oauth/clients.service';
import { freePort } from '../helpers/listen';

// Debian's Chromium, never a downloaded browser (`apt-get install -y chromium`).
export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export interface Stage {
  platform: NestExpressApplication;
  db: DataSource;
  platformUrl: string;
  demoUrl: string;
  close(): Promise<void>;
}

/**
 * The real platform (createApp, in-memory SQLite, demo seed) on a free port with a matching
 * BASE_URL, and the demo service on another free port. The seed registers the demo's redirect
 * URI and callback prefixes on port 3001; rather than take 3001 (a developer's `npm start` may
 * hold it), the test registers one more client of the Device Bridge SmartApp for its own port
 * through ClientsService. The events worker runs as under `npm start` (createApp does not start
 * it), so switch changes reach the demo service by themselves; closing the platform stops it.
 */
export async function startStage(): Promise<Stage> {
  const port = await freePort();
  const platformUrl = `http://localhost:${port}`;
  const config = loadConfig({
    DATABASE_URL: 'sqlite::memory:',
    SESSION_SECRET: 'browser-test-session-secret-0123456789',
    SEED_DEMO: 'true',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    DEMO_CLIENT_PORT: '0',
    PORT: String(port),
    BASE_URL: platformUrl,
  });
  const platform = await createApp(config);
  await platform.listen(port);

  const demoPort = await freePort();
  const demoUrl = `http://localhost:${demoPort}`;
  const clients = platform.get(ClientsService);
  const seeded = await clients.find('device-bridge');
  if (!seeded) {
    throw new Error('the demo seed did not create the device-bridge client');
  }
  const client = await clients.create({
    clientId: 'demo-service-browser-test',
    clientSecret: 'demo-service-browser-test-secret',
    name: 'Demo Service',
    smartAppId: seeded.smartAppId,
    redirectUris: [`${demoUrl}/callback`],
    callbackPrefixes: [`${demoUrl}/`],
    webhookSecret: 'demo-service-browser-test-webhook-secret',
  });
  const demo = await startDemoClient(
    { platformUrl, publicUrl: demoUrl, clientId: client.clientId, clientSecret: client.clientSecret ?? '', webhookSecret: client.webhookSecret },
    demoPort,
  );
  platform.get(EventsWorker).start();
  return {
    platform,
    db: platform.get(DataSource),
    platformUrl,
    demoUrl,
    close: async () => {
      // the platform first: its worker finishes a callback in flight to the demo service
      await platform.close();
      await closeServer(demo);
    },
  };
}

export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A page on another origin (same site: localhost, another port) that frames `url`, for the clickjacking test. */
export async function startFramingPage(url: string): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>framing</title><h1>An attacker page</h1><iframe id="victim" src="${url}" width="600" height="400"></iframe>`);
  });
  const port = await new Promise<number>((resolve) => server.listen(0, () => resolve((server.address() as AddressInfo).port)));
  return { url: `http://localhost:${port}/`, server };
}
