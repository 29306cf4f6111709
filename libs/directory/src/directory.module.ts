import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Clock } from '@sharedcare/common';
import { DirectoryProvider } from './directory-provider.entity.js';
import { DIRECTORY_SYNC_OPTIONS, DirectorySync, type DirectorySyncOptions } from './directory-sync.js';
import { DirectoryRepository } from './directory.repository.js';
import { DirectoryService } from './directory.service.js';

/**
 * Provides DirectoryService, and DirectorySync when `sync` is given (tests without an auth
 * service leave it out). The importing app owns the database and its migration.
 */
@Module({})
export class DirectoryModule {
  static register(options: { clock: Clock; sync?: DirectorySyncOptions }): DynamicModule {
    const sync = options.sync ? [{ provide: DIRECTORY_SYNC_OPTIONS, useValue: options.sync }, DirectorySync] : [];
    return {
      module: DirectoryModule,
      imports: [TypeOrmModule.forFeature([DirectoryProvider])],
      providers: [{ provide: Clock, useValue: options.clock }, DirectoryRepository, DirectoryService, ...sync],
      exports: [DirectoryService, ...(options.sync ? [DirectorySync] : [])],
    };
  }
}
