// A whole solo interview in a real Chromium, by keyboard only: a prose question (with a reload in
// the middle of the answer), then a coding question (submitted twice in a row), then the summary.
// Screenshots go to test/e2e/screenshots/ for a human to look at.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.ts';
import { startServer, type Server } from '../helpers/server.ts';

const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const RUBRICS = fileURLToPath(new URL('../fixtures/rubrics/', import.meta.url));

let server: Server;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await startServer({ RUBRICS_DIR: RUBRICS, SANDBOX_UID_BASE: '61960' });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function api(path: string, token?: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await res.json()) as any;
}

async function newPage(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, locale: 'zh-CN' });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  return { page, problems };
}

describe('a solo interview in Chromium', () => {
  it('runs from the first question to the summary by keyboard', async () => {
    const s = await api('/api/sessions', undefined, { question_ids: ['q_22712696', 'q_1803e414'], seconds_per_question: 600 });
    const { page, problems } = await newPage();

    // The candidate link: the token is taken once and leaves the address bar.
    await page.goto(`${server.url}/s/${s.id}?t=${s.token}`);
    expect(new URL(page.url()).search).toBe('');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('answer');
    expect(await page.locator('.timer').textContent()).toMatch(/^\d+:\d\d$/);
    await page.screenshot({ path: `${SHOTS}01-question.png` });

    // Half an answer, a reload: the draft is still there.
    await page.keyboard.type('用 Redis 加锁：SET lock_key token NX PX 30000，一条命令');
    await page.waitForResponse((r) => r.url().endsWith('/draft') && r.status() === 204);
    await page.reload();
    await expect.poll(() => page.locator('textarea[name=answer]').inputValue()).toContain('SET lock_key token NX PX 30000');
    await page.screenshot({ path: `${SHOTS}02-draft-after-reload.png` });

    // Finish the answer and submit with Ctrl+Enter; the grade streams in.
    await page.locator('textarea[name=answer]').focus();
    await page.keyboard.press('End');
    await page.keyboard.type('设置值和过期时间，是原子的。锁的值是客户端自己的随机 token，释放时用 Lua 脚本先比较 token 再删除，避免误删别人的锁。');
    await page.keyboard.press('Control+Enter');
    await page.locator('.grade-body').waitFor({ timeout: 15_000 });
    await expect.poll(() => page.locator('.grade .score strong').textContent()).toMatch(/^\d/);
    expect(await page.locator('.grade').textContent()).toContain('自动评分（未使用大模型）');
    await page.screenshot({ path: `${SHOTS}03-graded.png`, fullPage: true });

    // By keyboard to the next question: the primary action has focus.
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toContain('下一题');
    await page.keyboard.press('Enter');
    await page.locator('textarea.code').waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.classList.contains('code'))).toBe(true);

    // Code with Tab for indentation, then Ctrl+Enter twice in a row.
    await page.keyboard.type('def to_int(s):\n');
    await page.keyboard.press('Tab');
    await page.keyboard.type('sign = -1 if s.startswith("-") else 1\n');
    await page.keyboard.press('Tab');
    await page.keyboard.type('n = 0\n');
    await page.keyboard.press('Tab');
    await page.keyboard.type('for c in s.lstrip("-"):\n');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.type('n = n * 10 + ord(c) - 48\n');
    await page.keyboard.press('Tab');
    await page.keyboard.type('return sign * n');
    expect(await page.locator('textarea.code').inputValue()).toContain('\n        n = n * 10');
    expect(await page.locator('.editor .gutter').textContent()).toBe('1\n2\n3\n4\n5\n6');
    await page.screenshot({ path: `${SHOTS}04-code.png` });
    await page.keyboard.press('Control+Enter');
    await page.keyboard.press('Control+Enter');
    await page.locator('.turn.current .grade-body').waitFor({ timeout: 20_000 });
    expect(await page.locator('.turn.current .tests h4').textContent()).toContain('通过 4/4');
    await page.screenshot({ path: `${SHOTS}05-code-graded.png`, fullPage: true });

    // One answer for the double submit.
    const t = await api(`/api/sessions/${s.id}/transcript`, s.token);
    expect(t.turns.filter((x: any) => x.status === 'answered')).toHaveLength(2);
    expect(t.turns[1].grade.tests).toMatchObject({ passed: 4, total: 4 });

    // The last question's action leads to the summary.
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toContain('查看总结');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/summary$/);
    expect(await page.locator('h1').textContent()).toBe('面试总结');
    expect(await page.locator('.review-item').count()).toBe(2);
    await page.screenshot({ path: `${SHOTS}06-summary.png`, fullPage: true });
    console.log(problems); expect(problems).toEqual([]);
  }, 90_000);

  it('candidate text never runs in the page', async () => {
    const s = await api('/api/sessions', undefined, { question_ids: ['q_22712696'] });
    await api(`/api/sessions/${s.id}/answers`, s.token, { answer: '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b hx-get="/api/sessions" hx-trigger="load">x</b>' });
    const { page } = await newPage();
    await page.goto(`${server.url}/s/${s.id}?t=${s.token}`);
    await page.locator('.grade-body').waitFor({ timeout: 15_000 });
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
    expect(await page.locator('.msg.candidate .answer-text').textContent()).toContain('<script>window.__pwned=2</script>');
  }, 30_000);
});
