import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Clock } from '@sharedcare/common';
import { ClientDataKey } from './client-data-key.entity.js';
import { ClientDataKeyRepository } from './client-data-key.repository.js';
import { ClientKeyring, DEFAULT_CLIENT_KEYRING_OPTIONS, MasterKey } from './client-keyring.js';

/** Provides ClientKeyring; the importing app owns the database, its migration, the master key and the clock. */
@Module({})
export class ClientKeyringModule {
  static register(options: { masterKey: Buffer; clock: Clock }): DynamicModule {
    return {
      module: ClientKeyringModule,
      imports: [TypeOrmModule.forFeature([ClientDataKey])],
      providers: [
        ClientDataKeyRepository,
        {
          provide: ClientKeyring,
          inject: [ClientDataKeyRepository],
          useFactory: (keys: ClientDataKeyRepository) =>
            new ClientKeyring(keys, new MasterKey(options.masterKey), options.clock, DEFAULT_CLIENT_KEYRING_OPTIONS),
        },
      ],
      exports: [ClientKeyring],
    };
  }
}
