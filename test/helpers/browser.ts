import request from 'supertest';
import { createHash, randomBytes } from 'node:crypto';
import { Server } from 'node:http';

export type Agent = ReturnType<typeof request.agent>;

export const DEMO_CLIENT = { clientId: 'device-bridge', clientSecret: 'device-bridge-secret', redirectUri: 'http://localhost:3001/callback' };

export function agentFor(http: Server): Agent {
  return request.agent(http);
}

export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) {
    throw new Error('no CSRF token on the page');
  }
  return match[1];
}

export function transactionOf(html: string): string {
  const match = /name="transaction_id" value="([^"]+)"/.exec(html);
  if (!match) {
    throw new Error('no transaction_id on the page');
  }
  return match[1];
}

/** The value of the radio/checkbox whose label text is `label` (device or location choices). */
export function optionValue(html: string, label: string): string {
  const re = new RegExp(`value="([^"]+)"[^>]*>\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*</label>`);
  const match = re.exec(html);
  if (!match) {
    throw new Error(`no option labelled ${label}`);
  }
  return match[1];
}

export async function logIn(agent: Agent, email: string, password: string): Promise<void> {
  const page = await agent.get('/login').expect(200);
  const res = await agent.post('/login').type('form').send({ email, password, _csrf: csrfOf(page.text), return_to: '/' });
  if (res.status !== 303) {
    throw new Error(`log-in failed with ${res.status}`);
  }
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface AuthorizeParams {
  clientId?: string;
  redirectUri?: string;
  state?: string;
  scope?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  responseType?: string;
}

export function authorizeUrl(p: AuthorizeParams = {}): string {
  const q = new URLSearchParams({
    response_type: p.responseType ?? 'code',
    client_id: p.clientId ?? DEMO_CLIENT.clientId,
    redirect_uri: p.redirectUri ?? DEMO_CLIENT.redirectUri,
    state: p.state ?? 'xyz-state',
  });
  if (p.scope) {
    q.set('scope', p.scope);
  }
  if (p.codeChallenge) {
    q.set('code_challenge', p.codeChallenge);
    q.set('code_challenge_method', p.codeChallengeMethod ?? 'S256');
  }
  return `/oauth/authorize?${q.toString()}`;
}

/** Starts an authorization as a logged-in user and lands on the preference page of `locationName`. */
export function openPreferences(agent: Agent, locationName: string, p: AuthorizeParams = {}): Promise<string> {
  return openPreferencesAt(agent, authorizeUrl(p), locationName);
}

/** The same, from an authorization URL a client built (absolute or a path). */
export async function openPreferencesAt(agent: Agent, url: string, locationName: string): Promise<string> {
  const u = new URL(url, 'http://platform.invalid');
  const start = await agent.get(`${u.pathname}${u.search}`).expect(302);
  let page = await agent.get(start.headers.location).expect(200);
  if (start.headers.location.includes('/location')) {
    const chosen = await agent
      .post('/oauth/authorize/location')
      .type('form')
      .send({ _csrf: csrfOf(page.text), transaction_id: transactionOf(page.text), location_id: optionValue(page.text, locationName), decision: 'next' })
      .expect(303);
    page = await agent.get(chosen.headers.location).expect(200);
  }
  return page.text;
}

/** Posts the preference page; `settings` maps input names to device ids or values. */
export function decide(agent: Agent, page: string, decision: 'allow' | 'deny', settings: Record<string, string | string[]> = {}) {
  const form: string[] = [
    `_csrf=${encodeURIComponent(csrfOf(page))}`,
    `transaction_id=${encodeURIComponent(transactionOf(page))}`,
    `decision=${decision}`,
  ];
  for (const [name, value] of Object.entries(settings)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      form.push(`${encodeURIComponent(`settings[${name}]`)}=${encodeURIComponent(v)}`);
    }
  }
  return agent.post('/oauth/authorize/decision').type('form').send(form.join('&'));
}

export function codeFrom(location: string): string {
  const code = new URL(location).searchParams.get('code');
  if (!code) {
    throw new Error(`no code in ${location}`);
  }
  return code;
}

export function exchangeCode(http: Server, code: string, extra: Record<string, string> = {}) {
  return request(http)
    .post('/oauth/token')
    .auth(DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret)
    .type('form')
    .send({ grant_type: 'authorization_code', code, redirect_uri: DEMO_CLIENT.redirectUri, ...extra });
}

/** Log in, authorize Device Bridge in `location` with `settings`, exchange the code: the token reply. */
export async function connect(http: Server, who: { email: string; password: string }, location: string, settings: (page: string) => Record<string, string | string[]>) {
  const agent = agentFor(http);
  await logIn(agent, who.email, who.password);
  const page = await openPreferences(agent, location);
  const decided = await decide(agent, page, 'allow', settings(page)).expect(303);
  const token = await exchangeCode(http, codeFrom(decided.headers.location)).expect(200);
  return { agent, page, token: token.body as { access_token: string; refresh_token?: string; installation_id: string; expires_in: number; scope: string } };
}
