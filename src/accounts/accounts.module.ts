import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Account } from './account.entity';
import { AccountsController } from './accounts.controller';
import { AccountsService } from './accounts.service';
import { BrowserSession } from './browser-session.entity';
import { LocalStrategy } from './local.strategy';
import { LOGIN_FAILURES } from './login.guard';
import { FailureLimiter } from '../common/failure-limiter';
import { SessionSerializer } from './session.serializer';

@Module({
  imports: [TypeOrmModule.forFeature([Account, BrowserSession]), PassportModule.register({ session: true })],
  controllers: [AccountsController],
  providers: [
    AccountsService,
    LocalStrategy,
    SessionSerializer,
    // 10 failed log-ins per email or address in 15 minutes, then a 15-minute wait
    { provide: LOGIN_FAILURES, useFactory: () => new FailureLimiter(10, 15 * 60 * 1000) },
  ],
  exports: [AccountsService],
})
export class AccountsModule {}
