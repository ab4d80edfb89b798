import { request } from 'node:http';
import { Writable } from 'node:stream';
import { HTTPReceiver } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HttpServer } from '../../src/server/http.js';
import { boltLogger, createLogger } from '../../src/slack/logger.js';
import '../../src/slack/metrics.js';
import { SIGNING_SECRET, send } from '../support/slack-requests.js';

const logs: string[] = [];
const logger = createLogger(
  'info',
  new Writable({
    write(c, _e, cb) {
      logs.push(String(c));
      cb();
    },
  }),
);
let server: HttpServer;
let base: string;
beforeAll(async () => {
  // An HTTP receiver with no app listeners: enough to see signature checks and body handling.
  const receiver = new HTTPReceiver({ signingSecret: SIGNING_SECRET, logger: boltLogger(logger) });
  receiver.init({ processEvent: async () => {} } as never);
  server = new HttpServer({
    logger,
    slackReceiver: receiver,
    routes: [
      {
        method: 'POST',
        path: '/echo',
        bodyLimit: 1000,
        handler: ({ res, body }) => void res.end(`got ${body.length}`),
      },
      {
        method: 'GET',
        path: '/boom',
        handler: () => {
          throw new Error('boom');
        },
      },
    ],
  });
  base = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
});
afterAll(() => server.close(1000));

/** raw sends a request and returns status and body, whatever happens to the connection. */
function raw(
  method: string,
  path: string,
  body?: Buffer | string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers }, (res) => {
      let text = '';
      res.on('data', (d) => {
        text += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

describe('the HTTP listener', () => {
  test('GET /healthz and GET /metrics', async () => {
    const h = await fetch(`${base}/healthz`);
    expect(h.status).toBe(200);
    expect(await h.json()).toMatchObject({ status: 'ok' });
    const m = await fetch(`${base}/metrics`);
    expect(m.status).toBe(200);
    const text = await m.text();
    expect(text).toContain('certmedic_process_cpu_user_seconds_total');
    expect(text).toContain('certmedic_slack_diagnoses_total');
  });

  test('unknown paths are 404, wrong methods 405', async () => {
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`, { method: 'POST', body: 'x' })).status).toBe(405);
    expect((await fetch(`${base}/slack/events`)).status).toBe(404);
  });

  test('routes added by other modules get their body, within their limit (413 beyond)', async () => {
    expect(await (await fetch(`${base}/echo`, { method: 'POST', body: 'hello' })).text()).toBe('got 5');
    const big = await raw('POST', '/echo', Buffer.alloc(5000, 'a'));
    expect(big.status).toBe(413);
    const chunked = await raw('POST', '/echo', Buffer.alloc(5000, 'a'), { 'transfer-encoding': 'chunked' });
    expect(chunked.status).toBe(413);
  });

  test('a huge body to /slack/events is refused with 413', async () => {
    const r = await raw('POST', '/slack/events', Buffer.alloc(2 * 1024 * 1024, 'a'), {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(r.status).toBe(413);
  });

  test('unsigned, forged and garbage Slack requests are 401, and the server stays up', async () => {
    expect((await raw('POST', '/slack/events', 'garbage')).status).toBe(401);
    const forged = await send(
      `${base}/slack/events`,
      { body: 'command=/cert', contentType: 'application/x-www-form-urlencoded' },
      {
        secret: 'nope',
      },
    );
    expect(forged.status).toBe(401);
    const badJson = await send(`${base}/slack/events`, { body: '{not json', contentType: 'application/json' });
    expect(badJson.status).toBe(400);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  test('a handler that throws is a 500, not a crash', async () => {
    expect((await fetch(`${base}/boom`)).status).toBe(500);
    expect(logs.join('')).toContain('boom');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  test('a malformed request line is a 400', async () => {
    const { connect } = await import('node:net');
    const port = Number(new URL(base).port);
    const answer = await new Promise<string>((resolve) => {
      const s = connect(port, '127.0.0.1', () => s.write('GARBAGE\r\n\r\n'));
      let text = '';
      s.on('data', (d) => {
        text += d;
      });
      s.on('close', () => resolve(text));
      s.on('error', () => resolve(text));
    });
    expect(answer).toContain('400');
  });
});
