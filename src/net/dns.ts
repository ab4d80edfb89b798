/**
 * DNS client on dns-packet: UDP with TCP fallback on truncation, per-attempt timeouts and retries,
 * rcode and AA/TC/AD flags kept, CNAME chains chased by the client itself (so it also works against
 * non-recursive servers), and discovery of a zone's authoritative servers to ask them directly.
 */
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { isIP, Socket } from 'node:net';
import * as packet from 'dns-packet';
import { CertmedicError, UsageError } from '../core/errors.js';
import { parentNames, parsePort } from '../core/names.js';
import type { TargetPolicy } from './guard.js';

export type RecordType = 'A' | 'AAAA' | 'CNAME' | 'NS' | 'SOA' | 'TXT' | 'CAA';

export interface DnsServerAddr {
  host: string;
  port: number;
}

export interface CaaRecord {
  flags: number;
  tag: string;
  value: string;
}

export interface SoaRecord {
  mname: string;
  rname: string;
  serial: number;
}

/** One resource record, normalised: names lower-case without trailing dot. */
export type RR =
  | { name: string; type: 'A' | 'AAAA' | 'CNAME' | 'NS'; ttl: number; data: string }
  | { name: string; type: 'TXT'; ttl: number; data: string }
  | { name: string; type: 'CAA'; ttl: number; data: CaaRecord }
  | { name: string; type: 'SOA'; ttl: number; data: SoaRecord }
  | { name: string; type: 'OTHER'; ttl: number; data: string };

export interface DnsResponse {
  rcode: string;
  aa: boolean;
  tc: boolean;
  ad: boolean;
  ra: boolean;
  answers: RR[];
  authorities: RR[];
  additionals: RR[];
  server: DnsServerAddr;
  transport: 'udp' | 'tcp';
  ms: number;
}

export type DnsErrorKind = 'timeout' | 'network' | 'malformed' | 'policy';

/** DnsError is a query that got no usable answer (as opposed to an answer with a bad rcode). */
export class DnsError extends CertmedicError {
  constructor(
    readonly kind: DnsErrorKind,
    message: string,
    readonly server: DnsServerAddr,
    options?: { cause?: unknown },
  ) {
    super('dns', message, options);
  }
}

export interface QueryOptions {
  /** Ask this server instead of the configured resolvers. */
  server?: DnsServerAddr;
  /** Recursion desired; false when asking authoritative servers directly. Default true. */
  rd?: boolean;
}

export interface DnsClientOptions {
  servers: DnsServerAddr[];
  /** Timeout of one attempt (ms). */
  timeoutMs?: number;
  /** Attempts per server before giving up. */
  attempts?: number;
  /** Aborts every query (the diagnosis deadline). */
  signal?: AbortSignal;
  /** Called after every query, for --verbose. */
  onQuery?: (event: QueryEvent) => void;
  /** Which servers may be asked directly (the bot refuses private name servers, like any probe). */
  policy?: TargetPolicy;
}

export interface QueryEvent {
  name: string;
  type: RecordType;
  server: DnsServerAddr;
  rd: boolean;
  result: string;
  ms: number;
}

/** Resolution is the outcome of resolving a name and following its CNAME chain. */
export interface Resolution {
  name: string;
  type: RecordType;
  rcode: string;
  /** The CNAME links followed, in order. */
  cnames: { name: string; target: string }[];
  /** The name the records were found at (the end of the CNAME chain). */
  canonical: string;
  records: RR[];
  /** True when the chain loops or exceeds the depth limit. */
  loop: boolean;
  ad: boolean;
}

const MAX_CNAME_DEPTH = 16;
const EDNS_PAYLOAD = 1232;
const MAX_TCP_MESSAGE = 65535;

/** parseServerAddr parses `ip`, `ip:port`, `[v6]:port` or a bare IPv6 address. */
export function parseServerAddr(text: string, defaultPort = 53): DnsServerAddr {
  const s = text.trim();
  let host = s;
  let port = defaultPort;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracketed) {
    host = bracketed[1]!;
    if (bracketed[2] !== undefined) port = parsePort(bracketed[2], text);
  } else if (isIP(s) === 6) {
    host = s;
  } else {
    const m = /^([^:]+):(\d+)$/.exec(s);
    if (m) {
      host = m[1]!;
      port = parsePort(m[2]!, text);
    }
  }
  if (isIP(host) === 0)
    throw new UsageError(`invalid resolver address ${JSON.stringify(text)}: expected ip[:port] or [v6]:port`);
  return { host, port };
}

/** systemResolvers returns the name servers listed in resolv.conf (127.0.0.1 when none). */
export function systemResolvers(path = '/etc/resolv.conf'): DnsServerAddr[] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [{ host: '127.0.0.1', port: 53 }];
  }
  const servers: DnsServerAddr[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (!m) continue;
    const host = m[1]!.replace(/%.*$/, '');
    if (isIP(host)) servers.push({ host, port: 53 });
  }
  return servers.length > 0 ? servers : [{ host: '127.0.0.1', port: 53 }];
}

/** formatServer returns `ip:port` or `[v6]:port`. */
export function formatServer(s: DnsServerAddr): string {
  return isIP(s.host) === 6 ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`;
}

function normName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function decodeRR(a: packet.Answer): RR {
  const name = normName(a.name);
  const ttl = 'ttl' in a && typeof a.ttl === 'number' ? a.ttl : 0;
  switch (a.type) {
    case 'A':
    case 'AAAA':
      return { name, type: a.type, ttl, data: String(a.data) };
    case 'CNAME':
    case 'NS':
      return { name, type: a.type, ttl, data: normName(String(a.data)) };
    case 'TXT': {
      const parts = Array.isArray(a.data) ? a.data : [a.data];
      return {
        name,
        type: 'TXT',
        ttl,
        data: parts.map((p) => (Buffer.isBuffer(p) ? p.toString('utf8') : String(p))).join(''),
      };
    }
    case 'CAA': {
      const d = a.data as packet.CaaData & { flags?: number };
      return { name, type: 'CAA', ttl, data: { flags: d.flags ?? 0, tag: d.tag, value: d.value } };
    }
    case 'SOA': {
      const d = a.data as packet.SoaData;
      return { name, type: 'SOA', ttl, data: { mname: normName(d.mname), rname: d.rname, serial: d.serial ?? 0 } };
    }
    default:
      return { name, type: 'OTHER', ttl, data: a.type };
  }
}

function decodeResponse(buf: Buffer, id: number, name: string, type: RecordType, server: DnsServerAddr) {
  let msg: packet.DecodedPacket;
  try {
    msg = packet.decode(buf);
  } catch (err) {
    throw new DnsError(
      'malformed',
      `malformed DNS answer from ${formatServer(server)}: ${(err as Error).message}`,
      server,
      {
        cause: err,
      },
    );
  }
  const q = msg.questions?.[0];
  if (msg.id !== id || msg.type !== 'response') return undefined;
  if (q && (normName(q.name) !== normName(name) || q.type !== type)) {
    throw new DnsError(
      'malformed',
      `DNS answer from ${formatServer(server)} is for another question (${q.name} ${q.type})`,
      server,
    );
  }
  const flags = msg.flags ?? 0;
  const decodeList = (list: packet.Answer[] | undefined): RR[] =>
    (list ?? []).filter((a) => a.type !== 'OPT').map(decodeRR);
  return {
    rcode: (msg as packet.DecodedPacket & { rcode?: string }).rcode ?? 'NOERROR',
    aa: (flags & packet.AUTHORITATIVE_ANSWER) !== 0,
    tc: (flags & packet.TRUNCATED_RESPONSE) !== 0,
    ad: (flags & packet.AUTHENTIC_DATA) !== 0,
    ra: (flags & packet.RECURSION_AVAILABLE) !== 0,
    answers: decodeList(msg.answers),
    authorities: decodeList(msg.authorities),
    additionals: decodeList(msg.additionals),
  };
}

function encodeQuery(id: number, name: string, type: RecordType, rd: boolean): Buffer {
  return packet.encode({
    type: 'query',
    id,
    flags: (rd ? packet.RECURSION_DESIRED : 0) | packet.AUTHENTIC_DATA,
    questions: [{ type, name, class: 'IN' }],
    additionals: [
      { type: 'OPT', name: '.', udpPayloadSize: EDNS_PAYLOAD, flags: 0, options: [] } as unknown as packet.Answer,
    ],
  });
}

type Decoded = NonNullable<ReturnType<typeof decodeResponse>>;

type Finish = (err: Error | null, value?: Decoded) => void;

/**
 * exchange runs one query attempt: `open` sends it and returns how to close its socket; the
 * attempt ends at the first answer, error, timeout or abort, and the socket is closed on every path.
 */
function exchange(
  server: DnsServerAddr,
  what: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  open: (finish: Finish) => () => void,
): Promise<Decoded> {
  return new Promise((resolve, reject) => {
    let done = false;
    let close: (() => void) | undefined;
    const finish: Finish = (err, value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      close?.();
      if (err) reject(err);
      else resolve(value!);
    };
    const onAbort = () =>
      finish(new DnsError('timeout', `DNS query ${what} to ${formatServer(server)} aborted at the deadline`, server));
    const timer = setTimeout(
      () =>
        finish(
          new DnsError('timeout', `no answer from ${formatServer(server)} to ${what} within ${timeoutMs} ms`, server),
        ),
      timeoutMs,
    );
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const closer = open(finish);
    if (done) closer();
    else close = closer;
  });
}

function networkError(server: DnsServerAddr, how: string, err: Error): DnsError {
  return new DnsError('network', `${how} ${formatServer(server)} failed: ${err.message}`, server, { cause: err });
}

function udpExchange(
  server: DnsServerAddr,
  name: string,
  type: RecordType,
  rd: boolean,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Decoded> {
  return exchange(server, `${name} ${type}`, timeoutMs, signal, (finish) => {
    const id = randomInt(0, 65536);
    const sock = createSocket(isIP(server.host) === 6 ? 'udp6' : 'udp4');
    sock.on('error', (err) => finish(networkError(server, 'DNS query to', err)));
    sock.on('message', (buf, rinfo) => {
      if (rinfo.port !== server.port) return;
      if (buf.length < 2 || buf.readUInt16BE(0) !== id) return; // not ours: keep waiting (anti-spoofing)
      try {
        const decoded = decodeResponse(buf, id, name, type, server);
        if (decoded) finish(null, decoded);
      } catch (err) {
        finish(err as Error);
      }
    });
    sock.send(encodeQuery(id, name, type, rd), server.port, server.host, (err) => {
      if (err) finish(networkError(server, 'DNS query to', err));
    });
    return () => sock.close();
  });
}

function tcpExchange(
  server: DnsServerAddr,
  name: string,
  type: RecordType,
  rd: boolean,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Decoded> {
  return exchange(server, `${name} ${type} over TCP`, timeoutMs, signal, (finish) => {
    const id = randomInt(0, 65536);
    const sock = new Socket();
    let buffered = Buffer.alloc(0);
    sock.on('error', (err) => finish(networkError(server, 'DNS over TCP to', err)));
    sock.on('close', () =>
      finish(
        new DnsError(
          'network',
          `DNS server ${formatServer(server)} closed the TCP connection without an answer`,
          server,
        ),
      ),
    );
    sock.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length > MAX_TCP_MESSAGE + 2)
        return finish(new DnsError('malformed', 'oversized DNS answer over TCP', server));
      if (buffered.length < 2) return;
      const len = buffered.readUInt16BE(0);
      if (buffered.length < len + 2) return;
      try {
        const decoded = decodeResponse(buffered.subarray(2, len + 2), id, name, type, server);
        if (decoded) finish(null, decoded);
        else
          finish(new DnsError('malformed', `DNS answer over TCP from ${formatServer(server)} has a wrong id`, server));
      } catch (err) {
        finish(err as Error);
      }
    });
    sock.connect(server.port, server.host, () => {
      const q = encodeQuery(id, name, type, rd);
      const framed = Buffer.alloc(q.length + 2);
      framed.writeUInt16BE(q.length, 0);
      q.copy(framed, 2);
      sock.write(framed);
    });
    return () => sock.destroy();
  });
}

/** DnsClient sends queries; one instance per diagnosis so that its cache is scoped to it. */
export class DnsClient {
  readonly servers: DnsServerAddr[];
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly cache = new Map<string, Promise<DnsResponse>>();

  constructor(private readonly opts: DnsClientOptions) {
    if (opts.servers.length === 0) throw new UsageError('no DNS resolver configured');
    this.servers = opts.servers;
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.attempts = opts.attempts ?? 2;
  }

  /**
   * query sends one question and returns the answer whatever its rcode; it throws DnsError only
   * when no usable answer arrived (timeout, network error, malformed message). Answers are cached
   * per client, as promises, so concurrent checks share one query.
   */
  query(name: string, type: RecordType, options: QueryOptions = {}): Promise<DnsResponse> {
    const rd = options.rd ?? true;
    const key = `${options.server ? formatServer(options.server) : '*'}|${rd}|${normName(name)}|${type}`;
    let p = this.cache.get(key);
    if (!p) {
      p = this.send(normName(name), type, rd, options.server);
      this.cache.set(key, p);
    }
    return p;
  }

  private async send(name: string, type: RecordType, rd: boolean, only?: DnsServerAddr): Promise<DnsResponse> {
    if (only && this.opts.policy && !this.opts.policy.permits(only.host)) {
      throw new DnsError('policy', `refusing to query ${formatServer(only)} directly: not a public address`, only);
    }
    const servers = only ? [only] : this.servers;
    let lastErr: DnsError | undefined;
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      for (const server of servers) {
        if (this.opts.signal?.aborted)
          throw new DnsError('timeout', `DNS query ${name} ${type} aborted at the deadline`, server);
        const started = performance.now();
        try {
          let transport: 'udp' | 'tcp' = 'udp';
          let res = await udpExchange(server, name, type, rd, this.timeoutMs, this.opts.signal);
          if (res.tc) {
            transport = 'tcp';
            res = await tcpExchange(server, name, type, rd, this.timeoutMs, this.opts.signal);
          }
          const ms = performance.now() - started;
          this.opts.onQuery?.({ name, type, server, rd, result: res.rcode, ms });
          return { ...res, server, transport, ms };
        } catch (err) {
          const e = err instanceof DnsError ? err : new DnsError('network', String(err), server, { cause: err });
          this.opts.onQuery?.({ name, type, server, rd, result: e.kind, ms: performance.now() - started });
          lastErr = e;
          // A malformed answer is the server's definitive (broken) answer: do not hide it behind retries.
          if (e.kind === 'malformed') throw e;
        }
      }
    }
    throw lastErr!;
  }

  /**
   * resolve asks for `type` at `name` and follows CNAME links itself, whether the server returns
   * the whole chain (a recursive resolver) or one link at a time (an authoritative server).
   * Throws DnsError when a query of the chain gets no usable answer.
   */
  async resolve(name: string, type: RecordType, options: QueryOptions = {}): Promise<Resolution> {
    const start = normName(name);
    const cnames: { name: string; target: string }[] = [];
    const seen = new Set<string>([start]);
    let current = start;
    let ad = true;
    for (let depth = 0; depth <= MAX_CNAME_DEPTH; depth++) {
      const res = await this.query(current, type, options);
      ad &&= res.ad;
      let owner = current;
      // Walk the answer section along the chain as far as it goes.
      for (;;) {
        const records = res.answers.filter((r) => r.name === owner && r.type === type);
        if (records.length > 0 || type === 'CNAME') {
          return { name: start, type, rcode: res.rcode, cnames, canonical: owner, records, loop: false, ad };
        }
        const cname = res.answers.find((r) => r.name === owner && r.type === 'CNAME');
        if (!cname) break;
        const target = cname.data as string;
        cnames.push({ name: owner, target });
        if (seen.has(target) || cnames.length > MAX_CNAME_DEPTH) {
          return { name: start, type, rcode: res.rcode, cnames, canonical: target, records: [], loop: true, ad };
        }
        seen.add(target);
        owner = target;
      }
      if (owner === current || res.rcode !== 'NOERROR') {
        return { name: start, type, rcode: res.rcode, cnames, canonical: owner, records: [], loop: false, ad };
      }
      current = owner; // the server gave only part of the chain: ask for the target ourselves
    }
    return { name: start, type, rcode: 'NOERROR', cnames, canonical: current, records: [], loop: true, ad };
  }

  private withPolicy(ns: NameServer): NameServer {
    const policy = this.opts.policy;
    if (!policy) return ns;
    const refused = ns.addresses.filter((a) => !policy.permits(a));
    return refused.length === 0 ? ns : { ...ns, addresses: ns.addresses.filter((a) => policy.permits(a)), refused };
  }

  /**
   * traceCnames follows CNAME records one query at a time (type CNAME, which resolvers answer
   * without chasing). Recursive resolvers answer SERVFAIL for a CNAME loop; this shows the loop.
   */
  async traceCnames(
    name: string,
    options: QueryOptions = {},
  ): Promise<{ cnames: { name: string; target: string }[]; loop: boolean }> {
    const cnames: { name: string; target: string }[] = [];
    const seen = new Set<string>([normName(name)]);
    let current = normName(name);
    for (let depth = 0; depth <= MAX_CNAME_DEPTH; depth++) {
      const res = await this.query(current, 'CNAME', options);
      const link = res.answers.find((r) => r.name === current && r.type === 'CNAME');
      if (!link) return { cnames, loop: false };
      const target = link.data as string;
      cnames.push({ name: current, target });
      if (seen.has(target)) return { cnames, loop: true };
      seen.add(target);
      current = target;
    }
    return { cnames, loop: true };
  }

  /**
   * authoritative finds the zone that holds `name` (the closest enclosing zone cut with NS records)
   * and the addresses of its name servers, via the configured resolver.
   */
  async authoritative(name: string): Promise<Authority> {
    const candidates = parentNames(normName(name));
    const answers = await Promise.all(
      candidates.map((c) =>
        this.query(c, 'NS').then(
          (r) => ({ c, r }),
          (err: unknown) => ({ c, err }),
        ),
      ),
    );
    for (const a of answers) {
      if ('err' in a) throw a.err;
      const ns = a.r.answers.filter((r) => r.type === 'NS' && r.name === a.c).map((r) => r.data as string);
      if (ns.length === 0) continue;
      const glue = a.r.additionals;
      const nameservers = await Promise.all(
        [...new Set(ns)].sort().map(async (nsName): Promise<NameServer> => {
          const fromGlue = glue
            .filter((g) => g.name === nsName && (g.type === 'A' || g.type === 'AAAA'))
            .map((g) => g.data as string);
          if (fromGlue.length > 0) return this.withPolicy({ name: nsName, addresses: fromGlue });
          const [v4, v6] = await Promise.allSettled([this.resolve(nsName, 'A'), this.resolve(nsName, 'AAAA')]);
          const addresses = [v4, v6].flatMap((r) =>
            r.status === 'fulfilled' ? r.value.records.map((x) => x.data as string) : [],
          );
          const failure = [v4, v6].find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
          return addresses.length > 0
            ? this.withPolicy({ name: nsName, addresses })
            : {
                name: nsName,
                addresses,
                error: failure ? String((failure.reason as Error).message) : 'no A/AAAA record',
              };
        }),
      );
      return { zone: a.c, nameservers };
    }
    return { zone: '', nameservers: [] };
  }
}

export interface NameServer {
  name: string;
  /** The addresses that may be asked directly. */
  addresses: string[];
  /** Addresses the target policy does not allow to be asked. */
  refused?: string[];
  /** Why the server's addresses could not be found. */
  error?: string;
}

export interface Authority {
  /** The zone apex ('' when no zone cut was found). */
  zone: string;
  nameservers: NameServer[];
}
