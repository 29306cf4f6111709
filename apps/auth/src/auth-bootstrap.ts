import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { AuthConfig } from './config/auth-config.js';
import { DemoSeedService } from './demo/demo-seed.service.js';
import { AUTH_CONFIG } from './shared/auth-config.token.js';
import { SigningKeysService } from './tokens/signing-keys.service.js';

/** After migrations: make sure a signing key exists, and seed the demo when asked (never in production). */
@Injectable()
export class AuthBootstrap implements OnApplicationBootstrap {
  constructor(
    private readonly keys: SigningKeysService,
    private readonly demo: DemoSeedService,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.keys.ensureSigningKey();
    if (this.config.demo && !this.config.production) await this.demo.seed();
  }
}
