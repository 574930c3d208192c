/** Where the engine's time comes from. Live runs use the wall clock; simulations and tests a virtual one. */
export interface Clock {
  now(): number;
}

/** A clock that only moves when told to: simulations jump it to the next due time. */
export class VirtualClock implements Clock {
  constructor(private current: number) {}
  now(): number {
    return this.current;
  }
  set(t: number): void {
    this.current = t;
  }
}

/** The wall clock: the one place real time enters the engine. */
export class SystemClock implements Clock {
  now(): number {
    // eslint-disable-next-line no-restricted-properties
    return Date.now();
  }
}
