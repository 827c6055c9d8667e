// The one connection on which an instance LISTENs for the other instances' notices. A LISTEN connection cannot
// come from a pool (it must stay the same session), and when it drops every notice sent meanwhile is lost: so it
// reconnects with backoff, and after each reconnect tells its owner since when it may have missed notices, for a
// resync from the rows.
import pg from 'pg';

export interface HubLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ListenerOptions {
  connectionString: string;
  /** The instance's id: the connection's application_name is `countersign-listen-<id>`. */
  instanceId: string;
  channel: string;
  /** A notice on our channel (its payload, not yet checked). */
  onPayload(payload: string): void;
  /**
   * Listening again after a drop. `lostSince` is the last time the old connection was known to be listening:
   * notices sent from then until now may never have arrived.
   */
  onReconnected(lostSince: number): void;
  log: HubLog;
  now(): number;
  /** Reconnect delays: the n-th attempt waits a random time up to min(maxMs, baseMs · 2^n) ("full jitter"). */
  backoff: { baseMs: number; maxMs: number };
  /**
   * How often the connection is checked with a query; one that gets no answer in timeoutMs counts as dropped. Catches
   * a connection that died silently (a dead network path sends no error), and dates the last moment it worked.
   */
  heartbeat: { intervalMs: number; timeoutMs: number };
}

/** application_name of an instance's LISTEN connection, so an operator (or a test) can find it in pg_stat_activity. */
export function listenApplicationName(instanceId: string): string {
  return `countersign-listen-${instanceId}`;
}

/** A delay for the attempt-th retry (0-based): uniformly random up to the capped exponential, so that instances
 * that lost the database together do not all come back at the same instant. */
export function fullJitter(attempt: number, backoff: { baseMs: number; maxMs: number }): number {
  return Math.random() * Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(attempt, 30));
}

export class NoticeListener {
  private client: pg.Client | null = null;
  /** The last time the current (or last) connection was known to be listening. */
  private confirmedAt = 0;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private readonly heartbeatTimer: NodeJS.Timeout;
  private heartbeatRunning = false;
  private closing: Promise<void> | null = null;

  private constructor(private readonly options: ListenerOptions) {
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), options.heartbeat.intervalMs);
    this.heartbeatTimer.unref();
  }

  /** Connects and LISTENs; fails when the first connection fails (the server should not start half-deaf). */
  static async start(options: ListenerOptions): Promise<NoticeListener> {
    const listener = new NoticeListener(options);
    try {
      listener.client = await listener.connect();
    } catch (error) {
      clearInterval(listener.heartbeatTimer);
      throw error;
    }
    return listener;
  }

  /** Stops listening for good: UNLISTEN, end the connection, no more reconnects. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.heartbeatTimer);
      if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
      const client = this.client;
      this.client = null;
      if (!client) return;
      client.removeAllListeners('notification');
      await client.query('UNLISTEN *').catch(() => undefined);
      await client.end().catch(() => undefined);
    })();
    return this.closing;
  }

  private get closed(): boolean {
    return this.closing !== null;
  }

  private async connect(): Promise<pg.Client> {
    const { connectionString, channel } = this.options;
    const client = new pg.Client({
      connectionString,
      application_name: listenApplicationName(this.options.instanceId),
      keepAlive: true,
      connectionTimeoutMillis: 10_000,
    });
    // Both can fire for one failure; dropped() acts once per connection. An error without a listener would end
    // the process.
    client.on('error', (error) => this.dropped(client, error));
    client.on('end', () => this.dropped(client, new Error('the LISTEN connection ended')));
    client.on('notification', (message) => {
      if (message.channel === channel && message.payload !== undefined) this.options.onPayload(message.payload);
    });
    try {
      await client.connect();
      const started = this.options.now();
      await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
      this.confirmedAt = started;
      return client;
    } catch (error) {
      client.removeAllListeners('notification');
      await client.end().catch(() => undefined);
      throw error;
    }
  }

  private dropped(client: pg.Client, error: Error): void {
    if (client !== this.client || this.closed) return;
    this.client = null;
    client.removeAllListeners('notification');
    // Not awaited: on a dead network path end() may wait a long time, and nothing depends on it.
    client.end().catch(() => undefined);
    this.options.log.warn(
      { err: error, lostSince: new Date(this.confirmedAt).toISOString() },
      'push hub: the LISTEN connection dropped; reconnecting',
    );
    const lostSince = this.confirmedAt;
    this.attempt = 0;
    this.scheduleReconnect(lostSince);
  }

  private scheduleReconnect(lostSince: number): void {
    if (this.closed) return;
    const delay = fullJitter(this.attempt, this.options.backoff);
    this.attempt += 1;
    this.reconnectTimer = setTimeout(() => void this.reconnect(lostSince), delay);
  }

  private async reconnect(lostSince: number): Promise<void> {
    this.reconnectTimer = null;
    let client: pg.Client;
    try {
      client = await this.connect();
    } catch (error) {
      if (this.closed) return;
      this.options.log.warn(
        { err: error, attempt: this.attempt },
        'push hub: could not reconnect the LISTEN connection; trying again',
      );
      this.scheduleReconnect(lostSince);
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.options.log.warn(
      { attempts: this.attempt, lostSince: new Date(lostSince).toISOString() },
      'push hub: listening again; resyncing what may have been missed',
    );
    this.options.onReconnected(lostSince);
  }

  private async heartbeat(): Promise<void> {
    const client = this.client;
    if (!client || this.heartbeatRunning) return;
    this.heartbeatRunning = true;
    const sent = this.options.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.query('SELECT 1'),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer to the heartbeat within ${this.options.heartbeat.timeoutMs} ms`)),
            this.options.heartbeat.timeoutMs,
          );
        }),
      ]);
      // The answer came after every notice committed before `sent` (the server delivers them first).
      if (client === this.client) this.confirmedAt = sent;
    } catch (error) {
      this.dropped(client, error as Error);
    } finally {
      clearTimeout(timer);
      this.heartbeatRunning = false;
    }
  }
}
