/**
 * A small subset of the Public Suffix List (https://publicsuffix.org/) and the reserved names
 * public CAs may not issue for. The subset covers the generic TLDs, every ccTLD (any two-letter
 * label is a suffix) and the common second-level registries; it is enough to refuse `*.com` or
 * `*.co.uk`, not a full registrable-domain calculator.
 */

/** Second-level (and deeper) public suffixes under common ccTLDs, plus popular hosting suffixes. */
const MULTI_LABEL = new Set([
  ...['co', 'org', 'me', 'ltd', 'plc', 'net', 'sch', 'ac', 'gov', 'nhs', 'police'].map((l) => `${l}.uk`),
  ...['com', 'net', 'org', 'edu', 'gov', 'asn', 'id'].map((l) => `${l}.au`),
  ...['co', 'ne', 'or', 'ac', 'go', 'ad', 'ed', 'gr', 'lg'].map((l) => `${l}.jp`),
  ...['co', 'org', 'net', 'ac', 'gov', 'school'].map((l) => `${l}.nz`),
  ...['co', 'org', 'net', 'ac', 'gov', 'edu', 'web'].map((l) => `${l}.za`),
  ...['com', 'net', 'org', 'gov', 'edu', 'ind', 'art'].map((l) => `${l}.br`),
  ...['com', 'net', 'org', 'gov', 'edu', 'ac'].map((l) => `${l}.cn`),
  ...['co', 'net', 'org', 'firm', 'gen', 'ind', 'ac', 'edu', 'gov', 'res'].map((l) => `${l}.in`),
  ...['com', 'net', 'org', 'edu', 'gob'].map((l) => `${l}.mx`),
  ...['com', 'net', 'org', 'gov', 'edu'].map((l) => `${l}.tr`),
  ...['co', 'or', 'ne', 'go', 'ac', 're'].map((l) => `${l}.kr`),
  ...['com', 'net', 'org', 'gov', 'edu'].map((l) => `${l}.sg`),
  ...['com', 'net', 'org', 'gov', 'edu', 'idv'].map((l) => `${l}.tw`),
  ...['com', 'net', 'org', 'gov', 'edu', 'idv'].map((l) => `${l}.hk`),
  ...['co', 'org', 'ac', 'gov', 'muni', 'net'].map((l) => `${l}.il`),
  'github.io',
  'gitlab.io',
  'herokuapp.com',
  'netlify.app',
  'vercel.app',
  'pages.dev',
  'workers.dev',
  'azurewebsites.net',
  'cloudapp.net',
  'blogspot.com',
  'appspot.com',
  'firebaseapp.com',
  'web.app',
  'fly.dev',
  'onrender.com',
  'amazonaws.com',
  's3.amazonaws.com',
  'cloudfront.net',
]);

/** Generic TLDs; every two-letter label is a ccTLD and counts as a suffix too. */
const GENERIC_TLDS = new Set(
  (
    'com net org edu gov mil int info biz name pro mobi asia tel travel jobs museum aero coop cat xxx post ' +
    'app dev page io ai shop store online site xyz top club tech cloud blog news live art design ' +
    'agency email group media network services solutions systems company center world today link ' +
    'digital global zone space website fun icu vip wang'
  ).split(' '),
);

/**
 * RESERVED_TLDS: names under these are internal or special-use (RFC 6761, RFC 6762, RFC 8375,
 * RFC 9476, ICANN's .internal) or commonly used privately; public CAs must not issue for them
 * (CA/Browser Forum BR 4.2.2, 7.1.2.7.12).
 */
export const RESERVED_TLDS = new Set([
  'local',
  'localhost',
  'localdomain',
  'internal',
  'intranet',
  'lan',
  'home',
  'corp',
  'private',
  'priv',
  'test',
  'example',
  'invalid',
  'alt',
]);

/** isPublicSuffix returns true when a name is itself a public suffix (`com`, `co.uk`, `github.io`). */
export function isPublicSuffix(name: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  if (!n.includes('.')) return GENERIC_TLDS.has(n) || /^[a-z]{2}$/.test(n) || n.startsWith('xn--');
  return MULTI_LABEL.has(n) || n === 'home.arpa';
}

/** isReservedName returns true for names under a reserved or internal-use TLD (or `home.arpa`). */
export function isReservedName(name: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  const tld = n.split('.').at(-1) ?? '';
  return RESERVED_TLDS.has(tld) || n === 'home.arpa' || n.endsWith('.home.arpa');
}
