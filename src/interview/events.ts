// What happened in a session, for whoever watches it live: the interviewer's live view and the
// candidate's page (which reloads when the interviewer steers). In-process: one service, one
// bus; with several app instances this would become the database's or a broker's pub/sub.
export type SessionChange =
  | 'asked' // a new turn: next question or follow-up
  | 'answered'
  | 'graded' // a grade stage finished (checks, judge, done, failed)
  | 'draft'
  | 'hint'
  | 'signal' // a paste or the candidate leaving the tab
  | 'paused'
  | 'resumed'
  | 'consent'
  | 'finished';

/** The changes the candidate's own page must follow (the rest it already shows or never sees). */
export const CANDIDATE_CHANGES: ReadonlySet<SessionChange> = new Set(['asked', 'hint', 'paused', 'resumed', 'finished']);

type Listener = (change: SessionChange) => void;

export class SessionEvents {
  private listeners = new Map<string, Set<Listener>>();

  /** Listen to one session; returns the function that stops listening. */
  on(sessionId: string, listener: Listener): () => void {
    const set = this.listeners.get(sessionId) ?? new Set();
    set.add(listener);
    this.listeners.set(sessionId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(sessionId);
    };
  }

  emit(sessionId: string, change: SessionChange): void {
    for (const l of this.listeners.get(sessionId) ?? []) l(change);
  }

  /** Is anyone watching this session (or, without an id, any session)? */
  watched(sessionId?: string): boolean {
    return sessionId === undefined ? this.listeners.size > 0 : this.listeners.has(sessionId);
  }
}
