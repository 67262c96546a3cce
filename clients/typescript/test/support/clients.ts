import { WebSocket } from 'ws';
import { type CloseInfo, GatewayClient, type GatewayClientOptions, jsonCodec, type WebSocketConstructor } from '../../src/index.js';

/**
 * `ws` with a record of every socket and of the frame ids each received, before the client's
 * de-duplication: lets a test cut a connection and see what the edge really sent.
 */
export class RecordingSockets {
  readonly sockets: WebSocket[] = [];
  readonly frameIds: string[] = [];

  get constructor_(): WebSocketConstructor {
    const record = this;
    return class extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        record.sockets.push(this);
        this.on('message', (data: Buffer, isBinary: boolean) => {
          if (!isBinary) {
            const frame = jsonCodec.decodeServer(data.toString('utf8'));
            record.frameIds.push(frame.id);
          }
        });
      }
    } as unknown as WebSocketConstructor;
  }

  /** Drops the newest connection as a lost network would (no close frame). */
  cutLatest(): void {
    this.sockets.at(-1)?.terminate();
  }

  count(id: string): number {
    return this.frameIds.filter((x) => x === id).length;
  }
}

export const wsConstructor = WebSocket as unknown as WebSocketConstructor;

/** Closes every client a test made, whatever happened in it. */
export class ClientPool {
  private readonly clients: GatewayClient[] = [];

  create(options: Omit<GatewayClientOptions, 'WebSocket'> & { WebSocket?: WebSocketConstructor }): GatewayClient {
    const client = new GatewayClient({ WebSocket: wsConstructor, ...options });
    // Errors are asserted where a test expects them; unhandled ones must not end the run.
    client.on('error', () => undefined);
    this.clients.push(client);
    return client;
  }

  closeAll(): void {
    for (const client of this.clients.splice(0)) {
      client.close();
    }
  }
}

export function recordCloses(client: GatewayClient): CloseInfo[] {
  const seen: CloseInfo[] = [];
  client.on('closed', (info) => seen.push(info));
  return seen;
}

export async function devTokenFrom(http: string, user: string): Promise<string> {
  const response = await fetch(new URL(`dev/token?user=${encodeURIComponent(user)}`, http));
  if (!response.ok) {
    throw new Error(`/dev/token answered ${response.status}`);
  }

  return ((await response.json()) as { token: string }).token;
}
