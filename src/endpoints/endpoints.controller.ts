import { Controller, Get, Param, Req } from '@nestjs/common';
import type { Request } from 'express';
import { BearerAuth } from '../common/access.decorators';
import { EndpointsService, EndpointView } from './endpoints.service';
import { ApiTags } from '@nestjs/swagger';

@ApiTags('endpoints service')
@Controller('api/smartapps/endpoints')
export class EndpointsController {
  constructor(private readonly endpoints: EndpointsService) {}

  @BearerAuth()
  @Get()
  list(@Req() req: Request): Promise<EndpointView[]> {
    return this.endpoints.forToken(req.bearer!);
  }

  /** The legacy form; the client id must be the token's own. */
  @BearerAuth()
  @Get(':clientId')
  async listForClient(@Req() req: Request, @Param('clientId') clientId: string): Promise<EndpointView[]> {
    return clientId === req.bearer!.clientId ? this.endpoints.forToken(req.bearer!) : [];
  }
}
