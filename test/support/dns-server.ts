/**
 * A DNS server for tests on dns-packet, over UDP and TCP on one port. Records are written like zone
 * file lines ("shop.example.test A 127.0.0.2", "example.test CAA 0 issue \"letsencrypt.org\"");
 * rules make one name misbehave in exactly one way (servfail, refused, drop, delay, truncate,
 * malformed, nxdomain). With `chase: true` (default) it answers like a recursive resolver that
 * follows CNAMEs inside its own data; with `chase: false` it answers one link at a time like an
 * authoritative server.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import * as packet from 'dns-packet';

export type Behaviour =
  | 'servfail'
  | 'refused'
  | 'drop'
  | 'delay'
  | 'truncate'
  | 'malformed'
  | 'nxdomain'
  | 'noaa'
  | 'wrongid';

export interface Rule {
  name: string;
  type?: string;
  action: Behaviour;
  delayMs?: number;
}

export interface DnsServerOptions {
  host?: string;
  port?: number;
  records?: string[];
  rules?: Rule[];
  chase?: boolean;
  /** Set the AA flag on answers (default true). */
  authoritative?: boolean;
}

interface Rec {
  name: string;
  type: string;
  ttl: number;
  data: unknown;
}

function norm(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** parseRecord parses one zone-file-like line: `<name> [ttl] <TYPE> <rdata...>`. */
export function parseRecord(line: string): Rec {
  const tokens = line.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
  const name = norm(tokens.shift() ?? '');
  let ttl = 300;
  if (tokens[0] && /^\d+$/.test(tokens[0])) ttl = Number(tokens.shift());
  if (tokens[0] === 'IN') tokens.shift();
  const type = (tokens.shift() ?? '').toUpperCase();
  const unquote = (s: string) => (s.startsWith('"') ? s.slice(1, -1).replace(/\\(.)/g, '$1') : s);
  switch (type) {
    case 'A':
    case 'AAAA':
      return { name, type, ttl, data: tokens[0] };
    case 'CNAME':
    case 'NS':
      return { name, type, ttl, data: norm(tokens[0] ?? '') };
    case 'TXT':
      return { name, type, ttl, data: tokens.map(unquote) };
    case 'CAA':
      return {
        name,
        type,
        ttl,
        data: { flags: Number(tokens[0]), tag: tokens[1] ?? '', value: unquote(tokens.slice(2).join(' ')) },
      };
    case 'SOA':
      return {
        name,
        type,
        ttl,
        data: {
          mname: tokens[0],
          rname: tokens[1],
          serial: Number(tokens[2] ?? 1),
          refresh: 3600,
          retry: 600,
          expire: 86400,
          minimum: 60,
        },
      };
    default:
      throw new Error(`test DNS server: unsupported record line ${JSON.stringify(line)}`);
  }
}

export class TestDnsServer {
  private records: Rec[] = [];
  rules: Rule[];
  readonly queries: { name: string; type: string; transport: 'udp' | 'tcp' }[] = [];
  private udp?: UdpSocket;
  private tcp?: Server;
  private readonly sockets = new Set<Socket>();
  host = '127.0.0.1';
  port = 0;

  constructor(private readonly opts: DnsServerOptions = {}) {
    this.rules = opts.rules ?? [];
    this.setRecords(opts.records ?? []);
  }

  get address(): { host: string; port: number } {
    return { host: this.host, port: this.port };
  }

  /** resolverArg returns the `--resolver` value for this server. */
  get resolverArg(): string {
    return this.host.includes(':') ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`;
  }

  setRecords(lines: string[]): void {
    this.records = lines.map(parseRecord);
  }

  addRecords(lines: string[]): void {
    this.records.push(...lines.map(parseRecord));
  }

  async start(): Promise<this> {
    this.host = this.opts.host ?? '127.0.0.1';
    const family = this.host.includes(':') ? 'udp6' : 'udp4';
    // Bind UDP and TCP to the same port: pick a port with UDP, then take it for TCP (retry on clash).
    for (let attempt = 0; attempt < 20; attempt++) {
      const udp = createSocket(family);
      udp.bind(this.opts.port ?? 0, this.host);
      await once(udp, 'listening');
      const port = udp.address().port;
      const tcp = createServer((s) => this.onTcp(s));
      const ok = await new Promise<boolean>((resolve) => {
        tcp.once('error', () => resolve(false));
        tcp.listen(port, this.host, () => resolve(true));
      });
      if (!ok) {
        udp.close();
        continue;
      }
      this.udp = udp;
      this.tcp = tcp;
      this.port = port;
      udp.on('message', (msg, rinfo) => void this.onUdp(msg, rinfo.address, rinfo.port));
      return this;
    }
    throw new Error('test DNS server: could not bind UDP and TCP on one port');
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all([
      this.udp ? new Promise<void>((r) => this.udp!.close(() => r())) : undefined,
      this.tcp ? new Promise<void>((r) => this.tcp!.close(() => r())) : undefined,
    ]);
  }

  private rule(name: string, type: string): Rule | undefined {
    return this.rules.find((r) => norm(r.name) === name && (!r.type || r.type === type));
  }

  private async onUdp(msg: Buffer, host: string, port: number): Promise<void> {
    const reply = await this.answer(msg, 'udp');
    if (reply) this.udp?.send(reply, port, host);
  }

  private onTcp(sock: Socket): void {
    this.sockets.add(sock);
    sock.on('close', () => this.sockets.delete(sock));
    sock.on('error', () => {});
    let buf = Buffer.alloc(0);
    sock.on('data', async (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= buf.readUInt16BE(0) + 2) {
        const len = buf.readUInt16BE(0);
        const q = buf.subarray(2, len + 2);
        buf = buf.subarray(len + 2);
        const reply = await this.answer(q, 'tcp');
        if (reply && !sock.destroyed) {
          const framed = Buffer.alloc(reply.length + 2);
          framed.writeUInt16BE(reply.length, 0);
          reply.copy(framed, 2);
          sock.write(framed);
        }
      }
    });
  }

  private zoneOf(name: string): Rec | undefined {
    let best: Rec | undefined;
    for (const r of this.records) {
      if (r.type !== 'SOA') continue;
      if ((name === r.name || name.endsWith(`.${r.name}`)) && (!best || r.name.length > best.name.length)) best = r;
    }
    return best;
  }

  private exists(name: string): boolean {
    return this.records.some((r) => r.name === name || r.name.endsWith(`.${name}`));
  }

  private async answer(msg: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    let query: packet.DecodedPacket;
    try {
      query = packet.decode(msg);
    } catch {
      return undefined;
    }
    const q = query.questions?.[0];
    if (!q) return undefined;
    const qname = norm(q.name);
    this.queries.push({ name: qname, type: q.type, transport });
    const rule = this.rule(qname, q.type);
    const base = { type: 'response' as const, id: query.id, questions: query.questions };
    const aaFlag = this.opts.authoritative === false || rule?.action === 'noaa' ? 0 : packet.AUTHORITATIVE_ANSWER;
    const rdFlag = (query.flags ?? 0) & packet.RECURSION_DESIRED;
    const flagsFor = (rcode: number) => aaFlag | rdFlag | packet.RECURSION_AVAILABLE | rcode;
    if (rule) {
      switch (rule.action) {
        case 'drop':
          return undefined;
        case 'delay':
          await new Promise((r) => setTimeout(r, rule.delayMs ?? 1000));
          break;
        case 'servfail':
          return packet.encode({ ...base, flags: flagsFor(2) });
        case 'refused':
          return packet.encode({ ...base, flags: rdFlag | 5 });
        case 'nxdomain':
          return packet.encode({ ...base, flags: flagsFor(3) });
        case 'malformed': {
          const garbage = Buffer.from([0, 0, 0x81, 0x80, 0, 1, 0, 5, 0, 0, 0, 0, 0xff, 0xff, 0xff]);
          garbage.writeUInt16BE(query.id ?? 0, 0);
          return garbage;
        }
        case 'wrongid':
          return packet.encode({ ...base, id: ((query.id ?? 0) + 1) & 0xffff, flags: flagsFor(0) });
        case 'truncate':
          if (transport === 'udp') return packet.encode({ ...base, flags: flagsFor(0) | packet.TRUNCATED_RESPONSE });
          break;
        default:
          break;
      }
    }
    const answers: packet.Answer[] = [];
    let owner = qname;
    const seen = new Set<string>();
    for (;;) {
      const exact = this.records.filter((r) => r.name === owner && r.type === q.type);
      if (exact.length > 0) {
        answers.push(...exact.map((r) => ({ name: r.name, type: r.type, ttl: r.ttl, data: r.data }) as packet.Answer));
        break;
      }
      const cname = this.records.find((r) => r.name === owner && r.type === 'CNAME');
      if (!cname || q.type === 'CNAME') break;
      answers.push({ name: cname.name, type: 'CNAME', ttl: cname.ttl, data: cname.data } as packet.Answer);
      if (this.opts.chase === false || seen.has(owner)) break;
      seen.add(owner);
      owner = cname.data as string;
    }
    const additionals: packet.Answer[] = [];
    if (q.type === 'NS') {
      for (const ns of answers.filter((a) => a.type === 'NS') as { data: string }[]) {
        for (const g of this.records.filter((r) => r.name === ns.data && (r.type === 'A' || r.type === 'AAAA'))) {
          additionals.push({ name: g.name, type: g.type, ttl: g.ttl, data: g.data } as packet.Answer);
        }
      }
    }
    const found = answers.some((a) => a.type === q.type);
    const nx = !found && !this.exists(owner);
    const zone = this.zoneOf(owner);
    const authorities: packet.Answer[] =
      answers.length === 0 || answers.at(-1)?.type === 'CNAME'
        ? zone
          ? [{ name: zone.name, type: 'SOA', ttl: zone.ttl, data: zone.data } as packet.Answer]
          : []
        : [];
    return packet.encode({ ...base, flags: flagsFor(nx ? 3 : 0), answers, authorities, additionals });
  }
}

/** startDnsServer starts a TestDnsServer and returns it once it listens. */
export function startDnsServer(opts: DnsServerOptions = {}): Promise<TestDnsServer> {
  return new TestDnsServer(opts).start();
}

/**
 * startServersOnOnePort starts one server per host (127.0.0.2, 127.0.0.3, ...) all on the same
 * port, as authoritative servers of one zone are reached with `--port-map 53=<port>`.
 */
export async function startServersOnOnePort(specs: (DnsServerOptions & { host: string })[]): Promise<TestDnsServer[]> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const first = await startDnsServer({ ...specs[0]! });
    const rest: TestDnsServer[] = [];
    try {
      for (const spec of specs.slice(1)) rest.push(await startDnsServer({ ...spec, port: first.port }));
      return [first, ...rest];
    } catch {
      await Promise.all([first, ...rest].map((s) => s.close()));
    }
  }
  throw new Error('could not start DNS servers on one port');
}
