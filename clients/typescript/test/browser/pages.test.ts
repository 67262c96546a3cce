import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { repositoryRoot, SuiteProcess } from '../support/suite.js';

// The demo (/) and ops (/ops) pages, served by the embedded suite's edge from dist/www (built by
// `npm run build`), in real headless Chromium (Debian's `chromium`, which ./test.sh installs),
// driven by playwright-core. Screenshots go to dist/test-output/screenshots.
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const screenshots = join(repositoryRoot(), 'clients', 'typescript', 'dist', 'test-output', 'screenshots');
const wait = { timeout: 20_000 };

describe('the pages in headless Chromium', { skip: existsSync(chromiumPath) ? false : `no ${chromiumPath}: ./test.sh installs Debian's chromium` }, () => {
  let suite: SuiteProcess;
  let browser: Browser;
  let http: string;
  const run = Date.now().toString(36);
  const room = `lobby-${run}`;
  const open: BrowserContext[] = [];
  /** The demo pages of the chat test, kept open for the ops test. */
  let chat: { alice: Page; bob: Page } | undefined;
  /** The kinds of WebSocket frames each demo page received, as Chromium saw them. */
  const received = new WeakMap<Page, { binary: number; text: number }>();

  before(async () => {
    [suite, browser] = await Promise.all([
      // A first auth on a busy machine can pass the 5 s auth timeout; not what these tests are about.
      SuiteProcess.embedded({ Auth__AuthTimeout: '00:00:30' }),
      chromium.launch({
        executablePath: chromiumPath,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],
      }),
    ]);
    http = suite.info.edges[0]!.http;
    mkdirSync(screenshots, { recursive: true });
  }, { timeout: 120_000 });

  after(async () => {
    await browser?.close();
    await suite?.stop();
  }, { timeout: 60_000 });

  /** A new browser context with the demo page joined to `roomId` as `user`. */
  async function joinDemo(user: string, roomId: string, encoding = 'json'): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
    open.push(context);
    const page = await context.newPage();
    const frames = { binary: 0, text: 0 };
    received.set(page, frames);
    page.on('websocket', (socket) => socket.on('framereceived', (frame) => {
      frames[typeof frame.payload === 'string' ? 'text' : 'binary']++;
    }));
    await page.goto(`${http}?user=${user}&room=${roomId}`);
    await page.selectOption('#encoding', encoding);
    await page.click('#connect');
    await page.locator('#status[data-state="open"]').waitFor(wait);
    return page;
  }

  async function close(context: BrowserContext): Promise<void> {
    open.splice(open.indexOf(context), 1);
    await context.close();
  }

  it('two browser contexts chat: a message, presence of the other user and a direct message arrive', { timeout: 60_000 }, async () => {
    const alice = await joinDemo(`alice-${run}`, room);
    const bob = await joinDemo(`bob-${run}`, room);

    // Alice saw Bob join; Bob learnt from Alice's answer that she is there.
    await alice.locator(`#members li[data-user="bob-${run}"]`).waitFor(wait);
    await bob.locator(`#members li[data-user="alice-${run}"]`).waitFor(wait);

    await alice.fill('#message', 'hello from alice');
    await alice.click('#send');
    await bob.locator('#log li.theirs', { hasText: 'hello from alice' }).waitFor(wait);
    await bob.fill('#message', 'hi alice, bob here');
    await bob.press('#message', 'Enter');
    await alice.locator('#log li.theirs', { hasText: 'hi alice, bob here' }).waitFor(wait);

    await bob.fill('#dm-to', `alice-${run}`);
    await bob.fill('#dm-text', 'a private word');
    await bob.click('#dm-send');
    const direct = alice.locator('#directs li', { hasText: 'a private word' });
    await direct.waitFor(wait);
    assert.match(await direct.innerText(), new RegExp(`bob-${run} → you`));
    assert.equal(await bob.locator('#log li.theirs', { hasText: 'hello from alice' }).count(), 1, 'the message arrived once');

    assert.deepEqual({ ...received.get(alice)!, text: received.get(alice)!.text > 0 }, { binary: 0, text: true }, 'json: text frames only');

    await alice.screenshot({ path: join(screenshots, 'demo.png') });
    chat = { alice, bob };
  });

  it('the ops page shows the open connections, by state, and the room with its members', { timeout: 60_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const ops = await context.newPage();
      await ops.goto(`${http}ops`);
      // The two demo pages of the test before, each one connection.
      assert.equal(open.length, 2);
      await ops.waitForFunction((expected) => document.getElementById('connections-total')?.textContent === String(expected), open.length, wait);
      await ops.locator(`#rooms tr[data-room="${room}"]`, { hasText: `alice-${run}, bob-${run}` }).waitFor(wait);
      await ops.locator('#edges tr[data-edge="edge-0"]').waitFor(wait);
      const byState = await ops.$$eval('#states tr', (rows) => rows.reduce((sum, row) => sum + Number((row as HTMLElement).dataset.count), 0));
      assert.equal(byState, open.length, 'the states add up to the open connections');
      // An event with no target is dead-lettered by notification with its reason; the edge reads the topic.
      const published = await fetch(new URL('v1.0/publish/pubsub/notifications', suite.info.daprHttp), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: `no-target-${run}`, payload: { type: 'order_update', content: { orderId: 7 } } }),
      });
      assert.ok(published.ok, `publish answered ${published.status}`);
      await ops.locator('#dead-letters tr', { hasText: `no-target-${run}` }).filter({ hasText: 'notifications.deadletter' }).waitFor(wait);
      // Messages in and out per second: from the change of the totals between two reads.
      const { alice, bob } = chat!;
      for (let i = 1; i <= 5; i++) {
        await alice.fill('#message', `busy ${i}`);
        await alice.press('#message', 'Enter');
      }

      await bob.locator('#log li.theirs', { hasText: 'busy 5' }).waitFor(wait);
      await ops.waitForFunction(() => ['rate-in', 'rate-out'].every((id) => Number(document.getElementById(id)?.textContent) > 0), undefined, wait);
      await ops.screenshot({ path: join(screenshots, 'ops.png') });

      // A closed browser context is a closed connection.
      await close(open[open.length - 1]!);
      await ops.waitForFunction((expected) => document.getElementById('connections-total')?.textContent === String(expected), open.length, wait);
    } finally {
      await context.close();
    }
  });

  it('the encoding picker: msgpack and protobuf pages talk in binary frames and chat with each other', { timeout: 60_000 }, async () => {
    const binaryRoom = `binary-${run}`;
    const carol = await joinDemo(`carol-${run}`, binaryRoom, 'msgpack');
    const dave = await joinDemo(`dave-${run}`, binaryRoom, 'protobuf');
    assert.equal(await carol.locator('#status').getAttribute('data-encoding'), 'msgpack');
    assert.equal(await dave.locator('#status').getAttribute('data-encoding'), 'protobuf');
    await carol.locator(`#members li[data-user="dave-${run}"]`).waitFor(wait);
    await dave.fill('#message', 'binary hello');
    await dave.click('#send');
    await carol.locator('#log li.theirs', { hasText: 'binary hello' }).waitFor(wait);
    await carol.fill('#message', 'binary hello back');
    await carol.click('#send');
    await dave.locator('#log li.theirs', { hasText: 'binary hello back' }).waitFor(wait);
    for (const [name, page] of [['msgpack', carol], ['protobuf', dave]] as const) {
      const frames = received.get(page)!;
      assert.ok(frames.binary >= 3, `${name}: auth:ok, joined and a message in binary frames, got ${JSON.stringify(frames)}`);
      assert.equal(frames.text, 0, `${name}: no text frame`);
    }

    assert.ok(received.get(carol)!.binary > 0);
  });
});
