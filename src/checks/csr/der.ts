/**
 * A minimal DER reader for the parts of a PKCS#10 request the lint needs (RFC 2986 §4, RFC 5280
 * §4.1.2.4 names, §4.2.1.6 subjectAltName): what is signed, the key, the subject and the SANs.
 * Reading them directly is several times faster than building the full object model for CSRs
 * with many names. Every read is bounds-checked; malformed input throws CsrParseError.
 */

/** CsrParseError: the input is not a PKCS#10 request; the message says what it looks like instead. */
export class CsrParseError extends Error {}

export interface Tlv {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  /** Offset of the content. */
  body: number;
  /** Offset just past the content. */
  end: number;
}

/** readTlv reads one DER tag-length-value at `at`; throws on truncation or indefinite lengths. */
export function readTlv(der: Buffer, at: number): Tlv {
  if (at + 2 > der.length) throw new CsrParseError('the DER data is truncated');
  const tag = der[at]!;
  let len = der[at + 1]!;
  let body = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || body + n > der.length) throw new CsrParseError('the DER length is invalid');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[body + i]!;
    body += n;
  }
  if (body + len > der.length) throw new CsrParseError('the DER data is truncated');
  return { tag, start: at, body, end: body + len };
}

/** decodeOid turns DER OID content into dotted form. */
export function decodeOid(bytes: Buffer): string {
  const parts: number[] = [];
  let v = 0;
  for (const b of bytes) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  const first = parts.shift() ?? 0;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...parts].join('.');
}

/**
 * splitRequest returns the three parts of a CertificationRequest (RFC 2986 §4.2): the DER
 * CertificationRequestInfo (what is signed), the signature algorithm OID and the signature bits.
 */
export interface RequestParts {
  /** The DER CertificationRequestInfo: what is signed. */
  tbs: Buffer;
  info: Tlv;
  subject: Tlv;
  spki: Buffer;
  sigOid: string;
  signature: Buffer;
}

export function splitRequest(der: Buffer): RequestParts {
  const outer = readTlv(der, 0);
  if (outer.tag !== 0x30) throw new CsrParseError('not a DER SEQUENCE');
  const info = readTlv(der, outer.body);
  const alg = readTlv(der, info.end);
  const oid = readTlv(der, alg.body);
  const bits = readTlv(der, alg.end);
  if (info.tag !== 0x30 || alg.tag !== 0x30 || oid.tag !== 0x06 || bits.tag !== 0x03)
    throw new CsrParseError('not a PKCS#10 CertificationRequest structure');
  const version = readTlv(der, info.body);
  const subject = readTlv(der, version.end);
  const spki = readTlv(der, subject.end);
  if (subject.tag !== 0x30 || spki.tag !== 0x30) throw new CsrParseError('not a PKCS#10 CertificationRequestInfo');
  return {
    tbs: der.subarray(info.start, info.end),
    info,
    subject,
    spki: der.subarray(spki.start, spki.end),
    sigOid: decodeOid(der.subarray(oid.body, oid.end)),
    signature: der.subarray(bits.body + 1, bits.end),
  };
}

export const SUBJECT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.5': 'serialNumber',
  '2.5.4.9': 'street',
  '2.5.4.17': 'postalCode',
  '2.5.4.15': 'businessCategory',
  '1.2.840.113549.1.9.1': 'E',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.3.6.1.4.1.311.60.2.1.3': 'jurisdictionC',
};

/** children returns the TLVs inside a constructed TLV. */
export function children(der: Buffer, tlv: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = tlv.body; at < tlv.end; ) {
    const child = readTlv(der, at);
    if (child.end > tlv.end) throw new CsrParseError('a DER element overruns its container');
    out.push(child);
    at = child.end;
  }
  return out;
}

/** decodeString decodes an X.520 DirectoryString or IA5String value by its tag. */
export function decodeString(der: Buffer, tlv: Tlv): string {
  const bytes = der.subarray(tlv.body, tlv.end);
  switch (tlv.tag) {
    case 0x0c:
      return bytes.toString('utf8');
    case 0x1e: {
      let out = '';
      for (let i = 0; i + 1 < bytes.length; i += 2) out += String.fromCharCode(bytes.readUInt16BE(i));
      return out;
    }
    case 0x1c: {
      let out = '';
      for (let i = 0; i + 3 < bytes.length; i += 4)
        out += String.fromCodePoint(Math.min(bytes.readUInt32BE(i), 0x10ffff));
      return out;
    }
    default:
      return bytes.toString('latin1');
  }
}

/** parseName returns the attributes of an X.501 Name (SEQUENCE OF SET OF AttributeTypeAndValue). */
export function parseName(der: Buffer, name: Tlv): { type: string; value: string }[] {
  const out: { type: string; value: string }[] = [];
  for (const rdn of children(der, name)) {
    for (const atv of children(der, rdn)) {
      const [oid, value] = children(der, atv);
      if (!oid || !value || oid.tag !== 0x06) throw new CsrParseError('a subject attribute is malformed');
      const type = decodeOid(der.subarray(oid.body, oid.end));
      out.push({ type: SUBJECT_NAMES[type] ?? type, value: decodeString(der, value) });
    }
  }
  return out;
}

const EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
const SUBJECT_ALT_NAME = '2.5.29.17';

/** formatIp renders a 4- or 16-byte iPAddress. */
function formatIp(b: Buffer): string {
  if (b.length === 4) return [...b].join('.');
  if (b.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
    return new URL(`http://[${groups.join(':')}]/`).hostname.replace(/^\[|\]$/g, '');
  }
  return `invalid-ip:${b.toString('hex')}`;
}

/**
 * parseAltNames returns the subjectAltName entries of the extensionRequest attribute (RFC 2985
 * §5.4.2) found in the CertificationRequestInfo's attributes.
 */
export function parseAltNames(der: Buffer, info: Tlv): { dns: string[]; ip: string[]; other: string[] } {
  const out = { dns: [] as string[], ip: [] as string[], other: [] as string[] };
  const attrs = children(der, info).find((t) => t.tag === 0xa0);
  if (!attrs) return out;
  for (const attr of children(der, attrs)) {
    const [oid, values] = children(der, attr);
    if (!oid || !values || decodeOid(der.subarray(oid.body, oid.end)) !== EXTENSION_REQUEST) continue;
    for (const exts of children(der, values)) {
      for (const ext of children(der, exts)) {
        const parts = children(der, ext);
        const extOid = parts[0];
        const value = parts.at(-1);
        if (!extOid || !value || decodeOid(der.subarray(extOid.body, extOid.end)) !== SUBJECT_ALT_NAME) continue;
        const seq = readTlv(der, value.body);
        for (const gn of children(der, seq)) {
          const bytes = der.subarray(gn.body, gn.end);
          if (gn.tag === 0x82) out.dns.push(bytes.toString('latin1'));
          else if (gn.tag === 0x87) out.ip.push(formatIp(bytes));
          else if (gn.tag === 0x81) out.other.push(`email:${bytes.toString('latin1')}`);
          else if (gn.tag === 0x86) out.other.push(`url:${bytes.toString('latin1')}`);
          else out.other.push(`tag${gn.tag & 0x1f}:${bytes.toString('hex').slice(0, 40)}`);
        }
      }
    }
  }
  return out;
}
