import { ConsoleLogger, LogLevel } from '@nestjs/common';

// Nest's start-up chatter (one line per module and per route) buries the lines a newcomer needs,
// such as the demo credentials; it is shown only at LOG_LEVEL=debug.
const STARTUP_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

export class PlatformLogger extends ConsoleLogger {
  constructor(private readonly showStartup: boolean, levels: LogLevel[]) {
    super();
    this.setLogLevels(levels);
  }

  override log(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    if (!this.showStartup && typeof context === 'string' && STARTUP_CONTEXTS.has(context)) {
      return;
    }
    super.log(message, ...rest);
  }
}
