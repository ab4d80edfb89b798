/**
 * Trust store and chain building (RFC 5280 §6, RFC 4158): from the presented certificates toward
 * a trusted root, the way clients do it — a trusted issuer ends the path as soon as one is found,
 * so an expired cross-signed root still sent by the server is ignored, as browsers ignore it.
 * The store (Node's root store plus trust anchors) is parsed once per anchor set and shared.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { type CertInfo, certInfo, splitPem } from './x509.js';

/** TrustStore is a set of trusted roots indexed by subject (immutable once built). */
export class TrustStore {
  private readonly bySubject = new Map<string, CertInfo[]>();
  private readonly fingerprints = new Set<string>();
  readonly size: number;

  constructor(roots: readonly CertInfo[]) {
    for (const r of roots) {
      if (this.fingerprints.has(r.sha256)) continue;
      this.fingerprints.add(r.sha256);
      const list = this.bySubject.get(r.subject) ?? [];
      list.push(r);
      this.bySubject.set(r.subject, list);
    }
    this.size = this.fingerprints.size;
  }

  /** contains returns true when this exact certificate is a trust anchor. */
  contains(c: CertInfo): boolean {
    return this.fingerprints.has(c.sha256);
  }

  /** candidates returns the anchors whose subject is the certificate's issuer. */
  candidates(c: CertInfo): readonly CertInfo[] {
    return this.bySubject.get(c.issuer) ?? [];
  }
}

let systemRoots: CertInfo[] | undefined;
const stores = new Map<string, TrustStore>();

/** parseAnchors returns the certificates of PEM texts; a block that does not parse is skipped. */
export function parseAnchors(pems: readonly string[]): CertInfo[] {
  const out: CertInfo[] = [];
  for (const block of pems.flatMap(splitPem)) {
    try {
      out.push(certInfo(new X509Certificate(block)));
    } catch {
      // not a certificate: the CLI already refused non-PEM files; ignore a broken block
    }
  }
  return out;
}

/**
 * trustStore returns the shared store of Node's root certificates plus the given anchors (PEM
 * texts), built once per distinct anchor set and reused by every probe.
 */
export function trustStore(anchors: readonly string[] = [], opts: { systemRoots?: boolean } = {}): TrustStore {
  const useSystem = opts.systemRoots ?? true;
  const key = `${useSystem ? 'sys' : 'nosys'}:${createHash('sha256').update(anchors.join('\n')).digest('hex')}`;
  let store = stores.get(key);
  if (!store) {
    if (useSystem) systemRoots ??= parseAnchors(rootCertificates);
    store = new TrustStore([...(useSystem && systemRoots ? systemRoots : []), ...parseAnchors(anchors)]);
    if (stores.size > 32) stores.clear();
    stores.set(key, store);
  }
  return store;
}

const issuedCache = new Map<string, boolean>();

/** issuedBy returns true when `parent` issued `child`: names/AKI match and the signature verifies. */
export function issuedBy(child: CertInfo, parent: CertInfo): boolean {
  if (child.issuer !== parent.subject) return false;
  const key = `${child.sha256}>${parent.sha256}`;
  let ok = issuedCache.get(key);
  if (ok === undefined) {
    try {
      ok = child.x509.checkIssued(parent.x509) && child.x509.verify(parent.x509.publicKey);
    } catch {
      ok = false;
    }
    if (issuedCache.size > 20_000) issuedCache.clear();
    issuedCache.set(key, ok);
  }
  return ok;
}

export interface ChainResult {
  /** leaf → ... → last certificate reached (the trust anchor when `trusted`). */
  path: CertInfo[];
  trusted: boolean;
  /** The anchor from the trust store that ends the path (may not have been presented). */
  anchor?: CertInfo;
  /** The issuer name of the last certificate when no issuer for it was found. */
  missingIssuer?: string;
  /** Presented certificates that are not part of the path (e.g. an expired cross-signed root). */
  unused: CertInfo[];
}

/** pick returns the preferred issuer: valid now first, then the one that expires last. */
function pick(cands: CertInfo[], now: number): CertInfo | undefined {
  const valid = (c: CertInfo) => (c.notBeforeMs <= now && now <= c.notAfterMs ? 1 : 0);
  return [...cands].sort((a, b) => valid(b) - valid(a) || b.notAfterMs - a.notAfterMs)[0];
}

/**
 * buildChain returns the path clients would build from the presented chain (leaf first): at each
 * step a trusted issuer wins over a presented one; among candidates, one valid at `now` wins.
 */
export function buildChain(presented: readonly CertInfo[], trust: TrustStore, now: number): ChainResult {
  const leaf = presented[0];
  if (!leaf) return { path: [], trusted: false, unused: [] };
  const path = [leaf];
  const used = new Set([leaf.sha256]);
  let trusted = false;
  let anchor: CertInfo | undefined;
  let missingIssuer: string | undefined;
  for (let depth = 0; depth < 10; depth++) {
    const cur = path[path.length - 1]!;
    if (trust.contains(cur)) {
      trusted = true;
      anchor = cur;
      break;
    }
    const fromStore = pick(
      trust.candidates(cur).filter((p) => issuedBy(cur, p)),
      now,
    );
    if (fromStore) {
      path.push(fromStore);
      trusted = true;
      anchor = fromStore;
      break;
    }
    if (cur.selfSigned) break;
    const next = pick(
      presented.filter((p) => !used.has(p.sha256) && issuedBy(cur, p)),
      now,
    );
    if (!next) {
      missingIssuer = cur.issuer;
      break;
    }
    path.push(next);
    used.add(next.sha256);
  }
  return {
    path,
    trusted,
    ...(anchor ? { anchor } : {}),
    ...(missingIssuer !== undefined ? { missingIssuer } : {}),
    unused: presented.filter((p) => !used.has(p.sha256)),
  };
}
