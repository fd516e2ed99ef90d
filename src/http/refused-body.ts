import type { FastifyRequest } from 'fastify';

/**
 * How the unread rest of a refused request's body is dropped before the connection is closed. A client still
 * sending its body when the refusal comes (a wrong key, 413, 415) reads the answer instead of a reset (closing a
 * socket with unread bytes makes the kernel answer them with RST): the rest is read and dropped as it comes, and the
 * connection closed once nothing came for REFUSED_BODY_IDLE_MS, or after REFUSED_BODY_LINGER_MS in all. A client
 * that stalls holds the connection a quarter of a second; nothing it sends is kept.
 */
export const REFUSED_BODY_IDLE_MS = 250;
export const REFUSED_BODY_LINGER_MS = 2_000;

/** For a request answered without its body being read: drop the rest as it comes, then close if it is still coming. */
export function dropRestOfBody(request: FastifyRequest): void {
  const req = request.raw;
  if (req.complete) return;
  const socket = req.socket;
  const close = () => socket.destroy();
  const total = setTimeout(close, REFUSED_BODY_LINGER_MS);
  let idle = setTimeout(close, REFUSED_BODY_IDLE_MS);
  const stop = () => {
    clearTimeout(total);
    clearTimeout(idle);
  };
  req.on('data', () => {
    clearTimeout(idle);
    idle = setTimeout(close, REFUSED_BODY_IDLE_MS);
  });
  req.once('end', stop);
  socket.once('close', stop);
}
