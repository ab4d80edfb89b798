/**
 * STARTTLS dialogues spoken on a connected socket before the TLS handshake: SMTP (RFC 3207),
 * IMAP (RFC 9051 §6.2.1), POP3 (RFC 2595 §4), LDAP StartTLS (RFC 4511 §4.14, OID
 * 1.3.6.1.4.1.1466.20037) and the PostgreSQL SSLRequest. Every answer is read under a size cap;
 * the caller owns the socket, its timeout and its destruction.
 */
import type { Socket } from 'node:net';
import type { StarttlsProto } from '../checks/context.js';

/** Reply size cap: a STARTTLS dialogue never needs more (hostile servers get cut off). */
const MAX_REPLY = 16 * 1024;

/** StarttlsError is a server that does not (correctly) agree to upgrade to TLS. */
export class StarttlsError extends Error {
  readonly code = 'ERR_STARTTLS';
}

/** defaultStarttls returns the STARTTLS protocol spoken on a port: 25/587 smtp, 143 imap, 110 pop3, 389 ldap, 5432 postgres. */
export function defaultStarttls(port: number): StarttlsProto {
  switch (port) {
    case 25:
    case 587:
      return 'smtp';
    case 143:
      return 'imap';
    case 110:
      return 'pop3';
    case 389:
      return 'ldap';
    case 5432:
      return 'postgres';
    default:
      return 'none';
  }
}

/**
 * readUntil collects data until `complete(buffer)` returns the length of a full answer; rejects
 * when the server closes, errors, or sends more than MAX_REPLY bytes without completing one.
 */
function readUntil(socket: Socket, what: string, complete: (buf: Buffer) => number | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      socket.off('end', onClose);
    };
    const onData = (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      let n: number | undefined;
      try {
        n = complete(buf);
      } catch (err) {
        cleanup();
        reject(err);
        return;
      }
      if (n !== undefined) {
        cleanup();
        socket.pause();
        resolve(buf.subarray(0, n));
      } else if (buf.length > MAX_REPLY) {
        cleanup();
        reject(new StarttlsError(`${what}: answer larger than ${MAX_REPLY} bytes`));
      }
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      cleanup();
      reject(new StarttlsError(`${what}: the server closed the connection`));
    };
    socket.on('data', onData);
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.once('end', onClose);
    socket.resume();
  });
}

/** lineReply returns a completer for line replies that end with a line matching `last`. */
function lineReply(last: RegExp): (buf: Buffer) => number | undefined {
  return (buf) => {
    let start = 0;
    for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10, start)) {
      if (last.test(buf.toString('latin1', start, nl).replace(/\r$/, ''))) return nl + 1;
      start = nl + 1;
    }
    return undefined;
  };
}

function firstLine(b: Buffer): string {
  return b.toString('latin1').split(/\r?\n/)[0]!.slice(0, 200);
}

async function command(socket: Socket, line: string | Buffer, what: string, last: RegExp): Promise<string> {
  socket.write(line);
  return (await readUntil(socket, what, lineReply(last))).toString('latin1');
}

/** smtpReply completes at the last line of an SMTP reply (RFC 5321 §4.2.1) and fails at once on a non-SMTP line. */
function smtpReply(what: string): (buf: Buffer) => number | undefined {
  const last = lineReply(/^\d{3}(?: |$)/);
  return (buf) => {
    const nl = buf.indexOf(10);
    if (nl !== -1 && !/^\d{3}(?:[ -]|\r?$)/.test(buf.toString('latin1', 0, nl))) {
      throw new StarttlsError(`${what}: not an SMTP answer: ${firstLine(buf)}`);
    }
    return last(buf);
  };
}

/** smtp: greeting 220, EHLO, STARTTLS must be advertised, STARTTLS answered 220 (RFC 3207 §4). */
async function smtp(socket: Socket, ehloName: string): Promise<void> {
  const finalLine = /^\d{3}(?: |$)/;
  const greeting = (await readUntil(socket, 'SMTP greeting', smtpReply('SMTP greeting'))).toString('latin1');
  if (!greeting.startsWith('220'))
    throw new StarttlsError(`SMTP greeting refused: ${firstLine(Buffer.from(greeting))}`);
  const ehlo = await command(socket, `EHLO ${ehloName}\r\n`, 'SMTP EHLO', finalLine);
  if (!ehlo.startsWith('250')) throw new StarttlsError(`SMTP EHLO refused: ${firstLine(Buffer.from(ehlo))}`);
  if (!/^250[ -]STARTTLS\s*$/im.test(ehlo)) throw new StarttlsError('the SMTP server does not offer STARTTLS');
  const answer = await command(socket, 'STARTTLS\r\n', 'SMTP STARTTLS', finalLine);
  if (!answer.startsWith('220')) throw new StarttlsError(`SMTP STARTTLS refused: ${firstLine(Buffer.from(answer))}`);
}

/** imap: untagged OK greeting, then `a1 STARTTLS` answered `a1 OK`. */
async function imap(socket: Socket): Promise<void> {
  const greeting = (await readUntil(socket, 'IMAP greeting', lineReply(/^\* /))).toString('latin1');
  if (!/^\* OK/i.test(greeting)) throw new StarttlsError(`IMAP greeting refused: ${firstLine(Buffer.from(greeting))}`);
  const answer = await command(socket, 'a1 STARTTLS\r\n', 'IMAP STARTTLS', /^a1 /i);
  const tagged = answer.split(/\r?\n/).find((l) => /^a1 /i.test(l)) ?? '';
  if (!/^a1 OK/i.test(tagged)) throw new StarttlsError(`IMAP STARTTLS refused: ${tagged.slice(0, 200)}`);
}

/** pop3: `+OK` greeting, then `STLS` answered `+OK`. */
async function pop3(socket: Socket): Promise<void> {
  const greeting = (await readUntil(socket, 'POP3 greeting', lineReply(/^[+-]/))).toString('latin1');
  if (!greeting.startsWith('+OK'))
    throw new StarttlsError(`POP3 greeting refused: ${firstLine(Buffer.from(greeting))}`);
  const answer = await command(socket, 'STLS\r\n', 'POP3 STLS', /^[+-]/);
  if (!answer.startsWith('+OK')) throw new StarttlsError(`POP3 STLS refused: ${firstLine(Buffer.from(answer))}`);
}

/** LDAP ExtendedRequest (RFC 4511 §4.12) with messageID 1 and requestName 1.3.6.1.4.1.1466.20037. */
const LDAP_STARTTLS = (() => {
  const oid = Buffer.from('1.3.6.1.4.1.1466.20037', 'latin1');
  const req = Buffer.concat([Buffer.from([0x80, oid.length]), oid]);
  const op = Buffer.concat([Buffer.from([0x77, req.length]), req]);
  const body = Buffer.concat([Buffer.from([0x02, 0x01, 0x01]), op]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
})();

/** berLength returns [headerLength, contentLength] of the TLV at `off`, or undefined while incomplete. */
function berLength(b: Buffer, off: number): [number, number] | undefined {
  if (b.length < off + 2) return undefined;
  const first = b[off + 1]!;
  if (first < 0x80) return [2, first];
  const n = first & 0x7f;
  if (n === 0 || n > 4) throw new StarttlsError('LDAP: malformed BER length');
  if (b.length < off + 2 + n) return undefined;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + b[off + 2 + i]!;
  return [2 + n, len];
}

/** ldap: ExtendedRequest StartTLS, ExtendedResponse resultCode must be success (0). */
async function ldap(socket: Socket): Promise<void> {
  socket.write(LDAP_STARTTLS);
  const msg = await readUntil(socket, 'LDAP StartTLS', (b) => {
    if (b.length > 0 && b[0] !== 0x30) throw new StarttlsError('LDAP: the answer is not an LDAPMessage');
    const h = berLength(b, 0);
    return h && b.length >= h[0] + h[1] ? h[0] + h[1] : undefined;
  });
  // LDAPMessage ::= SEQUENCE { messageID INTEGER, protocolOp [APPLICATION 24] ExtendedResponse { resultCode ENUMERATED ... } }
  let off = berLength(msg, 0)![0];
  const id = berLength(msg, off);
  if (!id || msg[off] !== 0x02) throw new StarttlsError('LDAP: malformed StartTLS answer');
  off += id[0] + id[1];
  const opTag = msg[off];
  const op = berLength(msg, off);
  if (!op || opTag !== 0x78) throw new StarttlsError(`LDAP: unexpected answer (tag 0x${(opTag ?? 0).toString(16)})`);
  off += op[0];
  if (msg[off] !== 0x0a) throw new StarttlsError('LDAP: malformed ExtendedResponse');
  const rc = berLength(msg, off);
  const code = rc && rc[1] >= 1 ? msg[off + rc[0]] : undefined;
  if (code !== 0) throw new StarttlsError(`LDAP StartTLS refused (resultCode ${code ?? '?'})`);
}

/** postgres: SSLRequest (length 8, code 80877103) answered with the single byte `S`. */
async function postgres(socket: Socket): Promise<void> {
  socket.write(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]));
  const answer = await readUntil(socket, 'PostgreSQL SSLRequest', (b) => (b.length >= 1 ? 1 : undefined));
  if (answer[0] === 0x4e) throw new StarttlsError('the PostgreSQL server does not accept SSL (answered N)');
  if (answer[0] !== 0x53)
    throw new StarttlsError(`PostgreSQL SSLRequest: unexpected answer byte 0x${answer[0]!.toString(16)}`);
}

/** negotiateStarttls speaks the protocol's upgrade dialogue; resolves when the server is ready for TLS. */
export async function negotiateStarttls(
  socket: Socket,
  proto: Exclude<StarttlsProto, 'none'>,
  opts: { ehloName?: string } = {},
): Promise<void> {
  switch (proto) {
    case 'smtp':
      return smtp(socket, opts.ehloName ?? 'certmedic.invalid');
    case 'imap':
      return imap(socket);
    case 'pop3':
      return pop3(socket);
    case 'ldap':
      return ldap(socket);
    case 'postgres':
      return postgres(socket);
  }
}
