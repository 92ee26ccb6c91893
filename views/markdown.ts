// Markdown -> safe HTML for reference answers and questions. Raw HTML in the source is escaped,
// never passed through (the documents are third-party text); code is highlighted on the server
// so pages need no client-side highlighter.
import hljs from 'highlight.js/lib/common';
import MarkdownIt from 'markdown-it';

/** Highlighted HTML for a code block; an unknown language is shown plain. */
export function highlightCode(code: string, lang: string): string {
  const language = hljs.getLanguage(lang) ? lang : 'plaintext';
  const html = hljs.highlight(code, { language, ignoreIllegals: true }).value;
  const label = (lang || 'text').replace(/[^\w+#.-]/g, '');
  return `<pre class="code" data-lang="${label}"><code class="hljs language-${language}">${html}</code></pre>`;
}

const md = new MarkdownIt({
  html: false,
  linkify: false,
  breaks: true, // the documents break lines on purpose
  highlight: highlightCode,
});

// Links in third-party text open outside the app and carry no referrer or trust.
md.renderer.rules.link_open = (tokens, i, options, _env, self) => {
  tokens[i]!.attrSet('rel', 'noopener noreferrer nofollow');
  tokens[i]!.attrSet('target', '_blank');
  return self.renderToken(tokens, i, options);
};

const cache = new Map<string, string>();

/** Render markdown to HTML. Results are cached: the bank's texts never change while running. */
export function renderMarkdown(source: string): string {
  let html = cache.get(source);
  if (html === undefined) {
    html = md.render(source);
    if (cache.size < 5000) cache.set(source, html);
  }
  return html;
}
