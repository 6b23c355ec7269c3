export interface CliVerb {
  summary: string;
  /** Returns the exit code; throws PgTunerError for failures (BAD_INPUT → exit 2). */
  run(argv: string[]): Promise<number>;
}
