import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import passport from 'passport';
import { Strategy } from 'passport-http-bearer';
import type { AuthContext } from './auth-context.js';
import { TokenVerifier } from './token-verifier.js';

// Strategies register with a passport instance; a private one keeps two apps in one process
// (tests) from replacing each other's strategy in passport's global registry.
const registry = new passport.Passport();

/** `Authorization: Bearer <access token>`, verified by the TokenVerifier. */
@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy, 'bearer') {
  constructor(private readonly verifier: TokenVerifier) {
    super();
  }

  // Called by PassportStrategy's constructor (not declared in its type).
  getPassportInstance() {
    return registry;
  }

  validate(token: string): Promise<AuthContext> {
    return this.verifier.verify(token);
  }
}
