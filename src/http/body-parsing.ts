import type { NextFunction, Request, Response } from 'express';
import express from 'express';
import { MAX_CALLBACK_BODY_BYTES } from '../engine/callbacks/callback-form.js';
import { errorBody } from './http-exception.filter.js';

export const MAX_BODY_BYTES = 64 * 1024;

/**
 * JSON bodies up to 64 KiB (contract, "Errors"). Body-parser's own failures happen before Nest's pipeline, so
 * they are mapped here to the contract's shape; the message never repeats the body, which may hold personal data.
 */
export function jsonBodyParsers() {
  return [express.json({ limit: MAX_BODY_BYTES, type: ['application/json', 'application/*+json'] }), bodyParserErrors(MAX_BODY_BYTES, 'request body is not valid JSON')];
}

/**
 * Jumio's callbacks (mounted on /callbacks): the raw bytes whatever the content type, so the exact body can be
 * stored before anything is read from it; CallbackReceiver checks the type and decodes the form.
 */
export function callbackBodyParsers() {
  return [express.raw({ limit: MAX_CALLBACK_BODY_BYTES, type: () => true }), bodyParserErrors(MAX_CALLBACK_BODY_BYTES, 'request body could not be read')];
}

function bodyParserErrors(limit: number, parseFailed: string) {
  return (err: Error & { type?: string; status?: number }, _req: Request, res: Response, next: NextFunction) => {
      if (!err) return next();
      if (err.type === 'entity.too.large') return res.status(413).json(errorBody(413, `request body exceeds ${limit} bytes (${limit / 1024} KiB)`));
      if (err.type === 'entity.parse.failed') return res.status(400).json(errorBody(400, parseFailed));
      if (err.type === 'encoding.unsupported' || err.type === 'charset.unsupported') {
        return res.status(415).json(errorBody(415, 'request body encoding is not supported; send UTF-8 JSON'));
      }
      if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) return res.status(err.status).json(errorBody(err.status, 'request body could not be read'));
      return next(err);
    };
}
