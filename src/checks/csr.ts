/**
 * The CSR lint: `lintCsr()` judges a PKCS#10 request (or a certificate template's request) the way
 * public CAs do — key, signature, names, subject for the validation level, and the template — and
 * returns a Report. Used by `certmedic lint-csr`, `/cert csr` and the inventory's templates.
 */
import type { CaInfo } from '../core/cas.js';
import { finding } from '../core/catalog.js';
import { type CheckRun, type Finding, makeReport, type Report } from '../core/finding.js';
import { checkNames } from './csr/names.js';
import { CsrParseError, type ParsedCsr, parseCsr } from './csr/parse.js';
import { type CsrTemplate, describeKey, templateMismatches, type ValidationLevel } from './csr/template.js';

export { CsrParseError, type ParsedCsr, parseCsr } from './csr/parse.js';
export { type CsrTemplate, CsrTemplateSchema, VALIDATION_LEVELS, type ValidationLevel } from './csr/template.js';

export interface LintCsrOptions {
  /** The file path or `-`, as the report's target. */
  target: string;
  ca?: CaInfo;
  validation?: ValidationLevel;
  template?: CsrTemplate;
}

/** CAs whose published key policy accepts ECDSA only on P-256 and P-384 (Boulder's goodkey policy). */
const NO_P521 = new Set(['letsencrypt', 'google']);
/** Let's Encrypt accepts RSA moduli of exactly 2048, 3072 or 4096 bits. */
const LE_RSA_SIZES = [2048, 3072, 4096];

/** checkKey returns key findings: RSA ≥ 2048 and a multiple of 8, e = 65537, ECDSA P-256/P-384 (BR 6.1.5, 6.1.6). */
export function checkKey(key: ParsedCsr['key'], ca?: CaInfo): Finding[] {
  const out: Finding[] = [];
  const caName = ca?.display;
  if (key.type === 'rsa') {
    const bits = key.bits ?? 0;
    if (bits < 2048)
      out.push(
        finding('csr.weak_key', `RSA ${bits}: public CAs require at least 2048 bits (BR 6.1.5)`, { type: 'rsa', bits }),
      );
    else if (bits % 8 !== 0)
      out.push(
        finding('csr.weak_key', `RSA ${bits}: the modulus size must be a multiple of 8 (BR 6.1.5)`, {
          type: 'rsa',
          bits,
        }),
      );
    else if (ca?.id === 'letsencrypt' && !LE_RSA_SIZES.includes(bits))
      out.push(
        finding(
          'csr.unsupported_key',
          `RSA ${bits}: Let's Encrypt accepts RSA 2048, 3072 and 4096 only`,
          { type: 'rsa', bits },
          {
            fixes: ['Use RSA 2048, 3072 or 4096, or ECDSA P-256/P-384.'],
          },
        ),
      );
    if (key.exponent !== undefined && key.exponent !== 65537)
      out.push(
        finding('csr.rsa_exponent', `the public exponent is ${key.exponent}, not 65537`, { exponent: key.exponent }),
      );
    return out;
  }
  if (key.type === 'ecdsa') {
    if (key.curve === 'P-256' || key.curve === 'P-384') return out;
    if (key.curve === 'P-521') {
      const who =
        ca && NO_P521.has(ca.id)
          ? `${caName} refuses P-521 keys (it accepts ECDSA P-256 and P-384 only)`
          : `${caName ? `${caName} probably refuses it: ` : ''}Let's Encrypt, Google Trust Services and most other public CAs accept ECDSA P-256 and P-384 only, although the Baseline Requirements allow P-521`;
      return [finding('csr.unsupported_key', `ECDSA P-521: ${who}`, { type: 'ecdsa', curve: 'P-521' })];
    }
    return [
      finding(
        'csr.unsupported_key',
        `ECDSA on curve ${key.curve}: public CAs accept NIST P-256 and P-384 only (BR 6.1.5)`,
        {
          type: 'ecdsa',
          curve: key.curve,
        },
      ),
    ];
  }
  const name = describeKey(key);
  const why =
    key.type === 'ed25519' || key.type === 'ed448'
      ? `${name}: the Baseline Requirements (6.1.5) allow only RSA and ECDSA keys, so no publicly trusted CA (Let's Encrypt, DigiCert, Sectigo, Google Trust Services, GlobalSign, ...) issues for ${name}; use it only with a private CA`
      : key.type === 'rsa-pss'
        ? 'an RSASSA-PSS-only (id-RSASSA-PSS) key: public CAs expect a plain rsaEncryption key'
        : `a ${name} key: public CAs accept RSA and ECDSA P-256/P-384 only`;
  return [finding('csr.unsupported_key', why, { type: key.type })];
}

/** checkSignature returns signature findings: no MD5/SHA-1 (BR 7.1.3.2), and it must verify (RFC 2986 §3). */
export function checkSignature(sig: ParsedCsr['signature']): Finding[] {
  const out: Finding[] = [];
  if (sig.hash === 'MD5' || sig.hash === 'SHA-1')
    out.push(
      finding('csr.weak_signature', `signed with ${sig.name} (${sig.hash})`, { algorithm: sig.name, hash: sig.hash }),
    );
  if (!sig.valid)
    out.push(
      finding(
        'csr.bad_signature',
        sig.error
          ? `the ${sig.name} signature could not be verified: ${sig.error}`
          : `the ${sig.name} signature does not match the request's contents and key`,
        { algorithm: sig.name, ...(sig.error ? { error: sig.error } : {}) },
      ),
    );
  return out;
}

const DV_ALLOWED = new Set(['CN', 'C']);
const REGIONS = new Intl.DisplayNames(['en'], { type: 'region' });

/** isCountryCode returns true for an ISO 3166-1 alpha-2 code (and "XX", BR 7.1.4.2.2); UK and EU are not. */
export function isCountryCode(c: string): boolean {
  if (c === 'XX') return true;
  if (!/^[A-Z]{2}$/.test(c) || ['UK', 'EU', 'EZ', 'UN', 'ZZ'].includes(c) || /^(Q[M-Z]|X[A-Z])$/.test(c)) return false;
  return REGIONS.of(c) !== c;
}

/**
 * checkSubject returns subject findings for the validation level: OU is never allowed (BR
 * 7.1.2.7.2 since Sept. 2022); DV uses only CN (and C); OV/EV need O, C and L or ST (BR 7.1.2.7.4).
 */
export function checkSubject(csr: ParsedCsr, level: ValidationLevel, assumed: boolean): Finding[] {
  const out: Finding[] = [];
  const fields = new Set(csr.subject.map((a) => a.type));
  const assumedNote = assumed ? ' (assuming DV: pass --validation ov or ev for organisation certificates)' : '';
  const extra =
    level === 'dv' ? [...fields].filter((f) => !DV_ALLOWED.has(f)) : [...fields].filter((f) => f === 'OU' || f === 'E');
  if (extra.length > 0) {
    const values = csr.subject.filter((a) => extra.includes(a.type)).map((a) => `${a.type}=${a.value}`);
    out.push(
      finding(
        'csr.subject_not_allowed',
        `${level.toUpperCase()} certificates do not carry ${values.join(', ')}${fields.has('OU') ? '; OU is not allowed in any publicly trusted certificate' : ''}${level === 'dv' ? assumedNote : ''}`,
        { fields: extra, level },
      ),
    );
  }
  const c = csr.subject.find((a) => a.type === 'C');
  if (c && !isCountryCode(c.value))
    out.push(
      finding(
        'csr.subject_not_allowed',
        `C=${c.value} is not an ISO 3166-1 two-letter country code${c.value === 'UK' ? ' (the United Kingdom is GB)' : ''}`,
        { fields: ['C'] },
        { fixes: ['Use the ISO 3166-1 alpha-2 code in C (GB, DE, US, ...), or leave C out.'] },
      ),
    );
  if (level !== 'dv') {
    const missing = ['O', 'C'].filter((f) => !fields.has(f));
    if (!fields.has('L') && !fields.has('ST')) missing.push('L or ST');
    if (missing.length > 0)
      out.push(
        finding('csr.subject_missing', `${level.toUpperCase()} needs ${missing.join(', ')} in the subject`, {
          missing,
          level,
        }),
      );
  }
  return out;
}

/** lintCsr parses a PEM or DER CSR and returns the lint Report; unparseable input is a `csr.unparseable` finding. */
export function lintCsr(input: Buffer | string, options: LintCsrOptions): Report {
  const started = performance.now();
  const checks: CheckRun[] = [];
  let csr: ParsedCsr;
  try {
    csr = parseCsr(input);
  } catch (err) {
    if (!(err instanceof CsrParseError)) throw err;
    checks.push({ name: 'csr.parse', state: 'ran' }, { name: 'csr.lint', state: 'skipped', reason: 'unparseable' });
    return makeReport(
      options.target,
      [finding('csr.unparseable', err.message, { bytes: input.length })],
      checks,
      {},
      performance.now() - started,
    );
  }
  checks.push({ name: 'csr.parse', state: 'ran' });
  const template = options.template;
  const level: ValidationLevel = options.validation ?? template?.validation ?? 'dv';
  const findings: Finding[] = [];
  findings.push(...checkKey(csr.key, options.ca), ...checkSignature(csr.signature));
  checks.push({ name: 'csr.key', state: 'ran' }, { name: 'csr.signature', state: 'ran' });
  const cn = csr.subject.filter((a) => a.type === 'CN').map((a) => a.value);
  findings.push(
    ...checkNames({
      cn,
      dnsNames: csr.dnsNames,
      ipAddresses: csr.ipAddresses,
      maxNames: options.ca?.maxNames ?? 100,
      caLabel: options.ca?.display ?? "Let's Encrypt (like most CAs)",
    }),
  );
  checks.push({ name: 'csr.names', state: 'ran' });
  findings.push(...checkSubject(csr, level, options.validation === undefined && template?.validation === undefined));
  checks.push({ name: 'csr.subject', state: 'ran' });
  if (template) {
    findings.push(...templateMismatches(csr, template));
    checks.push({ name: 'csr.template', state: 'ran' });
  } else checks.push({ name: 'csr.template', state: 'skipped', reason: 'no template given' });
  const facts = {
    format: csr.format,
    key: describeKey(csr.key),
    ...(csr.key.exponent !== undefined ? { exponent: csr.key.exponent } : {}),
    signature: csr.signature.name,
    signatureValid: csr.signature.valid,
    subject: csr.subjectText,
    dnsNames: csr.dnsNames,
    ipAddresses: csr.ipAddresses,
    ...(csr.otherNames.length ? { otherNames: csr.otherNames } : {}),
    validation: level,
    ...(options.ca ? { ca: options.ca.display } : {}),
    ...(template?.name ? { template: template.name } : {}),
  };
  return makeReport(options.target, findings, checks, facts, performance.now() - started);
}
