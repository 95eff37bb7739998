// Bad input is the client's mistake: a clear 4xx before anything runs, and nothing written.
import request from 'supertest';
import { ActivityLog } from '../../src/installations/activity-log.entity';
import { AppLog } from '../../src/installations/app-log.entity';
import { Installation } from '../../src/installations/installation.entity';
import { connect, optionValue } from '../helpers/browser';
import { DEMO_USER } from '../helpers/oauth-flow';
import { startTestApp, TestApp } from '../helpers/test-app';

const nested = (depth: number): string => `${'['.repeat(depth - 1)}{"a":1}${']'.repeat(depth - 1)}`;

describe('input limits: a deeply nested JSON body', () => {
  let t: TestApp;
  let token: string;
  let installationId: string;

  beforeAll(async () => {
    t = await startTestApp();
    const connected = await connect(t.http, DEMO_USER, 'Home', (page) => ({ switches: optionValue(page, 'Kitchen Light') }));
    token = connected.token.access_token;
    installationId = connected.token.installation_id;
  });
  afterAll(async () => {
    await t.close();
  });

  const written = async () => ({
    activity: await t.db.getRepository(ActivityLog).count(),
    logs: await t.db.getRepository(AppLog).count(),
    state: (await t.db.getRepository(Installation).findOneByOrFail({ id: installationId })).state,
  });

  it('is refused with a 400 before the SmartApp runs, on the install URL', async () => {
    const before = await written();
    for (const depth of [t.config.jsonMaxDepth + 1, 100000]) {
      const res = await request(t.http)
        .put(`/api/smartapps/installations/${installationId}/callback`)
        .set('Authorization', `Bearer ${token}`)
        .type('json')
        .send(nested(depth))
        .expect(400);
      expect(res.body).toEqual({ error: true, type: 'RequestError', message: `The JSON body is nested more than ${t.config.jsonMaxDepth} levels deep` });
    }
    expect(await written()).toEqual(before);
  });

  it('is refused with an RFC 6749 error on the OAuth endpoints', async () => {
    const res = await request(t.http).post('/oauth/token').type('json').send(nested(100000)).expect(400);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: `The JSON body is nested more than ${t.config.jsonMaxDepth} levels deep` });
  });

  it('at the limit, reaches the SmartApp as usual', async () => {
    const res = await request(t.http)
      .put(`/api/smartapps/installations/${installationId}/callback`)
      .set('Authorization', `Bearer ${token}`)
      .type('json')
      .send(nested(t.config.jsonMaxDepth));
    expect(res.status).not.toBe(500);
    expect(res.body).not.toMatchObject({ message: expect.stringContaining('nested') });
  });
});
