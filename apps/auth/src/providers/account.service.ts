import { Injectable } from '@nestjs/common';
import { DomainException } from '@sharedcare/common';
import type { AuthContext } from '../access/auth-context.js';
import type { Provider } from './provider.entity.js';
import { ProvidersRepository } from './providers.repository.js';

@Injectable()
export class AccountService {
  constructor(private readonly providers: ProvidersRepository) {}

  async me(caller: AuthContext): Promise<Provider> {
    const provider = await this.providers.findById(caller.providerId);
    if (!provider || provider.disabledAt) throw DomainException.unauthenticated();
    return provider;
  }
}
