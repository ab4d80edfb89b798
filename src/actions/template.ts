/**
 * Action templates: values come from inventory fields only (never from chat text). Each place a
 * value lands gets its own encoding: URL components are percent-encoded, JSON bodies are built as
 * data (never by string concatenation), command arguments are passed as separate argv entries.
 */
import type { CertificateView } from '../inventory/store.js';
import { placeholders, type TemplateField } from './schema.js';

export type Fields = Partial<Record<TemplateField, string | string[]>>;

/** fieldsOf returns the template fields of a certificate (and one of its deployments). */
export function fieldsOf(view: CertificateView, deploymentId?: string): Fields {
  const d = deploymentId ? view.deployments.find((x) => x.entry.id === deploymentId)?.entry : undefined;
  const f: Fields = {
    'certificate.id': view.cert.id,
    'certificate.name': view.cert.names[0]!,
    'certificate.names': view.cert.names,
    ...(view.cert.template ? { 'certificate.template': view.cert.template } : {}),
    ...(view.bot ? { 'bot.id': view.bot.id, ...(view.bot.host ? { 'bot.host': view.bot.host } : {}) } : {}),
    ...(view.connector ? { 'connector.id': view.connector.id, 'connector.ca': view.connector.ca } : {}),
  };
  if (d) {
    f['deployment.id'] = d.id;
    f['deployment.type'] = d.type;
    if (d.host) f['deployment.host'] = d.host;
    if (d.keystorePath) f['deployment.keystorePath'] = d.keystorePath;
    if (d.namespace) f['deployment.namespace'] = d.namespace;
    if (d.secretName) f['deployment.secretName'] = d.secretName;
  }
  return f;
}

/** missingFields returns the fields a set of templates uses that have no value. */
export function missingFields(texts: readonly string[], fields: Fields): string[] {
  return [...new Set(texts.flatMap(placeholders))].filter((p) => fields[p as TemplateField] === undefined);
}

function value(fields: Fields, name: string): string {
  const v = fields[name as TemplateField];
  if (v === undefined) throw new Error(`template field {{${name}}} has no value`);
  return Array.isArray(v) ? v.join(',') : v;
}

/** renderText fills a template, passing each value through `encode`. */
export function renderText(text: string, fields: Fields, encode: (v: string) => string = (v) => v): string {
  return text.replace(/\{\{\s*([A-Za-z.]+)\s*\}\}/g, (_m, name: string) => encode(value(fields, name)));
}

/** renderUrl fills a URL template with percent-encoded values. */
export function renderUrl(text: string, fields: Fields): string {
  return renderText(text, fields, encodeURIComponent);
}

/**
 * renderBody fills a JSON body template: a string leaf that is exactly one placeholder takes the
 * field's value as is (a list stays a list); other strings are filled as text.
 */
export function renderBody(tpl: unknown, fields: Fields): unknown {
  if (typeof tpl === 'string') {
    const whole = /^\{\{\s*([A-Za-z.]+)\s*\}\}$/.exec(tpl);
    if (whole) {
      const v = fields[whole[1] as TemplateField];
      if (v === undefined) throw new Error(`template field {{${whole[1]}}} has no value`);
      return v;
    }
    return renderText(tpl, fields);
  }
  if (Array.isArray(tpl)) return tpl.map((x) => renderBody(x, fields));
  if (tpl && typeof tpl === 'object')
    return Object.fromEntries(Object.entries(tpl).map(([k, v]) => [k, renderBody(v, fields)]));
  return tpl;
}

/** templateTexts returns every template string of an action's adapter (for missingFields). */
export function templateTexts(adapter: { url?: string; body?: unknown; args?: string[] }): string[] {
  const out: string[] = [];
  if (adapter.url) out.push(adapter.url);
  if (adapter.args) out.push(...adapter.args);
  const walk = (x: unknown) => {
    if (typeof x === 'string') out.push(x);
    else if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') Object.values(x).forEach(walk);
  };
  walk(adapter.body);
  return out;
}
