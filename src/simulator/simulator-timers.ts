import type { Socket } from 'node:net';

/** The simulator's pending timers and held sockets, so that closing it stops them all. */
export class Timers {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly held = new Set<Socket>();

  /** Runs `fn` after `ms`, unless cancelAll() comes first. */
  later(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  /** Keeps a socket open without answering; it is destroyed after `ms` unless it closes first. */
  hold(socket: Socket, ms: number): void {
    this.held.add(socket);
    const timer = this.later(ms, () => socket.destroy());
    socket.once('close', () => {
      clearTimeout(timer);
      this.timers.delete(timer);
      this.held.delete(socket);
    });
  }

  cancelAll(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.held) s.destroy();
    this.held.clear();
  }
}
