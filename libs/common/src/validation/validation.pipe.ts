import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { DomainException } from '../errors/domain.exception.js';

function flatten(errors: ValidationError[], parent = ''): { field: string; problems: string[] }[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, problems: Object.keys(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * The one validation vocabulary (CONVENTIONS 6): unknown fields are refused, values are
 * transformed to their declared types, and a refusal is an `invalid` DomainException naming
 * the fields and the rules they broke, never echoing the submitted values.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => DomainException.invalid('Request validation failed', flatten(errors)),
  });
}
