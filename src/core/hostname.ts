/**
 * Host name matching for server certificates (RFC 6125 §6.4, CA/Browser Forum BR 7.1.2.7.12):
 * dNSName subjectAltNames only (the CN is used only when the certificate has no dNSName at all),
 * case-insensitive, and a wildcard is the whole left-most label and covers exactly one label.
 */
import type { CertInfo } from './x509.js';

function norm(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** namePatternMatches returns true when one presented identifier (`www.a.com`, `*.a.com`) covers the host. */
export function namePatternMatches(pattern: string, host: string): boolean {
  const p = norm(pattern);
  const h = norm(host);
  if (!p.startsWith('*.')) return p === h;
  const base = p.slice(2);
  // `*.com` style patterns (one label after the wildcard) are refused, as clients do.
  if (!base.includes('.') || base.includes('*')) return false;
  const dot = h.indexOf('.');
  return dot > 0 && h.slice(dot + 1) === base;
}

/** presentedNames returns the names a certificate is checked against: its dNSNames, else its CN. */
export function presentedNames(cert: Pick<CertInfo, 'sans' | 'commonName'>): string[] {
  if (cert.sans.length > 0) return cert.sans;
  return cert.commonName ? [cert.commonName.toLowerCase()] : [];
}

/**
 * certificateCovers returns true when the certificate is valid for the name; for a wildcard
 * request (`*.name`) the certificate must carry `*.name` itself.
 */
export function certificateCovers(
  cert: Pick<CertInfo, 'sans' | 'commonName'>,
  name: string,
  wildcard = false,
): boolean {
  const names = presentedNames(cert);
  if (wildcard) return names.some((n) => norm(n) === `*.${norm(name)}`);
  return names.some((n) => namePatternMatches(n, name));
}
