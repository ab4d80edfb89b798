/**
 * The classifier's prefilter: one case-insensitive regular expression that every line matched by
 * any rule also matches, built from literal keywords taken out of the rules' own patterns (the
 * longest literal every alternative must contain). Scanning a chunk for a few dozen literals is an
 * order of magnitude faster than trying every rule on every line; only the lines it hits are
 * classified by the full table. A rule with an alternative that has no literal of 3+ characters
 * is put into the prefilter whole, so the prefilter stays a superset.
 */

const CLASS_ESCAPES = new Set([
  's',
  'S',
  'd',
  'D',
  'w',
  'W',
  'b',
  'B',
  'n',
  'r',
  't',
  'v',
  'f',
  'x',
  'u',
  'c',
  'k',
  'p',
  'P',
  '0',
]);
const MIN_KEYWORD = 3;

/**
 * walk visits the characters of a regex source from `i`, skipping escapes and character classes,
 * with the group depth before each one; it stops at the index where `visit` returns true.
 */
function walk(s: string, i: number, visit: (j: number, depth: number) => boolean): number {
  let depth = 0;
  for (let j = i; j < s.length; j++) {
    const ch = s[j];
    if (ch === '\\') {
      j++;
      continue;
    }
    if (ch === '[') {
      j = skipClass(s, j) - 1;
      continue;
    }
    if (visit(j, depth)) return j;
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
  }
  return s.length;
}

/** splitAlternatives splits a regex source at its top-level `|`. */
export function splitAlternatives(source: string): string[] {
  const out: string[] = [];
  let start = 0;
  walk(source, 0, (j, depth) => {
    if (source[j] === '|' && depth === 0) {
      out.push(source.slice(start, j));
      start = j + 1;
    }
    return false;
  });
  out.push(source.slice(start));
  return out;
}

/** skipGroup returns the index just past the `)` that closes the group opening at `i`. */
function skipGroup(s: string, i: number): number {
  const close = walk(s, i, (j, depth) => s[j] === ')' && depth === 1);
  return close < s.length ? close + 1 : s.length;
}

/** skipClass returns the index just past the `]` that closes the character class opening at `i`. */
function skipClass(s: string, i: number): number {
  let j = i + 1;
  if (s[j] === '^') j++;
  for (; j < s.length; j++) {
    if (s[j] === '\\') j++;
    else if (s[j] === ']') return j + 1;
  }
  return s.length;
}

/** quantifierAt returns the index after a quantifier at `i` (and whether there was an optional one). */
function quantifierAt(s: string, i: number): { end: number; kind: 'none' | 'optional' | 'plus' } {
  const ch = s[i];
  let end = i;
  let kind: 'none' | 'optional' | 'plus' = 'none';
  if (ch === '?' || ch === '*') {
    end = i + 1;
    kind = 'optional';
  } else if (ch === '+') {
    end = i + 1;
    kind = 'plus';
  } else if (ch === '{') {
    const m = /^\{(\d*)(,\d*)?\}/.exec(s.slice(i));
    if (m) {
      end = i + m[0].length;
      kind = Number(m[1] || '0') === 0 ? 'optional' : 'plus';
    }
  }
  if (end > i && s[end] === '?') end++;
  return { end, kind };
}

/** score ranks a keyword set: the length of its shortest keyword (longer = fewer false hits), common words counting as short. */
function score(set: readonly string[]): number {
  return set.length === 0
    ? 0
    : Math.min(...set.map((k) => (COMMON.has(k.trim().toLowerCase()) ? MIN_KEYWORD : k.trim().length)));
}

/** Words frequent in ordinary log lines: a keyword made of one of them is a last resort. */
const COMMON = new Set([
  'connection',
  'request',
  'response',
  'service',
  'status',
  'invalid',
  'failed',
  'error',
  'order',
]);

/**
 * requiredKeywords returns a set of literals one of which every match of the alternative contains:
 * its longest literal run, or the keywords of a required group such as `(?:cannot|could not)`,
 * whichever has the longest shortest keyword; [] when there is none of 3+ characters.
 */
export function requiredKeywords(alt: string): string[] {
  let best: string[] = [];
  let run = '';
  const offer = (set: string[]) => {
    if (score(set) > score(best) || (score(set) === score(best) && set.length < best.length && set.length > 0))
      best = set;
  };
  const flush = () => {
    if (run.trim().length >= MIN_KEYWORD) offer([run]);
    run = '';
  };
  for (let i = 0; i < alt.length; ) {
    const ch = alt[i]!;
    let literal: string | undefined;
    let group: string | undefined;
    let next = i + 1;
    if (ch === '\\') {
      const e = alt[i + 1] ?? '';
      next = i + 2;
      if (!CLASS_ESCAPES.has(e) && !/[1-9]/.test(e)) literal = e;
    } else if (ch === '(') {
      next = skipGroup(alt, i);
      const inner = alt.slice(i + 1, next - 1);
      if (!inner.startsWith('?') || inner.startsWith('?:')) group = inner.replace(/^\?:/, '');
    } else if (ch === '[') {
      next = skipClass(alt, i);
    } else if (!'.^$|?*+{}'.includes(ch)) {
      literal = ch;
    }
    const q = quantifierAt(alt, next);
    if (literal !== undefined && q.kind !== 'optional') {
      run += literal;
      if (q.kind === 'plus') flush();
    } else {
      flush();
      if (group !== undefined && q.kind !== 'optional') {
        const sets = splitAlternatives(group).map(requiredKeywords);
        if (sets.every((set) => set.length > 0)) offer([...new Set(sets.flat())]);
      }
    }
    i = q.end;
  }
  flush();
  return best;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

interface TrieNode {
  next: Map<string, TrieNode>;
  /** A keyword ends here: anything longer is redundant (containing this prefix is enough). */
  end: boolean;
}

/**
 * trieSource returns one regular expression matching any of the keywords, factored by common
 * prefixes (`urn:ietf:params:acme:error:(?:caa|dns|...)`), which the regex engine scans much
 * faster than a flat list of alternatives.
 */
export function trieSource(keywords: Iterable<string>): string {
  const root: TrieNode = { next: new Map(), end: false };
  for (const k of keywords) {
    let node = root;
    for (const ch of k) {
      if (node.end) break;
      let child = node.next.get(ch);
      if (!child) {
        child = { next: new Map(), end: false };
        node.next.set(ch, child);
      }
      node = child;
    }
    node.end = true;
    node.next.clear();
  }
  const render = (node: TrieNode): string => {
    if (node.end) return '';
    const alts = [...node.next].map(([ch, child]) => escapeRegex(ch) + render(child));
    return alts.length === 1 ? alts[0]! : `(?:${alts.join('|')})`;
  };
  return root.next.size === 0 ? '' : render(root);
}

/**
 * prefilterSource returns the source of the prefilter for a set of patterns: the keywords as one
 * prefix-factored alternation, plus the whole source of any pattern that has an alternative
 * without a usable literal.
 */
export function prefilterSource(patterns: readonly RegExp[]): { source: string; keywords: number; fallbacks: number } {
  const keywords = new Set<string>();
  const fallbacks: string[] = [];
  for (const re of patterns) {
    const sets = splitAlternatives(re.source).map(requiredKeywords);
    if (sets.some((set) => set.length === 0)) fallbacks.push(`(?:${re.source})`);
    else for (const k of sets.flat()) keywords.add(k.toLowerCase());
  }
  const parts = [trieSource(keywords), ...fallbacks].filter((p) => p !== '');
  return { source: parts.join('|') || '(?!)', keywords: keywords.size, fallbacks: fallbacks.length };
}
