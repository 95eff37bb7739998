import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { DeveloperTokensService } from '../developer/developer-tokens.service';
import { BearerAuthService } from '../oauth/bearer-auth.service';
import { ACCESS_POLICY, AccessPolicy } from './access.decorators';
import { LoginRequiredError, PageError } from './api-errors';

// Deny by default: a route without a decorator needs a logged-in browser session.
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly bearer: BearerAuthService,
    private readonly developerTokens: DeveloperTokensService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const policy = this.reflector.getAllAndOverride<AccessPolicy | undefined>(ACCESS_POLICY, [context.getHandler(), context.getClass()]) ?? 'session';
    const req = context.switchToHttp().getRequest<Request>();
    switch (policy) {
      case 'public':
        return true;
      case 'bearer':
        req.bearer = await this.bearer.authenticate(req);
        return true;
      case 'session':
        if (!req.user) {
          throw new LoginRequiredError();
        }
        return true;
      case 'admin': {
        // a browser session, or (machine calls without one) an admin's developer token
        const admin = req.user ?? (req.headers.authorization !== undefined ? await this.developerTokens.authenticate(req) : undefined);
        if (!admin) {
          throw new LoginRequiredError();
        }
        if (admin.role !== 'admin') {
          throw new PageError(403, 'Not allowed', 'This page is for administrators.');
        }
        return true;
      }
      case 'developer':
        req.developer = await this.developerTokens.authenticate(req);
        return true;
    }
  }
}
