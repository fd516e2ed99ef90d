import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger, PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { AppModule, type AppRuntime } from './app.module.js';
import type { AppConfig } from './config/app-config.js';
import { runMigrationsExclusively } from './database/migrations.js';
import { CallbackSourceGate } from './api/callbacks/callback-source.policy.js';
import { ApiKeyGate } from './http/api-key-gate.js';
import { registerBodyParsing } from './http/body-parsing.js';
import { registerRequestChecks } from './http/request-checks.js';
import { createHttpAdapter, registerResponseConventions } from './http/http-platform.js';
import { globalPipes } from './http/body-validation.js';
import {
  echoRequestId,
  leanRequestLogging,
  refusalLogging,
  requestIdOf,
  type RawRequestHook,
} from './operations/logging.js';

/**
 * Builds the fully configured application: the same function serves `npm start` and the e2e tests, so the
 * tests exercise the real request pipeline (body limits, validation, auth, error shape, OpenAPI).
 */
export async function createApplication(config: AppConfig, runtime: AppRuntime = {}): Promise<INestApplication> {
  // The root logger exists once the application does; the router's refusals (see createHttpAdapter) wait for it.
  let logRefusal: RawRequestHook | undefined;
  const adapter = createHttpAdapter({
    genReqId: requestIdOf,
    limits: config.server,
    beforeRefusal: (request, reply) => {
      echoRequestId(request.raw, reply.raw, request.id);
      logRefusal?.(request.raw, reply.raw, () => undefined);
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, runtime), adapter, {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  logRefusal = refusalLogging(PinoLogger.root);
  // Fastify hooks rather than Nest middleware (@fastify/middie), in this order, for every request (unknown routes
  // too): the request id echoed and the refusal log line, the Host header, then the callback sender check and the
  // API key check, which run before the body is read (a refused caller's body is never even buffered), then the path
  // parameters and the query string, then the body (both preValidation), then the route.
  // At info level and below pino-http logs every request, as Nest middleware (@fastify/middie), before these hooks.
  const fastify = app.getHttpAdapter().getInstance();
  const requestLogging = leanRequestLogging(config, PinoLogger.root);
  fastify.addHook('onRequest', (request, reply, done) => {
    echoRequestId(request.raw, reply.raw, request.id);
    if (requestLogging) requestLogging(request.raw, reply.raw, done);
    else done();
  });
  registerRequestChecks(fastify);
  fastify.decorateRequest('callbackSource', undefined);
  fastify.addHook('onRequest', app.get(CallbackSourceGate).onRequest);
  fastify.decorateRequest('apiKey', null);
  fastify.addHook('onRequest', app.get(ApiKeyGate).onRequest);
  registerBodyParsing(fastify);
  registerResponseConventions(fastify);
  app.useGlobalPipes(...globalPipes());
  // No enableShutdownHooks(): main.ts owns SIGTERM/SIGINT so that it can stop the embedded database after the
  // pool closes and exit 0 (Nest's hooks would re-raise the signal: exit 143). app.close() runs the same hooks.
  setUpOpenApi(app);
  if (config.database.migrationsRun) {
    const applied = await runMigrationsExclusively(app.get(DataSource));
    if (applied.length > 0) app.get(Logger).log(`applied migrations: ${applied.join(', ')}`, 'Database');
  }
  return app;
}

function setUpOpenApi(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('jumio-fallback')
      .setDescription(
        "Tracks Jumio transactions, reconciles missed callbacks through Jumio's Retrieval API by Jumio's rules, and serves normalized views, media and a change feed.\n\n" +
          'Every error is `{ statusCode, error, message: [...] }` (ErrorBody). Any route reads a JSON body when one is sent, ' +
          'so any route may answer 400 (not JSON), 413 (over 64 KiB) or 415 (another charset or encoding); these are ' +
          'declared on the routes that take a body. JSON answers carry a weak ETag; a GET with a matching If-None-Match is 304.',
      )
      .setVersion('1')
      // Opaque keys, not JWTs: addBearerAuth() would say bearerFormat JWT.
      .addSecurity('bearer', {
        type: 'http',
        scheme: 'bearer',
        description: 'An API key from API_KEYS (the secret of name:scopes:secret), sent as Authorization: Bearer <key>',
      })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
}
