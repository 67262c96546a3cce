import { Backoff, type BackoffOptions, defaultBackoff } from './backoff.js';
import { codecFor, type Codec, FrameDecodeError, type WireData } from './codecs/index.js';
import { TypedEmitter } from './emitter.js';
import {
  type AuthOkFrame,
  type ClientFrame,
  CloseCodes,
  type DirectFrame,
  type DismissedFrame,
  type EncodingName,
  type ErrorFrame,
  type EventFrame,
  type HistoryFrame,
  type Json,
  type JoinedFrame,
  KnownServerTypes,
  type LeftFrame,
  type MembershipFrame,
  type PongFrame,
  type ReconnectFrame,
  type RoomMessageFrame,
  type RoomPosition,
  type ServerFrame,
  type SubscribedFrame,
} from './protocol.js';
import { RecentIds } from './recent-ids.js';
import { RoomSequencer, systemTimers, type Timers } from './room-sequencer.js';
import { jwtExpiresAt, refreshDelay, type TokenProvider, type TokenRequestReason } from './token.js';

/** The part of the WebSocket API the client uses: the browser's global one and Node's `ws` both fit. */
export interface WebSocketLike {
  binaryType: string;
  readonly protocol: string;
  readonly readyState: number;
  send(data: string | ArrayBufferLike | Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export type ConnectionState = 'idle' | 'connecting' | 'authenticating' | 'open' | 'reconnecting' | 'closed';

export interface GatewayClientOptions {
  /** The edge's `ws://…/ws` address, or several: each reconnect moves to the next, skipping a dead edge. */
  url: string | string[];
  /** A fixed token; it cannot be refreshed, so a 4001/4003 close ends the client. */
  token?: string;
  /** Preferred: asked on connect, before the token expires, and when the edge refused the last one. */
  tokenProvider?: TokenProvider;
  /** `json` (default, no subprotocol offered), `msgpack`, `cbor` or `protobuf`. */
  encoding?: EncodingName;
  /** Node: `WebSocket` from the `ws` package. Browsers: leave unset for the global one. */
  WebSocket?: WebSocketConstructor;
  backoff?: Partial<BackoffOptions>;
  /** How long before expiry to send a fresh `auth` (default 60 s, the edge's Auth:TokenRefreshGrace). */
  refreshLeadMs?: number;
  /** How long a room message after a gap waits for the missing ones (default 250 ms; 0 = never). */
  reorderWindowMs?: number;
  /** How many frame ids are remembered for de-duplication (default 10,000). */
  dedupeCapacity?: number;
  /** Bound from opening a socket to its `auth:ok` (default 15 s); past it the attempt counts as failed. */
  connectTimeoutMs?: number;
  /** Bound of an answer to join, history, ping… (default 10 s). */
  requestTimeoutMs?: number;
  /** Most frames queued while disconnected (default 1,000); past it `send` throws. */
  maxQueuedFrames?: number;
  /** Room positions from an earlier session (e.g. saved in storage), resumed on the first connect. */
  positions?: Record<string, RoomPosition>;
  timers?: Timers;
  random?: () => number;
  now?: () => number;
}

export interface CloseInfo {
  code: number;
  reason: string;
  /** True when the client connects again by itself, after `retryInMs`. */
  willReconnect: boolean;
  retryInMs?: number;
}

/** Events of a GatewayClient; every payload is the frame as the edge sent it. */
export interface GatewayEvents {
  state: ConnectionState;
  /** Every `auth:ok`: the first of each connection, and the answer to each refresh. */
  authenticated: AuthOkFrame;
  /** A room message, de-duplicated and in seq order. */
  message: RoomMessageFrame;
  direct: DirectFrame;
  'user:joined': MembershipFrame;
  'user:left': MembershipFrame;
  joined: JoinedFrame;
  left: LeftFrame;
  /** A resume the room could not serve (`recovered:false`): reload the room from your own backend. */
  reset: JoinedFrame;
  /** Channel publications and business notifications: any frame type the protocol does not define. */
  event: EventFrame;
  /** Acknowledged notifications another device of the user acked: hide them here too. */
  dismissed: DismissedFrame;
  /** The edge is going away; the client reconnects after `retryAfterMs`. */
  reconnect: ReconnectFrame;
  /** An `error` frame (the connection stays open), or a client-side problem (e.g. an unreadable frame). */
  error: ErrorFrame | Error;
  closed: CloseInfo;
}

/** An `error` frame that answered one of this client's requests. */
export class GatewayError extends Error {
  constructor(readonly frame: ErrorFrame) {
    super(`${frame.code}: ${frame.message}`);
    this.name = 'GatewayError';
  }
}

interface Pending {
  resolve(frame: ServerFrame): void;
  reject(error: Error): void;
  timer: unknown;
}

/**
 * A client of protocol v1: authenticates, keeps the session's rooms and channels across
 * reconnects (resuming each room from the last seq it saw), refreshes its token before expiry,
 * and hands the application de-duplicated, ordered, typed events.
 */
export class GatewayClient extends TypedEmitter<GatewayEvents> {
  private readonly urls: string[];
  private readonly codec: Codec;
  private readonly WebSocketImpl: WebSocketConstructor;
  private readonly backoff: Backoff;
  private readonly timers: Timers;
  private readonly now: () => number;
  private readonly recent: RecentIds;
  private readonly rooms = new Map<string, RoomSequencer>();
  /** Rooms joined on this connection with `since`: their `joined` answers a resume. */
  private readonly resuming = new Set<string>();
  /** The id of each room's last `join`, to tell which room an `error` refused. */
  private readonly joinRefs = new Map<string, string>();
  private readonly channels = new Set<string>();
  private readonly pending = new Map<string, Pending>();
  /** Callers waiting for a room's `joined` (`room:R`) or a channel's `subscribed` (`channel:X`), across reconnects. */
  private readonly keyWaiters = new Map<string, Pending[]>();
  private readonly subscribeRefs = new Map<string, string>();
  private readonly queue: ClientFrame[] = [];
  private readonly positions: Map<string, RoomPosition>;

  private socket: WebSocketLike | undefined;
  private urlIndex = 0;
  private token: string | undefined;
  private wanted = false;
  private authenticatedOnce = false;
  private retryAfterMs: number | undefined;
  private reconnectTimer: unknown;
  private refreshTimer: unknown;
  private nextId = 0;
  private stateValue: ConnectionState = 'idle';
  private firstAuth: { resolve(frame: AuthOkFrame): void; reject(error: Error): void } | undefined;
  private userIdValue: string | undefined;
  private refreshRef: { id: string; expiresAt: number } | undefined;
  private connectTimer: unknown;

  constructor(private readonly options: GatewayClientOptions) {
    super();
    this.urls = Array.isArray(options.url) ? [...options.url] : [options.url];
    if (this.urls.length === 0 || this.urls.some((u) => !/^wss?:\/\//.test(u))) {
      throw new TypeError(`url must be one or more ws:// or wss:// addresses, got ${JSON.stringify(options.url)}`);
    }

    if (options.token === undefined && options.tokenProvider === undefined) {
      throw new TypeError('give a token or a tokenProvider');
    }

    this.codec = codecFor(options.encoding ?? 'json');
    const impl = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (impl === undefined) {
      throw new TypeError("no global WebSocket here: pass one, e.g. WebSocket from the 'ws' package");
    }

    this.WebSocketImpl = impl;
    this.backoff = new Backoff({ ...defaultBackoff, ...options.backoff }, options.random);
    this.timers = options.timers ?? systemTimers;
    this.now = options.now ?? Date.now;
    this.recent = new RecentIds(options.dedupeCapacity ?? 10_000);
    this.token = options.token;
    this.positions = new Map(Object.entries(options.positions ?? {}));
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** The user id the edge took from the token (`auth:ok`), once authenticated. */
  get userId(): string | undefined {
    return this.userIdValue;
  }

  /** The subprotocol in use (empty for JSON offered as the default). */
  get encoding(): EncodingName {
    return this.codec.name;
  }

  /** Each room's last seq and epoch: save them to resume after a page reload (option `positions`). */
  get roomPositions(): Record<string, RoomPosition> {
    const out: Record<string, RoomPosition> = {};
    for (const [roomId, room] of this.rooms) {
      const position = room.position;
      if (position !== undefined) {
        out[roomId] = position;
      }
    }

    return out;
  }

  /** Connects and authenticates; resolves with the first `auth:ok`, rejects if the client gives up first. */
  connect(): Promise<AuthOkFrame> {
    if (this.wanted) {
      return Promise.reject(new Error('connect() was already called; close() first'));
    }

    this.wanted = true;
    const first = new Promise<AuthOkFrame>((resolve, reject) => {
      this.firstAuth = { resolve, reject };
    });
    void this.open('connect');
    return first;
  }

  /** Closes for good: no reconnect; rooms and channels are forgotten. */
  close(): void {
    this.wanted = false;
    this.clearTimers();
    const socket = this.socket;
    this.socket = undefined;
    if (socket !== undefined) {
      this.detach(socket);
      try {
        socket.close(CloseCodes.Normal, 'client closed');
      } catch {
        // Already closing.
      }
    }

    this.failPending(new Error('client closed'));
    for (const room of this.rooms.values()) {
      room.dispose();
    }

    this.rooms.clear();
    this.channels.clear();
    this.queue.length = 0;
    this.setState('closed');
    this.emit('closed', { code: CloseCodes.Normal, reason: 'client closed', willReconnect: false });
    this.firstAuth?.reject(new Error('client closed'));
    this.firstAuth = undefined;
  }

  /**
   * Joins a room (again after each reconnect, resuming from the last seq seen). Resolves with the
   * room's `joined`; rejects with a GatewayError when the edge refuses (e.g. `forbidden`).
   */
  join(roomId: string): Promise<JoinedFrame> {
    requireText('roomId', roomId);
    const answer = this.waitFor(`room:${roomId}`, `no 'joined' for room '${roomId}'`) as Promise<JoinedFrame>;
    if (!this.rooms.has(roomId)) {
      this.rooms.set(roomId, this.newRoom(roomId));
    }

    if (this.stateValue === 'open') {
      this.sendJoin(roomId);
    }

    return answer;
  }

  /** Leaves a room; its position is forgotten. */
  async leave(roomId: string): Promise<LeftFrame | undefined> {
    const room = this.rooms.get(roomId);
    this.rooms.delete(roomId);
    this.positions.delete(roomId);
    room?.dispose();
    if (this.stateValue !== 'open') {
      return undefined;
    }

    return (await this.request({ type: 'leave', roomId, id: this.newId() })) as LeftFrame;
  }

  /**
   * Sends a room message; returns its `id`. The id makes a resend idempotent (the room stores it
   * once), so frames queued while disconnected are sent after the reconnect without doubling.
   */
  send(roomId: string, content: Json, id: string = this.newId()): string {
    requireText('roomId', roomId);
    this.rooms.get(roomId)?.sentOne();
    this.sendOrQueue({ type: 'message', roomId, content, id });
    return id;
  }

  direct(to: string, content: Json, id: string = this.newId()): string {
    requireText('to', to);
    this.sendOrQueue({ type: 'direct', to, content, id });
    return id;
  }

  /** Subscribes to a channel (again after each reconnect); resolves with `subscribed`. */
  subscribe(channel: string): Promise<SubscribedFrame> {
    requireText('channel', channel);
    const answer = this.waitFor(`channel:${channel}`, `no 'subscribed' for channel '${channel}'`) as Promise<SubscribedFrame>;
    this.channels.add(channel);
    if (this.stateValue === 'open') {
      this.sendSubscribe(channel);
    }

    return answer;
  }

  async unsubscribe(channel: string): Promise<SubscribedFrame | undefined> {
    this.channels.delete(channel);
    if (this.stateValue !== 'open') {
      return undefined;
    }

    return (await this.request({ type: 'unsubscribe', channel, id: this.newId() })) as SubscribedFrame;
  }

  /** The room's last messages, oldest first (`before`: only those with a lower seq). */
  history(roomId: string, options: { limit?: number; before?: number } = {}): Promise<HistoryFrame> {
    return this.request({ type: 'history', roomId, ...options, id: this.newId() }) as Promise<HistoryFrame>;
  }

  /** Acknowledges notifications that arrived with `ack: true`; the user's other devices get `dismissed`. */
  ack(ids: string[]): void {
    if (ids.length === 0) {
      return;
    }

    this.sendOrQueue({ type: 'ack', ids: [...ids], id: this.newId() });
  }

  ping(): Promise<PongFrame> {
    return this.request({ type: 'ping', id: this.newId() }) as Promise<PongFrame>;
  }

  // ---- connection lifecycle ----

  private async open(reason: TokenRequestReason, freshToken?: string): Promise<void> {
    this.setState(this.authenticatedOnce ? 'reconnecting' : 'connecting');
    let token: string;
    try {
      token = freshToken ?? (await this.obtainToken(reason));
    } catch (error) {
      this.emit('error', asError(error));
      this.scheduleReconnect(this.backoff.next(), 'connect');
      return;
    }

    if (!this.wanted) {
      return;
    }

    const url = this.urls[this.urlIndex % this.urls.length]!;
    let socket: WebSocketLike;
    try {
      socket = this.codec.name === 'json' ? new this.WebSocketImpl(url) : new this.WebSocketImpl(url, [this.codec.subprotocol]);
    } catch (error) {
      this.emit('error', asError(error));
      this.advanceUrl();
      this.scheduleReconnect(this.backoff.next(), 'connect');
      return;
    }

    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    // A socket that neither opens nor fails (a black-holed address) would stall the session.
    const connectTimeout = this.options.connectTimeoutMs ?? 15_000;
    this.connectTimer = this.timers.setTimeout(() => {
      this.connectTimer = undefined;
      if (this.socket === socket && this.stateValue !== 'open') {
        try {
          socket.close();
        } catch {
          // Not open yet: the close below stands for it.
        }

        this.onClose(socket, 1006, `no auth:ok within ${connectTimeout} ms`);
      }
    }, connectTimeout);
    socket.onopen = () => this.onOpen(socket, token);
    socket.onmessage = (event) => this.onData(socket, event.data);
    socket.onclose = (event) => this.onClose(socket, event.code, event.reason);
    // Browsers say nothing useful here; the close that follows carries the code.
    socket.onerror = () => undefined;
  }

  private async obtainToken(reason: TokenRequestReason): Promise<string> {
    if (this.options.tokenProvider === undefined) {
      return this.token!;
    }

    const token = await this.options.tokenProvider({ reason, current: this.token });
    if (typeof token !== 'string' || token.length === 0) {
      throw new TypeError('tokenProvider returned no token');
    }

    this.token = token;
    return token;
  }

  private onOpen(socket: WebSocketLike, token: string): void {
    if (this.codec.name !== 'json' && socket.protocol !== this.codec.subprotocol) {
      // An edge that does not speak the encoding would read our binary frames as garbage.
      this.giveUp(new Error(`the edge did not accept ${this.codec.subprotocol} (it chose '${socket.protocol}')`));
      return;
    }

    this.setState('authenticating');
    this.write(socket, { type: 'auth', token });
  }

  private onData(socket: WebSocketLike, data: unknown): void {
    if (socket !== this.socket) {
      return;
    }

    let frame: ServerFrame;
    try {
      frame = this.codec.decodeServer(toWire(data));
    } catch (error) {
      this.emit('error', error instanceof FrameDecodeError ? error : asError(error));
      return;
    }

    // Every server frame has a unique id: a repeat is a redelivery (or an inbox item that also came live).
    if (typeof frame.id === 'string' && !this.recent.add(frame.id)) {
      return;
    }

    this.handle(socket, frame);
  }

  private handle(socket: WebSocketLike, frame: ServerFrame): void {
    const ref = (frame as { ref?: string }).ref;
    switch (frame.type) {
      case 'auth:ok':
        this.onAuthOk(socket, frame as AuthOkFrame);
        return;
      case 'auth:fail':
        // The close 4001 that follows decides what happens next.
        return;
      case 'error': {
        const error = frame as ErrorFrame;
        if (ref !== undefined && ref === this.refreshRef?.id) {
          const { expiresAt } = this.refreshRef;
          this.refreshRef = undefined;
          this.emit('error', error);
          this.retryRefresh(this.socket, expiresAt);
          return;
        }

        if (ref !== undefined && this.settleWithError(ref, error)) {
          return;
        }

        this.emit('error', error);
        return;
      }
      case 'reconnect':
        this.retryAfterMs = (frame as ReconnectFrame).retryAfterMs;
        this.emit('reconnect', frame as ReconnectFrame);
        return;
      case 'joined':
        this.onJoined(frame as JoinedFrame);
        return;
      case 'message':
        if (typeof (frame as RoomMessageFrame).roomId === 'string') {
          const room = this.rooms.get((frame as RoomMessageFrame).roomId);
          if (room !== undefined) {
            room.receive(frame as RoomMessageFrame);
            return;
          }

          this.emit('message', frame as RoomMessageFrame);
          return;
        }

        break;
      case 'user:joined':
      case 'user:left':
        this.emit(frame.type, frame as MembershipFrame);
        return;
      case 'direct':
        this.emit('direct', frame as DirectFrame);
        return;
      case 'dismissed':
        this.emit('dismissed', frame as DismissedFrame);
        return;
      case 'subscribed':
        if (ref !== undefined && this.subscribeRefs.get((frame as SubscribedFrame).channel) === ref) {
          this.subscribeRefs.delete((frame as SubscribedFrame).channel);
          this.settleKey(`channel:${(frame as SubscribedFrame).channel}`, frame);
          return;
        }

        break;
    }

    if (ref !== undefined && this.settle(ref, frame)) {
      if (frame.type === 'left') {
        this.emit('left', frame as LeftFrame);
      }

      return;
    }

    if (KnownServerTypes.has(frame.type)) {
      if (frame.type === 'left') {
        this.emit('left', frame as LeftFrame);
      }

      return;
    }

    this.emit('event', frame as EventFrame);
  }

  private onAuthOk(socket: WebSocketLike, frame: AuthOkFrame): void {
    const first = this.stateValue === 'authenticating';
    this.refreshRef = undefined;
    this.userIdValue = frame.userId;
    this.scheduleRefresh(frame.tokenExpiresAt ?? (this.token ? jwtExpiresAt(this.token) : undefined));
    if (first) {
      this.clearConnectTimer();
      this.authenticatedOnce = true;
      this.backoff.reset();
      this.retryAfterMs = undefined;
      this.setState('open');
      // Rooms and channels of the session first, then what was queued: the edge handles a
      // connection's frames in order, so queued messages reach rooms this connection is in.
      for (const roomId of this.rooms.keys()) {
        this.sendJoin(roomId);
      }

      for (const channel of this.channels) {
        this.sendSubscribe(channel);
      }

      for (const queued of this.queue.splice(0)) {
        this.write(socket, queued);
      }
    }

    this.emit('authenticated', frame);
    if (first) {
      this.firstAuth?.resolve(frame);
      this.firstAuth = undefined;
    }
  }

  private onJoined(frame: JoinedFrame): void {
    const room = this.rooms.get(frame.roomId);
    const resumed = this.resuming.delete(frame.roomId);
    if (room !== undefined && room.joined(frame, resumed)) {
      this.emit('reset', frame);
    }

    this.emit('joined', frame);
    this.joinRefs.delete(frame.roomId);
    this.settleKey(`room:${frame.roomId}`, frame);
  }

  private onClose(socket: WebSocketLike, code: number, reason: string): void {
    if (socket !== this.socket) {
      return;
    }

    this.detach(socket);
    this.socket = undefined;
    this.clearRefresh();
    this.clearConnectTimer();
    this.resuming.clear();
    this.failPending(new Error(`connection closed (${code}${reason ? `: ${reason}` : ''})`), false);
    if (!this.wanted) {
      return;
    }

    // A closed connection may be a dead edge: the next attempt goes to the next address.
    this.advanceUrl();
    switch (code) {
      case CloseCodes.AuthFailed:
      case CloseCodes.TokenExpired:
        if (this.options.tokenProvider === undefined) {
          this.giveUp(new Error(`the edge refused the token (${code} ${reason}); a fixed token cannot be renewed`), code, reason);
          return;
        }

        this.closedWillRetry(code, reason, this.backoff.next(), 'rejected');
        return;
      case CloseCodes.TooManyConnections:
        this.giveUp(new Error(`the user holds too many connections on this edge (${code}); close one before connecting again`), code, reason);
        return;
      default: {
        const delay = this.retryAfterMs !== undefined ? this.backoff.after(this.retryAfterMs) : this.backoff.next();
        this.retryAfterMs = undefined;
        this.closedWillRetry(code, reason, delay, 'connect');
      }
    }
  }

  private closedWillRetry(code: number, reason: string, delay: number, tokenReason: TokenRequestReason): void {
    this.emit('closed', { code, reason, willReconnect: true, retryInMs: delay });
    this.scheduleReconnect(delay, tokenReason);
  }

  private scheduleReconnect(delay: number, reason: TokenRequestReason): void {
    if (!this.wanted) {
      return;
    }

    this.setState('reconnecting');
    this.reconnectTimer = this.timers.setTimeout(() => {
      this.reconnectTimer = undefined;
      if (reason === 'rejected') {
        void this.reopenWithFreshToken();
      } else {
        void this.open(reason);
      }
    }, delay);
  }

  // 4001/4003: only a token other than the refused one is worth a new connection.
  private async reopenWithFreshToken(): Promise<void> {
    const refused = this.token;
    let fresh: string;
    try {
      fresh = await this.obtainToken('rejected');
    } catch (error) {
      this.emit('error', asError(error));
      this.scheduleReconnect(this.backoff.next(), 'rejected');
      return;
    }

    if (fresh === refused) {
      this.giveUp(new Error('the edge refused the token and the provider returned the same one'));
      return;
    }

    await this.open('connect', fresh);
  }

  private giveUp(error: Error, code: number = CloseCodes.Normal, reason = error.message): void {
    this.wanted = false;
    this.clearTimers();
    const socket = this.socket;
    this.socket = undefined;
    if (socket !== undefined) {
      this.detach(socket);
      try {
        socket.close(CloseCodes.Normal, 'client gave up');
      } catch {
        // Already closing.
      }
    }

    this.failPending(error);
    this.setState('closed');
    this.emit('error', error);
    this.emit('closed', { code, reason, willReconnect: false });
    this.firstAuth?.reject(error);
    this.firstAuth = undefined;
  }

  // ---- token refresh ----

  private scheduleRefresh(expiresAt: number | undefined): void {
    this.clearRefresh();
    if (expiresAt === undefined || this.options.tokenProvider === undefined) {
      return;
    }

    const delay = refreshDelay(expiresAt, this.now(), this.options.refreshLeadMs ?? 60_000);
    this.refreshTimer = this.timers.setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refresh(expiresAt);
    }, delay);
  }

  private async refresh(expiresAt: number): Promise<void> {
    const socket = this.socket;
    let token: string;
    try {
      token = await this.obtainToken('refresh');
    } catch (error) {
      this.emit('error', asError(error));
      this.retryRefresh(socket, expiresAt);
      return;
    }

    if (socket === undefined || socket !== this.socket || this.stateValue !== 'open') {
      return;
    }

    // The edge answers with an auth:ok carrying the new expiry (no `ref`), which schedules the
    // next refresh; a refused token gets an error frame with this id as `ref`.
    const id = this.newId();
    this.refreshRef = { id, expiresAt };
    this.write(socket, { type: 'auth', token, id });
  }

  /** Again halfway to the expiry; past it the edge closes with 4003 and the reconnect asks anew. */
  private retryRefresh(socket: WebSocketLike | undefined, expiresAt: number): void {
    if (this.socket === socket && expiresAt > this.now()) {
      this.refreshTimer = this.timers.setTimeout(() => {
        this.refreshTimer = undefined;
        void this.refresh(expiresAt);
      }, Math.max(1000, (expiresAt - this.now()) / 2));
    }
  }

  // ---- frames out ----

  private sendJoin(roomId: string): void {
    const room = this.rooms.get(roomId);
    const since = room?.position;
    const frame: ClientFrame = since !== undefined ? { type: 'join', roomId, since, id: this.newId() } : { type: 'join', roomId, id: this.newId() };
    if (since !== undefined) {
      this.resuming.add(roomId);
    }

    this.joinRefs.set(roomId, frame.id!);

    this.write(this.socket!, frame);
  }

  private sendSubscribe(channel: string): void {
    const id = this.newId();
    this.subscribeRefs.set(channel, id);
    this.write(this.socket!, { type: 'subscribe', channel, id });
  }

  private sendOrQueue(frame: ClientFrame): void {
    if (this.stateValue === 'open' && this.socket !== undefined) {
      this.write(this.socket, frame);
      return;
    }

    if (this.queue.length >= (this.options.maxQueuedFrames ?? 1000)) {
      throw new Error(`not connected and ${this.queue.length} frames are queued already`);
    }

    this.queue.push(frame);
  }

  private request(frame: ClientFrame & { id: string }): Promise<ServerFrame> {
    if (this.stateValue !== 'open' || this.socket === undefined) {
      return Promise.reject(new Error(`not connected (state ${this.stateValue}); '${frame.type}' was not sent`));
    }

    const answer = new Promise<ServerFrame>((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        this.pending.delete(frame.id);
        reject(new Error(`no answer to '${frame.type}' within ${this.requestTimeout} ms`));
      }, this.requestTimeout);
      this.pending.set(frame.id, { resolve, reject, timer });
    });
    this.write(this.socket, frame);
    return answer;
  }

  private waitFor(key: string, what: string): Promise<ServerFrame> {
    return new Promise<ServerFrame>((resolve, reject) => {
      const waiter: Pending = { resolve, reject, timer: undefined };
      waiter.timer = this.timers.setTimeout(() => {
        const list = this.keyWaiters.get(key);
        list?.splice(list.indexOf(waiter), 1);
        reject(new Error(`${what} within ${this.requestTimeout} ms`));
      }, this.requestTimeout);
      const list = this.keyWaiters.get(key) ?? [];
      list.push(waiter);
      this.keyWaiters.set(key, list);
    });
  }

  private settleKey(key: string, frame: ServerFrame | undefined, error?: Error): boolean {
    const waiters = this.keyWaiters.get(key);
    this.keyWaiters.delete(key);
    for (const waiter of waiters ?? []) {
      this.timers.clearTimeout(waiter.timer);
      if (error !== undefined) {
        waiter.reject(error);
      } else {
        waiter.resolve(frame!);
      }
    }

    return waiters !== undefined || error !== undefined;
  }

  private write(socket: WebSocketLike, frame: ClientFrame): void {
    const data: WireData = this.codec.encodeClient(frame);
    socket.send(data);
  }

  private settle(ref: string, frame: ServerFrame): boolean {
    const pending = this.pending.get(ref);
    if (pending === undefined) {
      return false;
    }

    this.pending.delete(ref);
    this.timers.clearTimeout(pending.timer);
    pending.resolve(frame);
    return true;
  }

  private settleWithError(ref: string, error: ErrorFrame): boolean {
    const pending = this.pending.get(ref);
    if (pending !== undefined) {
      this.pending.delete(ref);
      this.timers.clearTimeout(pending.timer);
      pending.reject(new GatewayError(error));
      return true;
    }

    // A refused join: the room is not the session's any more.
    for (const [roomId, room] of this.rooms) {
      if (this.joinRefs.get(roomId) === ref) {
        room.dispose();
        this.rooms.delete(roomId);
        this.joinRefs.delete(roomId);
        return this.settleKey(`room:${roomId}`, undefined, new GatewayError(error));
      }
    }

    for (const [channel, id] of this.subscribeRefs) {
      if (id === ref) {
        this.channels.delete(channel);
        this.subscribeRefs.delete(channel);
        return this.settleKey(`channel:${channel}`, undefined, new GatewayError(error));
      }
    }

    return false;
  }

  private failPending(error: Error, includingRooms = true): void {
    for (const pending of this.pending.values()) {
      this.timers.clearTimeout(pending.timer);
      pending.reject(error);
    }

    this.pending.clear();
    if (includingRooms) {
      for (const waiters of this.keyWaiters.values()) {
        for (const waiter of waiters) {
          this.timers.clearTimeout(waiter.timer);
          waiter.reject(error);
        }
      }

      this.keyWaiters.clear();
    }
  }

  // ---- helpers ----

  private newRoom(roomId: string): RoomSequencer {
    return new RoomSequencer(
      roomId,
      (message) => this.emit('message', message),
      this.options.reorderWindowMs ?? 250,
      this.timers,
      this.positions.get(roomId),
    );
  }

  private get requestTimeout(): number {
    return this.options.requestTimeoutMs ?? 10_000;
  }

  private newId(): string {
    const random = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto?.randomUUID;
    return random !== undefined ? random.call((globalThis as { crypto: object }).crypto) : `c${this.now().toString(36)}-${(this.nextId++).toString(36)}`;
  }

  private advanceUrl(): void {
    this.urlIndex = (this.urlIndex + 1) % this.urls.length;
  }

  private setState(state: ConnectionState): void {
    if (this.stateValue !== state) {
      this.stateValue = state;
      this.emit('state', state);
    }
  }

  private detach(socket: WebSocketLike): void {
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    socket.onerror = null;
  }

  private clearRefresh(): void {
    this.refreshRef = undefined;
    if (this.refreshTimer !== undefined) {
      this.timers.clearTimeout(this.refreshTimer);
      this.refreshTimer = undefined;
    }
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== undefined) {
      this.timers.clearTimeout(this.connectTimer);
      this.connectTimer = undefined;
    }
  }

  private clearTimers(): void {
    this.clearRefresh();
    this.clearConnectTimer();
    if (this.reconnectTimer !== undefined) {
      this.timers.clearTimeout(this.reconnectTimer);
      this.reconnectTimer = undefined;
    }
  }
}

function requireText(name: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`${name} must be a non-empty string`);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function toWire(data: unknown): WireData {
  if (typeof data === 'string') {
    return data;
  }

  if (data instanceof ArrayBuffer) {
    return new Uint8Array(data);
  }

  if (ArrayBuffer.isView(data)) {
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }

  throw new FrameDecodeError('json', `a frame of type ${typeof data}`);
}
