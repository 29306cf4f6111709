import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import { DomainException } from '../errors/domain.exception.js';
import { findForbiddenKey, findNulCharacter } from './forbidden-keys.js';

function flatten(errors: ValidationError[], parent = ''): { field: string; problems: string[] }[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, problems: Object.keys(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * Refuses prototype keys before class-transformer would silently drop them (the HTTP body parser
 * refuses them already, socket.io payloads only meet them here), and NUL characters, which
 * PostgreSQL text cannot hold.
 */
class ContractValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // `custom` parameters (the socket, the caller) are the framework's objects, not input.
    const forbidden = metadata.type === 'custom' ? undefined : findForbiddenKey(value, metadata.type);
    if (forbidden) {
      throw DomainException.invalid('Request validation failed', [{ field: forbidden, problems: ['forbidden'] }]);
    }
    const valid: unknown = await super.transform(value, metadata);
    // After the declared rules (a malformed id is `isUuid` first), for what free text let through.
    const nul = metadata.type === 'custom' ? undefined : findNulCharacter(valid, '');
    if (nul !== undefined) {
      const field = nul || metadata.data || metadata.type;
      throw DomainException.invalid('Request validation failed', [{ field, problems: ['nulCharacter'] }]);
    }
    return valid;
  }
}

/**
 * The one validation vocabulary (CONVENTIONS 6): unknown fields are refused, values are
 * transformed to their declared types, and a refusal is an `invalid` DomainException naming
 * the fields and the rules they broke, never echoing the submitted values.
 */
export function createValidationPipe(): ValidationPipe {
  return new ContractValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => DomainException.invalid('Request validation failed', flatten(errors)),
  });
}
