import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Shared safety plans (issue 5): each acknowledged Yjs update, sealed per client, with its author,
 * time and the sections it touched; and snapshots of the whole plan every so many updates.
 * Generated from the entities.
 */
export class SafetyPlans1795810000000 implements MigrationInterface {
  name = 'SafetyPlans1795810000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "safety_plan_updates" ("id" uuid NOT NULL, "client_id" uuid NOT NULL, "seq" integer NOT NULL, "author_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "sections" character varying(32) array NOT NULL, "update_sealed" text NOT NULL, CONSTRAINT "UQ_safety_plan_updates_id" UNIQUE ("id"), CONSTRAINT "PK_safety_plan_updates" PRIMARY KEY ("client_id", "seq"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "safety_plan_snapshots" ("client_id" uuid NOT NULL, "seq" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "state_sealed" text NOT NULL, CONSTRAINT "PK_safety_plan_snapshots" PRIMARY KEY ("client_id", "seq"))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "safety_plan_snapshots"`);
    await queryRunner.query(`DROP TABLE "safety_plan_updates"`);
  }
}
