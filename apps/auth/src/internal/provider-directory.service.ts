import { Injectable } from '@nestjs/common';
import { ProvidersRepository } from '../providers/providers.repository.js';
import { mapDirectoryProvider, type ProviderDirectoryPageDto } from './provider-directory.dto.js';

/** The provider directory other services copy from (keyset pages by provider id). */
@Injectable()
export class ProviderDirectoryService {
  constructor(private readonly providers: ProvidersRepository) {}

  async page(after: string | undefined, limit: number): Promise<ProviderDirectoryPageDto> {
    // One row past the page says whether another page follows, without counting.
    const rows = await this.providers.listDirectory(after, limit + 1);
    const page = rows.slice(0, limit);
    return {
      providers: page.map(mapDirectoryProvider),
      nextAfter: rows.length > limit ? page[page.length - 1].id : null,
    };
  }
}
