import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit chain's head (libs/audit, AuditRepository): one row holding the sequence and hash of
 * the last record, kept by the database itself (a statement trigger on every insert). A writer
 * locks this row and reads the head in one statement, where it used to take an advisory lock and
 * then read the newest record in a second one: a round trip less in every writing transaction.
 * Seeded from the records already written (or the genesis link of an empty chain).
 */
export class AuditChainHead1795900000000 implements MigrationInterface {
  name = 'AuditChainHead1795900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "audit_chain_head" ("id" boolean PRIMARY KEY DEFAULT true CHECK ("id"), "sequence" bigint NOT NULL, "hash" character varying(64) NOT NULL)`,
    );
    await queryRunner.query(
      `INSERT INTO "audit_chain_head" ("sequence", "hash")
       SELECT coalesce(max("sequence"), 0),
              coalesce((SELECT "hash" FROM "audit_records" ORDER BY "sequence" DESC LIMIT 1), repeat('0', 64))
       FROM "audit_records"`,
    );
    await queryRunner.query(
      `CREATE FUNCTION "audit_chain_head_follow"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "audit_chain_head" SET ("sequence", "hash") =
    (SELECT "sequence", "hash" FROM "appended" ORDER BY "sequence" DESC LIMIT 1)
  WHERE EXISTS (SELECT 1 FROM "appended");
  RETURN NULL;
END
$$`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "audit_chain_head_follow" AFTER INSERT ON "audit_records" REFERENCING NEW TABLE AS "appended" FOR EACH STATEMENT EXECUTE FUNCTION "audit_chain_head_follow"()`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "audit_chain_head_follow" ON "audit_records"`);
    await queryRunner.query(`DROP FUNCTION "audit_chain_head_follow"()`);
    await queryRunner.query(`DROP TABLE "audit_chain_head"`);
  }
}
