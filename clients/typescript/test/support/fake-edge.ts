import { type AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { type ClientFrame, type Codec, codecs, type ServerFrame } from '../../src/index.js';

/** One connection to the fake edge: what the client sent, and a way to answer in its encoding. */
export class FakeConnection {
  readonly received: ClientFrame[] = [];
  private waiters: (() => void)[] = [];
  private ids = 0;

  constructor(
    readonly socket: WebSocket,
    readonly codec: Codec,
  ) {
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      this.received.push(codec.decodeClient(isBinary ? new Uint8Array(data) : data.toString('utf8')));
      for (const wake of this.waiters.splice(0)) {
        wake();
      }
    });
  }

  /** Sends a frame; `id` and `timestamp` are filled in when missing, as the edge stamps every frame. */
  send(frame: { type: string; [field: string]: unknown }): void {
    const stamped = { id: `srv-${++this.ids}-${Math.random().toString(36).slice(2)}`, timestamp: Date.now(), ...frame } as ServerFrame;
    this.socket.send(this.codec.encodeServer(stamped));
  }

  close(code: number, reason = ''): void {
    this.socket.close(code, reason);
  }

  async next(type: string, timeoutMs = 5000): Promise<ClientFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find((f) => f.type === type);
      if (found !== undefined) {
        this.received.splice(this.received.indexOf(found), 1);
        return found;
      }

      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`no '${type}' frame from the client within ${timeoutMs} ms (got ${JSON.stringify(this.received)})`);
      }

      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/**
 * A scripted stand-in for the edge on 127.0.0.1, speaking the four subprotocols: for the client's
 * reactions to what only a misbehaving or shutting-down edge does on cue (close codes, repeats).
 */
export class FakeEdge {
  readonly connections: FakeConnection[] = [];
  readonly connectedAt: number[] = [];
  private waiters: (() => void)[] = [];

  private constructor(private readonly server: WebSocketServer) {
    server.on('connection', (socket: WebSocket) => {
      const codec = Object.values(codecs).find((c) => c.subprotocol === socket.protocol) ?? codecs.json;
      this.connections.push(new FakeConnection(socket, codec));
      this.connectedAt.push(Date.now());
      for (const wake of this.waiters.splice(0)) {
        wake();
      }
    });
  }

  static start(): Promise<FakeEdge> {
    return new Promise((resolve) => {
      const server = new WebSocketServer({
        host: '127.0.0.1',
        port: 0,
        handleProtocols: (offered) => [...offered].find((p) => Object.values(codecs).some((c) => c.subprotocol === p)) ?? false,
      });
      server.on('listening', () => resolve(new FakeEdge(server)));
    });
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/ws`;
  }

  async connection(index: number, timeoutMs = 5000): Promise<FakeConnection> {
    const deadline = Date.now() + timeoutMs;
    while (this.connections.length <= index) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`connection ${index} did not come within ${timeoutMs} ms`);
      }

      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }

    return this.connections[index]!;
  }

  /** Answers the client's `auth` with `auth:ok`. */
  async accept(index: number, extra: Record<string, unknown> = {}): Promise<FakeConnection> {
    const connection = await this.connection(index);
    await connection.next('auth');
    connection.send({ type: 'auth:ok', userId: 'alice', connectionId: `c${index}`, ...extra });
    return connection;
  }

  close(): Promise<void> {
    for (const c of this.connections) {
      c.socket.terminate();
    }

    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
