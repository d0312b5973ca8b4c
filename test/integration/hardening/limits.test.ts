/**
 * Receiver limits against hostile clients, beyond test/integration/receiver/http.test.ts (which
 * covers gzip bombs, body limits and slow headers/bodies): a connection cap against many slow
 * clients, deeply nested and oversized JSON documents.
 */
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpReceiver, type HttpReceiver } from '../../../processor/src/receiver/index.js';

let receiver: HttpReceiver | undefined;
afterEach(async () => {
  await receiver?.close(100);
  receiver = undefined;
});

const consumer = { consume: () => ({ rejectedDataPoints: 0 }) };

/** Opens a socket and reports whether the server closed it within `ms`. */
function closedWithin(
  port: number,
  ms: number,
  send = 'POST /v1/metrics HTTP/1.1\r\nHost: x\r\n',
): Promise<{ socket: net.Socket; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(send));
    const timer = setTimeout(() => resolve({ socket, closed: false }), ms);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ socket, closed: true });
    });
    socket.on('error', () => undefined);
    socket.resume(); // read (and discard) what the server sends, so its FIN is seen
  });
}

function post(port: number, body: Buffer | string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/metrics',
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('receiver limits', () => {
  it('slow-loris: connections beyond maxConnections are closed at once; the slow ones time out', async () => {
    receiver = createHttpReceiver({
      consumer,
      port: 0,
      maxConnections: 3,
      headersTimeoutMs: 500,
      requestTimeoutMs: 1_000,
    });
    const { port } = await receiver.listen();
    const slow = await Promise.all([0, 1, 2].map(() => closedWithin(port, 100)));
    expect(slow.map((s) => s.closed)).toEqual([false, false, false]);
    // well before the 500 ms header timeout could have closed it
    const extra = await closedWithin(port, 300);
    expect(extra.closed).toBe(true);
    // the slow ones are cut off by the header timeout, then the server accepts again
    const after = await Promise.all(
      slow.map(
        (s) => new Promise<boolean>((r) => (s.socket.destroyed ? r(true) : s.socket.once('close', () => r(true)))),
      ),
    );
    expect(after).toEqual([true, true, true]);
    expect((await post(port, '{}')).status).toBe(200);
  });

  it('deeply nested JSON is refused with 400 and a reason, oversized JSON with 413', async () => {
    receiver = createHttpReceiver({ consumer, port: 0, maxRequestBytes: 1 << 20 });
    const { port } = await receiver.listen();
    for (const depth of [100, 100_000]) {
      const nested = `{"resourceMetrics":[{"resource":{"attributes":[{"key":"k","value":${'{"arrayValue":{"values":['.repeat(depth)}{"stringValue":"x"}${']}}'.repeat(depth)}}]}}]}`;
      const r = await post(port, nested);
      expect(r.status).toBe(depth * 30 > 1 << 20 ? 413 : 400);
      if (r.status === 400) expect(r.body).toMatch(/nested too deeply/);
    }
    const arrays = await post(port, `${'['.repeat(20_000)}${']'.repeat(20_000)}`);
    expect(arrays.status).toBe(400);
    const huge = await post(port, JSON.stringify({ resourceMetrics: [], pad: 'x'.repeat(2 << 20) }));
    expect(huge.status).toBe(413);
    expect((await post(port, '{}')).status).toBe(200);
  });
});
