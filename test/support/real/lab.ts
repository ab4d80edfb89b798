/**
 * The real-world lab: third-party servers on loopback, wired the way the internet is.
 * - NSD (authoritative) serves `test.`, `example.test`, `platform.test`, `acme-dns.test` and
 *   `lame.test` on 127.0.0.2; a second NSD on 127.0.0.3 is a secondary of `example.test` that
 *   missed the last transfer (older serial, older data) and does not serve `lame.test` at all.
 * - unbound (recursive) has stub zones pointing at 127.0.0.2.
 * - nginx serves HTTP on 127.0.0.10 and 127.0.0.11 (port 80 mapped), HTTPS with openssl-made
 *   chains (port 443 mapped) and a vhost on the mapped 8081; 127.0.0.12 has nothing listening.
 * Every name, record and vhost is named for the one way it misbehaves.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliResult, runCli } from '../cli.js';
import { startUnbound, type Unbound } from '../unbound.js';
import { type Nginx, nginxDir, startNginx } from './nginx.js';
import { freePortOn, type Nsd, startNsd } from './nsd.js';
import { type Issued, Pki, stamp } from './pki.js';
import { startSServer } from './s-server.js';

export const TOKEN = 'rw_Token-0123456789abcdefghijklmnopqrstuvwx';
export const KEYAUTH = `${TOKEN}.Thumbprint_0123456789abcdefghijklmnopqrstu`;
export const ACCOUNT = 'https://acme-v02.api.letsencrypt.org/acme/acct/4242';
/** CA file validation (BR 3.2.2.4.18): the file and the content the CA asked for. */
export const FILE_PATH = '/.well-known/pki-validation/fileauth.txt';
export const FILE_CONTENT = '202611271200003a8fzq7e0kxk0e4m2pw6u3h2j3w6pvdqqg1vdb8h2l3k';
export const WEB = '127.0.0.10';
export const WEB2 = '127.0.0.11';
export const DEAD = '127.0.0.12';
/** openssl s_server answering ALPN acme-tls/1 with the challenge certificate (TLS-ALPN-01 responder). */
export const ALPN = '127.0.0.13';
/** openssl s_server without ALPN. */
export const NO_ALPN = '127.0.0.14';
/** nginx speaking TLS on the (mapped) port 80. */
export const TLS_ON_80 = '127.0.0.15';

/** caaGeneric writes a CAA record in RFC 3597 form (NSD refuses upper-case tags in CAA syntax). */
function caaGeneric(flags: number, tag: string, value: string): string {
  const rdata = Buffer.concat([Buffer.from([flags, tag.length]), Buffer.from(tag), Buffer.from(value)]);
  return `\\# ${rdata.length} ${rdata.toString('hex')}`;
}

/** soa returns the zone's SOA and NS lines. */
function head(origin: string, serial: number, ns: string[]): string {
  return `$ORIGIN ${origin}.\n$TTL 60\n@ SOA ns1.example.test. hostmaster.example.test. ${serial} 3600 600 86400 60\n${ns.map((n) => `@ NS ${n}.\n`).join('')}`;
}

/** exampleZone returns example.test as the primary (fresh) or the lagging secondary serves it. */
export function exampleZone(fresh: boolean): string {
  return `${head('example.test', fresh ? 2026112702 : 2026112701, ['ns1.example.test', 'ns2.example.test'])}
ns1 A 127.0.0.2
ns2 A 127.0.0.3
@ CAA 0 issue "letsencrypt.org"
@ CAA 0 issuewild ";"
@ CAA 0 iodef "mailto:security@example.test"
shop A ${WEB}
_acme-challenge.shop TXT "shop-dns01-value"
www CNAME shop
deep.sub A ${WEB}
ecdsa A ${WEB}
fullroot A ${WEB}
expired A ${WEB}
future A ${WEB}
soon A ${WEB}
wrongname A ${WEB}
selfsigned A ${WEB}
leafonly A ${WEB}
untrusted A ${WEB}
notfound A ${WEB}
forbidden A ${WEB}
wrongcontent A ${WEB}
broken500 A ${WEB}
login A ${WEB}
redir8081 A ${WEB}
redirhttps A ${WEB}
redirexpired A ${WEB}
redirip A ${WEB}
redirother A ${WEB}
pool A ${WEB}
pool A ${WEB2}
dead A ${DEAD}
halfdead A ${WEB}
halfdead A ${DEAD}
v6broken A ${WEB}
v6broken AAAA ::1
noaddr TXT "no address here"
cdn CNAME edge.platform.test.
cdn2 CNAME edge2.platform.test.
locked A ${WEB}
locked CAA 0 issue ";"
acct A ${WEB}
acct CAA 0 issue "letsencrypt.org; accounturi=${ACCOUNT}"
methods A ${WEB}
methods CAA 0 issue "letsencrypt.org; validationmethods=dns-01"
crit A ${WEB}
crit CAA 0 issue "letsencrypt.org"
crit CAA 128 tbs "unknown-critical-property"
upper A ${WEB}
upper CAA ${caaGeneric(0, 'ISSUE', 'digicert.com')}
bad A ${WEB}
bad CAA 0 issue "letsencrypt.org; accounturi"
dotted A ${WEB}
dotted CAA 0 issue "letsencrypt.org."
padded A ${WEB}
weakkey A ${WEB}
sha1 A ${WEB}
oldinter A ${WEB}
interexpiring A ${WEB}
mail A ${WEB}
redirloop A ${WEB}
xn--bcher-kva A ${WEB}
alpn A ${ALPN}
big A ${WEB}
tlson80 A ${TLS_ON_80}
${Array.from({ length: 40 }, (_, i) => `_acme-challenge.big TXT "stale-${String(i).padStart(2, '0')}-${'v'.repeat(50)}"`).join('\n')}
_acme-challenge.big TXT "big-fresh-value"
noalpn A ${NO_ALPN}
redirmany A ${WEB}
huge A ${WEB}
open A ${WEB}
open CAA 0 issuewild "letsencrypt.org"
_acme-challenge.open TXT "open-wildcard-value"
_acme-challenge.deleg CNAME deleg.acme-dns.test.
deleg A ${WEB}
_acme-challenge.brokendeleg CNAME gone.acme-dns.test.
brokendeleg A ${WEB}
missing A ${WEB}
${fresh ? '_acme-challenge.lag TXT "lag-fresh-value"' : ''}
lag A ${WEB}
drift A ${fresh ? WEB : WEB2}
loop1 CNAME loop2
loop2 CNAME loop1
`;
}

/** Names (under example.test) served with a good certificate by the default TLS server. */
const COVERED = [
  'cdn',
  'cdn2',
  'notfound',
  'forbidden',
  'wrongcontent',
  'broken500',
  'login',
  'redir8081',
  'redirip',
  'redirother',
  'dead',
  'noaddr',
  'padded',
  'dotted',
  'redirexpired',
  'redirloop',
  'xn--bcher-kva',
  'big',
  'redirmany',
  'huge',
  'deep.sub',
  'v6broken',
  'locked',
  'acct',
  'methods',
  'crit',
  'upper',
  'bad',
  'open',
  'deleg',
  'brokendeleg',
  'missing',
  'lag',
  'drift',
];

const ZONES: Record<string, string> = {
  test: `${head('test', 1, ['ns1.example.test'])}`,
  'platform.test': `${head('platform.test', 1, ['ns1.example.test'])}
edge A ${WEB}
edge CAA 0 issue "digicert.com"
@ CAA 0 issue "digicert.com"
edge2 A ${WEB}
`,
  'acme-dns.test': `${head('acme-dns.test', 1, ['ns1.example.test'])}
deleg TXT "delegated-dns01-value"
`,
  'lame.test': `${head('lame.test', 1, ['ns1.example.test', 'ns2.example.test'])}
host A ${WEB}
`,
  // One name server's name does not exist.
  'ghostns.test': `${head('ghostns.test', 1, ['ns1.example.test', 'ghost.example.test'])}
host A ${WEB}
`,
};

export interface Lab {
  pki: Pki;
  dnsPort: number;
  httpPort: number;
  tlsPort: number;
  altPort: number;
  /** True when nginx's mail module serves SMTP/IMAP/POP3 with STARTTLS (ports 25, 587, 143, 110, 465, 2525 mapped). */
  mail: boolean;
  unbound: Unbound;
  /** --resolver, --port-map, --trust-anchor and --timeout for this lab. */
  base: string[];
  /** `certmedic diagnose <name> ...` against the lab, JSON out. */
  diag(name: string, ...extra: string[]): Promise<CliResult>;
  close(): Promise<void>;
}

function tlsServer(host: string, port: number, names: string, chain: Issued, extra = ''): string {
  return `  server {
    listen ${host}:${port} ssl;
    server_name ${names};
    ssl_certificate ${chain.fullchain};
    ssl_certificate_key ${chain.key};
${extra}    location / { return 200 "tls ok\\n"; }
  }
`;
}

function httpServers(webroot: string, host: string, port: number, altPort: number): string {
  const root = `root ${webroot};`;
  return `  server { listen ${host}:${port} default_server; server_name _; ${root} }
  server { listen ${host}:${port}; server_name notfound.example.test; root ${webroot}/../empty; }
  server { listen ${host}:${port}; server_name forbidden.example.test; ${root} location /.well-known/acme-challenge/ { deny all; } }
  server { listen ${host}:${port}; server_name wrongcontent.example.test; location /.well-known/acme-challenge/ { return 200 "this is not the key authorization\\n"; } }
  server { listen ${host}:${port}; server_name padded.example.test; location /.well-known/acme-challenge/ { return 200 "${KEYAUTH}${' '.repeat(60)}\n"; } }
  server { listen ${host}:${port}; server_name redirloop.example.test; return 302 http://$host$request_uri; }
  server { listen ${host}:${port}; server_name redirmany.example.test; location ~ ^/(.*)$ { return 302 http://$host/x$1; } }
  server { listen ${host}:${port}; server_name huge.example.test; root ${webroot}/../huge; }
  server { listen ${host}:${port}; server_name broken500.example.test; location / { return 500; } }
  server { listen ${host}:${port}; server_name login.example.test; location / { return 302 /login?next=$request_uri; } }
  server { listen ${host}:${port}; server_name redir8081.example.test; return 301 http://redir8081.example.test:8081$request_uri; }
  server { listen ${host}:${altPort}; server_name redir8081.example.test; ${root} }
  server { listen ${host}:${port}; server_name redirhttps.example.test; return 301 https://$host$request_uri; }
  server { listen ${host}:${port}; server_name redirexpired.example.test; return 308 https://expired.example.test$request_uri; }
  server { listen ${host}:${port}; server_name redirip.example.test; return 302 http://${WEB}$request_uri; }
  server { listen ${host}:${port}; server_name redirother.example.test; return 307 http://shop.example.test$request_uri; }
`;
}

/** startLab makes the PKI, writes the zones and nginx config, and starts nsd x2, unbound and nginx. */
export async function startLab(
  tools: { nsd: string; unbound: string; nginx: string; openssl: string },
  opts: { mail?: boolean } = {},
): Promise<Lab> {
  const pkiDir = mkdtempSync(join(tmpdir(), 'certmedic-pki-'));
  const pki = new Pki(tools.openssl, pkiDir);
  const otherDir = mkdtempSync(join(tmpdir(), 'certmedic-pki-other-'));
  const other = new Pki(tools.openssl, otherDir);
  const certs = {
    shop: pki.leaf('shop', {
      names: ['shop.example.test', 'www.example.test', 'redirhttps.example.test', 'halfdead.example.test'],
    }),
    ecdsa: pki.leaf('ecdsa', { names: ['ecdsa.example.test'], key: 'p256' }),
    fullroot: pki.leaf('fullroot', { names: ['fullroot.example.test'], key: 'p384' }),
    expired: pki.leaf('expired', { names: ['expired.example.test'], start: stamp(-100), end: stamp(-10) }),
    future: pki.leaf('future', { names: ['future.example.test'], start: stamp(3), end: stamp(90) }),
    soon: pki.leaf('soon', { names: ['soon.example.test'], start: stamp(-85), end: stamp(5) }),
    weakkey: pki.leaf('weakkey', { names: ['weakkey.example.test'], key: 'rsa1024' }),
    sha1: pki.leaf('sha1', { names: ['sha1.example.test'], md: 'sha1' }),
    oldinter: pki.leaf('oldinter', {
      names: ['oldinter.example.test'],
      issuer: pki.intermediate('Expired-R0', stamp(-400), stamp(-2)),
      start: stamp(-30),
      end: stamp(60),
    }),
    interexpiring: pki.leaf('interexpiring', {
      names: ['interexpiring.example.test'],
      issuer: pki.intermediate('Expiring-R2', stamp(-88), stamp(2)),
    }),
    open: pki.leaf('open', { names: ['*.open.example.test', 'open.example.test'], key: 'p256' }),
    leafonly: pki.leaf('leafonly', { names: ['leafonly.example.test'] }),
    poolA: pki.leaf('poolA', { names: ['pool.example.test'] }),
    poolB: pki.leaf('poolB', { names: ['pool.example.test'], start: stamp(-30), end: stamp(30) }),
    untrusted: other.leaf('untrusted', { names: ['untrusted.example.test'] }),
    selfsigned: pki.selfSigned('selfsigned', ['selfsigned.example.test']),
    mail: pki.leaf('mail', { names: ['mail.example.test'], key: 'p256' }),
    // The default server's certificate covers every name whose trouble lies elsewhere.
    rest: pki.leaf('rest', {
      names: COVERED.map((n) => `${n}.example.test`).concat([
        'host.lame.test',
        'host.ghostns.test',
        'edge.platform.test',
      ]),
    }),
  };
  // A server that sends the root too (allowed, if wasteful); one that sends only the leaf.
  writeFileSync(
    certs.fullroot.fullchain,
    [certs.fullroot.fullchain, pki.rootCert].map((f) => readFileSync(f, 'utf8')).join(''),
  );
  certs.leafonly.fullchain = certs.leafonly.cert;

  const dnsPort = await freePortOn(['127.0.0.2', '127.0.0.3']);
  const [httpPort, tlsPort, altPort] = [
    await freePortOn([WEB, WEB2, TLS_ON_80]),
    await freePortOn([WEB, WEB2, ALPN, NO_ALPN]),
    await freePortOn([WEB]),
  ];
  // Mail ports (logical -> real): SMTP, submission, IMAP, POP3, SMTPS, and an SMTP without STARTTLS.
  const mailPorts = new Map<number, number>();
  if (opts.mail) for (const p of [25, 587, 143, 110, 465, 2525]) mailPorts.set(p, await freePortOn([WEB]));
  const started: { close(): Promise<void> }[] = [];
  try {
    const primary = await startNsd(tools.nsd, ['127.0.0.2'], dnsPort, {
      ...ZONES,
      'example.test': exampleZone(true),
    });
    started.push(primary);
    const secondary: Nsd = await startNsd(tools.nsd, ['127.0.0.3'], dnsPort, { 'example.test': exampleZone(false) });
    started.push(secondary);
    const unbound = await startUnbound(tools.unbound, [
      ...['test', 'example.test', 'platform.test', 'acme-dns.test', 'lame.test', 'ghostns.test'].map((zone) => ({
        zone,
        host: '127.0.0.2',
        port: dnsPort,
      })),
      // Delegated to a server that does not serve it (REFUSED): unbound answers SERVFAIL.
      { zone: 'broken.test', host: '127.0.0.3', port: dnsPort },
    ]);
    started.push(unbound);

    const dir = nginxDir();
    const webroot = join(dir, 'www');
    mkdirSync(join(webroot, '.well-known', 'acme-challenge'), { recursive: true });
    mkdirSync(join(dir, 'empty'));
    mkdirSync(join(dir, 'huge', '.well-known', 'acme-challenge'), { recursive: true });
    writeFileSync(join(dir, 'huge', '.well-known', 'acme-challenge', TOKEN), `${KEYAUTH}\n${'x'.repeat(4 << 20)}`);
    writeFileSync(join(webroot, '.well-known', 'acme-challenge', TOKEN), `${KEYAUTH}\n`);
    mkdirSync(join(webroot, '.well-known', 'pki-validation'));
    writeFileSync(join(webroot, '.well-known', 'pki-validation', 'fileauth.txt'), `${FILE_CONTENT}\r\n`);
    const body = [
      httpServers(webroot, WEB, httpPort, altPort),
      // The second backend of pool.example.test answers 404 for the challenge: no vhost for it.
      `  server { listen ${WEB2}:${httpPort} default_server; server_name _; return 404; }\n`,
      `  server { listen ${WEB}:${httpPort}; server_name pool.example.test; root ${webroot}; }\n`,
      tlsServer(TLS_ON_80, httpPort, '_', certs.rest),
      tlsServer(WEB, tlsPort, '_', certs.rest).replace('ssl;', 'ssl default_server;'),
      tlsServer(WEB, tlsPort, 'selfsigned.example.test', certs.selfsigned),
      tlsServer(WEB, tlsPort, 'shop.example.test www.example.test halfdead.example.test', certs.shop),
      tlsServer(WEB, tlsPort, 'open.example.test', certs.open),
      tlsServer(WEB, tlsPort, 'redirhttps.example.test', certs.shop, `    root ${webroot};\n`).replace(
        '    location / { return 200 "tls ok\\n"; }\n',
        '',
      ),
      tlsServer(WEB, tlsPort, 'wrongname.example.test', certs.shop),
      tlsServer(WEB, tlsPort, 'ecdsa.example.test', certs.ecdsa),
      tlsServer(WEB, tlsPort, 'fullroot.example.test', certs.fullroot),
      tlsServer(WEB, tlsPort, 'expired.example.test', certs.expired, `    root ${webroot};\n`).replace(
        '    location / { return 200 "tls ok\\n"; }\n',
        '',
      ),
      tlsServer(WEB, tlsPort, 'future.example.test', certs.future),
      tlsServer(WEB, tlsPort, 'soon.example.test', certs.soon),
      tlsServer(WEB, tlsPort, 'leafonly.example.test', certs.leafonly),
      tlsServer(WEB, tlsPort, 'weakkey.example.test', certs.weakkey),
      tlsServer(WEB, tlsPort, 'sha1.example.test', certs.sha1),
      tlsServer(WEB, tlsPort, 'oldinter.example.test', certs.oldinter),
      tlsServer(WEB, tlsPort, 'interexpiring.example.test', certs.interexpiring),
      tlsServer(WEB, tlsPort, 'untrusted.example.test', certs.untrusted),
      tlsServer(WEB, tlsPort, 'pool.example.test', certs.poolA),
      tlsServer(WEB2, tlsPort, 'pool.example.test', certs.poolB).replace('ssl;', 'ssl default_server;'),
    ].join('');
    const mp = (p: number) => mailPorts.get(p)!;
    const mailBody = opts.mail
      ? `  server_name mail.example.test;
  auth_http 127.0.0.1:9/auth;
  ssl_certificate ${certs.mail.fullchain};
  ssl_certificate_key ${certs.mail.key};
  server { listen ${WEB}:${mp(25)}; protocol smtp; starttls on; }
  server { listen ${WEB}:${mp(587)}; protocol smtp; starttls on; }
  server { listen ${WEB}:${mp(143)}; protocol imap; starttls on; }
  server { listen ${WEB}:${mp(110)}; protocol pop3; starttls on; }
  server { listen ${WEB}:${mp(465)} ssl; protocol smtp; }
  server { listen ${WEB}:${mp(2525)}; protocol smtp; starttls off; }`
      : undefined;
    const nginx: Nginx = await startNginx(
      tools.nginx,
      dir,
      body,
      [
        { host: WEB, port: httpPort },
        { host: WEB2, port: httpPort },
        { host: WEB, port: tlsPort },
        { host: WEB2, port: tlsPort },
        { host: WEB, port: altPort },
        { host: TLS_ON_80, port: httpPort },
        ...[...mailPorts.values()].map((port) => ({ host: WEB, port })),
      ],
      mailBody,
    );
    started.push(nginx);
    const challenge = pki.acmeChallenge('alpn', 'alpn.example.test', KEYAUTH);
    started.push(await startSServer(tools.openssl, { host: ALPN, port: tlsPort, ...challenge, alpn: 'acme-tls/1' }));
    started.push(await startSServer(tools.openssl, { host: NO_ALPN, port: tlsPort, ...certs.selfsigned }));
    const portMap = [
      `53=${dnsPort},80=${httpPort},443=${tlsPort},8081=${altPort}`,
      ...[...mailPorts].map(([from, to]) => `${from}=${to}`),
    ].join(',');
    const base = [
      '--resolver',
      unbound.resolverArg,
      '--port-map',
      portMap,
      '--trust-anchor',
      pki.rootCert,
      '--timeout',
      '20000',
    ];
    return {
      base,
      pki,
      dnsPort,
      httpPort,
      tlsPort,
      altPort,
      mail: Boolean(opts.mail),
      unbound,
      diag: (name, ...extra) =>
        runCli(['diagnose', name, ...base, '--format', 'json', ...extra], { timeoutMs: 60_000 }),
      close: async () => {
        for (const s of started.reverse()) await s.close().catch(() => {});
        for (const d of [pkiDir, otherDir]) rmSync(d, { recursive: true, force: true });
      },
    };
  } catch (err) {
    for (const s of started.reverse()) await s.close().catch(() => {});
    throw err;
  }
}
