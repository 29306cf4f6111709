import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Named versions of a safety plan (issue 5): the plan as of a sequence, sealed whole, with its
 * sealed label, author and time. Generated from the entities.
 */
export class SafetyPlanVersions1795820000000 implements MigrationInterface {
  name = 'SafetyPlanVersions1795820000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "safety_plan_versions" ("id" uuid NOT NULL, "client_id" uuid NOT NULL, "seq" integer NOT NULL, "author_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "label_sealed" text NOT NULL, "state_sealed" text NOT NULL, CONSTRAINT "PK_safety_plan_versions" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_safety_plan_versions_client" ON "safety_plan_versions" ("client_id", "created_at") `,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."IDX_safety_plan_versions_client"`);
    await queryRunner.query(`DROP TABLE "safety_plan_versions"`);
  }
}
