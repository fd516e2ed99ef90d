import type { NextFunction, Request, Response } from 'express';
import express from 'express';
import { errorBody } from './http-exception.filter.js';

export const MAX_BODY_BYTES = 64 * 1024;

/**
 * JSON bodies up to 64 KiB (contract, "Errors"). Body-parser's own failures happen before Nest's pipeline, so
 * they are mapped here to the contract's shape; the message never repeats the body, which may hold personal data.
 */
export function jsonBodyParsers() {
  return [
    express.json({ limit: MAX_BODY_BYTES, type: ['application/json', 'application/*+json'] }),
    (err: Error & { type?: string; status?: number }, _req: Request, res: Response, next: NextFunction) => {
      if (!err) return next();
      if (err.type === 'entity.too.large') return res.status(413).json(errorBody(413, `request body exceeds ${MAX_BODY_BYTES} bytes (64 KiB)`));
      if (err.type === 'entity.parse.failed') return res.status(400).json(errorBody(400, 'request body is not valid JSON'));
      if (err.type === 'encoding.unsupported' || err.type === 'charset.unsupported') {
        return res.status(415).json(errorBody(415, 'request body encoding is not supported; send UTF-8 JSON'));
      }
      if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) return res.status(err.status).json(errorBody(err.status, 'request body could not be read'));
      return next(err);
    },
  ];
}
