import { createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requiredKeywords, splitAlternatives } from '../../src/checks/automation/log-prefilter.js';
import { compileLogRules, LogRulesConfigSchema } from '../../src/checks/automation/log-rules-schema.js';
import {
  BUILTIN_RULES,
  classifyLog,
  classifyLogText,
  LogClassifier,
  type LogReport,
  MAX_MATCHES,
} from '../../src/checks/automation/logs.js';
import { certbot, freePort, type Lab, runTool, startLab } from '../support/acme-lab.js';
import { toolOrSkip } from '../support/tools.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/logs/', import.meta.url));
const REAL = join(FIXTURES, 'real');
const read = (name: string) => readFileSync(join(FIXTURES, name));
const summary = (r: LogReport) => r.findings.map((f) => `${f.code}:${f.severity[0]}`);

/** Hand-written excerpts in the words of each tool: primary cause first, then the other categories. */
const EXCERPTS: [string, string[]][] = [
  ['certbot-letsencrypt-firewall.log', ['log.dcv_failure:c']],
  ['certbot-rate-limited.log', ['log.rate_limited:c']],
  ['certbot-caa.log', ['log.caa_blocked:c', 'log.dcv_failure:w']],
  ['certbot-bad-csr.log', ['log.csr_rejected:c']],
  ['certbot-policy.log', ['log.manual_review:c']],
  ['cert-manager.log', ['log.dcv_failure:c', 'log.rate_limited:w']],
  ['cert-manager-dns01-route53.log', ['log.auth_failure:c']],
  ['acme.sh.log', ['log.dcv_failure:c']],
  ['acme.sh-reload.log', ['log.restart_failure:c']],
  ['caddy.log', ['log.dcv_failure:c']],
  ['caddy-storage.log', ['log.keystore_write_failure:c']],
  ['ssh-deploy.log', ['log.auth_failure:c']],
  ['ssh-timeout.log', ['log.network_timeout:c']],
  ['ansible-restart.log', ['log.restart_failure:c']],
  ['winrm.log', ['log.auth_failure:c']],
  ['winrm-unreachable.log', ['log.network_timeout:c']],
  ['iis.log', ['log.keystore_write_failure:c']],
  ['iis-binding.log', ['log.restart_failure:c']],
  ['keytool.log', ['log.keystore_write_failure:c']],
  ['tomcat.log', ['log.keystore_write_failure:c', 'log.restart_failure:w']],
  ['haproxy.log', ['log.keystore_write_failure:c', 'log.restart_failure:w']],
  ['disk-full.log', ['log.keystore_write_failure:c']],
  ['ca-api.log', ['log.auth_failure:c']],
  ['ca-api-5xx.log', ['log.connector_error:c']],
  ['ca-manual-review.log', ['log.manual_review:c']],
  ['bot-network.log', ['log.network_timeout:c']],
  ['nothing-wrong.log', ['log.unknown:i']],
];

describe('classifyLogText on hand-written excerpts', () => {
  test.each(EXCERPTS)('%s → %j', (file, expected) => {
    const r = classifyLogText(read(file), { target: file });
    expect(summary(r)).toEqual(expected);
    expect(r.code).toBe(r.findings[0]!.code);
    expect(r.category).toBe(r.code.slice(4));
    expect(r.target).toBe(file);
  });

  test('every excerpt file is in the table', () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.log'));
    expect(files.sort()).toEqual(EXCERPTS.map(([f]) => f).sort());
  });

  test('the ACME detail outranks the type: "Timeout during connect" is the CA failing to connect, not the bot', () => {
    const r = classifyLogText(read('certbot-letsencrypt-firewall.log'));
    expect(r.findings.map((f) => f.code)).not.toContain('log.network_timeout');
    expect(r.findings[0]!.evidence).toMatchObject({ rule: 'acme.firewall_timeout', line: 7 });
    expect(r.findings[0]!.detail).toContain('Timeout during connect (likely firewall problem)');
    expect(r.matches.map((m) => m.line)).toEqual([4, 6, 7, 10, 11, 15]);
  });

  test("the bot's own timeout is a network timeout", () => {
    const r = classifyLogText(read('bot-network.log'));
    expect(r.findings[0]!.evidence['count']).toBe(2);
    expect(r.matches.map((m) => m.rule)).toEqual(['net.timeout', 'net.timeout']);
  });

  test('matches quote the line, its number and the rule', () => {
    const r = classifyLogText(read('ssh-deploy.log'));
    expect(r.matches).toEqual([
      { line: 5, text: 'deploy@web-2.internal: Permission denied (publickey,password).', rule: 'ssh.auth' },
    ]);
  });
});

describe('ACME detail texts of real CAs', () => {
  test.each([
    ['Sign failed: "detail":"Invalid key in certificate request :: key too large: 8192 > 4096"', 'log.csr_rejected'],
    [
      'Error creating new order :: Cannot issue for "x_y.example.com": Domain name contains an invalid character',
      'log.csr_rejected',
    ],
    ['Detail: 203.0.113.10: Timeout after connect (your server may be slow or overloaded)', 'log.dcv_failure'],
    [
      'Detail: DNS problem: NXDOMAIN looking up TXT for _acme-challenge.example.com - check that a DNS record exists',
      'log.dcv_failure',
    ],
    [
      "Detail: DNS problem: SERVFAIL looking up CAA for example.com - the domain's nameservers may be malfunctioning",
      'log.caa_blocked',
    ],
    ['Error creating new order :: too many failed authorizations recently', 'log.rate_limited'],
  ])('%s → %s', (line, code) => {
    expect(classifyLogText(line).code).toBe(code);
  });
});

describe('the ACME problem types (RFC 8555 §6.7) map to categories', () => {
  test.each([
    ['caa', 'log.caa_blocked'],
    ['rateLimited', 'log.rate_limited'],
    ['badCSR', 'log.csr_rejected'],
    ['badPublicKey', 'log.csr_rejected'],
    ['badSignatureAlgorithm', 'log.csr_rejected'],
    ['rejectedIdentifier', 'log.csr_rejected'],
    ['connection', 'log.dcv_failure'],
    ['dns', 'log.dcv_failure'],
    ['incorrectResponse', 'log.dcv_failure'],
    ['tls', 'log.dcv_failure'],
    ['unauthorized', 'log.dcv_failure'],
    ['externalAccountRequired', 'log.auth_failure'],
    ['serverInternal', 'log.connector_error'],
    ['malformed', 'log.connector_error'],
    ['badNonce', 'log.connector_error'],
    ['userActionRequired', 'log.connector_error'],
  ])('urn:ietf:params:acme:error:%s → %s', (type, code) => {
    const line = `{"type":"urn:ietf:params:acme:error:${type}","detail":"something","status":400}`;
    expect(classifyLogText(line).code).toBe(code);
  });
});

describe('the classifier mechanics', () => {
  const failing = 'keytool error: java.io.IOException: Keystore was tampered with, or password was incorrect';

  test('streaming in chunks of any size gives the same report as the whole text', async () => {
    const text = Buffer.concat(EXCERPTS.map(([f]) => read(f)));
    const whole = classifyLogText(text);
    for (const size of [1, 7, 64, 1000]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.subarray(i, i + size));
      const streamed = await classifyLog(chunks);
      expect(summary(streamed)).toEqual(summary(whole));
      expect(streamed.matches).toEqual(whole.matches);
      expect(streamed.facts['lines']).toBe(whole.facts['lines']);
    }
  });

  test('multi-byte characters split across chunks are decoded', async () => {
    const text = Buffer.from(`prüfung ✓ läuft\n${failing} für ✓ dépôt\n`);
    const chunks = [...text].map((b) => Buffer.from([b]));
    const r = await classifyLog(chunks);
    expect(r.matches[0]!.text).toBe(`${failing} für ✓ dépôt`);
    expect(r.matches[0]!.line).toBe(2);
  });

  test('a file read stream works and counts lines', async () => {
    const r = await classifyLog(createReadStream(join(FIXTURES, 'haproxy.log'), { highWaterMark: 16 }));
    expect(r.code).toBe('log.keystore_write_failure');
    expect(r.facts['lines']).toBe(4);
  });

  test('matches are capped at 50, keeping the first line of every category', () => {
    const lines = [
      ...Array.from({ length: 200 }, () => failing),
      'Job for nginx.service failed because the control process exited',
    ];
    const r = classifyLogText(lines.join('\n'));
    expect(r.matches).toHaveLength(MAX_MATCHES);
    expect(r.matches.at(-1)).toMatchObject({ line: 201, rule: 'service.restart' });
    expect(r.findings[0]!.evidence['count']).toBe(200);
    expect(r.findings.map((f) => f.code)).toEqual(['log.keystore_write_failure', 'log.restart_failure']);
  });

  test('CRLF, ANSI colours and control characters are cleaned in quotes', () => {
    const r = classifyLogText(`ok\r\n\x1b[31mERROR\x1b[0m ${failing}\x07\r\n`);
    expect(r.matches[0]!.text).toBe(`ERROR ${failing}`);
  });

  test('a long line without newlines is cut, not held whole', () => {
    const c = new LogClassifier();
    for (let i = 0; i < 100; i++) c.push('x'.repeat(10_000));
    c.push(`\n${failing}\n`);
    const r = c.end();
    expect(r.code).toBe('log.keystore_write_failure');
    expect(r.facts['longLines']).toBeGreaterThan(0);
    expect(r.matches[0]!.text.length).toBeLessThanOrEqual(300);
  });

  test('binary garbage is log.unknown, never a throw', () => {
    const bytes = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 131 + 7) % 256));
    const r = classifyLogText(bytes);
    expect(r.findings.map((f) => f.code)).toEqual(['log.unknown']);
    expect(r.status).toBe('ok');
    expect(r.category).toBe('unknown');
  });

  test('a low-confidence line never becomes the primary cause over a confident one', () => {
    const r = classifyLogText(
      ["Hook 'deploy-hook' reported error code 1", 'cannot load certificate "/etc/ssl/x.pem"'].join('\n'),
    );
    expect(summary(r)).toEqual(['log.keystore_write_failure:c', 'log.restart_failure:w']);
  });

  test('the prefilter keeps every line a rule matches (each rule alternative has a keyword)', () => {
    for (const rule of BUILTIN_RULES) {
      for (const alt of splitAlternatives(rule.pattern.source))
        expect(requiredKeywords(alt), `${rule.id}: ${alt}`).not.toEqual([]);
    }
  });

  test.each([
    ['(?:cannot|could not) write', ['cannot', 'could not']],
    ['Timeout during (?:connect|read) \\(likely firewall problem\\)', [' (likely firewall problem)']],
    ['colou?r (?:red|blue)', ['colo']],
    ['a.b (?:x|yz)', []],
    ['\\bType:\\s+connection\\s*$', ['Type:']],
    ['abc\\d+defgh', ['defgh']],
    ['x{2,3}yz', []],
  ])('requiredKeywords(%s)', (alt, expected) => {
    expect(requiredKeywords(alt)).toEqual(expected);
  });
});

describe('operator rules from the config file', () => {
  const rules = compileLogRules(
    LogRulesConfigSchema.parse([
      {
        id: 'vault.sealed',
        pattern: 'Vault is sealed',
        category: 'connector_error',
        explanation: 'The secrets store is sealed; the bot cannot read the CA credentials.',
        fixes: ['Unseal Vault.'],
      },
      {
        id: 'override.keytool',
        pattern: 'keytool error',
        category: 'log.auth_failure',
        explanation: 'x',
        confidence: 'medium',
      },
    ]),
  );

  test('a case-sensitive rule (flags: "") matches only the exact case', () => {
    const sensitive = compileLogRules(
      LogRulesConfigSchema.parse([
        { id: 'e401', pattern: 'DEPLOY-E401', flags: '', category: 'auth_failure', explanation: 'x' },
      ]),
    );
    expect(classifyLogText('deploy-e401\n', { rules: sensitive }).code).toBe('log.unknown');
    expect(classifyLogText('x DEPLOY-E401 y\n', { rules: sensitive }).code).toBe('log.auth_failure');
  });

  test('are tried before the built-in rules and bring their fixes', () => {
    const r = classifyLogText('2026-11-27 deploy: Vault is sealed\nkeytool error: wrong password\n', { rules });
    expect(summary(r)).toEqual(['log.connector_error:c', 'log.auth_failure:w']);
    expect(r.findings[0]!.fixes[0]).toBe('Unseal Vault.');
    expect(r.matches.map((m) => m.rule)).toEqual(['vault.sealed', 'override.keytool']);
  });

  test('bad entries are refused with the field named', () => {
    const bad = LogRulesConfigSchema.safeParse([{ id: 'x', pattern: '(', category: 'auth_failure', explanation: 'x' }]);
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual([0, 'pattern']);
    const cat = LogRulesConfigSchema.safeParse([{ id: 'x', pattern: 'y', category: 'nope', explanation: 'x' }]);
    expect(cat.error?.issues[0]?.path).toEqual([0, 'category']);
    const flags = LogRulesConfigSchema.safeParse([
      { id: 'x', pattern: '\\p{L}', flags: 'u', category: 'auth_failure', explanation: 'x' },
    ]);
    expect(flags.error?.issues[0]?.path).toEqual([0, 'flags']);
  });
});

describe('real tools: certbot against a local pebble ACME server, nginx -t', () => {
  const pebble = toolOrSkip('pebble');
  const certbotPath = toolOrSkip('certbot');
  const nginx = toolOrSkip('nginx');
  const openssl = toolOrSkip('openssl');
  const ready = Boolean(pebble && certbotPath && nginx && openssl);
  const capture = process.env['CERTMEDIC_CAPTURE_LOGS'] === '1';
  let lab: Lab;
  let work: string;
  beforeAll(async () => {
    if (!ready) return;
    work = mkdtempSync(join(tmpdir(), 'logs-real-'));
    lab = await startLab({
      pebble: pebble!,
      openssl: openssl!,
      records: ['shop.example.test A 127.0.0.1', 'wrong.example.test A 127.0.0.1'],
    });
  }, 30_000);
  afterAll(async () => {
    await lab?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** check classifies a real tool's output, and with CERTMEDIC_CAPTURE_LOGS=1 saves it as a fixture. */
  function check(name: string, output: string, expected: string[]) {
    if (capture) writeFileSync(join(REAL, `${name}.log`), output);
    const r = classifyLogText(output, { target: name });
    expect(summary(r), output).toEqual(expected);
    return r;
  }

  test.skipIf(!ready)(
    'nothing listens on the validation port: connection refused is a DCV failure',
    async () => {
      const other = await freePort();
      const out = await certbot(lab, certbotPath!, 'shop.example.test', [
        '--standalone',
        '--http-01-port',
        String(other),
      ]);
      expect(out.code).toBe(1);
      const r = check('certbot-pebble-connection-refused', out.output, ['log.dcv_failure:c']);
      expect(r.matches.map((m) => m.rule)).toContain('acme.fetch_failed');
    },
    120_000,
  );

  test.skipIf(!ready)(
    'the name does not resolve for the CA: DCV failure',
    async () => {
      const other = await freePort();
      const out = await certbot(lab, certbotPath!, 'missing.example.test', [
        '--standalone',
        '--http-01-port',
        String(other),
      ]);
      check('certbot-pebble-unresolvable', out.output, ['log.dcv_failure:c']);
    },
    120_000,
  );

  test.skipIf(!ready)(
    'the server answers the challenge with the wrong content: DCV failure (unauthorized)',
    async () => {
      const other = await freePort();
      const server = createServer((_req, res) => res.end('not the key authorization')).listen(
        lab.httpPort,
        '127.0.0.1',
      );
      try {
        const out = await certbot(lab, certbotPath!, 'wrong.example.test', [
          '--standalone',
          '--http-01-port',
          String(other),
        ]);
        const r = check('certbot-pebble-wrong-content', out.output, ['log.dcv_failure:c']);
        expect(r.matches.map((m) => m.rule)).toEqual(
          expect.arrayContaining(['acme.unauthorized', 'acme.fetch_failed']),
        );
      } finally {
        server.close();
      }
    },
    120_000,
  );

  test.skipIf(!ready)(
    'issued, but the deploy hook (nginx -t) fails on a missing certificate file',
    async () => {
      writeFileSync(
        join(work, 'missing-cert.conf'),
        `events {}\nhttp {\n  server {\n    listen 127.0.0.1:${await freePort()} ssl;\n    ssl_certificate ${work}/missing.pem;\n    ssl_certificate_key ${work}/missing.key;\n  }\n}\n`,
      );
      const hook = `${nginx} -t -p ${work} -c ${work}/missing-cert.conf -e stderr -g "pid ${work}/nginx.pid;"`;
      const out = await certbot(lab, certbotPath!, 'shop.example.test', [
        '--standalone',
        '--http-01-port',
        String(lab.httpPort),
        '--deploy-hook',
        hook,
      ]);
      expect(out.output).toContain('Successfully received certificate');
      check('certbot-pebble-deploy-hook-nginx', out.output, ['log.keystore_write_failure:c', 'log.restart_failure:w']);
    },
    120_000,
  );

  test.skipIf(!ready)(
    'the ACME directory is unreachable: a network failure of the bot',
    async () => {
      const closed = await freePort();
      const out = await certbot(
        lab,
        certbotPath!,
        'shop.example.test',
        ['--standalone'],
        `https://127.0.0.1:${closed}/dir`,
      );
      check('certbot-ca-unreachable', out.output, ['log.network_timeout:c']);
    },
    120_000,
  );

  test.skipIf(!ready)(
    'nginx -t on a broken configuration',
    async () => {
      writeFileSync(
        join(work, 'syntax.conf'),
        'events {}\nhttp {\n  server {\n    listen 127.0.0.1:8080\n    server_name x;\n  }\n}\n',
      );
      const out = await runTool(nginx!, [
        '-t',
        '-p',
        work,
        '-c',
        join(work, 'syntax.conf'),
        '-e',
        'stderr',
        '-g',
        `pid ${work}/n.pid;`,
      ]);
      expect(out.code).not.toBe(0);
      check('nginx-t-syntax-error', out.output, ['log.restart_failure:c']);
    },
    60_000,
  );

  test.skipIf(!ready)(
    'pebble requires external account binding: an account/auth failure',
    async () => {
      const eabLab = await startLab({
        pebble: pebble!,
        openssl: openssl!,
        records: ['shop.example.test A 127.0.0.1'],
        eabRequired: true,
      });
      try {
        const out = await certbot(eabLab, certbotPath!, 'shop.example.test', [
          '--standalone',
          '--http-01-port',
          String(eabLab.httpPort),
        ]);
        check('certbot-pebble-eab-required', out.output, ['log.auth_failure:c']);
      } finally {
        await eabLab.close();
      }
    },
    120_000,
  );
});

describe('captured output of the real tools (test/fixtures/logs/real, made by the tests above)', () => {
  const expected: Record<string, string[]> = {
    'certbot-pebble-connection-refused.log': ['log.dcv_failure:c'],
    'certbot-pebble-unresolvable.log': ['log.dcv_failure:c'],
    'certbot-pebble-wrong-content.log': ['log.dcv_failure:c'],
    'certbot-pebble-deploy-hook-nginx.log': ['log.keystore_write_failure:c', 'log.restart_failure:w'],
    'certbot-ca-unreachable.log': ['log.network_timeout:c'],
    'nginx-t-syntax-error.log': ['log.restart_failure:c'],
    'certbot-pebble-eab-required.log': ['log.auth_failure:c'],
  };
  test.each(Object.entries(expected))('%s → %j', (file, codes) => {
    expect(summary(classifyLogText(readFileSync(join(REAL, file))))).toEqual(codes);
  });
});
