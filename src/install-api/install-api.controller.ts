import { All, Controller, Delete, Get, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { BearerAuth } from '../common/access.decorators';
import { installApiCallOf, sendInstallApiReply } from './install-api.http';
import { InstallApiService } from './install-api.service';
import { ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { OpenApiJson } from '../openapi/installation-openapi';

@ApiTags('installations')
@Controller('api/smartapps/installations')
export class InstallApiController {
  constructor(private readonly api: InstallApiService) {}

  @BearerAuth()
  @Delete(':installationId')
  async uninstall(@Req() req: Request, @Res() res: Response, @Param('installationId') installationId: string): Promise<void> {
    await this.api.uninstall(req.bearer!, installationId);
    res.status(204).end();
  }

  @BearerAuth()
  @Get(':installationId/openapi.json')
  @ApiOperation({ summary: 'The OpenAPI document of this installation: its SmartApp mappings (paths, methods, path parameters)' })
  async openApi(@Req() req: Request, @Param('installationId') installationId: string): Promise<OpenApiJson> {
    return this.api.openApi(req.bearer!, installationId);
  }

  @BearerAuth()
  @ApiExcludeEndpoint() // described per installation at {uri}/openapi.json
  @All(':installationId/*path')
  async call(@Req() req: Request, @Res() res: Response, @Param('installationId') installationId: string): Promise<void> {
    const raw: unknown = (req.params as Record<string, unknown>).path;
    const segments = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split('/') : [];
    sendInstallApiReply(res, await this.api.call(req.bearer!, installApiCallOf(req, installationId, segments)));
  }
}
