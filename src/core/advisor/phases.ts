/**
 * Where the advisor's own time goes, phase by phase: a few performance.now() calls per advise(),
 * nothing else (no global state, nothing logged). The bench reports them; the editor ignores them.
 */
export type AdvisePhase =
  /** Pool checkout and BEGIN, before the baseline. */
  | 'session'
  /** The statement's shape: the parser's, merged with the baseline plan's. */
  | 'shape'
  /** Server facts, table statistics, existing indexes, taken index names. */
  | 'catalog'
  /** Candidate generation and the existing-index filter. */
  | 'candidates'
  /** What-if plans: every probe of the greedy rounds. */
  | 'whatIf'
  /** Marginal benefit, write cost, partitioned DDL, reasons from the verified plans. */
  | 'judgement'
  /** ROLLBACK, the session's reset and why-not notes. */
  | 'release';

export type PhaseTimings = Record<AdvisePhase, number>;

/** Adds the time since the previous lap to the named phase. */
export class PhaseClock {
  readonly phases: PhaseTimings = { session: 0, shape: 0, catalog: 0, candidates: 0, whatIf: 0, judgement: 0, release: 0 };
  private last: number;

  constructor(start: number) {
    this.last = start;
  }

  lap(phase: AdvisePhase): void {
    const now = performance.now();
    this.phases[phase] += now - this.last;
    this.last = now;
  }

  /** Restarts the clock without charging anyone (time accounted elsewhere, like the baseline). */
  skip(): void {
    this.last = performance.now();
  }
}
