import { Injectable } from '@nestjs/common';
import { type AuditEntry, AuditService, callerEntry } from '@sharedcare/audit';
import type { AuthContext } from '@sharedcare/auth';
import { Clock, DomainException, isUuid } from '@sharedcare/common';
import type { EntityManager } from 'typeorm';
import { ACCESS_RULES, type AccessBasis, accessBasis, type ClientPermission } from './access-policy.js';
import {
  AccessRepository,
  type AccessRow,
  type CoverageAsked,
  type CoverageRow,
  type FactsAsked,
} from './access.repository.js';
import type { ConsentCategory } from './consent-vocabulary.js';

export interface AccessRequest {
  auth: AuthContext;
  permission: ClientPermission;
  /** Ids of the permission's resource (ACCESS_RULES): clients, or consents. */
  ids: readonly string[];
  /** The consent category the caller wants to read or write, when the rule is per category. */
  category?: ConsentCategory;
}

/**
 * Whom of `providerIds` (or of the participants of thread `threadId`) the client's care team or
 * consents cover for `category` (for anything, without one).
 */
export interface CoverageQuestion extends CoverageAsked {
  category?: ConsentCategory;
}

/** One request's decision: the grants, and for a refusal, the records to keep of it. */
export interface AccessDecision {
  allowed: Map<string, AccessGrant>;
  /**
   * Set when an id is out of reach: the refusal's audit records. Record them (AuditService.recordAll,
   * a batch's together), then answer `not_found`.
   */
  refusals?: AuditEntry[];
}

export interface AccessGrant {
  clientId: string;
  basis: AccessBasis;
  /**
   * The categories the caller's own active consents for the client cover, whatever the basis. It
   * does not list everything for the care team or emergency access: callers give them every
   * category because of `basis`.
   */
  categories: readonly string[];
}

/**
 * The one access decision (CONVENTIONS 3, DESIGN.md Security): every gateway service method
 * starts with {@link requireAccess}, for REST and socket events alike. Answers a set of ids with
 * one query; anything the caller may not reach is `not_found`, exactly as if it did not exist,
 * and the refusal is audited.
 */
function isCovered(row: CoverageRow, category: ConsentCategory | undefined): boolean {
  if (!row.active) return false;
  return row.onCareTeam || (category === undefined ? row.categories.length > 0 : row.categories.includes(category));
}

@Injectable()
export class AccessService {
  constructor(
    private readonly access: AccessRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** The grants for every id, or `not_found` (audited) if any one is out of reach. */
  async requireAccess(request: AccessRequest): Promise<Map<string, AccessGrant>> {
    const { ids, asked } = this.question(request);
    const rows = await this.access.facts(asked.caller, asked.resource, asked.ids, asked.now);
    const decision = this.decision(request, ids, rows);
    if (decision.refusals) {
      await this.audit.recordAll(decision.refusals);
      throw DomainException.notFound();
    }
    return decision.allowed;
  }

  /**
   * {@link requireAccess} for each of several requests, decided on the facts as `manager`'s
   * transaction sees them (a batch of sends, as its transaction begins), with one query. Record a
   * refused request's `refusals` once the transaction is over, so they are recorded whether or not
   * it commits, then answer it `not_found`.
   */
  async decideWithin(manager: EntityManager, requests: readonly AccessRequest[]): Promise<AccessDecision[]> {
    const questions = requests.map((request) => this.question(request));
    const rows = await this.access.factsWithin(
      manager,
      questions.map((question) => question.asked),
    );
    return requests.map((request, index) => this.decision(request, questions[index].ids, rows[index]));
  }

  /** The ids asked about (lower case, once each) and the facts to ask for them. */
  private question(request: AccessRequest): { ids: string[]; asked: FactsAsked } {
    const ids = [...new Set(request.ids.map((id) => String(id).toLowerCase()))];
    const { resource } = ACCESS_RULES[request.permission];
    // A malformed id cannot name anything: refused like a missing one, without asking about it.
    return {
      ids,
      asked: { caller: request.auth, resource, ids: ids.filter((id) => isUuid(id)), now: this.clock.now() },
    };
  }

  private decision(request: AccessRequest, ids: readonly string[], rows: AccessRow[]): AccessDecision {
    const allowed = this.decide(request, rows);
    const refused = ids.filter((id) => !allowed.has(id));
    if (refused.length === 0) return { allowed };
    return { allowed, refusals: this.refusals(request, refused, rows) };
  }

  /** The audit records of the refusal of `refused` ids. */
  private refusals(request: AccessRequest, refused: readonly string[], rows: AccessRow[]): AuditEntry[] {
    const rule = ACCESS_RULES[request.permission];
    // The client is recorded when the id named one, so the refusal shows in its access report.
    const rowOf = new Map(rows.map((row) => [row.targetId, row]));
    return refused.map((id) => {
      const row = rowOf.get(id);
      return callerEntry(request.auth, {
        action: 'access.refused',
        resourceType: rule.resource,
        resourceId: isUuid(id) ? id : 'malformed',
        clientId: row?.clientId ?? null,
        category: request.category ?? null,
        outcome: 'refused',
        details: { permission: request.permission, ...(row?.shredded ? { shredded: true } : {}) },
      });
    });
  }

  /** The subset of ids the caller may act on, with why; never throws for a refusal. */
  async checkAccess(request: AccessRequest): Promise<Map<string, AccessGrant>> {
    const { asked } = this.question(request);
    return this.decide(request, await this.access.facts(asked.caller, asked.resource, asked.ids, asked.now));
  }

  private decide(request: AccessRequest, rows: AccessRow[]): Map<string, AccessGrant> {
    const rule = ACCESS_RULES[request.permission];
    const allowed = new Map<string, AccessGrant>();
    for (const row of rows) {
      const basis = accessBasis(rule, request.auth.role, row, request.category);
      if (basis) allowed.set(row.targetId, { clientId: row.clientId, basis, categories: row.consentCategories });
    }
    return allowed;
  }

  /**
   * The providers among `providerIds` whom the client's care team or consents do not cover for
   * `category` right now (or, without a category, for anything at all). A thread may only hold,
   * and a message may only reach, providers covered for what it discloses.
   */
  async uncovered(
    clientId: string,
    providerIds: readonly string[],
    category?: ConsentCategory,
    /** The writing transaction to answer within, so no revocation can slip between check and commit. */
    within?: EntityManager,
  ): Promise<string[]> {
    const [answer] = await this.coverageEach([{ clientId, providerIds, category }], within);
    return answer.uncovered;
  }

  /** The providers among `providerIds` still covered: whom a live event about the client may reach. */
  async covered(clientId: string, providerIds: readonly string[], category?: ConsentCategory): Promise<string[]> {
    const [answer] = await this.coverageEach([{ clientId, providerIds, category }]);
    return answer.covered;
  }

  /**
   * For each question, in one query: the providers asked about whom the client's care team or
   * consents cover for its category right now, and those they do not (a batch of sends: within
   * its transaction, the uncovered refuse a send, and the covered are whom it may reach).
   */
  async coverageEach(
    questions: readonly CoverageQuestion[],
    within?: EntityManager,
  ): Promise<{ covered: string[]; uncovered: string[] }[]> {
    const answers = await this.access.coverage(questions, this.clock.now(), within);
    return answers.map((rows, index) => {
      const answer = { covered: [] as string[], uncovered: [] as string[] };
      for (const row of rows) {
        (isCovered(row, questions[index].category) ? answer.covered : answer.uncovered).push(row.providerId);
      }
      return answer;
    });
  }

  /** Ids of the clients whose identifying details the caller may read (the client list). */
  readableClientIds(auth: AuthContext): Promise<string[]> {
    return this.access.readableClientIds(
      { providerId: auth.providerId, organisationId: auth.organisationId, isAdmin: auth.role === 'admin' },
      this.clock.now(),
    );
  }
}
