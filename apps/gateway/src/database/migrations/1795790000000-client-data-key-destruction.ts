import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Crypto-shredding (libs/crypto ClientKeyring.destroyClientKey): a destroyed data key keeps its
 * row as a tombstone, without the wrapped key and with the time it was destroyed, so the keyring
 * refuses the client instead of making a new key. Generated from ClientDataKey, check included.
 */
export class ClientDataKeyDestruction1795790000000 implements MigrationInterface {
  name = 'ClientDataKeyDestruction1795790000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "client_data_keys" ADD "destroyed_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "client_data_keys" ALTER COLUMN "wrapped_key" DROP NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "client_data_keys" ADD CONSTRAINT "CHK_client_data_keys_wrapped_or_destroyed" CHECK (("wrapped_key" IS NULL) = ("destroyed_at" IS NOT NULL))`,
    );
  }

  /**
   * Refuses while any key is destroyed: the earlier schema cannot hold a tombstone, and deleting
   * one would let the earlier code make a fresh key for a client whose data was shredded.
   */
  async down(queryRunner: QueryRunner): Promise<void> {
    const destroyed = (await queryRunner.query(
      `SELECT count(*)::int AS "n" FROM "client_data_keys" WHERE "destroyed_at" IS NOT NULL`,
    )) as { n: number }[];
    if (destroyed[0].n > 0) {
      throw new Error(
        `Cannot revert ClientDataKeyDestruction1795790000000: ${destroyed[0].n} client data keys are destroyed, and the earlier schema cannot record that`,
      );
    }
    await queryRunner.query(
      `ALTER TABLE "client_data_keys" DROP CONSTRAINT "CHK_client_data_keys_wrapped_or_destroyed"`,
    );
    await queryRunner.query(`ALTER TABLE "client_data_keys" ALTER COLUMN "wrapped_key" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "client_data_keys" DROP COLUMN "destroyed_at"`);
  }
}
