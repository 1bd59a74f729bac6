import {
  LOG_CAPACITY,
  MAX_ENTRY_CHARS,
  ProcessOutputLog,
  captureProcessOutput,
  localIsoTime,
  terminalSize,
  type LogEntry,
  type WritableOutput,
} from './process-output-log.js';

const AT = new Date(2026, 5, 1, 9, 8, 7, 65);
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('ProcessOutputLog', () => {
  it("stamps entries with Python's naive isoformat", () => {
    expect(localIsoTime(AT)).toBe('2026-06-01T09:08:07.065000');
    const log = new ProcessOutputLog(LOG_CAPACITY, () => AT);
    log.record('hello\n');
    expect(log.recent()).toEqual([{ t: '2026-06-01T09:08:07.065000', m: 'hello\n' }]);
    expect(log.text()).toBe('2026-06-01T09:08:07.065000 - hello\n');
  });

  it('keeps the last writes only', () => {
    const log = new ProcessOutputLog(3, () => AT);
    for (const line of ['a\n', 'b\n', 'c\n', 'd\n']) log.record(line);
    expect(log.recent().map((e) => e.m)).toEqual(['b\n', 'c\n', 'd\n']);
    expect(new ProcessOutputLog().recent()).toEqual([]);
  });

  it('lets a carriage return replace an unfinished line, not a finished one', () => {
    const log = new ProcessOutputLog(LOG_CAPACITY, () => AT);
    log.record('start\n');
    log.record(' 10%');
    log.record('\r 50%');
    log.record('\r100%\n');
    log.record('\rnext\n');
    expect(log.recent().map((e) => e.m)).toEqual(['start\n', '\r100%\n', '\rnext\n']);
  });

  it('cuts a huge write', () => {
    const log = new ProcessOutputLog();
    log.record('x'.repeat(MAX_ENTRY_CHARS + 10));
    const [entry] = log.recent();
    expect(entry.m.length).toBeLessThan(MAX_ENTRY_CHARS + 20);
    expect(entry.m.endsWith('(truncated)\n')).toBe(true);
  });

  it('delivers each burst of writes once to every listener, until it stops', async () => {
    const log = new ProcessOutputLog(LOG_CAPACITY, () => AT);
    log.record('before anyone listened\n');
    const got: (readonly LogEntry[])[] = [];
    const stop = log.onEntries((entries) => got.push(entries));
    log.record('one\n');
    log.record('two\n');
    expect(got).toEqual([]);
    await nextTurn();
    expect(got.map((batch) => batch.map((e) => e.m))).toEqual([['one\n', 'two\n']]);
    stop();
    log.record('three\n');
    await nextTurn();
    expect(got).toHaveLength(1);
  });
});

describe('captureProcessOutput', () => {
  it('records what is written to the streams, still writes it, and stops when released', () => {
    const written: unknown[][] = [];
    const stream: WritableOutput = { write: (...args: unknown[]) => (written.push(args), true) };
    const log = new ProcessOutputLog(LOG_CAPACITY, () => AT);
    const release = captureProcessOutput(log, [stream]);
    expect(stream.write('text\n')).toBe(true);
    stream.write(Buffer.from('bytes é\n'), 'utf8');
    release();
    stream.write('after\n');
    expect(log.recent().map((e) => e.m)).toEqual(['text\n', 'bytes é\n']);
    expect(written).toEqual([['text\n'], [Buffer.from('bytes é\n'), 'utf8'], ['after\n']]);
  });
});

describe('terminalSize', () => {
  it('reads a terminal and falls back to 80x24', () => {
    expect(terminalSize({ isTTY: true, columns: 120, rows: 40 })).toEqual({ cols: 120, rows: 40 });
    expect(terminalSize({ isTTY: false })).toEqual({ cols: 80, rows: 24 });
  });
});
