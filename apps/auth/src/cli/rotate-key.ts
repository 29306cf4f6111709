/**
 * `npm run keys:rotate` (after a build): a new token-signing key signs from now on; the previous
 * one stays in the JWKS until the last token it signed has expired (access TTL plus a margin).
 *
 * Uses the same configuration as the service. On the embedded database, stop the service first:
 * PGlite keeps its data directory to one process, and the command refuses while the service holds
 * it. With AUTH_DATABASE_URL it runs beside the service, which signs with the new key from its
 * next token on.
 */
import 'reflect-metadata';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { ConfigError, openDatabase } from '@sharedcare/common';
import { AuthAppModule } from '../auth-app.module.js';
import { loadAuthConfig } from '../config/auth-config.js';
import { SigningKeysService } from '../tokens/signing-keys.service.js';

async function rotate(): Promise<void> {
  const config = { ...loadAuthConfig(process.env), demo: false };
  const pgdata = join(config.dataDir, 'auth', 'pgdata');
  const database = await openDatabase(config.databaseUrl, pgdata, 'the key rotation command');
  try {
    const context = await NestFactory.createApplicationContext(AuthAppModule.forRoot({ config, database }), {
      logger: ['error', 'warn'],
    });
    try {
      const keys = context.get(SigningKeysService);
      // On an empty database the boot hook has just made the first key; rotating still proves the path.
      const { kid, superseded } = await keys.rotate();
      console.log(`New signing key ${kid} signs from now on.`);
      if (superseded.length > 0) console.log(`Still published until their tokens expire: ${superseded.join(', ')}`);
    } finally {
      await context.close();
    }
  } finally {
    await database.stop();
  }
}

rotate().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(
      error instanceof ConfigError
        ? error.message
        : `Key rotation failed: ${(error as Error)?.name}: ${(error as Error)?.message}`,
    );
    process.exit(1);
  },
);
