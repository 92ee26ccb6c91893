// An interviewer-run interview in a real Chromium, two browsers at once: the interviewer signs in,
// sets the interview up and watches it live; the candidate joins by link and answers with text
// built to attack the interviewer's browser (a script, an event handler, htmx attributes). Nothing
// of it may run, and the interviewer sees every turn as it happens. Screenshots go to
// test/e2e/screenshots/.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Accounts } from '../../src/accounts/accounts.ts';
import { openDatabase } from '../../src/db/index.ts';
import { launchChromium } from '../helpers/browser.ts';
import { freePort, startServer, type Server } from '../helpers/server.ts';
import { PASSWORD } from '../helpers/staff.ts';

const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const RUBRICS = fileURLToPath(new URL('../fixtures/rubrics/', import.meta.url));

/** Candidate text that would act if it were ever rendered as HTML. */
export const HOSTILE =
  '<script>window.__pwned = "script"</script><img src=x onerror="window.__pwned = \'onerror\'">' +
  '<button hx-post="/logout" hx-trigger="load" id="hx-attack">x</button><a href="javascript:window.__pwned=1">a</a>' +
  ' 用 SET key token NX PX 30000 加锁，释放时用 Lua 脚本比较 token 再删除。';

let server: Server;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await startServer({ RUBRICS_DIR: RUBRICS, SANDBOX_UID_BASE: '62000' });
  // The account, as `npm run user:add` makes it: straight into the service's database file.
  const db = openDatabase(server.dbPath);
  await new Accounts(db).add({ email: 'lead@example.com', name: '李面试官', role: 'interviewer', password: PASSWORD });
  await new Accounts(db).add({ email: 'hr@example.com', name: 'Reviewer', role: 'reviewer', password: PASSWORD });
  db.$client.close();
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** A page in its own browser context (its own cookies), collecting script errors and every request. */
async function newPage(): Promise<{ page: Page; problems: string[]; requests: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('request', (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
  return { page, problems, requests };
}

export async function signInAs(page: Page, email: string) {
  await page.goto(`${server.url}/login`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

describe('an interviewer-run interview in Chromium', () => {
  it('is set up, watched live and steered, and candidate text never acts in the interviewer’s browser', async () => {
    const lead = await newPage();
    await signInAs(lead.page, 'lead@example.com');

    // Set up: search the bank, tick a question, name the candidate.
    await lead.page.goto(`${server.url}/interviews`);
    await lead.page.fill('input[name=candidate]', '王<b>候选人</b>');
    await lead.page.fill('input[name=q]', '分布式锁');
    await lead.page.locator('#picker input[value=q_22712696]').check();
    await lead.page.screenshot({ path: `${SHOTS}10-interviews.png`, fullPage: true });
    await lead.page.locator('form.start button[type=submit]').click();
    await lead.page.waitForURL(/\/live\//);
    const link = await lead.page.locator('.link-card input').inputValue();
    expect(link).toMatch(/\/s\/[\w-]+\?t=[\w-]{43}$/);

    // The candidate joins, is told what is recorded, and agrees to share their typing.
    const cand = await newPage();
    await cand.page.goto(link);
    await expect.poll(() => cand.page.locator('.assisted-notice').textContent()).toContain('都会连同时间记录下来');
    await cand.page.locator('.assisted-notice button').click();
    await cand.page.waitForLoadState();
    await expect.poll(() => lead.page.locator('#live-state').textContent()).toContain('候选人允许实时查看输入');

    // A large paste and the typing arrive live at the interviewer.
    const box = cand.page.locator('textarea[name=answer]');
    await box.focus();
    await cand.page.evaluate((text) => {
      const area = document.querySelector('textarea[name=answer]') as HTMLTextAreaElement;
      const data = new DataTransfer();
      data.setData('text/plain', text);
      area.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }));
      area.value = text;
      area.dispatchEvent(new Event('input', { bubbles: true }));
    }, HOSTILE);
    await expect.poll(() => lead.page.locator('.signals').textContent(), { timeout: 10_000 }).toContain('粘贴了');
    await expect.poll(() => lead.page.locator('.msg.candidate.draft').textContent(), { timeout: 10_000 }).toContain('<script>');
    await cand.page.screenshot({ path: `${SHOTS}11-candidate-assisted.png`, fullPage: true });

    // Submitted: the answer and its grade stream into the live view.
    await box.focus();
    await cand.page.keyboard.press('Control+Enter');
    await expect.poll(() => lead.page.locator('.observed .grade-body').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(() => lead.page.locator('.observed .msg.candidate').last().textContent()).toContain('<img src=x onerror=');
    await expect.poll(() => lead.page.locator('#steer textarea[name=text]').count()).toBe(1);
    await lead.page.screenshot({ path: `${SHOTS}12-live-view.png`, fullPage: true });

    // A private note and an override, beside the turn, without leaving the live view.
    const first = lead.page.locator('#live-turns .live-turn').first();
    await first.locator('textarea[name=text]').fill('<img src=x onerror="window.__pwned=\'note\'"> 思路对，但没提过期时间');
    await first.locator('.rv-note-form button').click();
    await expect.poll(() => first.locator('.rv-annotations').textContent()).toContain('思路对，但没提过期时间');
    await first.locator('input[name=score]').fill('5');
    await first.locator('input[name=score]').locator('xpath=..').locator('input[name=reason]').fill('答到了 token 校验');
    await first.locator('input[name=score]').locator('xpath=..').locator('button').click();
    await expect.poll(() => first.locator('.rv-annotations').textContent()).toContain('答到了 token 校验');

    // The interviewer edits the AI's follow-up and sends it; the candidate's page follows.
    await lead.page.fill('#steer textarea[name=text]', '锁过期了但业务还没做完，怎么办？');
    await lead.page.locator('#steer button', { hasText: '发出追问' }).click();
    await expect.poll(() => cand.page.locator('.turn.current').textContent(), { timeout: 10_000 }).toContain('锁过期了但业务还没做完');
    await expect.poll(() => lead.page.locator('#live-turns .live-turn').count()).toBe(2);

    // Nothing the candidate typed ran anywhere: no script, no handler, no htmx request.
    for (const p of [lead, cand]) {
      expect(await p.page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
      expect(await p.page.locator('#hx-attack').count()).toBe(0);
      expect(p.requests.filter((r) => r.includes('/logout'))).toEqual([]);
    }
    expect(await lead.page.locator('h1').first().textContent()).toContain('王<b>候选人</b>');
    expect(lead.problems.filter((p) => !p.includes('/x'))).toEqual([]);
    const sid = new URL(lead.page.url()).pathname.split('/')[2]!;
    await lead.page.context().close();
    await cand.page.context().close();

    // A reviewer reads the transcript: the same hostile text, inert there too.
    const hr = await newPage();
    await signInAs(hr.page, 'hr@example.com');
    await hr.page.goto(`${server.url}/review`);
    await expect.poll(() => hr.page.locator('body').textContent()).toContain('王<b>候选人</b>');
    await hr.page.screenshot({ path: `${SHOTS}13-review-list.png`, fullPage: true });
    await hr.page.goto(`${server.url}/review/${sid}`);
    await expect.poll(() => hr.page.locator('body').textContent()).toContain('<img src=x onerror=');
    expect(await hr.page.locator('body').textContent()).toContain('答到了 token 校验');
    await hr.page.screenshot({ path: `${SHOTS}14-transcript.png`, fullPage: true });
    expect(await hr.page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(await hr.page.locator('#hx-attack').count()).toBe(0);
    expect(hr.requests.filter((r) => r.includes('/logout'))).toEqual([]);
    expect(hr.problems.filter((p) => !p.includes('/x'))).toEqual([]);
    // A reviewer does not run interviews.
    expect((await hr.page.goto(`${server.url}/live/${sid}`))!.status()).toBe(403);
    await hr.page.context().close();
  }, 120_000);

  it('keeps the candidate page with the interviewer across a restart of the service', async () => {
    const port = String(await freePort());
    let own = await startServer({ RUBRICS_DIR: RUBRICS, SANDBOX_UID_BASE: '62020', PORT: port });
    const db = openDatabase(own.dbPath);
    const accounts = new Accounts(db);
    await accounts.add({ email: 'lead@example.com', role: 'interviewer', password: PASSWORD });
    const login = await accounts.login('lead@example.com', PASSWORD, 'test');
    db.$client.close();
    if (!('token' in login)) throw new Error('no login');
    const staff = { cookie: `login=${login.token}`, origin: own.url, 'x-csrf-token': login.staff.csrf, 'content-type': 'application/x-www-form-urlencoded' };
    const created = await fetch(`${own.url}/interviews`, { method: 'POST', headers: staff, body: new URLSearchParams({ candidate: 'R', question_id: 'q_22712696' }), redirect: 'manual' });
    const sid = created.headers.get('location')!.replace('/live/', '');
    const live = await (await fetch(`${own.url}/live/${sid}`, { headers: { cookie: `${staff.cookie}; ${created.headers.get('set-cookie')!.split(';')[0]}` } })).text();
    const link = /value="(http:[^"]+)"/.exec(live)![1]!.replaceAll('&amp;', '&');

    const cand = await newPage();
    await cand.page.goto(link);
    await cand.page.locator('textarea[name=answer]').fill('写到一半的答案');
    await cand.page.waitForResponse((r) => r.url().endsWith('/draft'));
    // The service dies and comes back; meanwhile the interviewer gives a hint.
    await own.stop('SIGKILL');
    own = await startServer({ RUBRICS_DIR: RUBRICS, SANDBOX_UID_BASE: '62020', PORT: port }, own.dbPath);
    expect((await fetch(`${own.url}/live/${sid}/hint`, { method: 'POST', headers: staff, body: '' })).status).toBe(200);
    await expect.poll(() => cand.page.locator('.hints').textContent(), { timeout: 20_000 }).toContain('想想持有锁的进程崩溃了会发生什么');
    expect(await cand.page.locator('textarea[name=answer]').inputValue()).toBe('写到一半的答案');
    await cand.page.context().close();
    await own.stop();
  }, 60_000);
});
