import request from 'supertest';
import { Account } from '../../src/accounts/account.entity';
import { BrowserSession } from '../../src/accounts/browser-session.entity';
import { sha256 } from '../../src/common/secrets';
import { agentFor, csrfOf } from '../helpers/browser';
import { startTestApp, TestApp } from '../helpers/test-app';

describe('accounts: sign-up, log-in, log-out', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const sessionCookie = (res: request.Response): string | undefined =>
    ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('sid='));

  it('signs up with a scrypt-hashed password and logs the new user in', async () => {
    const agent = agentFor(t.http);
    const page = await agent.get('/signup').expect(200);
    const res = await agent.post('/signup').type('form').send({ _csrf: csrfOf(page.text), name: 'Ada', email: 'Ada@Example.com', password: 'correct horse battery' }).expect(303);
    expect(res.headers.location).toBe('/');
    const account = await t.db.getRepository(Account).findOneByOrFail({ email: 'ada@example.com' });
    expect(account.passwordHash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(account.passwordHash).not.toContain('correct horse');
    expect((await agent.get('/').expect(200)).text).toContain('Hello, Ada');
  });

  it('refuses a taken email and a short password with a message, keeping the input', async () => {
    const agent = agentFor(t.http);
    const page = await agent.get('/signup').expect(200);
    const taken = await agent.post('/signup').type('form').send({ _csrf: csrfOf(page.text), name: 'X', email: 'demo@example.com', password: 'long enough password' }).expect(409);
    expect(taken.text).toContain('already exists');
    const short = await agent.post('/signup').type('form').send({ _csrf: csrfOf(page.text), name: 'Y', email: 'y@example.com', password: 'short' }).expect(400);
    expect(short.text).toContain('at least 10 characters');
    expect(short.text).toContain('value="y@example.com"');
  });

  it('answers an unknown email and a wrong password the same way', async () => {
    const agent = agentFor(t.http);
    const page = await agent.get('/login').expect(200);
    const unknown = await agent.post('/login').type('form').send({ _csrf: csrfOf(page.text), email: 'nobody@example.com', password: 'whatever-password' }).expect(401);
    const wrong = await agent.post('/login').type('form').send({ _csrf: csrfOf(page.text), email: 'other@example.com', password: 'whatever-password' }).expect(401);
    const message = (html: string) => /<p class="error"[^>]*>([^<]+)</.exec(html)?.[1];
    expect(message(unknown.text)).toBe(message(wrong.text));
  });

  it('rotates the session id at log-in and sets an HttpOnly, SameSite=Lax cookie', async () => {
    const agent = agentFor(t.http);
    const page = await agent.get('/login').expect(200);
    const before = sessionCookie(page);
    const res = await agent.post('/login').type('form').send({ _csrf: csrfOf(page.text), email: 'demo@example.com', password: 'demo-password' }).expect(303);
    const after = sessionCookie(res);
    expect(before).toBeDefined();
    expect(after).toBeDefined();
    expect(after!.split(';')[0]).not.toBe(before!.split(';')[0]);
    expect(after).toContain('HttpOnly');
    expect(after).toContain('SameSite=Lax');
  });

  it('keeps sessions in the database, not in memory', async () => {
    const agent = agentFor(t.http);
    const page = await agent.get('/login').expect(200);
    const res = await agent.post('/login').type('form').send({ _csrf: csrfOf(page.text), email: 'demo@example.com', password: 'demo-password' }).expect(303);
    // the cookie holds s:<id>.<signature>; the table holds only the id's hash
    const sid = decodeURIComponent(sessionCookie(res)!.split(';')[0].slice('sid='.length)).slice(2).split('.')[0];
    const row = await t.db.getRepository(BrowserSession).findOneByOrFail({ idHash: sha256(sid) });
    const demo = await t.db.getRepository(Account).findOneByOrFail({ email: 'demo@example.com' });
    expect(JSON.parse(row.data)).toMatchObject({ passport: { user: demo.id } });
  });

  it('logs out and forgets the session', async () => {
    const agent = agentFor(t.http);
    let page = await agent.get('/login').expect(200);
    await agent.post('/login').type('form').send({ _csrf: csrfOf(page.text), email: 'demo@example.com', password: 'demo-password' }).expect(303);
    page = await agent.get('/').expect(200);
    await agent.post('/logout').type('form').send({ _csrf: csrfOf(page.text) }).expect(303);
    const home = await agent.get('/').expect(302);
    expect(home.headers.location).toBe('/login?return_to=%2F');
  });

  it('refuses a log-in form posted without its CSRF token', async () => {
    const agent = agentFor(t.http);
    await agent.get('/login').expect(200);
    await agent.post('/login').type('form').send({ email: 'demo@example.com', password: 'demo-password' }).expect(403);
  });

  it('makes log-ins wait after 10 failures for one email (429 with Retry-After), right password or not', async () => {
    const agent = agentFor(t.http);
    const page = await agent.get('/login').expect(200);
    const attempt = (password: string) => agent.post('/login').type('form').send({ _csrf: csrfOf(page.text), email: 'ada@example.com', password });
    for (let i = 0; i < 10; i += 1) {
      await attempt('wrong-password-guess').expect(401);
    }
    // the account signed up in the first test; its right password is refused now too
    const blocked = await attempt('correct horse battery').expect(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
  });
});
