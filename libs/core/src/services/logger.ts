/** A leveled logger. The server gives packs one that writes to its log (and `/internal/logs`). */
export interface Logger {
  debug(message: string, ...details: unknown[]): void;
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
}

/** Injection token: `constructor(@inject(Logger) private readonly logger: Logger) {}` */
export const Logger: unique symbol = Symbol.for('easel.service.Logger');
