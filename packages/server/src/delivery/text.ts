/**
 * Plain text from e-mail HTML: the text part of a message sent without one, and what the dev outbox
 * prints. Links keep their target ("label (url)") because verification links are the point of most of
 * our e-mails; the result is meant for reading, not for round-tripping.
 */

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  copy: '©',
  reg: '®',
  hellip: '…',
  mdash: '—',
  ndash: '–',
  rsquo: '’',
  lsquo: '‘',
  rdquo: '”',
  ldquo: '“',
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      // An out-of-range code point would make fromCodePoint throw; leave such text as it was.
      return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Reads an attribute's value from the inside of a start tag. */
function attribute(tagInside: string, name: string): string | null {
  // Preceded by whitespace, so `data-href` is not taken for `href`.
  const m = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tagInside);
  if (!m) return null;
  return decodeEntities(m[1] ?? m[2] ?? m[3] ?? '');
}

/** Converts e-mail HTML to readable plain text: block ends become line breaks, links show their URL. */
export function htmlToText(html: string): string {
  let s = html;
  // Content that is never shown.
  s = s.replace(/<!--[\s\S]*?-->/g, '');
  s = s.replace(/<(head|style|script|title)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '');
  // Links: keep the target unless the label already is it (or the link is an anchor or mailto).
  s = s.replace(/<a\b([^>]*)>([\s\S]*?)<\/a\s*>/gi, (_whole, inside: string, label: string) => {
    const href = attribute(inside, 'href');
    const text = label.replace(/<[^>]*>/g, '').trim();
    if (!href || href.startsWith('#') || href.startsWith('mailto:')) return label;
    const decodedText = decodeEntities(text);
    return decodedText === href || decodedText === '' ? ` ${href} ` : `${label} (${href})`;
  });
  // Layout: line breaks where the HTML would break lines.
  s = s.replace(/<br\s*\/?>/gi, '\n');
  s = s.replace(/<li\b[^>]*>/gi, '\n- ');
  s = s.replace(/<\/?(p|div|h[1-6]|tr|table|ul|ol|blockquote|section|article|header|footer|hr)\b[^>]*>/gi, '\n');
  s = s.replace(/<\/t[dh]\s*>/gi, ' ');
  s = s.replace(/<[^>]*>/g, '');
  s = decodeEntities(s);
  // Whitespace: HTML collapses runs of blanks; keep at most one empty line between blocks.
  return s
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/[ \t\f\v\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
