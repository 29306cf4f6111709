import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Audit records waiting to be linked into the chain (libs/audit, AuditPending): a send writes its
 * record here, in its own transaction, and one linking transaction moves many of them into
 * `audit_records` under the chain's lock. Generated from the entity.
 *
 * Unlike `audit_records`, rows here are deleted, by the linker as it links them: the service role
 * may SELECT, INSERT and DELETE them (docker/postgres/grants.sql). The database refuses to delete
 * a pending record that is not in the chain yet (the linker inserts it there first, in the same
 * transaction), and refuses TRUNCATE, whoever asks: the service cannot make a record vanish before
 * it is linked.
 */
export class AuditPending1795910000000 implements MigrationInterface {
  name = 'AuditPending1795910000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "audit_pending" ("position" BIGSERIAL NOT NULL, "id" uuid NOT NULL, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, "actor_id" uuid NOT NULL, "actor_role" character varying(32) NOT NULL, "organisation_id" uuid NOT NULL, "action" character varying(64) NOT NULL, "resource_type" character varying(64) NOT NULL, "resource_id" character varying(128) NOT NULL, "client_id" uuid, "category" character varying(64), "outcome" character varying(16) NOT NULL, "ip" character varying(64) NOT NULL, "user_agent" character varying(512), "details" jsonb NOT NULL, CONSTRAINT "UQ_75e10a15f610386e81e7f88cc29" UNIQUE ("id"), CONSTRAINT "PK_87e980d5a45368ab169871a194b" PRIMARY KEY ("position"))`,
    );
    await queryRunner.query(
      `CREATE FUNCTION "audit_pending_refuse_unlinked"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM "audit_records" WHERE "id" = OLD."id") THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'pending audit records leave only into the chain: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "audit_pending_linked_only" BEFORE UPDATE OR DELETE ON "audit_pending" FOR EACH ROW EXECUTE FUNCTION "audit_pending_refuse_unlinked"()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "audit_pending_no_truncate" BEFORE TRUNCATE ON "audit_pending" FOR EACH STATEMENT EXECUTE FUNCTION "audit_pending_refuse_unlinked"()`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "audit_pending_no_truncate" ON "audit_pending"`);
    await queryRunner.query(`DROP TRIGGER "audit_pending_linked_only" ON "audit_pending"`);
    await queryRunner.query(`DROP FUNCTION "audit_pending_refuse_unlinked"()`);
    await queryRunner.query(`DROP TABLE "audit_pending"`);
  }
}
