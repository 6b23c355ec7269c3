import { Detail, Outcome, Severity } from './types';

/** Higher is worse (ages, percentages used, seconds waiting). */
export function gradeAbove(value: number, warning: number, critical: number): Severity {
  return value >= critical ? 'critical' : value >= warning ? 'warning' : 'ok';
}

/** Lower is worse (cache hit ratios). */
export function gradeBelow(value: number, warning: number, critical: number): Severity {
  return value < critical ? 'critical' : value < warning ? 'warning' : 'ok';
}

/** The worse of several severities. */
export function worst(severities: Severity[]): Severity {
  return severities.includes('critical') ? 'critical' : severities.includes('warning') ? 'warning' : 'ok';
}

/** The advice only when there is something to act on, and a plain note otherwise. */
export function outcome(
  status: Severity,
  p: { figure: string; threshold: string; advice: string; okAdvice?: string; details?: Detail[] },
): Outcome {
  return {
    status,
    figure: p.figure,
    threshold: p.threshold,
    advice: status === 'ok' ? (p.okAdvice ?? '') : p.advice,
    details: p.details ?? [],
  };
}

/** "warning ≥ 70%, critical ≥ 90%" */
export function thresholdText(warning: string, critical: string, direction: '≥' | '<' = '≥'): string {
  return `warning ${direction} ${warning}, critical ${direction} ${critical}`;
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
