/** One markup tag found in an HTML or MJML text. */
export interface ScannedTag {
  start: number;
  /** Offset just past the tag's `>`. */
  end: number;
  /** Lower-cased element name; empty for a comment or a declaration. */
  name: string;
  closing: boolean;
  selfClosing: boolean;
}

/**
 * The tags of an HTML or MJML text, in order, skipping comments: a hand-written scan, linear in
 * the text (regular expressions over unclosed tags or comments go quadratic, and templates come
 * from users). Quoted attribute values may hold `>`. Stops at the first tag that never closes.
 */
export function* scanTags(text: string): Generator<ScannedTag> {
  let i = text.indexOf("<");
  while (i !== -1) {
    if (text.startsWith("<!--", i)) {
      const close = text.indexOf("-->", i + 4);
      if (close === -1) return;
      i = text.indexOf("<", close + 3);
      continue;
    }
    const m = /^<(\/?)([a-zA-Z][\w-]*)/.exec(text.slice(i, i + 100));
    if (!m) {
      i = text.indexOf("<", i + 1);
      continue;
    }
    let quote = "";
    let j = i + m[0].length;
    for (; j < text.length; j++) {
      const c = text[j];
      if (quote) {
        if (c === quote) quote = "";
      } else if (c === '"' || c === "'") quote = c;
      else if (c === ">") break;
    }
    if (j >= text.length) return;
    yield { start: i, end: j + 1, name: m[2].toLowerCase(), closing: m[1] === "/", selfClosing: text[j - 1] === "/" };
    i = text.indexOf("<", j + 1);
  }
}
