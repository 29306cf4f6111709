import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { concurrentBatches, eachApart, GroupCommit, preparedQuery } from '@sharedcare/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { AccessFacts, AccessResource } from './access-policy.js';

/** What decides whether a provider may hold or hear of a client's information. */
export interface CoverageRow {
  providerId: string;
  active: boolean;
  onCareTeam: boolean;
  categories: string[];
}

/** Whom to ask about: the given providers, or everyone taking part in one of the client's threads. */
export interface CoverageAsked {
  clientId: string;
  providerIds?: readonly string[];
  threadId?: string;
}

export interface AccessRow extends AccessFacts {
  /** The id asked about (a client or a consent). */
  targetId: string;
  clientId: string;
}

/**
 * How each kind of id reaches its client, for the asked rows (`asked`) of that kind. Fixed SQL,
 * never built from input.
 */
const TARGETS: Record<AccessResource, string> = {
  client: `SELECT a.question, a.provider_id, a.organisation_id, a.at, a.target_id, x.id AS client_id,
      NULL::uuid AS thread_id FROM asked a JOIN clients x ON x.id = a.target_id WHERE a.resource = 'client'`,
  consent: `SELECT a.question, a.provider_id, a.organisation_id, a.at, a.target_id, x.client_id,
      NULL::uuid AS thread_id FROM asked a JOIN consents x ON x.id = a.target_id WHERE a.resource = 'consent'`,
  thread: `SELECT a.question, a.provider_id, a.organisation_id, a.at, a.target_id, x.client_id,
      x.id AS thread_id FROM asked a JOIN threads x ON x.id = a.target_id WHERE a.resource = 'thread'`,
  message: `SELECT a.question, a.provider_id, a.organisation_id, a.at, a.target_id, x.client_id,
      x.thread_id FROM asked a JOIN messages x ON x.id = a.target_id WHERE a.resource = 'message'`,
};

/** One caller's question: the facts about these ids of one kind, at `now`. */
export interface FactsAsked {
  caller: { providerId: string; organisationId: string };
  resource: AccessResource;
  ids: readonly string[];
  now: Date;
}

/** Questions answered by one query at most; more wait for the next. */
const MAX_QUESTIONS = 64;

/**
 * The facts every access decision rests on, for a set of ids in one query (CONVENTIONS 3). Ids
 * that do not exist are simply absent from the answer. `now` comes from the service's clock, so
 * expiry is decided by the same time everywhere (and tests move it).
 */
@Injectable()
export class AccessRepository {
  /**
   * Every request asks these facts first. Questions asked while a query for others is under way
   * go together in the next one (as sends are group-committed), so under load the database
   * answers one query per batch of requests rather than one per request, and alone a question is
   * asked at once.
   */
  private readonly questions: GroupCommit<FactsAsked, AccessRow[]>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.questions = new GroupCommit(
      (asked) => eachApart(asked, (some) => this.factsOf(this.dataSource, some)),
      MAX_QUESTIONS,
      concurrentBatches(dataSource),
    );
  }

  facts(
    caller: { providerId: string; organisationId: string },
    resource: AccessResource,
    ids: readonly string[],
    now: Date,
  ): Promise<AccessRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.questions.submit({ caller, resource, ids, now });
  }

  /**
   * The facts for each question, in one query on the caller's transaction (a batch of sends, as it
   * begins): asked now, not grouped with others, and seeing what the transaction sees.
   */
  factsWithin(manager: EntityManager, asked: readonly FactsAsked[]): Promise<AccessRow[][]> {
    return this.factsOf(manager, asked);
  }

  private async factsOf(run: DataSource | EntityManager, asked: readonly FactsAsked[]): Promise<AccessRow[][]> {
    if (asked.every((question) => question.ids.length === 0)) return asked.map(() => []);
    const flat = asked.flatMap((question, index) => [...new Set(question.ids)].map((id) => ({ index, question, id })));
    const resources = [...new Set(asked.map((question) => question.resource))].sort();
    const rows: {
      question: number;
      target_id: string;
      client_id: string;
      same_organisation: boolean;
      caller_active: boolean;
      on_care_team: boolean;
      consent_categories: string[];
      emergency_until: Date | null;
      participant: boolean;
      shredded: boolean;
    }[] = await preparedQuery(
      run,
      `WITH asked AS (
           SELECT * FROM unnest($1::int[], $2::text[], $3::uuid[], $4::uuid[], $5::timestamptz[], $6::uuid[])
             AS asked(question, resource, provider_id, organisation_id, at, target_id)),
         t AS (${resources.map((resource) => TARGETS[resource]).join(' UNION ALL ')})
       SELECT t.question, t.target_id, c.id AS client_id,
         c.organisation_id = t.organisation_id AS same_organisation,
         NOT EXISTS (SELECT 1 FROM directory_providers p WHERE p.id = t.provider_id AND p.status = 'disabled') AS caller_active,
         EXISTS (SELECT 1 FROM care_team_members m WHERE m.client_id = c.id AND m.provider_id = t.provider_id) AS on_care_team,
         ARRAY(SELECT DISTINCT category FROM consents k, unnest(k.categories) AS category
               WHERE k.client_id = c.id AND t.provider_id = ANY(k.recipient_ids) AND k.revoked_at IS NULL
                 AND k.effective_from <= t.at AND k.expires_at > t.at) AS consent_categories,
         (SELECT max(e.expires_at) FROM emergency_access_grants e
           WHERE e.client_id = c.id AND e.provider_id = t.provider_id AND e.opened_at <= t.at AND e.expires_at > t.at) AS emergency_until,
         EXISTS (SELECT 1 FROM thread_participants tp WHERE tp.thread_id = t.thread_id AND tp.provider_id = t.provider_id) AS participant,
         EXISTS (SELECT 1 FROM client_data_keys d WHERE d.client_id = c.id AND d.destroyed_at IS NOT NULL) AS shredded
       FROM t JOIN clients c ON c.id = t.client_id`,
      [
        flat.map((row) => row.index),
        flat.map((row) => row.question.resource),
        flat.map((row) => row.question.caller.providerId),
        flat.map((row) => row.question.caller.organisationId),
        flat.map((row) => row.question.now),
        flat.map((row) => row.id),
      ],
    );
    const answers: AccessRow[][] = asked.map(() => []);
    for (const row of rows) {
      answers[row.question].push({
        targetId: row.target_id,
        clientId: row.client_id,
        sameOrganisation: row.same_organisation,
        callerActive: row.caller_active,
        onCareTeam: row.on_care_team,
        consentCategories: row.consent_categories,
        emergencyUntil: row.emergency_until,
        participant: row.participant,
        shredded: row.shredded,
      });
    }
    return answers;
  }

  /**
   * The clients whose identifying details the caller may read (the `client.read` rule as one
   * query): everyone in the organisation for an admin; otherwise the care team's, the consented
   * and the emergency-opened clients. The access matrix test holds this to the per-id decision.
   */
  async readableClientIds(
    caller: { providerId: string; organisationId: string; isAdmin: boolean },
    now: Date,
  ): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT c.id FROM clients c
       WHERE c.organisation_id = $2
         AND NOT EXISTS (SELECT 1 FROM directory_providers p WHERE p.id = $1 AND p.status = 'disabled')
         AND NOT EXISTS (SELECT 1 FROM client_data_keys d WHERE d.client_id = c.id AND d.destroyed_at IS NOT NULL)
         AND ($4::boolean
           OR EXISTS (SELECT 1 FROM care_team_members m WHERE m.client_id = c.id AND m.provider_id = $1)
           OR EXISTS (SELECT 1 FROM consents k WHERE k.client_id = c.id AND $1 = ANY(k.recipient_ids)
                        AND k.revoked_at IS NULL AND k.effective_from <= $3 AND k.expires_at > $3
                        AND cardinality(k.categories) > 0)
           OR EXISTS (SELECT 1 FROM emergency_access_grants e WHERE e.client_id = c.id AND e.provider_id = $1
                        AND e.opened_at <= $3 AND e.expires_at > $3))
       ORDER BY c.created_at, c.id`,
      [caller.providerId, caller.organisationId, now, caller.isAdmin],
    );
    return rows.map((row) => row.id);
  }

  /**
   * For each question (a client, and some providers or the participants of one of its threads), for
   * each provider: whether they are active, on the client's care team, and their consented
   * categories, all in one query. Within a writing transaction it waits for any revocation in flight
   * to commit (and makes later ones wait for this transaction), so the answer cannot be overtaken
   * by one.
   */
  async coverage(questions: readonly CoverageAsked[], now: Date, within?: EntityManager): Promise<CoverageRow[][]> {
    const answers: CoverageRow[][] = questions.map(() => []);
    const pairs = questions.flatMap((question, index) =>
      (question.providerIds ?? []).map((providerId) => ({ index, clientId: question.clientId, providerId })),
    );
    const threads = questions.flatMap((question, index) =>
      question.threadId === undefined ? [] : [{ index, clientId: question.clientId, threadId: question.threadId }],
    );
    if (pairs.length === 0 && threads.length === 0) return answers;
    const run = within ?? this.dataSource;
    // Within a transaction, the client's live consents are locked (in id order, so two transactions
    // locking overlapping consents never wait on each other in a cycle) and the categories are read
    // from the locked rows: a revocation that commits while this waits has PostgreSQL re-read the
    // row and leave it out, even though the rest of the statement sees the database as it was
    // when the statement began.
    const rows: {
      question: number;
      provider_id: string;
      active: boolean;
      on_care_team: boolean;
      categories: string[];
    }[] = await preparedQuery(
      run,
      `WITH live AS MATERIALIZED (
           SELECT client_id, recipient_ids, categories, effective_from, expires_at FROM consents
            WHERE client_id = ANY($8::uuid[]) AND revoked_at IS NULL
            ORDER BY id ${within ? 'FOR SHARE' : ''}),
         q AS (
           SELECT * FROM unnest($1::int[], $2::uuid[], $3::uuid[]) AS asked(question, client_id, provider_id)
           UNION ALL
           SELECT asked.question, asked.client_id, tp.provider_id
             FROM unnest($5::int[], $6::uuid[], $7::uuid[]) AS asked(question, client_id, thread_id)
             JOIN thread_participants tp ON tp.thread_id = asked.thread_id)
         SELECT q.question, q.provider_id,
           NOT EXISTS (SELECT 1 FROM directory_providers d WHERE d.id = q.provider_id AND d.status = 'disabled') AS active,
           EXISTS (SELECT 1 FROM care_team_members m WHERE m.client_id = q.client_id AND m.provider_id = q.provider_id) AS on_care_team,
           ARRAY(SELECT DISTINCT category FROM live k, unnest(k.categories) AS category
                 WHERE k.client_id = q.client_id AND q.provider_id = ANY(k.recipient_ids)
                   AND k.effective_from <= $4 AND k.expires_at > $4) AS categories
         FROM q ORDER BY q.question, q.provider_id`,
      [
        pairs.map((pair) => pair.index),
        pairs.map((pair) => pair.clientId),
        pairs.map((pair) => pair.providerId),
        now,
        threads.map((thread) => thread.index),
        threads.map((thread) => thread.clientId),
        threads.map((thread) => thread.threadId),
        [...new Set(questions.map((question) => question.clientId))],
      ],
    );
    for (const row of rows) {
      answers[row.question].push({
        providerId: row.provider_id,
        active: row.active,
        onCareTeam: row.on_care_team,
        categories: row.categories,
      });
    }
    return answers;
  }
}
