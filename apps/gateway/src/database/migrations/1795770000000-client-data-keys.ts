import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Wrapped per-client data keys (libs/crypto ClientKeyring), generated from ClientDataKey.
 * No foreign key to clients yet: that table does not exist; add one in the migration that makes it.
 */
export class ClientDataKeys1795770000000 implements MigrationInterface {
  name = 'ClientDataKeys1795770000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "client_data_keys" ("client_id" uuid NOT NULL, "key_version" integer NOT NULL, "master_key_id" character varying(64) NOT NULL, "wrapped_key" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_403c70dbcb5b5587ea47f39e58e" PRIMARY KEY ("client_id"))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "client_data_keys"`);
  }
}
