import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { DeveloperTokensService } from '../developer/developer-tokens.service';
import { BearerAuthService } from '../oauth/bearer-auth.service';
import { looksSigned } from '../oauth1/signed-request-verifier';
import { SignedRestAuthService } from '../oauth1/signed-rest-auth.service';
import { ACCESS_POLICY, AccessPolicy } from './access.decorators';
import { LoginRequiredError, PageError } from './api-errors';

// Deny by default: a route without a decorator needs a logged-in browser session.
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly bearer: BearerAuthService,
    private readonly developerTokens: DeveloperTokensService,
    private readonly signed: SignedRestAuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const policy = this.reflector.getAllAndOverride<AccessPolicy | undefined>(ACCESS_POLICY, [context.getHandler(), context.getClass()]) ?? 'session';
    const req = context.switchToHttp().getRequest<Request>();
    switch (policy) {
      case 'public':
        return true;
      case 'bearer':
        // an OAuth 1.0a-signed request (SMART apps) stands in for a bearer token
        req.bearer = looksSigned(req) ? await this.signed.authenticate(req) : await this.bearer.authenticate(req);
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
