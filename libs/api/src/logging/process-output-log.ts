// What the process wrote to stdout and stderr, kept for the frontend's log panel like ComfyUI's
// `app/logger.py`: every write is one entry `{t, m}`, the last 300 are kept, and listeners get the
// entries written since their last delivery.

/** One write to stdout or stderr: local ISO time (as Python's `datetime.now().isoformat()`) and text. */
export interface LogEntry {
  readonly t: string;
  readonly m: string;
}

export interface TerminalSize {
  readonly cols: number;
  readonly rows: number;
}

/** How many writes ComfyUI keeps. */
export const LOG_CAPACITY = 300;
/** Longest text kept of one write, so 300 entries stay small whatever is printed. */
export const MAX_ENTRY_CHARS = 64 * 1024;

export type LogListener = (entries: readonly LogEntry[]) => void;

/** Local time as `YYYY-MM-DDTHH:MM:SS.ffffff`, without a zone, like Python's naive `isoformat()`. */
export function localIsoTime(date: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `.${pad(date.getMilliseconds() * 1000, 6)}`
  );
}

/**
 * A ring buffer of the process's output. Listeners are called once per burst of writes (on the
 * next turn of the event loop), not once per write, so a chatty moment costs one delivery.
 */
export class ProcessOutputLog {
  private readonly entries: LogEntry[] = [];
  private pending: LogEntry[] = [];
  private readonly listeners = new Set<LogListener>();
  private scheduled = false;

  constructor(
    private readonly capacity = LOG_CAPACITY,
    private readonly now: () => Date = () => new Date(),
  ) {}

  record(text: string): void {
    const m = text.length > MAX_ENTRY_CHARS ? `${text.slice(0, MAX_ENTRY_CHARS)}… (truncated)\n` : text;
    const entry: LogEntry = { t: localIsoTime(this.now()), m };
    // a carriage return overwrites an unfinished line (progress bars), so it replaces that entry
    const last = this.entries.at(-1);
    if (m.startsWith('\r') && last !== undefined && !last.m.endsWith('\n')) this.entries.pop();
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
    if (this.listeners.size === 0) return;
    this.pending.push(entry);
    if (this.pending.length > this.capacity) this.pending.splice(0, this.pending.length - this.capacity);
    this.schedule();
  }

  /** The kept entries, oldest first. */
  recent(): readonly LogEntry[] {
    return [...this.entries];
  }

  /** ComfyUI's `/internal/logs` text: `"<time> - <text>"` for every kept entry, joined without separator. */
  text(): string {
    return this.entries.map((entry) => `${entry.t} - ${entry.m}`).join('');
  }

  /** Calls `listener` with new entries; returns the function that stops it. */
  onEntries(listener: LogListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.deliver()).unref();
  }

  private deliver(): void {
    this.scheduled = false;
    const entries = this.pending;
    this.pending = [];
    if (entries.length === 0) return;
    for (const listener of this.listeners) listener(entries);
  }
}

/** A stream whose writes can be watched (`process.stdout`, `process.stderr`). */
export interface WritableOutput {
  write(...args: unknown[]): boolean;
}

/**
 * Records everything written to `streams` in `log` (the text still goes out as before), as
 * ComfyUI's interceptors on `sys.stdout` and `sys.stderr` do. Returns the function that undoes it.
 */
export function captureProcessOutput(
  log: ProcessOutputLog,
  streams: readonly WritableOutput[] = [process.stdout, process.stderr],
): () => void {
  const originals = streams.map((stream) => {
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called with the stream below
    const original = stream.write;
    stream.write = (chunk: unknown, ...rest: unknown[]): boolean => {
      try {
        log.record(chunkText(chunk));
      } catch {
        // the log must never stop output
      }
      return Reflect.apply<WritableOutput, unknown[], boolean>(original, stream, [chunk, ...rest]);
    };
    return { stream, original };
  });
  return () => {
    for (const { stream, original } of originals) stream.write = original;
  };
}

function chunkText(chunk: unknown): string {
  if (typeof chunk === 'string') return chunk;
  if (chunk instanceof Uint8Array)
    return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
  return String(chunk);
}

/** The size of the terminal the server runs in; 80×24 when it has none (ComfyUI's fallback). */
export function terminalSize(
  output: { isTTY?: boolean; columns?: number; rows?: number } = process.stdout,
): TerminalSize {
  if (output.isTTY && output.columns && output.rows) return { cols: output.columns, rows: output.rows };
  return { cols: 80, rows: 24 };
}
