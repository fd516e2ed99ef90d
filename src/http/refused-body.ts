import type { FastifyRequest } from 'fastify';

/**
 * How long the unread rest of a refused request's body is read and dropped before the connection is closed. A
 * client still sending its body when the refusal comes (a wrong key, 413, 415) reads the answer instead of a reset
 * (closing a socket with unread bytes makes the kernel answer them with RST); a client that sends slowly holds the
 * connection this long at most, and nothing it sends is kept.
 */
export const REFUSED_BODY_LINGER_MS = 2_000;

/** For a request answered without its body being read: drop the rest as it comes, then close if it is still coming. */
export function dropRestOfBody(request: FastifyRequest): void {
  const req = request.raw;
  if (req.complete) return;
  const socket = req.socket;
  const timer = setTimeout(() => socket.destroy(), REFUSED_BODY_LINGER_MS);
  timer.unref();
  const stop = () => clearTimeout(timer);
  req.once('end', stop);
  socket.once('close', stop);
  req.resume();
}
