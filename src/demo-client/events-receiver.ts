import express, { NextFunction, Request, Response, Router } from 'express';
import { headerOf, ReplayGuard, verifyCallback } from './callback-verifier';
import { DemoSessions } from './demo-sessions';
import { keepEvent, pushOf, viewOf } from './pushed-events';

// POST /events: where Device Bridge's ctx.httpPostJson lands. Nothing is taken unless the
// platform signed it with our webhook secret, recently, and for the first time; then the event
// goes to the session connected to that installation. GET /events.json is what the page's
// script polls.

// the platform sends at most 64 KB of JSON
const MAX_BODY = '70kb';

function refuse(res: Response, status: number, error: string, description: string): void {
  res.status(status).json({ error, error_description: description });
}

export function eventsReceiver(webhookSecret: string, sessions: DemoSessions): Router {
  const router = express.Router();
  const replays = new ReplayGuard();

  router.post('/events', express.raw({ type: () => true, limit: MAX_BODY }), (req: Request, res: Response) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const verified = verifyCallback(webhookSecret, req.headers, raw, Date.now());
    if (!verified.ok) {
      refuse(res, 401, 'invalid_signature', verified.reason);
      return;
    }
    const delivery = headerOf(req.headers, 'x-smartapp-delivery');
    const installation = headerOf(req.headers, 'x-smartapp-installation');
    if (!delivery || !installation) {
      refuse(res, 400, 'invalid_request', 'X-SmartApp-Delivery and X-SmartApp-Installation are required');
      return;
    }
    // two installations may be sent the same body in the same second: the signature is a replay only for the same one
    if (!replays.firstTime([`delivery:${delivery}`, `signature:${installation}:${verified.signature}`], Date.now())) {
      refuse(res, 409, 'duplicate', 'this delivery was already taken');
      return;
    }
    const push = pushOf(delivery, raw);
    if (!push) {
      refuse(res, 400, 'invalid_request', 'the body is not {"installationId", "evt": {deviceId, displayName, name, value, date}}');
      return;
    }
    if (push.installationId !== null && push.installationId !== installation) {
      refuse(res, 400, 'invalid_request', 'the signed body names another installation than X-SmartApp-Installation');
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
