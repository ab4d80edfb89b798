/**
 * HTTP ALPN is offered on HTTPS ports only: a mail server that enforces ALPN (nginx mail since
 * 1.21.4; here a node:tls server accepting only "smtp") refuses `h2`/`http/1.1` with a
 * no_application_protocol alert, which made a healthy SMTPS/IMAPS endpoint look broken.
 */
import { createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { probeTls } from '../../src/net/tls.js';
import { leafOf, pki } from '../support/certs.js';
import { serverOptions } from '../support/tls-servers.js';

let strict: Server;
let port = 0;

beforeAll(async () => {
  const ca = await pki('Alpn');
  const leaf = await leafOf(ca, ['mail.example.test']);
  strict = createServer({ ...serverOptions([leaf, ca.intermediate]), ALPNProtocols: ['smtp', 'imap', 'pop3'] }, (s) =>
    s.end(),
  );
  await new Promise<void>((r) => strict.listen(0, '127.0.0.1', () => r()));
  port = (strict.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((r) => strict.close(() => r())));

test.each([465, 993, 995, 636])(
  'implicit TLS on %i offers no HTTP ALPN, so a strict server answers',
  async (logical) => {
    const r = await probeTls({
      address: '127.0.0.1',
      port: logical,
      servername: 'mail.example.test',
      portMap: new Map([[logical, port]]),
    });
    expect(r.error?.message).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.certs[0]!.sans).toEqual(['mail.example.test']);
  },
);

test('on 443 HTTP ALPN is still offered (and this strict server refuses it)', async () => {
  const r = await probeTls({
    address: '127.0.0.1',
    port: 443,
    servername: 'mail.example.test',
    portMap: new Map([[443, port]]),
  });
  expect(r.ok).toBe(false);
  expect(r.stage).toBe('handshake');
});
