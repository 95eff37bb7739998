import { Injectable } from '@nestjs/common';

// Tells the worker that events work was committed (see commit-signal.ts); a no-op until it listens.
@Injectable()
export class WakeUp {
  private readonly listeners: (() => void)[] = [];

  onWake(listener: () => void): void {
    this.listeners.push(listener);
  }

  wake(): void {
    for (const listener of this.listeners) {
      listener();
    }
  }
}
