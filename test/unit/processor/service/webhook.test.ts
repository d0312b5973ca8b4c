import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RetrainWebhook, signWebhook, verifyWebhook } from '../../../../processor/src/service/webhook.js';

interface Received {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

let server: Server | undefined;

/** A loopback receiver answering with `statuses` in turn (then 200); `hold` delays every answer until released. */
async function receiver(statuses: number[], hold?: Promise<void>): Promise<{ url: string; got: Received[] }> {
  const got: Received[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const answer = () => res.writeHead(statuses.shift() ?? 200).end();
      if (hold) void hold.then(answer);
      else answer();
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got };
}

afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

describe('retrain webhook', () => {
  it('signs with HMAC-SHA256 over timestamp.body (known vector)', () => {
    // printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac s3cret
    expect(signWebhook('s3cret', 1_700_000_000, '{"a":1}')).toBe(
      'sha256=1698a50bc74d1ff1db85c4e0a5297c2ad9fdba245d5737cdb789e4cc6e098940',
    );
    expect(verifyWebhook('s3cret', 1_700_000_000, '{"a":1}', signWebhook('s3cret', 1_700_000_000, '{"a":1}'))).toBe(
      true,
    );
    expect(verifyWebhook('other', 1_700_000_000, '{"a":1}', signWebhook('s3cret', 1_700_000_000, '{"a":1}'))).toBe(
      false,
    );
    expect(verifyWebhook('s3cret', 1_700_000_001, '{"a":1}', signWebhook('s3cret', 1_700_000_000, '{"a":1}'))).toBe(
      false,
    );
  });
  it('retries a 503 with backoff, same delivery id, each attempt verifiable', async () => {
    const { url, got } = await receiver([503, 503]);
    const hook = new RetrainWebhook({ url, secret: 'k', initialBackoffMs: 5, maxAttempts: 4 });
    const id = hook.enqueue({ reasons: ['drift'] });
    await hook.idle();
    expect(hook.stats()).toEqual({ delivered: 1, failed: 0, dropped: 0, attempts: 3, pending: 0 });
    expect(got).toHaveLength(3);
    for (const g of got) {
      expect(g.headers['x-otel-ml-delivery']).toBe(id);
      expect(g.headers['content-type']).toBe('application/json');
      expect(
        verifyWebhook('k', Number(g.headers['x-otel-ml-timestamp']), g.body, String(g.headers['x-otel-ml-signature'])),
      ).toBe(true);
      expect(JSON.parse(g.body)).toEqual({ reasons: ['drift'] });
    }
    await hook.close();
  });
  it('gives up after maxAttempts, and at once on a 400', async () => {
    const { url, got } = await receiver([500, 500, 400]);
    const hook = new RetrainWebhook({ url, secret: 'k', initialBackoffMs: 1, maxAttempts: 2 });
    hook.enqueue({ n: 1 });
    hook.enqueue({ n: 2 });
    await hook.idle();
    expect(hook.stats()).toMatchObject({ delivered: 0, failed: 2, attempts: 3 });
    expect(got.map((g) => JSON.parse(g.body) as unknown)).toEqual([{ n: 1 }, { n: 1 }, { n: 2 }]);
    await hook.close();
  });
  it('never blocks the caller; a full queue drops the oldest waiting delivery', async () => {
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const { url, got } = await receiver([], hold);
    const hook = new RetrainWebhook({ url, secret: 'k', maxQueue: 1 });
    hook.enqueue({ n: 1 }); // in flight, held by the receiver
    hook.enqueue({ n: 2 });
    hook.enqueue({ n: 3 }); // queue full: {n: 2} is dropped
    expect(hook.stats()).toMatchObject({ delivered: 0, dropped: 1, pending: 1 });
    release();
    await hook.idle();
    expect(hook.stats()).toMatchObject({ delivered: 2, dropped: 1, pending: 0 });
    expect(got.map((g) => JSON.parse(g.body) as unknown)).toEqual([{ n: 1 }, { n: 3 }]);
    await hook.close();
  });
  it('an unreachable pipeline fails without throwing; close() stops waiting retries', async () => {
    const hook = new RetrainWebhook({
      url: 'http://127.0.0.1:9/unreachable',
      secret: 'k',
      initialBackoffMs: 60_000,
      maxAttempts: 3,
    });
    hook.enqueue({ n: 1 });
    await hook.close(50);
    expect(hook.stats()).toMatchObject({ delivered: 0, failed: 1, pending: 0 });
    expect(() => new RetrainWebhook({ url: 'ftp://x', secret: 'k' })).toThrow(/http/);
    expect(() => new RetrainWebhook({ url: 'http://x', secret: '' })).toThrow(/secret/);
  });
});
