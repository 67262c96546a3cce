// The ops page: reads the edge's /ops/data every second (Development only; see
// services/edge/Pages) and shows it. Rates are the change of the edge's totals between two reads.

interface OpsData {
  edgeId: string;
  at: number;
  edges: { edgeId: string; expiresAt?: number; leaseGeneration: number; self: boolean }[];
  edgesError: string | null;
  connections: { total: number; byState: Record<string, number> };
  users: number;
  rooms: { roomId: string; connections: number; members: string[] }[];
  totals: Record<string, number>;
  latency: { count: number; meanMs: number | null; p50Ms: number | string | null; p99Ms: number | string | null };
  deadLetters: { topic: string; id: string; receivedAt: string; reason: string | null; data: string }[];
}

const byId = (id: string) => document.getElementById(id) as HTMLElement;
let previous: OpsData | undefined;

function row(...cells: (string | number)[]): HTMLTableRowElement {
  const tr = document.createElement('tr');
  for (const cell of cells) {
    const td = document.createElement('td');
    td.textContent = String(cell);
    tr.append(td);
  }

  return tr;
}

function total(data: OpsData, key: string): number {
  return data.totals[key] ?? 0;
}

function rate(now: OpsData, ...keys: string[]): string {
  const before = previous;
  if (before === undefined || now.at <= before.at) {
    return '–';
  }

  const change = keys.reduce((sum, key) => sum + total(now, key) - total(before, key), 0);
  return (change / ((now.at - before.at) / 1000)).toFixed(1);
}

function ms(value: number | string | null): string {
  return value === null ? '–' : typeof value === 'string' ? `${value} ms` : `≤ ${value} ms`;
}

// Frames the edge did not send to a client that reads too slowly (dropped or coalesced under
// backpressure, or a full queue), and connections closed for it (1013).
function slowDrops(data: OpsData): number {
  return Object.entries(data.totals)
    .filter(([key]) => key.startsWith('frames.dropped:') && key !== 'frames.dropped:Replayed' || key === 'connections.closed:1013')
    .reduce((sum, [, value]) => sum + value, 0);
}

function render(data: OpsData): void {
  byId('edge-id').textContent = data.edgeId;
  byId('updated').textContent = `updated ${new Date(data.at).toLocaleTimeString()}`;
  const error = byId('error');
  error.hidden = data.edgesError === null;
  error.textContent = data.edgesError ?? '';

  byId('connections-total').textContent = String(data.connections.total);
  // Room and direct messages from clients; frames handed to recipients by deliveries (room
  // messages, directs, notifications: the sum of the fan-out).
  byId('rate-in').textContent = rate(data, 'frames.received:message', 'frames.received:direct');
  byId('rate-out').textContent = rate(data, 'delivery.fanout');
  byId('frames-rate').textContent = `${rate(data, 'frames.received')} in, ${rate(data, 'frames.sent')} out`;
  byId('latency-p50').textContent = ms(data.latency.p50Ms);
  byId('latency-p99').textContent = ms(data.latency.p99Ms);
  byId('slow-drops').textContent = String(slowDrops(data));

  byId('edges').replaceChildren(...data.edges.map((edge) => {
    const tr = row(edge.self ? `${edge.edgeId} (this edge)` : edge.edgeId, edge.expiresAt === undefined ? '–' : `${Math.max(0, (edge.expiresAt - data.at) / 1000).toFixed(0)} s`, edge.leaseGeneration);
    tr.dataset.edge = edge.edgeId;
    return tr;
  }));
  byId('states').replaceChildren(...Object.entries(data.connections.byState).map(([state, count]) => {
    const tr = row(state, count);
    tr.dataset.state = state;
    tr.dataset.count = String(count);
    return tr;
  }));
  byId('totals').replaceChildren(...Object.entries(data.totals)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => row(key, value)));
  byId('rooms').replaceChildren(...data.rooms.map((room) => {
    const tr = row(room.roomId, room.connections, room.members.join(', '));
    tr.dataset.room = room.roomId;
    return tr;
  }));
  byId('dead-letters').replaceChildren(...data.deadLetters.map((letter) => {
    const tr = row(new Date(letter.receivedAt).toLocaleTimeString(), letter.topic, letter.reason ?? '–', letter.data);
    tr.lastElementChild!.className = 'data';
    return tr;
  }));
  if (data.deadLetters.length === 0) {
    byId('dead-letters').replaceChildren(row('none since this edge started', '', '', ''));
  }

  document.body.dataset.loaded = 'true';
  previous = data;
}

async function poll(): Promise<void> {
  try {
    const response = await fetch('/ops/data', { cache: 'no-store' });
    if (!response.ok) {
      throw new Error(`/ops/data answered ${response.status}`);
    }

    render((await response.json()) as OpsData);
  } catch (error) {
    const box = byId('error');
    box.hidden = false;
    box.textContent = error instanceof Error ? error.message : String(error);
  }
}

void poll();
setInterval(() => void poll(), 1000);
