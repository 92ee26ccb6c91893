// A scriptable stand-in for an OpenAI-compatible chat-completions server, for tests. The real LLM is
// never reachable from CI, so everything that talks to one is tested against this: it listens on
// 127.0.0.1 (port 0, so tests can run in parallel), records every request, and answers from a queue
// of scripted replies.
//
//   const fake = await startFakeOpenAI();
//   fake.script(
//     { status: 429, json: errorBody('slow down') },          // first request
//     { json: chatCompletion('{"ok":true}') },                // second request
//   );
//   const client = new OpenAI({ apiKey: 'test', baseURL: fake.url });   // fake.url ends in /v1
//   ...
//   expect(fake.requests[1]!.body.response_format).toEqual(...);
//   await fake.close();
//
// Routes: POST /v1/chat/completions and /chat/completions take the next scripted reply (a request
// with nothing left in the queue gets `defaultReply`, which by default is a 500 saying so, so a
// test that under-scripts fails loudly instead of hanging). GET /v1/models lists one model. Anything
// else is a 404 in OpenAI's error shape.
//
// Streaming: when the request says `stream: true` and the reply is a chat completion (`json` with
// `choices[].message`), it is sent as server-sent events, one `chat.completion.chunk` per piece of
// the content (split with `streamChunkSize`), then `data: [DONE]`. `{ sse: [...] }` sends exactly
// the given events instead.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** The path as requested, e.g. /v1/chat/completions. */
  path: string;
  headers: IncomingMessage['headers'];
  /** The raw body text. */
  raw: string;
  /** The body parsed as JSON (undefined when it was not JSON). Typed loosely for easy assertions. */
  body: any;
  /** Date.now() when the request arrived, to check backoff between attempts. */
  at: number;
}

/** One scripted answer to one request. */
export type Reply =
  /** A JSON body (status 200 unless given). */
  | { status?: number; json: unknown; headers?: Record<string, string>; delayMs?: number }
  /** A raw body, sent as is (content type text/plain unless given in headers). */
  | { status?: number; text: string; headers?: Record<string, string>; delayMs?: number }
  /** Server-sent events, each item JSON-encoded into a `data:` line, then `data: [DONE]`. */
  | { sse: unknown[]; headers?: Record<string, string>; delayMs?: number; done?: boolean }
  /** Never answer: the request stays open until the client gives up or close() is called. */
  | { hang: true }
  /** Send the status line and headers, then never send the body. */
  | { hangAfterHeaders: true; status?: number }
  /** Decide from the request (e.g. look at `body.response_format`). */
  | ((request: RecordedRequest) => Reply | Promise<Reply>);

export interface FakeOpenAI {
  /** Base URL for the openai client, ending in /v1 (e.g. http://127.0.0.1:40123/v1). */
  url: string;
  /** Every request received, in order (all routes). */
  requests: RecordedRequest[];
  /** Only the chat-completions requests. */
  readonly chatRequests: RecordedRequest[];
  /** Queue replies for the next chat-completions requests, in order. Returns the server for chaining. */
  script(...replies: Reply[]): FakeOpenAI;
  /** How many scripted replies have not been used yet. */
  readonly pending: number;
  /** Stop listening and drop every open connection (hanging requests included). */
  close(): Promise<void>;
}

export interface FakeOpenAIOptions {
  /** Answer for a chat request when the queue is empty. Default: 500 "no scripted reply left". */
  defaultReply?: Reply;
  /** Characters per streamed chunk when turning a completion into SSE. Default 8. */
  streamChunkSize?: number;
}

/** An OpenAI chat.completion whose assistant message says `content`. */
export function chatCompletion(
  content: string | null,
  opts: { model?: string; finishReason?: string; refusal?: string | null; usage?: boolean } = {},
): Record<string, unknown> {
  return {
    id: `chatcmpl-fake-${Math.random().toString(36).slice(2, 10)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: opts.model ?? 'fake-model',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: opts.refusal ?? null },
        finish_reason: opts.finishReason ?? 'stop',
        logprobs: null,
      },
    ],
    ...(opts.usage === false ? {} : { usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 } }),
  };
}

/** OpenAI's error body: `{ error: { message, type, param, code } }`. */
export function errorBody(message: string, extra: { type?: string; param?: string | null; code?: string | null } = {}) {
  return { error: { message, type: extra.type ?? 'invalid_request_error', param: extra.param ?? null, code: extra.code ?? null } };
}

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const queue: Reply[] = [];
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const chunkSize = options.streamChunkSize ?? 8;
  const defaultReply: Reply = options.defaultReply ?? { status: 500, json: errorBody('fake-openai: no scripted reply left', { type: 'server_error' }) };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  async function send(res: ServerResponse, request: RecordedRequest, reply: Reply): Promise<void> {
    if (typeof reply === 'function') return send(res, request, await reply(request));
    if ('hang' in reply) return; // keep the socket open; close() destroys it
    if ('hangAfterHeaders' in reply) {
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
      res.flushHeaders();
      return;
    }
    if (reply.delayMs) await sleep(reply.delayMs);
    if (res.destroyed) return; // the client gave up while we waited

    if ('sse' in reply) return sendEvents(res, reply.sse, reply.headers, reply.done !== false);
    if ('json' in reply) {
      if (request.body?.stream === true && isCompletion(reply.json) && (reply.status ?? 200) === 200) {
        return sendEvents(res, completionToChunks(reply.json, chunkSize, request.body?.stream_options?.include_usage === true), reply.headers, true);
      }
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify(reply.json));
      return;
    }
    res.writeHead(reply.status ?? 200, { 'content-type': 'text/plain; charset=utf-8', ...reply.headers });
    res.end(reply.text);
  }

  function sendEvents(res: ServerResponse, events: unknown[], headers: Record<string, string> | undefined, done: boolean) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers });
    for (const e of events) res.write(`data: ${JSON.stringify(e)}\n\n`);
    if (done) res.write('data: [DONE]\n\n');
    res.end();
  }

  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(parts).toString('utf8');
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = undefined;
      }
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const request: RecordedRequest = { method: req.method ?? 'GET', path, headers: req.headers, raw, body, at: Date.now() };
      requests.push(request);

      let reply: Reply;
      if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/chat/completions')) {
        reply = queue.shift() ?? defaultReply;
      } else if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
        reply = { json: { object: 'list', data: [{ id: 'fake-model', object: 'model', created: 0, owned_by: 'fake-openai' }] } };
      } else {
        reply = { status: 404, json: errorBody(`fake-openai: no route ${req.method} ${path}`) };
      }
      send(res, request, reply).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify(errorBody(`fake-openai: script failed: ${String(err)}`, { type: 'server_error' })));
      });
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const fake: FakeOpenAI = {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    get chatRequests() {
      return requests.filter((r) => r.path.endsWith('/chat/completions'));
    },
    script(...replies) {
      queue.push(...replies);
      return fake;
    },
    get pending() {
      return queue.length;
    },
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // hanging requests would otherwise keep close() waiting
      });
    },
  };
  return fake;
}

function isCompletion(json: unknown): json is { id?: string; model?: string; created?: number; usage?: unknown; choices: Array<{ index?: number; message?: { role?: string; content?: string | null }; finish_reason?: string }> } {
  return !!json && typeof json === 'object' && Array.isArray((json as { choices?: unknown }).choices);
}

/** A completion as the chunks a streaming server would send: role first, content in pieces, then finish_reason. */
function completionToChunks(
  completion: { id?: string; model?: string; created?: number; usage?: unknown; choices: Array<{ index?: number; message?: { role?: string; content?: string | null }; finish_reason?: string }> },
  size: number,
  includeUsage: boolean,
): unknown[] {
  const base = { id: completion.id ?? 'chatcmpl-fake', object: 'chat.completion.chunk', created: completion.created ?? 0, model: completion.model ?? 'fake-model' };
  const chunks: unknown[] = [];
  for (const [i, choice] of completion.choices.entries()) {
    const index = choice.index ?? i;
    const content = Array.from(choice.message?.content ?? ''); // by code point: never split a surrogate pair
    chunks.push({ ...base, choices: [{ index, delta: { role: choice.message?.role ?? 'assistant', content: '' }, finish_reason: null }] });
    for (let at = 0; at < content.length; at += size) {
      chunks.push({ ...base, choices: [{ index, delta: { content: content.slice(at, at + size).join('') }, finish_reason: null }] });
    }
    chunks.push({ ...base, choices: [{ index, delta: {}, finish_reason: choice.finish_reason ?? 'stop' }] });
  }
  if (includeUsage && completion.usage) chunks.push({ ...base, choices: [], usage: completion.usage });
  return chunks;
}
