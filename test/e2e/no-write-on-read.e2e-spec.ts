// Issue 10 point 2, checked by counting the SQL statements a call sends (TypeORM's logger sees every
// one, BEGIN and COMMIT included): a warm install-URL GET writes nothing on its request path; its
// activity row, last_used_at and rate count reach the database in a later batch, or at shutdown.
import request from 'supertest';
import { DataSource } from 'typeorm';
import { RateCounter } from '../../src/events/rate-counter.entity';
import { RateTally } from '../../src/events/rate-tally.service';
import { ActivityLog } from '../../src/installations/activity-log.entity';
import { Installation } from '../../src/installations/installation.entity';
import { UsageBuffer } from '../../src/installations/usage-buffer.service';
import { connect, optionValue } from '../helpers/browser';
import { startTestApp, TestApp } from '../helpers/test-app';

const DEMO = { email: 'demo@example.com', password: 'demo-password' };
const WRITE_OR_TRANSACTION = /^\s*(INSERT|UPDATE|DELETE|REPLACE|BEGIN|START TRANSACTION|COMMIT|SAVEPOINT)\b/i;

/** Every statement the app sends, but those of the background flushes (UsageBuffer, RateTally). */
function watch(t: TestApp): { during(work: () => Promise<unknown>): Promise<string[]> } {
  let background = 0;
  let statements: string[] | null = null;
  const marked = <A extends unknown[]>(original: (...args: A) => Promise<void>) => async (...args: A) => {
    background++;
    try {
      await original(...args);
    } finally {
      background--;
    }
  };
  const usage = t.app.get(UsageBuffer);
  const tally = t.app.get(RateTally);
  // taken before spyOn replaces them
  const flush = marked(usage.flush.bind(usage));
  const reconcile = marked(tally.reconcile.bind(tally));
  jest.spyOn(usage, 'flush').mockImplementation(flush);
  jest.spyOn(tally, 'reconcile').mockImplementation(reconcile);
  const logger = t.db.logger;
  const log = logger.logQuery.bind(logger);
  logger.logQuery = (query, parameters, runner) => {
    if (background === 0) {
      statements?.push(query);
    }
    return log(query, parameters, runner);
  };
  return {
    async during(work) {
      statements = [];
      try {
        await work();
        return statements;
      } finally {
        statements = null;
      }
    },
  };
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  // the flush runs about a second after the call; a loaded machine may need longer
  for (let i = 0; i < 200; i++) {
    const value = await read();
    if (done(value)) {
      return value;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return read();
}

describe('no write on a read (issue 10 point 2)', () => {
  let t: TestApp;
  let watcher: ReturnType<typeof watch>;

  beforeAll(async () => {
    t = await startTestApp();
    watcher = watch(t);
  }, 60000);
  afterAll(async () => {
    await t.close();
  });

  const settle = async () => {
    await t.app.get(UsageBuffer).flush();
    await t.app.get(RateTally).reconcile();
  };

  it('a warm GET on the install URL sends no INSERT, UPDATE, DELETE or BEGIN; its activity and last_used_at follow', async () => {
    const { token } = await connect(t.http, DEMO, 'Home', (page) => ({ switches: optionValue(page, 'Kitchen Light') }));
    const id = token.installation_id;
    const get = () => request(t.http).get(`/api/smartapps/installations/${id}/switches`).set('Authorization', `Bearer ${token.access_token}`).expect(200);
    await get();
    await settle();
    const usedBefore = (await t.db.getRepository(Installation).findOneByOrFail({ id })).lastUsedAt;
    const startedAt = new Date();

    const sent = await watcher.during(async () => {
      const res = await get();
      expect(res.headers['x-ratelimit-current']).toBe('2');
    });
    expect(sent.filter((q) => WRITE_OR_TRANSACTION.test(q))).toEqual([]);

    // after the response, by the timer (not by a read that would flush it)
    const calls = await eventually(
      () => t.db.getRepository(ActivityLog).findBy({ installationId: id, kind: 'api_call' }),
      (rows) => rows.length === 2,
    );
    expect(calls.map((c) => c.summary)).toEqual(['GET /switches → 200', 'GET /switches → 200']);
    const used = await eventually(
      async () => (await t.db.getRepository(Installation).findOneByOrFail({ id })).lastUsedAt,
      (at) => at !== null && at.getTime() >= startedAt.getTime() - 1,
    );
    expect(used!.getTime()).toBeGreaterThan(usedBefore?.getTime() ?? 0);
    const counted = await eventually(
      () => t.db.getRepository(RateCounter).findBy({ bucket: `install-api:${id}` }),
      (rows) => rows.reduce((n, r) => n + r.hits, 0) === 2,
    );
    expect(counted.reduce((n, r) => n + r.hits, 0)).toBe(2);
  }, 60000);

  it('a PUT applies its effects in one short transaction, statements batched (devices, events, activity), the unchanged state not written', async () => {
    const { token } = await connect(t.http, DEMO, 'Home', (page) => ({ switches: [optionValue(page, 'Kitchen Light'), optionValue(page, 'Porch Light')] }));
    const id = token.installation_id;
    await settle();
    const sent = await watcher.during(() =>
      request(t.http).put(`/api/smartapps/installations/${id}/switches/off`).set('Authorization', `Bearer ${token.access_token}`).expect(204),
    );
    expect(sent.filter((q) => /^\s*(BEGIN|START TRANSACTION)/i.test(q))).toHaveLength(1);
    expect(sent.filter((q) => /^\s*INSERT INTO "activity_logs"/i.test(q))).toHaveLength(1);
    expect(sent.filter((q) => /^\s*INSERT INTO "device_events"/i.test(q))).toHaveLength(1);
    const begin = sent.findIndex((q) => /^\s*(BEGIN|START TRANSACTION)/i.test(q));
    const inside = sent.slice(begin, sent.findIndex((q) => /^\s*COMMIT/i.test(q)));
    expect(inside.filter((q) => /^\s*SELECT .* FROM "devices"/i.test(q))).toHaveLength(1);
    expect(sent.filter((q) => /^\s*UPDATE "installations"/i.test(q))).toEqual([]);
    const commands = await t.db.getRepository(ActivityLog).find({ where: { installationId: id, kind: 'command' }, order: { at: 'ASC' } });
    expect(commands.map((c) => c.summary)).toEqual([expect.stringMatching(/^off\(\) on device .*: switch → off$/), expect.stringMatching(/^off\(\) on device .*: switch → off$/)]);
  }, 60000);

  it('the activity page shows a call at once: reading it writes what this instance holds', async () => {
    const { agent, token } = await connect(t.http, DEMO, 'Cabin', (page) => ({ switches: optionValue(page, 'Cabin Light') }));
    await request(t.http).get(`/api/smartapps/installations/${token.installation_id}/switches`).set('Authorization', `Bearer ${token.access_token}`).expect(200);
    const page = await agent.get(`/apps/${token.installation_id}`).expect(200);
    expect(page.text).toContain('GET /switches → 200');
  }, 60000);
});

describe('graceful shutdown writes what is buffered', () => {
  it('the activity row, last_used_at and rate count of a call just answered are in the database before it closes', async () => {
    const t = await startTestApp();
    const { token } = await connect(t.http, DEMO, 'Home', (page) => ({ switches: optionValue(page, 'Kitchen Light') }));
    const id = token.installation_id;
    await t.app.get(UsageBuffer).flush();
    // no timer gets there first: what the database holds at the end was written by the shutdown
    t.app.get(UsageBuffer).periodMs = 3_600_000;
    t.app.get(RateTally).periodMs = 3_600_000;
    await request(t.http).get(`/api/smartapps/installations/${id}/switches`).set('Authorization', `Bearer ${token.access_token}`).expect(200);
    // what the database holds just before Nest closes it
    const db = t.app.get(DataSource);
    const destroy = db.destroy.bind(db);
    let seen: { calls: number; lastUsedAt: Date | null; hits: number } | null = null;
    jest.spyOn(db, 'destroy').mockImplementation(async () => {
      seen = {
        calls: await db.getRepository(ActivityLog).countBy({ installationId: id, kind: 'api_call' }),
        lastUsedAt: (await db.getRepository(Installation).findOneByOrFail({ id })).lastUsedAt,
        hits: (await db.getRepository(RateCounter).findBy({ bucket: `install-api:${id}` })).reduce((n, r) => n + r.hits, 0),
      };
      return destroy();
    });
    const pendingAtClose = t.app.get(UsageBuffer).pending;
    await t.close();
    expect(pendingAtClose).toBeGreaterThan(0);
    expect(seen).toMatchObject({ calls: 1, hits: 1 });
    expect(seen!.lastUsedAt).not.toBeNull();
  }, 60000);
});
