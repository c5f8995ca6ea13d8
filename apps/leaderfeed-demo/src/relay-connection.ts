/**
 * The one relay connection of the origin: only the leader tab holds it (a WebSocket to `?relay=`, e.g.
 * the relay of `@webraft/server`), and it closes it when it stops leading.
 */
export class RelayConnection {
  private socket: WebSocket | undefined;
  state = 'not held';

  constructor(
    private readonly url: string | null,
    private readonly onChange: () => void,
  ) {}

  open(): void {
    if (!this.url) {
      this.set('held (no ?relay=ws://... given: nothing to connect to)');
      return;
    }
    const socket = new WebSocket(this.url);
    this.socket = socket;
    this.set('connecting');
    socket.onopen = () => this.set(`open to ${this.url}`);
    socket.onclose = () => {
      if (this.socket === socket) this.set('closed by the relay');
    };
  }

  close(): void {
    const socket = this.socket;
    this.socket = undefined;
    socket?.close();
    this.set('not held');
  }

  private set(state: string): void {
    this.state = state;
    this.onChange();
  }
}
