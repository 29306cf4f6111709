import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ContractExceptionFilter } from '../errors/http-exception.filter.js';
import { createValidationPipe } from '../validation/validation.pipe.js';

export interface ConfigureAppOptions {
  title: string;
  description: string;
  /** Largest accepted JSON body. */
  bodyLimit?: string;
}

/**
 * What both services set on their HTTP app: pino as the Nest logger, the contract's
 * validation and error mapping, a body limit, no framework banner, OpenAPI at /docs, and
 * shutdown hooks so SIGINT/SIGTERM close the database cleanly.
 */
export function configureApp(app: INestApplication, options: ConfigureAppOptions): void {
  const express = app as NestExpressApplication;
  express.useLogger(app.get(Logger));
  express.disable('x-powered-by');
  express.set('trust proxy', 'loopback');
  express.useBodyParser('json', { limit: options.bodyLimit ?? '64kb' });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ContractExceptionFilter());
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(options.title)
      .setDescription(options.description)
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
