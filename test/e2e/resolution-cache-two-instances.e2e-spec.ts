// Issue 10 point 1 across instances: two platforms on one PostgreSQL database, each with its own
// resolution cache, kept honest by LISTEN/NOTIFY (skipped without DATABASE_URL: SQLite is one instance).
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { InstallationLifecycle } from '../../src/installations/installation-lifecycle.service';
import { Installation } from '../../src/installations/installation.entity';
import { Invalidations } from '../../src/invalidation/invalidations.service';
import { ClientsService } from '../../src/oauth/clients.service';
import { DEMO_CLIENT } from '../helpers/browser';
import { connectSwitch, deviceNamed, listSwitches, Switch } from '../helpers/resolution';
import { startTestApp, TestApp } from '../helpers/test-app';

const maybe = process.env.DATABASE_URL?.startsWith('postgres') ? describe : describe.skip;

/** Polls `probe` until it is true or `withinMs` has passed; true when it became true. */
async function becomes(probe: () => boolean | Promise<boolean>, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (await probe()) {
      return true;
    }
    if (Date.now() >= deadline) {
      return false;
    }
    await sleep(25);
  }
}

maybe('resolution cache: two instances on one PostgreSQL', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await startTestApp({ SANDBOX_WORKERS: '1' });
    // the second instance joins the first one's database as it is
    b = await startTestApp({ SANDBOX_WORKERS: '1' }, { dropSchemaOnStart: false });
  }, 120000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('a token revoked on A is refused by B within one second', async () => {
    const c = await connectSwitch(a.http);
    // warm on B: the token and the installation are in B's memory
    await listSwitches(b.http, c).expect(200);
    await listSwitches(b.http, c).expect(200);
    await request(a.http).post('/oauth/revoke').auth(DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret).type('form').send({ token: c.token }).expect(200);
    expect(await becomes(async () => (await listSwitches(b.http, c)).status === 401, 1000)).toBe(true);
  });

  it('an uninstall on A is refused by B within one second', async () => {
    const c = await connectSwitch(a.http);
    await listSwitches(b.http, c).expect(200);
    await request(a.http).delete(c.url).set('Authorization', `Bearer ${c.token}`).expect(204);
    expect(await becomes(async () => (await listSwitches(b.http, c)).status === 401, 1000)).toBe(true);
  });

  it('a reconfigure on A is seen by B on its next call', async () => {
    const c = await connectSwitch(a.http);
    expect(((await listSwitches(b.http, c).expect(200)).body as Switch[]).map((s) => s.name)).toEqual(['Kitchen Light']);
    const [kitchen, porch] = await a.write(async (m) => [await deviceNamed(m, 'Kitchen Light'), await deviceNamed(m, 'Porch Light')]);
    const row = await a.write((m) => m.getRepository(Installation).findOneByOrFail({ id: c.installationId }));
    await a.app.get(InstallationLifecycle).reconfigure(
      c.installationId,
      row.settings,
      [kitchen, porch].map((d) => ({ inputName: 'switches', deviceId: d.id, capability: 'switch' })),
      'reconfigured on instance A',
    );
    // no waiting: B checks the installation row on every call
    expect(((await listSwitches(b.http, c).expect(200)).body as Switch[]).map((s) => s.name).sort()).toEqual(['Kitchen Light', 'Porch Light']);
  });

  it('a switch turned on through A is on in B’s next answer', async () => {
    const c = await connectSwitch(a.http);
    await listSwitches(b.http, c).expect(200);
    await request(a.http).put(`${c.url}/switches/on`).set('Authorization', `Bearer ${c.token}`).expect(204);
    expect(((await listSwitches(b.http, c).expect(200)).body as Switch[]).map((s) => s.value)).toEqual(['on']);
    await request(a.http).put(`${c.url}/switches/off`).set('Authorization', `Bearer ${c.token}`).expect(204);
    expect(((await listSwitches(b.http, c).expect(200)).body as Switch[]).map((s) => s.value)).toEqual(['off']);
  });

  it('a lost LISTEN connection: the caches are bypassed until it is back, so a revocation meanwhile is still refused', async () => {
    const c = await connectSwitch(a.http);
    await listSwitches(b.http, c).expect(200);
    const listeners = () =>
      a.write(async (m) =>
        Number((await m.query<{ n: string }[]>("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN platform_invalidate'"))[0].n),
      );
    expect(await listeners()).toBe(2);
    // both instances lose their listener; a revocation in between reaches neither by NOTIFY
    await a.write((m) => m.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN platform_invalidate'"));
    expect(await becomes(() => !b.app.get(Invalidations).trusted, 1000)).toBe(true);
    await request(a.http).post('/oauth/revoke').auth(DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret).type('form').send({ token: c.token }).expect(200);
    await listSwitches(b.http, c).expect(401);
    // and they listen again (they retry every second)
    expect(await becomes(async () => (await listeners()) === 2, 5000)).toBe(true);
    await listSwitches(b.http, c).expect(401);
  });

  it('a token revoked on A is inactive in B’s introspection within one second (B had it cached)', async () => {
    const c = await connectSwitch(a.http);
    const introspect = () => request(b.http).post('/oauth/introspect').auth(DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret).type('form').send({ token: c.token });
    expect((await introspect().expect(200)).body.active).toBe(true);
    expect((await introspect().expect(200)).body.active).toBe(true);
    await request(a.http).post('/oauth/revoke').auth(DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret).type('form').send({ token: c.token }).expect(200);
    expect(await becomes(async () => (await introspect()).body.active === false, 1000)).toBe(true);
  });

  // last: it changes the demo client's secret
  it('a client secret rotated on A is refused by B within one second (B had it cached)', async () => {
    const introspect = (app: TestApp, secret: string) => request(app.http).post('/oauth/introspect').auth(DEMO_CLIENT.clientId, secret).type('form').send({ token: 'x' });
    await introspect(b, DEMO_CLIENT.clientSecret).expect(200);
    await introspect(b, DEMO_CLIENT.clientSecret).expect(200);
    const fresh = await a.app.get(ClientsService).rotateSecret(DEMO_CLIENT.clientId);
    expect(await becomes(async () => (await introspect(b, DEMO_CLIENT.clientSecret)).status === 401, 1000)).toBe(true);
    await introspect(b, fresh).expect(200);
  });
});
