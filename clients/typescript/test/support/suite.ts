import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// services/suite's EmbeddedSuite.DevelopmentSigningKey, also the launcher's default: tests mint
// tokens with it to choose their lifetime (the edge's /dev/token gives one hour).
export const devSigningKey = 'development-only-signing-key-change-me-0123456789';
const descriptionPrefix = 'suite-description: ';

export interface EdgeInfo {
  appId: string;
  webSocket: string;
  http: string;
  pid: number;
}

export interface SuiteInfo {
  edges: EdgeInfo[];
  daprHttp: string;
}

export function repositoryRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'Suite.sln'))) {
      return dir;
    }
  }

  throw new Error('Suite.sln not found above the tests');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** An HS256 JWT the edge accepts with the development key, valid for `lifetimeSeconds`. */
export function devToken(userId: string, lifetimeSeconds: number, key = devSigningKey): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ sub: userId, iat: now, nbf: now, exp: now + lifetimeSeconds })}`;
  return `${unsigned}.${createHmac('sha256', key).update(unsigned).digest('base64url')}`;
}

/**
 * The suite as a child process (services/suite or services/launcher, Release build), ready once it
 * printed its `suite-description:` line; `stop` ends it and every process it started.
 */
export class SuiteProcess {
  private readonly output: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly info: SuiteInfo,
  ) {}

  /** The embedded suite: one process, in-memory components, one edge. `env` reaches every service. */
  static async embedded(env: Record<string, string> = {}): Promise<SuiteProcess> {
    const port = await freePort();
    return SuiteProcess.start('services/suite/bin/Release/net10.0/Suite.Embedded.dll', ['--port', String(port), '--describe-json'], env, 90_000);
  }

  /** The launcher over real Redis (started by it on a free port): separate processes, `edges` edges; `settings` reach every service. */
  static async launcher(edges: number, settings: Record<string, string> = {}): Promise<SuiteProcess> {
    return SuiteProcess.start(
      'services/launcher/bin/Release/net10.0/Suite.Launcher.dll',
      [
        '--components', 'components/redis', '--edges', String(edges), '--start-brokers', '--configuration', 'Release',
        ...Object.entries(settings).flatMap(([key, value]) => ['--setting', `${key}=${value}`]),
      ],
      {},
      240_000,
    );
  }

  private static async start(dll: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<SuiteProcess> {
    const root = repositoryRoot();
    if (!existsSync(join(root, dll))) {
      throw new Error(`${dll} is not built (dotnet build Suite.sln -c Release)`);
    }

    const started = Date.now();
    const child = spawn('dotnet', [join(root, dll), ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    const described = new Promise<SuiteInfo>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no suite description within ${timeoutMs} ms:\n${lines.slice(-40).join('\n')}`)), timeoutMs);
      // Whole lines: the description is long enough to arrive in two chunks.
      const read = (line: string) => {
        if (!line.startsWith(descriptionPrefix)) {
          lines.push(line);
          return;
        }

        clearTimeout(timer);
        try {
          resolve(JSON.parse(line.slice(descriptionPrefix.length)) as SuiteInfo);
        } catch (error) {
          reject(new Error(`unreadable suite description: ${line}`, { cause: error }));
        }
      };
      createInterface({ input: child.stdout! }).on('line', read);
      createInterface({ input: child.stderr! }).on('line', read);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the suite exited (${code}) before it was ready:\n${lines.slice(-40).join('\n')}`));
      });
    });

    let info: SuiteInfo;
    try {
      info = await described;
    } catch (error) {
      await stopTree(child);
      throw error;
    }

    // Where the client tests' time goes, in the log of every run.
    process.stderr.write(`${dll.split('/').pop()} ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    const suite = new SuiteProcess(child, info);
    suite.output.push(...lines);
    return suite;
  }

  get recentOutput(): string {
    return this.output.slice(-40).join('\n');
  }

  /** SIGTERM first (the launcher stops its services and brokers), SIGKILL for whatever is left. */
  async stop(): Promise<void> {
    const started = Date.now();
    await stopTree(this.child);
    process.stderr.write(`suite stopped in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
}

/** The pids under `pid` (children, grandchildren…), read from /proc. */
export function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }

    try {
      // Field 4 of /proc/PID/stat is the parent; the name (field 2) may hold spaces, so read after ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // Gone meanwhile.
    }
  }

  const out: number[] = [];
  const walk = (p: number) => {
    for (const child of parents.get(p) ?? []) {
      out.push(child);
      walk(child);
    }
  };
  walk(pid);
  return out;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopTree(child: ChildProcess): Promise<void> {
  if (child.pid === undefined) {
    return;
  }

  const tree = [child.pid, ...descendants(child.pid)];
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    await until(() => child.exitCode !== null || child.signalCode !== null, 20_000).catch(() => undefined);
  }

  for (const pid of [...new Set([...tree, ...descendants(child.pid)])]) {
    if (isAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }
  }
}

/** Polls `condition` every 20 ms until it holds; rejects with `what` after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs: number, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }

    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
