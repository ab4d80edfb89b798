import { describe, expect, test } from 'vitest';
import { CATALOG, catalogEntry, finding } from '../../src/core/catalog.js';

/** The codes and default severities DESIGN.md fixes as the public contract. */
const CONTRACT: Record<string, 'critical' | 'warning' | 'info'> = {
  'dns.nxdomain': 'critical',
  'dns.no_address': 'critical',
  'dns.servfail': 'critical',
  'dns.timeout': 'critical',
  'dns.cname_loop': 'critical',
  'dns.malformed_response': 'critical',
  'dns.private_address': 'warning',
  'dns.nameservers_disagree': 'warning',
  'dns.lame_delegation': 'warning',
  'caa.forbids_ca': 'critical',
  'caa.forbids_wildcard': 'critical',
  'caa.lookup_failed': 'critical',
  'caa.unknown_critical': 'critical',
  'caa.method_restricted': 'critical',
  'caa.malformed': 'warning',
  'caa.account_restricted': 'warning',
  'caa.permits': 'info',
  'http01.connection_refused': 'critical',
  'http01.timeout': 'critical',
  'http01.not_found': 'critical',
  'http01.forbidden': 'critical',
  'http01.wrong_content': 'critical',
  'http01.bad_redirect': 'critical',
  'http01.server_error': 'critical',
  'http01.wildcard_unsupported': 'critical',
  'http01.ipv6_broken': 'warning',
  'dns01.record_missing': 'critical',
  'dns01.record_mismatch': 'critical',
  'dns01.cname_delegation_broken': 'critical',
  'dns01.nameservers_disagree': 'warning',
  'tlsalpn01.connection_failed': 'critical',
  'tlsalpn01.alpn_not_supported': 'critical',
  'tls.connect_failed': 'critical',
  'tls.handshake_failed': 'critical',
  'tls.expired': 'critical',
  'tls.not_yet_valid': 'critical',
  'tls.hostname_mismatch': 'critical',
  'tls.self_signed': 'critical',
  'tls.incomplete_chain': 'critical',
  'tls.untrusted_root': 'critical',
  'tls.weak_key': 'critical',
  'tls.weak_signature': 'critical',
  'tls.stale_certificate': 'critical',
  'tls.inconsistent_backends': 'warning',
  'tls.intermediate_expiring': 'warning',
  'tls.expiring_soon': 'warning',
  'risk.manual_review_likely': 'warning',
  'acme.rate_limited': 'warning',
  'order.status_sync_delay': 'info',
  'csr.unparseable': 'critical',
  'csr.weak_key': 'critical',
  'csr.unsupported_key': 'critical',
  'csr.weak_signature': 'critical',
  'csr.bad_signature': 'critical',
  'csr.invalid_name': 'critical',
  'csr.bad_wildcard': 'critical',
  'csr.internal_name': 'critical',
  'csr.too_many_names': 'critical',
  'csr.cn_too_long': 'critical',
  'csr.subject_missing': 'critical',
  'csr.template_mismatch': 'critical',
  'csr.cn_not_in_san': 'warning',
  'csr.subject_not_allowed': 'warning',
  'csr.duplicate_name': 'warning',
  'csr.rsa_exponent': 'warning',
  'log.unknown': 'info',
  'check.failed': 'warning',
};

describe('catalog', () => {
  test.each(Object.entries(CONTRACT))('%s exists with default severity %s', (code, severity) => {
    expect(catalogEntry(code)?.severity).toBe(severity);
  });

  test('every entry has a title, a cause, and fixes unless it is informational', () => {
    for (const [code, entry] of Object.entries(CATALOG)) {
      expect(code).toMatch(/^[a-z0-9]+\.[a-z0-9_]+$/);
      expect(entry.title.length, code).toBeGreaterThan(5);
      expect(entry.why.length, code).toBeGreaterThan(20);
      if (entry.severity !== 'info' && code !== 'log.unknown') expect(entry.fixes.length, code).toBeGreaterThan(0);
    }
  });

  test('finding() puts case-specific fixes first and keeps the catalog ones', () => {
    const f = finding('caa.forbids_ca', 'detail', { a: 1 }, { fixes: ['Add `x. CAA 0 issue "y"`.'] });
    expect(f.fixes[0]).toBe('Add `x. CAA 0 issue "y"`.');
    expect(f.fixes.length).toBe(1 + CATALOG['caa.forbids_ca'].fixes.length);
    expect(f).toMatchObject({ code: 'caa.forbids_ca', severity: 'critical', detail: 'detail', evidence: { a: 1 } });
    expect(finding('tls.expiring_soon', 'd', {}, { severity: 'critical' }).severity).toBe('critical');
  });
});
