import express, { NextFunction, Request, Response, Router } from 'express';
import { headerOf, ReplayGuard, verifyCallback, webhookFor } from './callback-verifier';
import { DemoSessions } from './demo-sessions';
import { keepEvent, pushOf, viewOf } from './pushed-events';

// POST /events: where Device Bridge's ctx.httpPostJson lands. Nothing is taken unless the
// platform signed it with our webhook secret (Standard Webhooks), recently, and for the first
// time; then the event goes to the session connected to the installation named in the signed body. GET /events.json is what the page's
// script polls.

// the platform sends at most 64 KB of JSON
const MAX_BODY = '70kb';

function refuse(res: Response, status: number, error: string, description: string): void {
  res.status(status).json({ error, error_description: description });
}

export function eventsReceiver(webhookSecret: string, sessions: DemoSessions): Router {
  const router = express.Router();
  const replays = new ReplayGuard();
  const webhook = webhookFor(webhookSecret);

  router.post('/events', express.raw({ type: () => true, limit: MAX_BODY }), (req: Request, res: Response) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const verified = verifyCallback(webhook, req.headers, raw);
    if (!verified.ok) {
      refuse(res, 401, 'invalid_signature', verified.reason);
      return;
    }
    const push = pushOf(verified.id, raw);
    if (!push || push.installationId === null) {
      refuse(res, 400, 'invalid_request', 'the body is not {"installationId", "evt": {deviceId, displayName, name, value, date}}');
      return;
    }
    // the header is a hint, not signed: the installation is the one in the signed body
    const installation = push.installationId;
    const hinted = headerOf(req.headers, 'x-smartapp-installation');
    if (hinted !== null && hinted !== installation) {
      refuse(res, 400, 'invalid_request', 'the signed body names another installation than X-SmartApp-Installation');
      return;
    }
    if (!replays.firstTime(`webhook:${verified.id}`, Date.now())) {
      refuse(res, 409, 'duplicate', 'this delivery was already taken');
      return;
    }
    const event = push.event;
    const connection = sessions.withInstallation(installation)?.connection;
    if (!connection) {
      // a 4xx is not retried: nobody here is connected to that installation any more
      refuse(res, 410, 'not_connected', 'no one here is connected to this installation');
      return;
    }
    keepEvent(connection.events, event);
    res.status(204).end();
  });

  router.get('/events.json', (req: Request, res: Response) => {
    const connection = sessions.of(req, res).connection;
    res.json({ connected: connection !== null, events: connection ? connection.events.map(viewOf) : [] });
  });

  // a body too large or unreadable: say so in JSON, not with the service's error page
  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    const status = err && typeof err === 'object' && 'status' in err && typeof err.status === 'number' ? err.status : 0;
    if (status < 400 || status > 499) {
      next(err);
      return;
    }
    refuse(res, status, 'invalid_request', 'the body could not be read');
  });

  return router;
}
