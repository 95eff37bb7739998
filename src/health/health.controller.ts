import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import type { Response } from 'express';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { Public } from '../common/access.decorators';
import { ReadinessService } from './readiness.service';

// For load balancers and orchestrators: /healthz says the process answers, /readyz that it can serve.
@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly readiness: ReadinessService,
  ) {}

  @Public()
  @Get('healthz')
  @ApiOperation({ summary: 'Liveness: the process answers HTTP' })
  alive(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Public()
  @Get('readyz')
  @ApiOperation({ summary: 'Readiness: database reachable, migrations current, sandbox answering, event loop not lagging; 503 names the failing check' })
  async ready(@Res({ passthrough: true }) res: Response): Promise<HealthCheckResult> {
    res.set('Cache-Control', 'no-store');
    try {
      return await this.health.check([
        () => this.readiness.database(),
        () => this.readiness.migrations(),
        () => this.readiness.sandboxPool(),
        () => this.readiness.eventLoop(),
      ]);
    } catch (err) {
      // terminus throws the whole report as a 503; the reply keeps it, naming the failing check
      if (err instanceof ServiceUnavailableException) {
        res.status(503);
        return err.getResponse() as HealthCheckResult;
      }
      throw err;
    }
  }
}
