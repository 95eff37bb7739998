import { Controller, Get, Inject, NotFoundException, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { Public } from '../common/access.decorators';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { MetricsService } from './metrics.service';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

// /metrics on the main port: only with METRICS_TOKEN set, and only for a caller that sends it.
@ApiTags('operations')
@Controller()
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Public()
  @Get('metrics')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Prometheus metrics; needs `Authorization: Bearer $METRICS_TOKEN` (404 when no token is configured)' })
  async scrape(@Req() req: Request, @Res() res: Response): Promise<void> {
    const token = this.config.operations.metricsToken;
    if (!token) {
      throw new NotFoundException('Metrics are off: set METRICS_TOKEN or METRICS_PORT');
    }
    const header = req.headers.authorization ?? '';
    const match = /^Bearer (\S+)$/i.exec(header);
    if (!match || !sameSecret(match[1], token)) {
      res.status(401).set('WWW-Authenticate', 'Bearer realm="metrics"').json({ error: true, type: 'RequestError', message: 'Metrics need the metrics token' });
      return;
    }
    const { contentType, body } = await this.metrics.render();
    res.status(200).set('Content-Type', contentType).set('Cache-Control', 'no-store').send(body);
  }
}
