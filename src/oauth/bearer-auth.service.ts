import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { InvalidTokenError } from '../common/api-errors';
import { bearerFrom } from './bearer-token';
import { ClientsService } from './clients.service';
import { TokenInfo } from './token-info';
import { TokensService } from './tokens.service';

// The one check behind every bearer-protected route (endpoints service, installation API).
@Injectable()
export class BearerAuthService {
  constructor(
    private readonly tokens: TokensService,
    private readonly clients: ClientsService,
  ) {}

  async authenticate(req: Request): Promise<TokenInfo> {
    const { header, query } = bearerFrom(req);
    if (header && query) {
      throw new InvalidTokenError('Send the access token once: in the Authorization header');
    }
    const token = header ?? query;
    if (!token) {
      throw new InvalidTokenError('An access token is required: Authorization: Bearer <token>');
    }
    const info = await this.tokens.authenticate(token);
    if (!info) {
      throw new InvalidTokenError('The access token is invalid, expired or revoked');
    }
    if (!header) {
      // ?access_token= is a SmartThings-classic habit, allowed only for clients registered as classic
      const client = await this.clients.findForAuthentication(info.clientId);
      if (!client?.classicCompat) {
        throw new InvalidTokenError('Send the access token in the Authorization header, not the query string');
      }
    }
    return info;
  }
}
