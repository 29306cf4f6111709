import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A session event names the sessions it ended (their `sid`), so the consult service refuses exactly
 * their access tokens. NULL on the rows written before: the consult service then refuses every
 * token the provider was issued up to the event. Generated from OutboxEvent.
 */
export class OutboxSessionIds1767700000000 implements MigrationInterface {
  name = 'OutboxSessionIds1767700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "auth_outbox" ADD "session_ids" uuid array`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "auth_outbox" DROP COLUMN "session_ids"`);
  }
}
