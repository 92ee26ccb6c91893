// The grading parts a running service or the batch CLI needs, built from the configuration:
// the sandbox, and the judge when there is an API key.
import type { Config } from '../config.ts';
import { createSandbox, type Sandbox } from '../sandbox/run.ts';
import type { GradeDeps } from './grade.ts';
import { createJudge, type JudgeOptions } from './judge.ts';

export interface GradingParts extends GradeDeps {
  sandbox: Sandbox;
  /** Lines every page shows: unsafe code execution, no sandbox, deterministic grading. */
  notices: string[];
}

/**
 * `uidOffset` keeps a batch tool's sandbox uids apart from the service's, so both can run at once;
 * `onLlmFailure` hears of every failed judge attempt (the service counts them in /metrics).
 */
export function gradingParts(config: Config, uidOffset = 0, onLlmFailure?: JudgeOptions['onFailure']): GradingParts {
  const sandbox = createSandbox({ uidBase: config.SANDBOX_UID_BASE + uidOffset, slots: config.SANDBOX_SLOTS, unsafeLocal: config.SANDBOX_UNSAFE_LOCAL });
  const notices: string[] = [];
  const available = sandbox.availability();
  if (available.ok && available.isolation === 'unsafe-local') notices.push('UNSAFE: code answers run WITHOUT a sandbox (SANDBOX_UNSAFE_LOCAL=true)');
  if (!available.ok) notices.push(`Code answers are not run: ${available.reason}`);
  if (!config.OPENAI_API_KEY) {
    return { sandbox, notices, judgeMissingReason: 'OPENAI_API_KEY is not set: graded by the deterministic checks only' };
  }
  const judge = createJudge({
    apiKey: config.OPENAI_API_KEY,
    baseURL: config.OPENAI_BASE_URL,
    model: config.OPENAI_MODEL,
    timeoutMs: config.LLM_TIMEOUT_MS,
    maxAttempts: config.LLM_MAX_ATTEMPTS,
    onFailure: onLlmFailure,
  });
  return { sandbox, judge, notices };
}
