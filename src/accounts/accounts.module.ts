import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Account } from './account.entity';
import { AccountsController } from './accounts.controller';
import { AccountsService } from './accounts.service';
import { BrowserSession } from './browser-session.entity';
import { LocalStrategy } from './local.strategy';
import { LOGIN_FAILURES_BY_ADDRESS, LOGIN_FAILURES_BY_EMAIL } from './login.guard';
import { FailureLimiter } from '../common/failure-limiter';
import { SessionSerializer } from './session.serializer';

@Module({
  imports: [TypeOrmModule.forFeature([Account, BrowserSession]), PassportModule.register({ session: true })],
  controllers: [AccountsController],
  providers: [
    AccountsService,
    LocalStrategy,
    SessionSerializer,
    // 10 failed log-ins for one email, or 50 from one address, in 15 minutes: then a 15-minute wait
    { provide: LOGIN_FAILURES_BY_EMAIL, useFactory: () => new FailureLimiter(10, 15 * 60 * 1000) },
    { provide: LOGIN_FAILURES_BY_ADDRESS, useFactory: () => new FailureLimiter(50, 15 * 60 * 1000) },
  ],
  exports: [AccountsService],
})
export class AccountsModule {}
