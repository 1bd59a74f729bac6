import type { Logger } from '@easel/core';
import type { LogLevel } from '../config/server-config.js';

const RANK: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 };

/** The server's log: messages at or above `level` go to stderr (info and debug to stdout). */
export class ConsoleLogger implements Logger {
  constructor(
    private readonly level: LogLevel = 'INFO',
    private readonly prefix = '',
  ) {}

  /** A logger that writes through this one with a `[name]` prefix. */
  child(name: string): ConsoleLogger {
    return new ConsoleLogger(this.level, `${this.prefix}[${name}] `);
  }

  debug(message: string, ...details: unknown[]): void {
    this.write('DEBUG', message, details);
  }
  info(message: string, ...details: unknown[]): void {
    this.write('INFO', message, details);
  }
  warn(message: string, ...details: unknown[]): void {
    this.write('WARNING', message, details);
  }
  error(message: string, ...details: unknown[]): void {
    this.write('ERROR', message, details);
  }

  private write(level: LogLevel, message: string, details: unknown[]): void {
    if (RANK[level] < RANK[this.level]) return;
    const line = `${this.prefix}${message}`;
    if (RANK[level] >= RANK.WARNING) console.error(line, ...details);
    else console.log(line, ...details);
  }
}
