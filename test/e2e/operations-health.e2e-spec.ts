// What a load balancer sees: /healthz while the process answers, /readyz only while it can serve,
// and a 503 naming the check that failed.
import request from 'supertest';
import { startTestApp, TestApp } from '../helpers/test-app';

describe('operations: health and readiness', () => {
  jest.setTimeout(60000);
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    if (!t.db.isInitialized) {
      // back only so the app can close it; no migrations (they would write outside Transactions.run)
      t.db.setOptions({ migrationsRun: false });
      await t.db.initialize();
    }
    await t.close();
  });

  it('/healthz answers without credentials', async () => {
    const res = await request(t.http).get('/healthz').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('/readyz reports every check up', async () => {
    const res = await request(t.http).get('/readyz').expect(200);
    expect(res.body.status).toBe('ok');
    expect(Object.keys(res.body.info).sort()).toEqual(['database', 'eventLoop', 'migrations', 'sandbox']);
    for (const check of Object.values(res.body.info as Record<string, { status: string }>)) {
      expect(check.status).toBe('up');
    }
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('/readyz is 503 naming the database when the database is gone; /healthz stays 200', async () => {
    await t.db.destroy();
    const res = await request(t.http).get('/readyz').expect(503);
    expect(res.body.status).toBe('error');
    expect(res.body.error.database.status).toBe('down');
    expect(typeof res.body.error.database.message).toBe('string');
    expect(res.body.info.sandbox.status).toBe('up');
    await request(t.http).get('/healthz').expect(200);
  });
});
