/** One structured log line: `{ "time": ISO, "event": name, ...fields }`. */
export type LogEntry = { time: string; event: string } & Record<string, unknown>;
export type Logger = (entry: LogEntry) => void;

/** Writes each entry as one JSON line (the CLI's logger). */
export const jsonLineLogger =
  (write: (line: string) => void = (line) => process.stdout.write(line)): Logger =>
  (entry) =>
    write(`${JSON.stringify(entry)}\n`);

export const silentLogger: Logger = () => {};

export function logEvent(logger: Logger, event: string, fields: Record<string, unknown> = {}): void {
  logger({ time: new Date().toISOString(), event, ...fields });
}
