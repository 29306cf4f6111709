import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail (libs/audit). The table is generated from AuditRecord; the triggers are not
 * entity metadata and are written by hand: the database refuses UPDATE, DELETE and TRUNCATE of
 * audit rows, whoever asks, so the service's own connection cannot rewrite history.
 *
 * A table's owner (and a superuser) can still disable a trigger. In production run migrations as
 * the owning role and the service as a role granted only SELECT and INSERT on this table; the
 * hash chain then shows any change made around both.
 */
export class AuditRecords1795765600000 implements MigrationInterface {
  name = 'AuditRecords1795765600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "audit_records" ("id" uuid NOT NULL, "sequence" bigint NOT NULL, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, "actor_id" uuid NOT NULL, "actor_role" character varying(32) NOT NULL, "organisation_id" uuid NOT NULL, "action" character varying(64) NOT NULL, "resource_type" character varying(64) NOT NULL, "resource_id" character varying(128) NOT NULL, "client_id" uuid, "category" character varying(64), "outcome" character varying(16) NOT NULL, "ip" character varying(64) NOT NULL, "user_agent" character varying(512), "details" jsonb NOT NULL, "prev_hash" character varying(64) NOT NULL, "hash" character varying(64) NOT NULL, CONSTRAINT "UQ_d001136950a867f5240b67fcbb9" UNIQUE ("sequence"), CONSTRAINT "PK_f903ebdf175f062be69747b0f18" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE FUNCTION "audit_records_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit records are append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "audit_records_append_only" BEFORE UPDATE OR DELETE ON "audit_records" FOR EACH ROW EXECUTE FUNCTION "audit_records_refuse_change"()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "audit_records_no_truncate" BEFORE TRUNCATE ON "audit_records" FOR EACH STATEMENT EXECUTE FUNCTION "audit_records_refuse_change"()`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "audit_records_no_truncate" ON "audit_records"`);
    await queryRunner.query(`DROP TRIGGER "audit_records_append_only" ON "audit_records"`);
    await queryRunner.query(`DROP FUNCTION "audit_records_refuse_change"()`);
    await queryRunner.query(`DROP TABLE "audit_records"`);
  }
}
