// The few behaviours htmx does not give: Ctrl+Enter to submit, a code editor (Tab indents, line
// numbers), the question timer, and focus where the candidate will type next. No inline scripts:
// the Content-Security-Policy allows only files like this one.
(() => {
  'use strict';
  const INDENT = '    ';

  // A signed-in interviewer's or reviewer's htmx requests carry the login's CSRF token.
  document.addEventListener('htmx:config:request', (e) => {
    const meta = document.querySelector('meta[name=csrf-token]');
    if (meta && e.detail && e.detail.ctx) e.detail.ctx.request.headers['X-CSRF-Token'] = meta.content;
  });

  // Ctrl+Enter (or Cmd+Enter) submits the answer from anywhere in its form.
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || !(e.ctrlKey || e.metaKey)) return;
    const form = e.target instanceof Element ? e.target.closest('form[data-composer]') : null;
    if (!form) return;
    e.preventDefault();
    form.requestSubmit();
  });

  // Tab and Shift+Tab in the code editor indent and outdent instead of leaving the field.
  // (Escape, then Tab, still moves focus on: the editor must not trap keyboard users.)
  let escaped = false;
  document.addEventListener('keydown', (e) => {
    const area = e.target;
    if (!(area instanceof HTMLTextAreaElement) || !area.classList.contains('code')) return;
    if (e.key === 'Escape') {
      escaped = true;
      return;
    }
    if (e.key !== 'Tab' || escaped) {
      escaped = false;
      return;
    }
    e.preventDefault();
    const { selectionStart: start, selectionEnd: end, value } = area;
    const lineStart = value.lastIndexOf('\n', start - 1) + 1;
    if (!e.shiftKey && start === end) {
      area.setRangeText(INDENT, start, end, 'end');
    } else {
      // Indent or outdent every line the selection touches.
      const block = value.slice(lineStart, end);
      const lines = block.split('\n');
      const changed = lines.map((l) => (e.shiftKey ? l.replace(/^ {1,4}|^\t/, '') : INDENT + l)).join('\n');
      area.setRangeText(changed, lineStart, end, 'select');
    }
    area.dispatchEvent(new Event('input', { bubbles: true }));
  });

  function syncGutter(area) {
    const gutter = area.parentElement && area.parentElement.querySelector('.gutter');
    if (!gutter) return;
    const lines = area.value.split('\n').length;
    if (gutter.dataset.lines !== String(lines)) {
      gutter.textContent = Array.from({ length: lines }, (_, i) => i + 1).join('\n');
      gutter.dataset.lines = String(lines);
    }
    gutter.scrollTop = area.scrollTop;
  }
  document.addEventListener('input', (e) => {
    if (e.target instanceof HTMLTextAreaElement && e.target.classList.contains('code')) syncGutter(e.target);
  });
  document.addEventListener('scroll', (e) => {
    if (e.target instanceof HTMLTextAreaElement && e.target.classList.contains('code')) syncGutter(e.target);
  }, true);

  // The timer counts down to the deadline; at zero it says so. The draft is saved as the
  // candidate types, so running out of time loses nothing.
  function tick() {
    for (const el of document.querySelectorAll('.timer[data-deadline]')) {
      const left = Math.round((Number(el.dataset.deadline) - Date.now()) / 1000);
      if (left <= 0) {
        el.textContent = el.dataset.timeup || '0:00';
        el.classList.add('over');
        continue;
      }
      const m = Math.floor(left / 60);
      const s = String(left % 60).padStart(2, '0');
      el.textContent = `${m}:${s}`;
      el.classList.toggle('low', left <= 60);
    }
  }
  setInterval(tick, 1000);

  // New content: line numbers for editors, the timer, and focus on the answer box of a new
  // question (or the first action after a grade) so the whole interview works by keyboard.
  function prepare(root) {
    for (const area of root.querySelectorAll('textarea.code')) syncGutter(area);
    tick();
    const box = root.querySelector('.turn.current textarea[name=answer]');
    if (box && !box.value) box.focus();
  }
  document.addEventListener('DOMContentLoaded', () => {
    prepare(document);
    const current = document.querySelector('.turn.current');
    if (current) current.scrollIntoView({ block: 'start' });
  });
  document.addEventListener('htmx:after:swap', (e) => {
    const target = e.target instanceof Element ? e.target : document;
    prepare(document);
    const turn = target.closest ? target.closest('.turn') : null;
    const next = document.querySelector('.turn.current:last-child');
    if (next && next !== turn) next.scrollIntoView({ behavior: 'smooth', block: 'start' });
    const action = document.querySelector('.turn.current .actions button.primary');
    if (action && !document.querySelector('.turn.current textarea')) action.focus();
  });

  // The candidate link, shown once: one click selects all of it, ready to copy.
  document.addEventListener('focusin', (e) => {
    if (e.target instanceof HTMLInputElement && e.target.closest('.link-card')) e.target.select();
  });

  // An interviewer-run session. The candidate was told (on the page) that large pastes and
  // leaving the tab are recorded; the page follows the interviewer's moves by reloading, after
  // saving the draft so nothing typed is lost.
  const PASTE_CHARS = 50;
  function assisted() {
    const chat = document.querySelector('#chat[data-assisted]');
    return chat ? chat.dataset.session : undefined;
  }
  function post(path, fields) {
    return fetch(path, { method: 'POST', body: new URLSearchParams(fields), keepalive: true, credentials: 'same-origin' }).catch(() => {});
  }
  document.addEventListener('paste', (e) => {
    const sid = assisted();
    const text = e.clipboardData ? e.clipboardData.getData('text') : '';
    if (sid && e.target instanceof HTMLTextAreaElement && e.target.name === 'answer' && text.length >= PASTE_CHARS) {
      post(`/s/${sid}/signals`, { kind: 'paste', chars: String(text.length) });
    }
  });
  document.addEventListener('visibilitychange', () => {
    const sid = assisted();
    if (sid) post(`/s/${sid}/signals`, { kind: document.visibilityState === 'hidden' ? 'blur' : 'focus' });
  });
  document.addEventListener('DOMContentLoaded', () => {
    const sid = assisted();
    if (!sid || !window.EventSource) return;
    const events = new EventSource(`/s/${sid}/events`);
    const follow = async () => {
      events.close();
      const box = document.querySelector('.turn.current textarea[name=answer]');
      if (box) await post(`/s/${sid}/draft`, { answer: box.value });
      location.reload();
    };
    events.addEventListener('changed', follow);
    // Back after a lost connection: the interviewer may have moved on meanwhile.
    let opened = false;
    events.addEventListener('open', () => {
      if (opened) follow();
      opened = true;
    });
  });
})();
