import { All, Controller, Delete, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { BearerAuth } from '../common/access.decorators';
import type { JsonValue } from '../sandbox/sandbox.types';
import { InstallApiService } from './install-api.service';

const FORWARDED_HEADERS = ['accept', 'content-type', 'user-agent', 'x-request-id'];

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
  @All(':installationId/*path')
  async call(@Req() req: Request, @Res() res: Response, @Param('installationId') installationId: string): Promise<void> {
    const raw: unknown = (req.params as Record<string, unknown>).path;
    const segments = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split('/') : [];
    const headers: Record<string, string> = {};
    for (const name of FORWARDED_HEADERS) {
      const value = req.headers[name];
      if (typeof value === 'string') {
        headers[name] = value;
      }
    }
    const reply = await this.api.call(req.bearer!, {
      method: req.method,
      installationId,
      segments: segments.filter((s) => s !== ''),
      query: req.query,
      body: (req.body ?? null) as JsonValue,
      headers,
    });
    res.set(reply.headers).status(reply.status);
    if (reply.body === undefined) {
      res.end();
    } else {
      res.json(reply.body);
    }
  }
}
