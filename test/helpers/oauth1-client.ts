import OAuth from 'oauth-1.0a';
import { createHmac } from 'node:crypto';
import { Server } from 'node:http';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { Location } from '../../src/locations/location.entity';
import { api, DEMO_DEVELOPER_TOKEN, REDIRECT_URI, smartAppSource } from '../factories/developer';
import { csrfOf, optionValue, Agent } from './browser';
import type { TestApp } from './test-app';

// A SMART app's side of OAuth 1.0a, with npm oauth-1.0a (written by nobody here) doing the signing.

// not the address the tests connect to: signatures use BASE_URL's (http, so the session cookie is not Secure-only)
export const SMART_BASE = 'http://platform.example:8080';
export const SMART_CALLBACK = 'http://127.0.0.1:4200/smart/callback';
export const SMART_INDEX = 'http://127.0.0.1:4200/smart/index.html';

export interface Consumer {
  smartAppId: string;
  key: string;
  secret: string;
}

export interface Credentials {
  key: string;
  secret: string;
}

export function oauthFor(consumer: { key: string; secret: string }): OAuth {
  return new OAuth({
    consumer: { key: consumer.key, secret: consumer.secret },
    signature_method: 'HMAC-SHA1',
    hash_function: (base, key) => createHmac('sha1', key).update(base).digest('base64'),
  });
}

/** Publishes a SmartApp and enables OAuth2 + OAuth 1.0a through the developer API. */
export async function smartConsumer(http: Server, name: string, source = smartAppSource({ name })): Promise<Consumer> {
  const published = await api(http, DEMO_DEVELOPER_TOKEN).post('', { source }).expect(201);
  const id = (published.body as { id: string }).id;
  const res = await api(http, DEMO_DEVELOPER_TOKEN)
    .put(`/${id}/oauth`, { redirect_uris: [REDIRECT_URI], oauth1: { callback_url: SMART_CALLBACK, index_url: SMART_INDEX } })
    .expect(200);
  const body = res.body as { client_id: string; client_secret: string; consumer_key: string; consumer_secret: string };
  return { smartAppId: id, key: body.consumer_key, secret: body.consumer_secret };
}

export async function locationId(t: TestApp, name: string): Promise<string> {
  return (await t.app.get(DataSource).getRepository(Location).findOneByOrFail({ name })).id;
}

export interface Signed {
  authorization: string;
  /** the signature the platform should compute for this request */
  signature: string;
  oauthData: OAuth.Authorization;
}

/**
 * Signs `method url` (URL on SMART_BASE) with `extra` parameters carried in the Authorization
 * header (oauth_callback, oauth_verifier, smart_record_id), and `data` (query/form) in the base string.
 */
export function sign(
  oauth: OAuth,
  method: string,
  path: string,
  options: { token?: Credentials; header?: Record<string, string>; data?: Record<string, string>; nonce?: string; timestamp?: number; base?: string } = {},
): Signed {
  const req = { url: `${options.base ?? SMART_BASE}${path}`, method, data: { ...(options.header ?? {}), ...(options.data ?? {}) } };
  const saved = { nonce: oauth.getNonce.bind(oauth), timestamp: oauth.getTimeStamp.bind(oauth) };
  if (options.nonce) {
    oauth.getNonce = () => options.nonce!;
  }
  if (options.timestamp) {
    oauth.getTimeStamp = () => options.timestamp!;
  }
  const oauthData = oauth.authorize(req, options.token);
  oauth.getNonce = saved.nonce;
  oauth.getTimeStamp = saved.timestamp;
  // the library leaves the query's parameters in its result: only the protocol ones go in the header
  const protocol = Object.entries(oauthData).filter(([k]) => k.startsWith('oauth_'));
  const all: Record<string, string | number> = { ...Object.fromEntries(protocol), ...(options.header ?? {}) };
  const authorization = `OAuth ${Object.entries(all)
    .map(([k, v]) => `${oauth.percentEncode(k)}="${oauth.percentEncode(String(v))}"`)
    .join(', ')}`;
  return { authorization, signature: oauthData.oauth_signature, oauthData };
}

export function formOf(text: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(text));
}

export async function requestToken(http: Server, consumer: Consumer, recordId: string): Promise<Credentials> {
  const signed = sign(oauthFor(consumer), 'POST', '/oauth/request_token', { header: { oauth_callback: 'oob', smart_record_id: recordId } });
  const res = await request(http).post('/oauth/request_token').set('Authorization', signed.authorization).expect(200);
  const body = formOf(res.text);
  return { key: body.oauth_token, secret: body.oauth_token_secret };
}

/** The consent page for a request token, Authorize with the Kitchen Light, and the callback URL. */
export async function authorizeAt(agent: Agent, requestTokenKey: string, decision: 'allow' | 'deny' = 'allow'): Promise<URL> {
  const page = await agent.get(`/oauth/authorize?oauth_token=${encodeURIComponent(requestTokenKey)}`).expect(200);
  const form: string[] = [`_csrf=${encodeURIComponent(csrfOf(page.text))}`, `transaction_id=${encodeURIComponent(requestTokenKey)}`, `decision=${decision}`];
  if (decision === 'allow') {
    form.push(`${encodeURIComponent('settings[switches]')}=${encodeURIComponent(optionValue(page.text, 'Kitchen Light'))}`);
  }
  const res = await agent.post('/oauth1/authorize/decision').type('form').send(form.join('&')).expect(303);
  return new URL(res.headers.location);
}

export function accessToken(http: Server, consumer: Consumer, requestTokenCreds: Credentials, verifier: string): request.Test {
  const signed = sign(oauthFor(consumer), 'POST', '/oauth/access_token', { token: requestTokenCreds, header: { oauth_verifier: verifier } });
  return request(http).post('/oauth/access_token').set('Authorization', signed.authorization);
}
