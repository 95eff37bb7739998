import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { Request, Response } from 'express';
import { PageError } from '../common/api-errors';
import { FailureLimiter } from '../common/failure-limiter';

export const LOGIN_FAILURES_BY_EMAIL = Symbol('LOGIN_FAILURES_BY_EMAIL');
export const LOGIN_FAILURES_BY_ADDRESS = Symbol('LOGIN_FAILURES_BY_ADDRESS');

// Runs the local strategy; a failed log-in lets the controller re-render the form instead of throwing,
// and a successful one starts a new session (passport regenerates the session id). Failures are
// counted per email and per address; past the limit every attempt waits, right password or not.
@Injectable()
export class LoginGuard extends AuthGuard('local') {
  constructor(
    @Inject(LOGIN_FAILURES_BY_EMAIL) private readonly byEmail: FailureLimiter,
    @Inject(LOGIN_FAILURES_BY_ADDRESS) private readonly byAddress: FailureLimiter,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    const body = req.body as Record<string, unknown> | undefined;
    if (typeof body?.email !== 'string' || typeof body.password !== 'string') {
      return true;
    }
    const email = body.email.trim().toLowerCase();
    const address = req.ip ?? '';
    const wait = Math.max(this.byEmail.retryAfter(email), this.byAddress.retryAfter(address));
    if (wait > 0) {
      res.set('Retry-After', String(wait));
      throw new PageError(429, 'Too many attempts', `Too many failed log-ins. Please wait ${Math.ceil(wait / 60)} minute(s) and try again.`);
    }
    await super.canActivate(context);
    if (req.user) {
      await super.logIn(req);
    } else {
      this.byEmail.recordFailure(email);
      this.byAddress.recordFailure(address);
    }
    return true;
  }

  override handleRequest<TUser>(_err: unknown, user: TUser): TUser {
    return user;
  }
}
