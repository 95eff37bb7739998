import type { NextFunction, Request, RequestHandler, Response } from 'express';

type HeaderStep = { set: string; value: string | number | readonly string[] } | { remove: string };

/**
 * A middleware that only sets the same headers on every response (helmet without CSP nonces),
 * run once against a recorder and replayed from the list: one loop instead of a dozen nested
 * middlewares per request (issue 10 point 4). Throws at start-up if the middleware does anything
 * else, or does not call `next` at once.
 */
export function recordedHeaders(middleware: RequestHandler): RequestHandler {
  const steps: HeaderStep[] = [];
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      steps.push({ set: name, value });
      return recorder;
    },
    removeHeader(name: string) {
      steps.push({ remove: name });
    },
  };
  let passed = false;
  void middleware({ headers: {}, method: 'GET', url: '/' } as Request, recorder as unknown as Response, ((err?: unknown) => {
    if (err) {
      throw err instanceof Error ? err : new Error('recordedHeaders: the middleware failed');
    }
    passed = true;
  }) as NextFunction);
  if (!passed) {
    throw new Error('recordedHeaders: the middleware did not call next at once');
  }
  return (_req: Request, res: Response, next: NextFunction): void => {
    for (const step of steps) {
      if ('set' in step) {
        res.setHeader(step.set, step.value);
      } else {
        res.removeHeader(step.remove);
      }
    }
    next();
  };
}
