import { ValidationPipe, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger, PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { AppModule, type AppRuntime } from './app.module.js';
import type { AppConfig } from './config/app-config.js';
import { runMigrationsExclusively } from './database/migrations.js';
import { CallbackSourceGate } from './engine/callbacks/callback-source.policy.js';
import { callbackBodyParsers, jsonBodyParsers } from './http/body-parsing.js';
import { leanRequestLogging } from './operations/logging.js';

/**
 * Builds the fully configured application: the same function serves `npm start` and the e2e tests, so the
 * tests exercise the real request pipeline (body limits, validation, auth, error shape, OpenAPI).
 */
export async function createApplication(config: AppConfig, runtime: AppRuntime = {}): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, runtime), {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.set('trust proxy', false);
  app.disable('x-powered-by');
  const requestLogging = leanRequestLogging(config, PinoLogger.root);
  if (requestLogging) app.use(requestLogging);
  // The sender is checked before the body is read (a refused sender's body is never even buffered).
  app.use('/callbacks', app.get(CallbackSourceGate).handle, ...callbackBodyParsers());
  app.use(...jsonBodyParsers());
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
    }),
  );
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
        "Tracks Jumio transactions, reconciles missed callbacks through Jumio's Retrieval API by Jumio's rules, and serves normalized views, media and a change feed.",
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key from API_KEYS' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
}
