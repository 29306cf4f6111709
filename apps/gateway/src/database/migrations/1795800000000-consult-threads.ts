import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Consult threads (issue 4): threads and their participants (with delivered and read positions),
 * messages with their per-thread sequence and the sender's idempotency key (both unique),
 * clinical acknowledgements and referrals. Generated from the entities. Subjects and bodies are
 * sealed per client.
 */
export class ConsultThreads1795800000000 implements MigrationInterface {
  name = 'ConsultThreads1795800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "threads" ("id" uuid NOT NULL, "client_id" uuid NOT NULL, "organisation_id" uuid NOT NULL, "subject_sealed" text NOT NULL, "created_by" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "last_seq" integer NOT NULL DEFAULT '0', CONSTRAINT "PK_d8a74804c34fc3900502cd27275" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_threads_client" ON "threads"  ("client_id", "created_at")`);
    await queryRunner.query(
      `CREATE TABLE "thread_participants" ("thread_id" uuid NOT NULL, "provider_id" uuid NOT NULL, "added_by" uuid NOT NULL, "added_at" TIMESTAMP WITH TIME ZONE NOT NULL, "delivered_seq" integer NOT NULL DEFAULT '0', "read_seq" integer NOT NULL DEFAULT '0', CONSTRAINT "PK_3adac7e0bee35b0471cc2e552d4" PRIMARY KEY ("thread_id", "provider_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_thread_participants_provider" ON "thread_participants"  ("provider_id")`,
    );
    await queryRunner.query(
      `CREATE TABLE "messages" ("id" uuid NOT NULL, "thread_id" uuid NOT NULL, "client_id" uuid NOT NULL, "seq" integer NOT NULL, "sender_id" uuid NOT NULL, "client_message_id" character varying(64) NOT NULL, "kind" character varying(32) NOT NULL, "category" character varying(32) NOT NULL, "body_sealed" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "priority" boolean NOT NULL DEFAULT false, "acknowledge_by" TIMESTAMP WITH TIME ZONE, "amends_message_id" uuid, "state" character varying(24) NOT NULL DEFAULT 'current', "state_changed_at" TIMESTAMP WITH TIME ZONE, "state_changed_by" uuid, CONSTRAINT "UQ_messages_sender_client_message" UNIQUE ("thread_id", "sender_id", "client_message_id"), CONSTRAINT "UQ_messages_thread_seq" UNIQUE ("thread_id", "seq"), CONSTRAINT "PK_18325f38ae6de43878487eff986" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_messages_client_kind" ON "messages"  ("client_id", "kind", "created_at")`,
    );
    await queryRunner.query(
      `CREATE TABLE "message_acknowledgements" ("message_id" uuid NOT NULL, "provider_id" uuid NOT NULL, "acknowledged_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_269c2683878c1d419e57ede99fb" PRIMARY KEY ("message_id", "provider_id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "referrals" ("message_id" uuid NOT NULL, "thread_id" uuid NOT NULL, "client_id" uuid NOT NULL, "direction" character varying(16) NOT NULL, "status" character varying(16) NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, "updated_by" uuid NOT NULL, CONSTRAINT "PK_192b1cf9030b0b99c16d9fd8b7a" PRIMARY KEY ("message_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_referrals_thread" ON "referrals"  ("thread_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."IDX_referrals_thread"`);
    await queryRunner.query(`DROP TABLE "referrals"`);
    await queryRunner.query(`DROP TABLE "message_acknowledgements"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_messages_client_kind"`);
    await queryRunner.query(`DROP TABLE "messages"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_thread_participants_provider"`);
    await queryRunner.query(`DROP TABLE "thread_participants"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_threads_client"`);
    await queryRunner.query(`DROP TABLE "threads"`);
  }
}
