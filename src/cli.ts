#!/usr/bin/env node
/**
 * `certmedic` command line. Thin: parse options, call one service, render. Exit codes: 0 no
 * critical finding, 1 a critical finding, 2 bad usage or unreadable input (one line on stderr,
 * nothing on stdout). Heavy modules load lazily so `--version` starts fast.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** fail prints one line on stderr and exits 2. */
function fail(message: string): never {
  process.stderr.write(`certmedic: ${message.replace(/\s*\n\s*/g, ' ').trim()}\n`);
  process.exit(2);
}

async function loadCliConfig() {
  const { loadConfig } = await import('./config.js');
  return loadConfig(process.env, process.cwd(), { ignoreSlack: true });
}

/**
 * A reader that stops early (`certmedic scan ... | head`) closes stdout: the rest of the output is
 * dropped quietly (EPIPE), the command still finishes and exits with its own code, no stack trace.
 */
let stdoutClosed = false;
process.stdout.on('error', () => {
  stdoutClosed = true;
  process.stdout.emit('drain');
});
// --verbose lines to a closed stderr (`2>&1 | head`) are dropped the same way.
process.stderr.on('error', () => {});

function write(text: string): Promise<void> {
  return new Promise((resolve) => {
    if (stdoutClosed || process.stdout.write(text)) resolve();
    else process.stdout.once('drain', () => resolve());
  });
}

const program = new Command();
program
  .name('certmedic')
  .description('Diagnose TLS certificate incidents: DNS, CAA, validation, served certificates, CSRs and logs.')
  .version(pkg.version, '-V, --version')
  .showSuggestionAfterError(true)
  .exitOverride()
  .configureOutput({
    outputError: (str) => {
      process.stderr.write(
        `certmedic: ${str
          .replace(/^error:\s*/, '')
          .replace(/\s*\n\s*/g, ' ')
          .trim()}\n`,
      );
    },
  });

program
  .command('diagnose')
  .description('diagnose one name: DNS, CAA, CA-side risks, domain validation, served certificate')
  .argument('<name>', 'host name, optionally with :port (only DNS and the served certificate run then)')
  .option(
    '--ca <name|caa-domain>',
    'the CA to check CAA for: letsencrypt, sectigo, zerossl, digicert, ... or a CAA issuer domain',
  )
  .option('--account-uri <uri>', 'the ACME account URL (RFC 8657 accounturi)')
  .option(
    '--method <method>',
    'validation method: http-01, dns-01, tls-alpn-01 or none (default http-01; dns-01 with --wildcard)',
  )
  .option('--wildcard', 'the certificate is for *.<name>')
  .option('--http-token <token>', 'the HTTP-01 token to fetch')
  .option('--key-authorization <value>', 'the expected HTTP-01 key authorization')
  .option('--file-path <path>', 'CA file validation path (/.well-known/pki-validation/...)')
  .option('--file-content <value>', 'expected content of the validation file')
  .option('--txt <value>', 'expected DNS-01 TXT value')
  .option('--expect-serial <hex>', 'serial of the certificate that should be deployed')
  .option('--expect-sha256 <hex>', 'SHA-256 fingerprint of the certificate that should be deployed')
  .option('--starttls <proto>', 'smtp, imap, pop3, ldap, postgres or none (default by port)')
  .option('--trust-anchor <pem>', 'extra trusted root (repeatable)', collect)
  .option('--resolver <ip[:port]>', 'DNS resolver (default CERTMEDIC_RESOLVER, else /etc/resolv.conf)')
  .option('--port-map <from=to,...>', 'rewrite the ports probes connect to, e.g. 80=18080,443=18443,53=18053')
  .option('--error <text>', "the CA's error message, for the CA-side checks")
  .option('--timeout <ms>', 'overall deadline in milliseconds (default 10000)')
  .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'blocks']).default('text'))
  .option('--verbose', 'log each probe on stderr')
  .action(async (target: string, opts: Record<string, unknown>) => {
    const { runDiagnose } = await import('./cli/diagnose.js');
    process.exitCode = await runDiagnose(target, opts, await loadCliConfig(), write);
  });

program
  .command('scan')
  .description('scan every target of a watchlist file: DNS and the served certificate, one report per target')
  .requiredOption('--watchlist <file>', 'YAML file with targets: [{name, port?, address?}] (or watchlist:)')
  .option('--resolver <ip[:port]>', 'DNS resolver (default CERTMEDIC_RESOLVER, else /etc/resolv.conf)')
  .option('--trust-anchor <pem>', 'extra trusted root (repeatable; CERTMEDIC_TRUST_ANCHORS applies too)', collect)
  .option('--port-map <from=to,...>', 'rewrite the ports probes connect to, e.g. 443=18443')
  .option('--timeout <ms>', 'deadline per target in milliseconds (default 10000)')
  .option('--concurrency <n>', 'targets scanned at once (default 64)')
  .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
  .action(async (opts: Record<string, unknown>) => {
    const { runScan } = await import('./cli/scan.js');
    process.exitCode = await runScan(opts, await loadCliConfig(), write);
  });

program
  .command('lint-csr')
  .description('check a CSR (PEM or DER) the way public CAs do: key, signature, names, subject, template')
  .argument('<file>', 'the CSR file, or - for standard input')
  .option('--ca <name|caa-domain>', 'the CA the CSR is for (name limits and key policy)')
  .option('--validation <level>', 'dv, ov or ev (default dv, or the template’s)')
  .option('--template <yml>', 'certificate template to compare against (key, names, subject)')
  .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
  .action(async (file: string, opts: Record<string, unknown>) => {
    const { runLintCsr } = await import('./cli/lint-csr.js');
    process.exitCode = await runLintCsr(file, opts, await loadCliConfig(), write);
  });

program
  .command('classify-log')
  .description('classify a provisioning log: the primary failure cause, other causes, the matching lines')
  .argument('<file>', 'the log file, or - for standard input')
  .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
  .action(async (file: string, opts: Record<string, unknown>) => {
    const { runClassifyLog } = await import('./cli/classify-log.js');
    process.exitCode = await runClassifyLog(file, opts, await loadCliConfig(), write);
  });

async function main(argv: string[]): Promise<void> {
  if (argv.length <= 2) fail('missing command: diagnose, scan, lint-csr or classify-log (see certmedic --help)');
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        process.exitCode = 0;
        return;
      }
      process.exit(2);
    }
    const { CertmedicError } = await import('./core/errors.js');
    if (err instanceof CertmedicError) fail(err.message);
    fail(`internal error: ${err instanceof Error ? err.message : String(err)}`);
  }
}

await main(process.argv);
