/**
 * The leader's visible job: a clock every tab shows, advanced once a second by the leader tab only.
 * Each tick carries the leader's fencing token; a tab refuses a tick under a token smaller than the
 * largest it has seen, so a stale leader (a thawed tab that missed its step-down) cannot move it.
 */
export interface Tick {
  value: number;
  token: number;
  leaderId: string;
}

export class SharedClock {
  private readonly channel: BroadcastChannel;
  private maxToken = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  value = 0;
  refused = 0;

  constructor(
    name: string,
    private readonly onChange: () => void,
  ) {
    this.channel = new BroadcastChannel(name);
    this.channel.onmessage = (event: MessageEvent) => this.accept(event.data as Tick);
  }

  /** Ticks once a second while `token()` says this tab leads (undefined: it stopped leading). */
  run(leaderId: string, token: () => number | undefined): void {
    this.stop();
    this.timer = setInterval(() => {
      const current = token();
      if (current === undefined) return this.stop();
      const tick = { value: this.value + 1, token: current, leaderId };
      this.channel.postMessage(tick);
      this.accept(tick);
    }, 1000);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private accept(tick: Tick): void {
    if (tick.token < this.maxToken) this.refused++;
    else {
      this.maxToken = tick.token;
      this.value = tick.value;
    }
    this.onChange();
  }
}
