import { Server } from 'node:http';
import { DataSource } from 'typeorm';
import { SmartApp } from '../../src/smartapps/smartapp.entity';
import { ClientsService } from '../../src/oauth/clients.service';
import { Agent, agentFor, AuthorizeParams, codeFrom, decide, logIn, openPreferences, optionValue } from './browser';
import { TestApp } from './test-app';

export const DEMO_USER = { email: 'demo@example.com', password: 'demo-password' };
export const OTHER_USER = { email: 'other@example.com', password: 'other-password' };

export async function loggedIn(http: Server, who = DEMO_USER): Promise<Agent> {
  const agent = agentFor(http);
  await logIn(agent, who.email, who.password);
  return agent;
}

/** Runs the consent pages as the demo user (Home, Kitchen Light) and returns the code. */
export async function obtainCode(agent: Agent, params: AuthorizeParams = {}): Promise<string> {
  const page = await openPreferences(agent, 'Home', params);
  const res = await decide(agent, page, 'allow', { switches: optionValue(page, 'Kitchen Light') }).expect(303);
  return codeFrom(res.headers.location);
}

/** Registers another client of the Device Bridge SmartApp directly through the service. */
export async function extraClient(
  t: TestApp,
  options: { public?: boolean; classicCompat?: boolean; allowPlainPkce?: boolean; clientId: string; redirectUri?: string },
): Promise<{ clientId: string; clientSecret: string | null; redirectUri: string }> {
  const app = await t.app.get(DataSource).getRepository(SmartApp).findOneByOrFail({ name: 'Device Bridge' });
  const redirectUri = options.redirectUri ?? `http://127.0.0.1:4000/${options.clientId}/callback`;
  const created = await t.app.get(ClientsService).create({
    clientId: options.clientId,
    clientSecret: options.public ? null : undefined,
    name: `Test client ${options.clientId}`,
    smartAppId: app.id,
    redirectUris: [redirectUri],
    classicCompat: options.classicCompat,
    allowPlainPkce: options.allowPlainPkce,
  });
  return { clientId: created.clientId, clientSecret: created.clientSecret, redirectUri };
}
