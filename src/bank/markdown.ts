// Small text helpers shared by the parser, the dedup keys and the classifier.
// The documents are Chinese markdown written by many hands: full-width punctuation, stray
// backticks and bold markers, and numbering in every style.

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;

export function hasCjk(s: string): boolean {
  return CJK.test(s);
}

// Images and links. Neither bracket may appear inside the text, nor a parenthesis inside the
// target: with [^\]]* and [^)]*, a line of "[" or of "[a](" never closed was scanned to its end
// from every bracket, quadratic (a 1 MB line took minutes). Now each attempt stops at the next
// bracket or parenthesis, so a line is read in linear time.
const IMAGE = /!\[[^[\]]*\]\([^()]*\)/g;
const LINK = /\[([^[\]]*)\]\([^()]*\)/g;

/** Drop images: they point to the network, and the service works offline. */
export function removeImages(s: string): string {
  return s.replace(IMAGE, '');
}

/** Remove inline markdown (bold, code spans, links) and collapse white space. */
export function stripInline(s: string): string {
  return removeImages(s)
    .replace(LINK, '$1')
    .replace(/\*\*|`/g, '')
    .replace(/[ \t\u00a0\u3000]+/g, ' ')
    .trim();
}

/** Leading question numbering: "1.", "12、", "3．", "(4)", "一、". */
export const NUMBERING = /^(?:\(?\d{1,4}\s*[.．、)）]|[一二三四五六七八九十]+\s*[、.．])\s*/;

export function stripNumbering(s: string): string {
  return s.replace(NUMBERING, '').trim();
}

/** True when a line ends a sentence (or a block), so a document ending there is not cut off. */
export function endsCleanly(line: string): boolean {
  const t = line.trim();
  if (t === '') return true;
  if (/^(`{3,}|~{3,})/.test(t)) return true;
  return /[。！？.!?；;：:）)」』”"'`*>\]}]$/.test(t);
}
