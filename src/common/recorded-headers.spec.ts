import express from 'express';
import helmet from 'helmet';
import request from 'supertest';
import type { RequestHandler } from 'express';
import { recordedHeaders } from './recorded-headers';

function appWith(middleware: RequestHandler) {
  const app = express();
  app.disable('x-powered-by');
  app.use(middleware);
  app.get('/', (_req, res) => {
    res.json({ ok: true });
  });
  return app;
}

describe('recordedHeaders', () => {
  const options = { contentSecurityPolicy: { useDefaults: false, directives: { 'default-src': ["'self'"], 'frame-ancestors': ["'none'"] } }, frameguard: { action: 'deny' as const } };

  it('sets exactly the headers helmet sets', async () => {
    const direct = await request(appWith(helmet(options))).get('/').expect(200);
    const replayed = await request(appWith(recordedHeaders(helmet(options)))).get('/').expect(200);
    const securityOf = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).filter(([name]) => !['date', 'etag', 'content-length'].includes(name)));
    expect(securityOf(replayed.headers as Record<string, string>)).toEqual(securityOf(direct.headers as Record<string, string>));
    expect(replayed.headers['content-security-policy']).toBe("default-src 'self';frame-ancestors 'none'");
    expect(replayed.headers['x-frame-options']).toBe('DENY');
  });

  it('refuses a middleware that does not call next at once', () => {
    const later: RequestHandler = (_req, _res, next) => {
      setImmediate(next);
    };
    expect(() => recordedHeaders(later)).toThrow('did not call next at once');
  });
});
