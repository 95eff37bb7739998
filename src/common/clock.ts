import { Injectable } from '@nestjs/common';

// The one source of "now" for the platform (global: provided by the database module). Tests take
// the app's instance and replace `now` (jest.spyOn) to move time instead of sleeping.
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
