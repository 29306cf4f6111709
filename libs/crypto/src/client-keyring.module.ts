import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Clock } from '@sharedcare/common';
import { ClientDataKey } from './client-data-key.entity.js';
import { ClientDataKeyRepository } from './client-data-key.repository.js';
import { ClientKeyring, DEFAULT_CLIENT_KEYRING_OPTIONS } from './client-keyring.js';
import { MasterKeys } from './master-keys.js';

/** Provides ClientKeyring; the importing app owns the database, its migration, the master keys and the clock. */
@Module({})
export class ClientKeyringModule {
  /**
   * `masterKey` wraps every new data key; `previousMasterKeys` only unwrap keys that a rotation
   * has not rewrapped yet.
   */
  static register(options: { masterKey: Buffer; previousMasterKeys?: readonly Buffer[]; clock: Clock }): DynamicModule {
    return {
      module: ClientKeyringModule,
      imports: [TypeOrmModule.forFeature([ClientDataKey])],
      providers: [
        ClientDataKeyRepository,
        {
          provide: ClientKeyring,
          inject: [ClientDataKeyRepository],
          useFactory: (keys: ClientDataKeyRepository) =>
            new ClientKeyring(
              keys,
              new MasterKeys(options.masterKey, options.previousMasterKeys ?? []),
              options.clock,
              DEFAULT_CLIENT_KEYRING_OPTIONS,
            ),
        },
      ],
      exports: [ClientKeyring],
    };
  }
}
