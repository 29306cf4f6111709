import { registerDecorator, type ValidationArguments } from 'class-validator';
import { isValidNpi } from './npi.js';
import { passwordProblem } from './password-policy.js';

/** Ten digits with a valid check digit (Luhn over 80840 + the first nine). */
export function IsNpi(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'npi',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'npi must be ten digits with a valid check digit' },
      validator: { validate: (value: unknown) => typeof value === 'string' && isValidNpi(value) },
    });
}

/** The password policy (12 to 128 characters, not blank, not the email). */
export function IsAcceptablePassword(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'passwordPolicy',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'password must be 12 to 128 characters and not the email address' },
      validator: {
        validate: (value: unknown, args: ValidationArguments) => {
          const email = (args.object as { email?: unknown }).email;
          return (
            typeof value === 'string' &&
            passwordProblem(value, typeof email === 'string' ? email : undefined) === undefined
          );
        },
      },
    });
}
