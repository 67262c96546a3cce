// The demo page: log in with the edge's Development token endpoint, join a room, chat, see who
// is there and send direct messages, over the encoding picked in the form. Everything goes
// through GatewayClient (src/), as an application would use it.
import { GatewayClient, type EncodingName, type Json } from '../src/index.js';

/**
 * Who is in the room: the protocol tells members about later joins and leaves (`user:joined`,
 * `user:left`), not who was there before. So each member answers a newcomer's `user:joined` with
 * a direct message `{demo: 'here', roomId}`, which this page shows in the list, not in the log.
 */
interface HereNotice {
  demo: 'here';
  roomId: string;
}

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = byId<HTMLParagraphElement>('status');
const log = byId<HTMLOListElement>('log');
const directs = byId<HTMLOListElement>('directs');
const memberList = byId<HTMLUListElement>('members');
const members = new Set<string>();
let client: GatewayClient | undefined;
let roomId = '';

function isHereNotice(content: Json, room: string): content is Json & HereNotice {
  return typeof content === 'object' && content !== null && !Array.isArray(content)
    && (content as Record<string, Json>).demo === 'here' && (content as Record<string, Json>).roomId === room;
}

function text(content: Json): string {
  return typeof content === 'string' ? content : JSON.stringify(content);
}

function append(list: HTMLElement, from: string | undefined, body: string, kind: 'mine' | 'theirs' | 'system'): void {
  const item = document.createElement('li');
  item.className = kind;
  if (from !== undefined) {
    const who = document.createElement('span');
    who.className = 'from';
    who.textContent = from;
    item.append(who);
  }

  item.append(body);
  list.append(item);
  list.scrollTop = list.scrollHeight;
}

function renderMembers(): void {
  memberList.replaceChildren(...[...members].sort().map((user) => {
    const item = document.createElement('li');
    item.textContent = user === client?.userId ? `${user} (you)` : user;
    item.dataset.user = user;
    return item;
  }));
}

function setStatus(state: string, message: string): void {
  status.dataset.state = state;
  status.textContent = message;
}

async function devToken(user: string): Promise<string> {
  const response = await fetch(`/dev/token?user=${encodeURIComponent(user)}`);
  if (!response.ok) {
    throw new Error(`/dev/token answered ${response.status}: ${await response.text()}`);
  }

  return ((await response.json()) as { token: string }).token;
}

async function start(user: string, room: string, encoding: EncodingName): Promise<void> {
  client?.close();
  members.clear();
  log.replaceChildren();
  directs.replaceChildren();
  roomId = room;
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  const c = new GatewayClient({ url, encoding, tokenProvider: () => devToken(user) });
  client = c;
  c.on('state', (state) => {
    if (state !== 'open') {
      setStatus(state, state);
    }
  });
  c.on('message', (frame) => {
    if (frame.roomId === roomId) {
      append(log, frame.from, text(frame.content), 'theirs');
    }
  });
  c.on('user:joined', (frame) => {
    if (frame.roomId !== roomId || frame.userId === c.userId) {
      return;
    }

    members.add(frame.userId);
    renderMembers();
    append(log, undefined, `${frame.userId} joined`, 'system');
    c.direct(frame.userId, { demo: 'here', roomId } satisfies HereNotice as unknown as Json);
  });
  c.on('user:left', (frame) => {
    if (frame.roomId === roomId && frame.userId !== c.userId) {
      members.delete(frame.userId);
      renderMembers();
      append(log, undefined, `${frame.userId} left`, 'system');
    }
  });
  c.on('direct', (frame) => {
    if (isHereNotice(frame.content, roomId)) {
      members.add(frame.from);
      renderMembers();
      return;
    }

    append(directs, `${frame.from} → you`, text(frame.content), 'theirs');
  });
  c.on('error', (error) => append(log, undefined, `error: ${error instanceof Error ? error.message : `${error.code}: ${error.message}`}`, 'system'));
  c.on('closed', (info) => setStatus('closed', `closed (${info.code}${info.reason ? `: ${info.reason}` : ''})${info.willReconnect ? `, reconnecting in ${info.retryInMs} ms` : ''}`));

  setStatus('connecting', 'connecting…');
  const ok = await c.connect();
  await c.join(roomId);
  members.add(ok.userId);
  renderMembers();
  byId('room-name').textContent = roomId;
  byId('session').hidden = false;
  setStatus('open', `connected as ${ok.userId} · ${c.encoding} (${encodingLabel(c.encoding)})`);
  status.dataset.encoding = c.encoding;
}

function encodingLabel(encoding: EncodingName): string {
  return encoding === 'json' ? 'text frames' : 'binary frames';
}

byId<HTMLFormElement>('login').addEventListener('submit', (event) => {
  event.preventDefault();
  const user = byId<HTMLInputElement>('user').value.trim();
  const room = byId<HTMLInputElement>('room').value.trim();
  const encoding = byId<HTMLSelectElement>('encoding').value as EncodingName;
  start(user, room, encoding).catch((error: unknown) => setStatus('failed', `failed: ${error instanceof Error ? error.message : String(error)}`));
});

byId<HTMLFormElement>('say').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = byId<HTMLInputElement>('message');
  if (client === undefined || input.value === '') {
    return;
  }

  client.send(roomId, input.value);
  append(log, client.userId, input.value, 'mine');
  input.value = '';
});

byId<HTMLFormElement>('dm').addEventListener('submit', (event) => {
  event.preventDefault();
  const to = byId<HTMLInputElement>('dm-to');
  const body = byId<HTMLInputElement>('dm-text');
  if (client === undefined || to.value === '' || body.value === '') {
    return;
  }

  client.direct(to.value.trim(), body.value);
  append(directs, `you → ${to.value.trim()}`, body.value, 'mine');
  body.value = '';
});

byId<HTMLButtonElement>('leave').addEventListener('click', () => {
  client?.close();
  client = undefined;
  byId('session').hidden = true;
  setStatus('idle', 'not connected');
});

// A link such as /?user=alice&room=lobby&encoding=cbor fills the form.
const query = new URLSearchParams(location.search);
for (const field of ['user', 'room', 'encoding']) {
  const value = query.get(field);
  if (value !== null) {
    byId<HTMLInputElement>(field).value = value;
  }
}
