export interface CliVerb {
  summary: string;
  /** What `pgtuner <verb> --help` prints when the summary is not enough. */
  usage?: string;
  /** The verb's own option names (without the common ones), which its usage must explain. */
  options?: string[];
  /** Returns the exit code; throws PgTunerError for failures (BAD_INPUT → exit 2). */
  run(argv: string[]): Promise<number>;
}
