import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { AuthContext } from '@sharedcare/auth';
import { DirectoryService } from '@sharedcare/directory';
import { from, mergeMap, type Observable } from 'rxjs';

/**
 * Keeps the provider directory current from every verified REST caller (guards have run, so
 * `request.user` is a verified token's claims). A provider is listed as soon as they first call,
 * before the next sync from the auth service.
 */
@Injectable()
export class DirectoryInterceptor implements NestInterceptor {
  constructor(private readonly directory: DirectoryService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const auth =
      context.getType() === 'http' ? context.switchToHttp().getRequest<{ user?: AuthContext }>().user : undefined;
    if (!auth) return next.handle();
    return from(this.directory.noteCaller(auth)).pipe(mergeMap(() => next.handle()));
  }
}
