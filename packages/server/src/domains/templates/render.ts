/**
 * Template rendering: `{{ name }}` and `{{ dotted.name }}` placeholders. Every substituted value is
 * user-influenced (names, metadata, URLs), so HTML bodies escape it; subjects lose line breaks so a value
 * cannot add a header; unknown placeholders render empty.
 */

const PLACEHOLDER = /\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*(?:\.[a-zA-Z_][a-zA-Z0-9_]*)*)\s*\}\}/g;

export type TemplateData = Record<string, unknown>;

function lookup(data: TemplateData, path: string): unknown {
  let v: unknown = data;
  for (const key of path.split('.')) {
    if (typeof v !== 'object' || v === null || !Object.prototype.hasOwnProperty.call(v, key)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** Escapes a value for HTML text and double-quoted attribute positions. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export type RenderMode = 'html' | 'text' | 'header';

export function render(template: string, data: TemplateData, mode: RenderMode): string {
  return template.replace(PLACEHOLDER, (_, path: string) => {
    const value = text(lookup(data, path));
    if (mode === 'html') return escapeHtml(value);
    if (mode === 'header') return value.replace(/[\r\n]+/g, ' ');
    return value;
  });
}

/** Placeholders a template uses, for checking required variables on update. */
export function placeholders(template: string): Set<string> {
  const out = new Set<string>();
  for (const m of template.matchAll(PLACEHOLDER)) out.add(m[1] as string);
  return out;
}

/** A readable plain-text version of an HTML body, for the text part of an e-mail. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, '')
    .replace(/<a\s[^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, '$2 ($1)')
    .replace(/<(br|\/p|\/h\d|\/tr|\/div)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/[ \t]+/g, ' ')
    .replace(/\n\s*\n\s*/g, '\n\n')
    .trim();
}
