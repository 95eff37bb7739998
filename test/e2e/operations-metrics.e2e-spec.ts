// /metrics as a Prometheus scraper sees it: refused without the token, off without configuration,
// and, with the token, exposition text that parses line by line and counts what happened.
import { get as httpGet } from 'node:http';
import { validateMetricName } from 'prom-client';
import request from 'supertest';
import { connect, optionValue } from '../helpers/browser';
import { freePort } from '../helpers/listen';
import { manualClock } from '../factories/events';
import { startTestApp, TestApp } from '../helpers/test-app';

const TOKEN = 'metrics-token-0123456789abcdef';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict reader of the text exposition format 0.0.4: any line it does not understand fails the test. */
function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') {
      continue;
    }
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      expect(validateMetricName(meta[2])).toBe(true);
      if (meta[1] === 'TYPE') {
        expect(['counter', 'gauge', 'histogram', 'summary', 'untyped']).toContain(meta[3]);
        types.set(meta[2], meta[3]);
      }
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: -?\d+)?$/.exec(line);
    if (!sample) {
      throw new Error(`not an exposition line: ${line}`);
    }
    const labels: Record<string, string> = {};
    const labelText = sample[2] ?? '';
    const labelRe = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
    let at = 0;
    while (at < labelText.length) {
      labelRe.lastIndex = at;
      const m = labelRe.exec(labelText);
      if (!m) {
        throw new Error(`bad labels in: ${line}`);
      }
      labels[m[1]] = m[2];
      at = labelRe.lastIndex;
    }
    const value = sample[3] === '+Inf' ? Infinity : sample[3] === '-Inf' ? -Infinity : Number(sample[3]);
    if (Number.isNaN(value) && sample[3] !== 'NaN') {
      throw new Error(`bad value in: ${line}`);
    }
    samples.push({ name: sample[1], labels, value });
  }
  return { types, samples };
}

function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

describe('operations: /metrics', () => {
  jest.setTimeout(60000);

  describe('with METRICS_TOKEN', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ METRICS_TOKEN: TOKEN, RATE_LIMIT_CALLS: '2' });
    });
    afterAll(async () => {
      await t.close();
    });

    it('is refused without the token or with a wrong one', async () => {
      const none = await request(t.http).get('/metrics').set('Accept', 'application/json').expect(401);
      expect(none.headers['www-authenticate']).toContain('Bearer');
      await request(t.http).get('/metrics').set('Authorization', 'Bearer metrics-token-0123456789abcdeX').expect(401);
      await request(t.http).get('/metrics').set('Authorization', `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`).expect(401);
    });

    it('with the token, parses as Prometheus text and counts requests, handler runs and 429s', async () => {
      // the limit counts in fixed windows: three calls that straddled a window's end would not reach it
      manualClock(t, new Date('2025-05-01T12:00:10Z'));
      const { token } = await connect(t.http, { email: 'demo@example.com', password: 'demo-password' }, 'Home', (page) => ({ switches: optionValue(page, 'Kitchen Light') }));
      const switches = `/api/smartapps/installations/${token.installation_id}/switches`;
      await request(t.http).get(switches).set('Authorization', `Bearer ${token.access_token}`).expect(200);
      await request(t.http).get(switches).set('Authorization', `Bearer ${token.access_token}`).expect(200);
      await request(t.http).get(switches).set('Authorization', `Bearer ${token.access_token}`).expect(429);

      const res = await request(t.http).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
      const { types, samples } = parseExposition(res.text);
      for (const [name, type] of Object.entries({
        http_request_duration_seconds: 'histogram',
        rate_limit_refusals_total: 'counter',
        sandbox_handler_runs_total: 'counter',
        sandbox_handler_timeouts_total: 'counter',
        sandbox_memory_kills_total: 'counter',
        sandbox_handler_seconds: 'histogram',
        sandbox_queue_depth: 'gauge',
        events_outbox_pending: 'gauge',
        events_outbox_lag_seconds: 'gauge',
        callbacks_pending: 'gauge',
        callback_attempts_total: 'counter',
        db_pool_connections: 'gauge',
        process_cpu_user_seconds_total: 'counter',
      })) {
        expect([name, types.get(name)]).toEqual([name, type]);
      }
      // routes are the declared patterns, never raw paths with ids
      expect(valueOf(samples, 'http_request_duration_seconds_count', { route: '/oauth/token', method: 'POST', status: '200' })).toBe(1);
      expect(valueOf(samples, 'http_request_duration_seconds_count', { route: '/api/smartapps/endpoints' })).toBeUndefined();
      const routes = new Set(samples.filter((s) => s.name === 'http_request_duration_seconds_count').map((s) => s.labels.route));
      expect([...routes].some((r) => r.includes(token.installation_id))).toBe(false);
      expect(valueOf(samples, 'sandbox_handler_runs_total', { outcome: 'ok' })).toBeGreaterThanOrEqual(2);
      const refusals = samples.filter((s) => s.name === 'rate_limit_refusals_total');
      expect(refusals.map((s) => [s.labels.route.startsWith('/api/smartapps/installations/:'), s.value])).toEqual([[true, 1]]);
      expect(valueOf(samples, 'sandbox_handler_seconds_count')).toBeGreaterThanOrEqual(1);
      expect(valueOf(samples, 'events_outbox_lag_seconds')).toBeGreaterThanOrEqual(0);
      expect(valueOf(samples, 'db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
    });
  });

  it('is off (404) when neither METRICS_TOKEN nor METRICS_PORT is set', async () => {
    const t = await startTestApp();
    try {
      await request(t.http).get('/metrics').set('Accept', 'application/json').expect(404);
      await request(t.http).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).set('Accept', 'application/json').expect(404);
    } finally {
      await t.close();
    }
  });

  it('METRICS_PORT serves them on a port of their own, without a token', async () => {
    const port = await freePort();
    const t = await startTestApp({ METRICS_PORT: String(port), HOST: '127.0.0.1' });
    try {
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        httpGet({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        }).on('error', reject);
      });
      expect(status).toBe(200);
      expect(parseExposition(body).types.get('sandbox_handler_runs_total')).toBe('counter');
      await request(t.http).get('/metrics').set('Accept', 'application/json').expect(404);
    } finally {
      await t.close();
    }
  });
});
