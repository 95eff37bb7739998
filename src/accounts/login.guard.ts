import { ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';

// Runs the local strategy; a failed log-in lets the controller re-render the form instead of throwing,
// and a successful one starts a new session (passport regenerates the session id).
@Injectable()
export class LoginGuard extends AuthGuard('local') {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    const body = req.body as Record<string, unknown> | undefined;
    if (typeof body?.email !== 'string' || typeof body.password !== 'string') {
      return true;
    }
    await super.canActivate(context);
    if (req.user) {
      await super.logIn(req);
    }
    return true;
  }

  override handleRequest<TUser>(_err: unknown, user: TUser): TUser {
    return user;
  }
}
