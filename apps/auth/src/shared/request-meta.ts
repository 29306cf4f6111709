import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/** Where a request came from, for the audit trail. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

export const NO_REQUEST: RequestMeta = { ip: null, userAgent: null };

export function requestMetaOf(request: Pick<Request, 'ip' | 'headers'>): RequestMeta {
  const agent = request.headers['user-agent'];
  return {
    ip: request.ip ? request.ip.slice(0, 64) : null,
    userAgent: typeof agent === 'string' ? agent.slice(0, 256) : null,
  };
}

/** The caller's IP and user agent, for services that record audit events. */
export const Meta = createParamDecorator((_data: unknown, context: ExecutionContext): RequestMeta =>
  requestMetaOf(context.switchToHttp().getRequest<Request>()),
);
