import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

// The name this app instance claims outbox rows, jobs and callbacks under: each row is run by
// exactly the instance whose conditional UPDATE claimed it. `lastBeatAt` is when it last wrote its
// heartbeat (claims/heartbeat.ts), so every queue of one instance shares one heartbeat.
@Injectable()
export class InstanceIdentity {
  readonly id = `${process.pid}-${randomUUID()}`;
  lastBeatAt = 0;
}
