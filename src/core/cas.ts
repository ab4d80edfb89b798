/**
 * Public CAs certmedic knows by name: the CAA issuer domains each accepts (from the CA's own CAA
 * documentation) and per-CA limits used by the CSR lint. `--ca` takes one of these names or, when
 * the value contains a dot and is not a known name, a raw CAA issuer domain.
 */
import { UsageError } from './errors.js';

export interface CaInfo {
  /** The name as given on the command line (`letsencrypt`) or the raw domain. */
  id: string;
  display: string;
  /** CAA issuer domains the CA recognises as itself (RFC 8659 §4.2). */
  caaDomains: string[];
  /** Most names one certificate may carry, when known. */
  maxNames?: number;
  /** The ACME directory, when the CA offers ACME. */
  acmeDirectory?: string;
}

const KNOWN: CaInfo[] = [
  {
    id: 'letsencrypt',
    display: "Let's Encrypt",
    caaDomains: ['letsencrypt.org'],
    maxNames: 100,
    acmeDirectory: 'https://acme-v02.api.letsencrypt.org/directory',
  },
  {
    id: 'sectigo',
    display: 'Sectigo',
    caaDomains: ['sectigo.com', 'comodoca.com', 'comodo.com', 'usertrust.com', 'trust-provider.com'],
    maxNames: 250,
  },
  {
    id: 'zerossl',
    display: 'ZeroSSL (issues through Sectigo)',
    caaDomains: ['sectigo.com'],
    maxNames: 100,
    acmeDirectory: 'https://acme.zerossl.com/v2/DV90',
  },
  {
    id: 'digicert',
    display: 'DigiCert',
    caaDomains: ['digicert.com', 'symantec.com', 'thawte.com', 'geotrust.com', 'rapidssl.com'],
    maxNames: 250,
  },
  { id: 'globalsign', display: 'GlobalSign', caaDomains: ['globalsign.com'], maxNames: 100 },
  {
    id: 'google',
    display: 'Google Trust Services',
    caaDomains: ['pki.goog'],
    maxNames: 100,
    acmeDirectory: 'https://dv.acme-v02.api.pki.goog/directory',
  },
  {
    id: 'amazon',
    display: 'Amazon',
    caaDomains: ['amazon.com', 'amazontrust.com', 'awstrust.com', 'amazonaws.com'],
    maxNames: 100,
  },
  { id: 'godaddy', display: 'GoDaddy', caaDomains: ['godaddy.com', 'starfieldtech.com'], maxNames: 100 },
  { id: 'starfield', display: 'Starfield', caaDomains: ['starfieldtech.com', 'godaddy.com'], maxNames: 100 },
  { id: 'entrust', display: 'Entrust', caaDomains: ['entrust.net'], maxNames: 250 },
  {
    id: 'ssl.com',
    display: 'SSL.com',
    caaDomains: ['ssl.com'],
    maxNames: 100,
    acmeDirectory: 'https://acme.ssl.com/sslcom-dv-rsa',
  },
  {
    id: 'buypass',
    display: 'Buypass',
    caaDomains: ['buypass.com'],
    maxNames: 5,
    acmeDirectory: 'https://api.buypass.com/acme/directory',
  },
  { id: 'certum', display: 'Certum', caaDomains: ['certum.pl'], maxNames: 100 },
];

const ALIASES: Record<string, string> = {
  "let's encrypt": 'letsencrypt',
  'lets-encrypt': 'letsencrypt',
  le: 'letsencrypt',
  comodo: 'sectigo',
  gts: 'google',
  'google-trust-services': 'google',
  aws: 'amazon',
  acm: 'amazon',
  sslcom: 'ssl.com',
};

/** knownCaNames returns the bare names `--ca` accepts. */
export function knownCaNames(): string[] {
  return KNOWN.map((c) => c.id);
}

/**
 * resolveCa returns the CA for a `--ca` value: a known name (case-insensitive) or a raw CAA issuer
 * domain (any value with a dot). Throws UsageError for an unknown bare name.
 */
export function resolveCa(value: string): CaInfo {
  const v = value.trim().toLowerCase().replace(/\.$/, '');
  const id = ALIASES[v] ?? v;
  const known = KNOWN.find((c) => c.id === id);
  if (known) return known;
  if (/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/.test(v)) {
    const byDomain = KNOWN.find((c) => c.caaDomains[0] === v);
    return {
      id: v,
      display: byDomain?.display ?? v,
      caaDomains: [v],
      ...(byDomain?.maxNames ? { maxNames: byDomain.maxNames } : {}),
    };
  }
  throw new UsageError(
    `unknown CA ${JSON.stringify(value)}: use one of ${knownCaNames().join(', ')} or a CAA issuer domain`,
  );
}
