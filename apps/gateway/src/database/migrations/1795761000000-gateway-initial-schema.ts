import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Generated from the entities with TypeORM's schema builder (see schema.medium.spec.ts). */
export class GatewayInitialSchema1795761000000 implements MigrationInterface {
  name = 'GatewayInitialSchema1795761000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "schema_info" ("service" character varying(32) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_0d28f7a780f75c832cdc9f62f82" PRIMARY KEY ("service"))`,
    );
    await queryRunner.query(`INSERT INTO "schema_info" ("service", "created_at") VALUES ('gateway', now())`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "schema_info"`);
  }
}
