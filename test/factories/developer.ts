import request from 'supertest';
import { Server } from 'node:http';
import { AccountsService, AccountSummary } from '../../src/accounts/accounts.service';
import { DeveloperTokensService } from '../../src/developer/developer-tokens.service';
import { agentFor, codeFrom, decide, logIn, openPreferences, optionValue } from '../helpers/browser';
import type { TestApp } from '../helpers/test-app';

export const DEMO_DEVELOPER_TOKEN = 'demo-developer-token';
export const REDIRECT_URI = 'http://127.0.0.1:4100/callback';

/** A SmartApp module as text; `handlers`, `mappings` and the rest are spliced in as JavaScript. */
export function smartAppSource(options: {
  name: string;
  namespace?: string;
  preferences?: string;
  mappings?: string;
  lifecycle?: string;
  handlers?: string;
}): string {
  return `export default {
  definition: { name: ${JSON.stringify(options.name)}, namespace: ${JSON.stringify(options.namespace ?? 'test')}, author: 'Tests', description: 'A SmartApp of the test suite' },
  preferences: ${options.preferences ?? `[{ section: 'Devices', inputs: [{ name: 'switches', type: 'capability.switch', title: 'Switches', multiple: true, required: false }] }]`},
  mappings: ${options.mappings ?? `{ '/ping': { GET: 'ping' } }`},
  ${options.lifecycle ?? ''}
  handlers: {
    ${options.handlers ?? `ping(ctx) { return { pong: true } },`}
  },
}
`;
}

/** A new account with the developer role and one API token. */
export async function newDeveloper(t: TestApp, email: string): Promise<{ account: AccountSummary; token: string; password: string }> {
  const password = 'developer-password';
  const account = await t.app.get(AccountsService).signUp({ name: email.split('@')[0], email, password, role: 'developer' });
  const { token } = await t.app.get(DeveloperTokensService).create(account, 'tests');
  return { account, token, password };
}

export function api(http: Server, token: string) {
  const auth = (r: request.Test) => r.set('Authorization', `Bearer ${token}`);
  return {
    get: (path: string) => auth(request(http).get(`/api/developer/smartapps${path}`)),
    post: (path: string, body?: object) => auth(request(http).post(`/api/developer/smartapps${path}`)).send(body),
    put: (path: string, body?: object) => auth(request(http).put(`/api/developer/smartapps${path}`)).send(body),
  };
}

export interface OAuthApp {
  id: string;
  clientId: string;
  clientSecret: string;
  webhookSecret: string;
}

/** Publishes through the developer API and enables OAuth with REDIRECT_URI. */
export async function publishWithOAuth(http: Server, token: string, source: string): Promise<OAuthApp> {
  const published = await api(http, token).post('', { source }).expect(201);
  const id = (published.body as { id: string }).id;
  const oauth = await api(http, token).put(`/${id}/oauth`, { redirect_uris: [REDIRECT_URI], client_name: 'Test Service' }).expect(200);
  const secrets = oauth.body as { client_id: string; client_secret: string; webhook_secret: string };
  return { id, clientId: secrets.client_id, clientSecret: secrets.client_secret, webhookSecret: secrets.webhook_secret };
}

/** Logs in, authorizes the app in `location` ticking the devices labelled `switches`, and exchanges the code. */
export function install(
  http: Server,
  app: OAuthApp,
  who: { email: string; password: string },
  location: string,
  switches: string[],
): Promise<{ accessToken: string; installationId: string; base: string }> {
  return installWith(http, app, who, location, (page) => ({ switches: switches.map((label) => optionValue(page, label)) }));
}

/** Like `install`, with the preference form's `settings[...]` built from the page. */
export async function installWith(
  http: Server,
  app: OAuthApp,
  who: { email: string; password: string },
  location: string,
  settings: (page: string) => Record<string, string | string[]>,
): Promise<{ accessToken: string; installationId: string; base: string }> {
  const agent = agentFor(http);
  await logIn(agent, who.email, who.password);
  const page = await openPreferences(agent, location, { clientId: app.clientId, redirectUri: REDIRECT_URI });
  const decided = await decide(agent, page, 'allow', settings(page)).expect(303);
  const token = await request(http)
    .post('/oauth/token')
    .auth(app.clientId, app.clientSecret)
    .type('form')
    .send({ grant_type: 'authorization_code', code: codeFrom(decided.headers.location), redirect_uri: REDIRECT_URI })
    .expect(200);
  const body = token.body as { access_token: string; installation_id: string };
  return { accessToken: body.access_token, installationId: body.installation_id, base: `/api/smartapps/installations/${body.installation_id}` };
}

export interface LogLine {
  at: string;
  installationId: string;
  level: string;
  message: string;
}

export async function logsOf(http: Server, token: string, smartAppId: string, query = ''): Promise<LogLine[]> {
  const res = await api(http, token).get(`/${smartAppId}/logs${query}`).expect(200);
  return res.body as LogLine[];
}
