import { Controller, Delete, Get, HttpCode, Param, Post, Put, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DeveloperAuth, Public } from '../common/access.decorators';
import { InvalidTokenError } from '../common/api-errors';
import { bearerFrom } from '../oauth/bearer-token';
import { ClientsService } from '../oauth/clients.service';
import type { OAuthClient } from '../oauth/oauth-client.entity';
import { readClientMetadata, RegistrationError } from './client-metadata';
import { RegistrationService } from './registration.service';
import { ApiTags } from '@nestjs/swagger';

// RFC 7591 registration (initial access token: a developer API token) and RFC 7592 management
// (the registration access token the registration returned).
@ApiTags('registration')
@Controller('oauth/register')
export class RegistrationController {
  constructor(
    private readonly registration: RegistrationService,
    private readonly clients: ClientsService,
  ) {}

  @DeveloperAuth()
  @Post()
  async register(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.answer(res, 201, () => this.registration.register(req.developer!, readClientMetadata(req.body)));
  }

  @Public()
  @Get(':clientId')
  async read(@Req() req: Request, @Res() res: Response, @Param('clientId') clientId: string): Promise<void> {
    const client = await this.registered(req, clientId);
    await this.answer(res, 200, () => Promise.resolve(this.registration.describe(client)));
  }

  @Public()
  @Put(':clientId')
  async update(@Req() req: Request, @Res() res: Response, @Param('clientId') clientId: string): Promise<void> {
    const client = await this.registered(req, clientId);
    await this.answer(res, 200, () => this.registration.update(client, readClientMetadata(req.body)));
  }

  @Public()
  @Delete(':clientId')
  @HttpCode(204)
  async remove(@Req() req: Request, @Param('clientId') clientId: string): Promise<void> {
    await this.registration.remove(await this.registered(req, clientId));
  }

  private async registered(req: Request, clientId: string): Promise<OAuthClient> {
    const { header } = bearerFrom(req);
    const client = header ? await this.clients.findByRegistrationToken(clientId, header) : null;
    if (!client) {
      // RFC 7592 §2: an unknown client or a wrong token look the same
      throw new InvalidTokenError('The registration access token is not valid for this client');
    }
    return client;
  }

  private async answer(res: Response, status: number, work: () => Promise<Record<string, unknown>>): Promise<void> {
    try {
      const body = await work();
      res.status(status).set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' }).json(body);
    } catch (err) {
      if (err instanceof RegistrationError) {
        res.status(400).set('Cache-Control', 'no-store').json({ error: err.code, error_description: err.description });
        return;
      }
      throw err;
    }
  }
}
