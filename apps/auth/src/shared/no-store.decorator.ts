import { applyDecorators, Header } from '@nestjs/common';

/**
 * For answers that carry tokens or secrets: no cache may keep them (RFC 6749 §5.1). Pragma is
 * for HTTP/1.0 caches that do not know Cache-Control.
 */
export const NoStore = () => applyDecorators(Header('Cache-Control', 'no-store'), Header('Pragma', 'no-cache'));
