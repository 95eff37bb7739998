import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Account } from './account.entity';
import { AccountsController } from './accounts.controller';
import { AccountsService } from './accounts.service';
import { BrowserSession } from './browser-session.entity';
import { LocalStrategy } from './local.strategy';
import { SessionSerializer } from './session.serializer';

@Module({
  imports: [TypeOrmModule.forFeature([Account, BrowserSession]), PassportModule.register({ session: true })],
  controllers: [AccountsController],
  providers: [AccountsService, LocalStrategy, SessionSerializer],
  exports: [AccountsService],
})
export class AccountsModule {}
