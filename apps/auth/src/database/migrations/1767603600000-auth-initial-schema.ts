import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Generated from the entities with TypeORM's schema builder (see schema.medium.spec.ts). */
export class AuthInitialSchema1767603600000 implements MigrationInterface {
  name = 'AuthInitialSchema1767603600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "auth_audit_events" ("id" uuid NOT NULL, "type" character varying(48) NOT NULL, "outcome" character varying(16) NOT NULL, "provider_id" uuid, "actor_id" uuid, "organisation_id" uuid, "session_id" uuid, "reason" character varying(64), "ip" character varying(64), "user_agent" character varying(256), "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_4ce7e89f8c00d8b6a81408713f9" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_3d40204a2170af127251e1fd8f" ON "auth_audit_events" ("occurred_at")`);
    await queryRunner.query(
      `CREATE INDEX "IDX_566514a7285e7c8228de8c6760" ON "auth_audit_events" ("provider_id", "occurred_at")`,
    );
    await queryRunner.query(
      `CREATE TABLE "auth_outbox" ("id" uuid NOT NULL, "type" character varying(48) NOT NULL, "provider_id" uuid NOT NULL, "organisation_id" uuid NOT NULL, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, "published_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_58f8166b7d6d3a2ca50ed96a90f" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_c41896bdcf7f6f05e8480092cb" ON "auth_outbox" ("occurred_at")`);
    await queryRunner.query(
      `CREATE TABLE "organisations" ("id" uuid NOT NULL, "name" character varying(200) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "UQ_4a3dcb66f1630f551b81bca1b34" UNIQUE ("name"), CONSTRAINT "PK_7bf54cba378d5b2f1d4c10ef4df" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "providers" ("id" uuid NOT NULL, "organisation_id" uuid NOT NULL, "email" character varying(254) NOT NULL, "password_hash" character varying(255) NOT NULL, "display_name" character varying(100) NOT NULL, "role" character varying(32) NOT NULL, "credential" character varying(16) NOT NULL, "npi" character varying(10) NOT NULL, "license_state" character varying(2) NOT NULL, "license_number" character varying(32) NOT NULL, "mfa_enabled" boolean NOT NULL DEFAULT false, "mfa_secret_sealed" text, "mfa_pending_secret_sealed" text, "mfa_last_time_step" integer, "disabled_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "UQ_32fe6bfe82d8e4959ba9d9fad42" UNIQUE ("email"), CONSTRAINT "PK_af13fc2ebf382fe0dad2e4793aa" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_d1ae22264b9accf38e52d31ccd" ON "providers" ("organisation_id")`);
    await queryRunner.query(
      `CREATE TABLE "invites" ("id" uuid NOT NULL, "organisation_id" uuid NOT NULL, "email" character varying(254) NOT NULL, "role" character varying(32) NOT NULL, "code_hash" character varying(64) NOT NULL, "created_by" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, "used_by" uuid, CONSTRAINT "UQ_b2d755b74c2711d049158dbd81d" UNIQUE ("code_hash"), CONSTRAINT "PK_aa52e96b44a714372f4dd31a0af" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_86700aa5317ffba38e925f549c" ON "invites" ("organisation_id")`);
    await queryRunner.query(
      `CREATE TABLE "login_lockouts" ("email_hash" character varying(64) NOT NULL, "failure_count" integer NOT NULL, "window_started_at" TIMESTAMP WITH TIME ZONE NOT NULL, "locked_until" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_405de7169da3c56c73725ab2068" PRIMARY KEY ("email_hash"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "mfa_challenges" ("id" uuid NOT NULL, "provider_id" uuid NOT NULL, "token_hash" character varying(64) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, "failed_attempts" integer NOT NULL DEFAULT '0', CONSTRAINT "UQ_cf5f2cdf8d418c02661b06a9312" UNIQUE ("token_hash"), CONSTRAINT "PK_25d85a6da62620267e003fb4da4" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_f26ce1880165e9be8e9e0de038" ON "mfa_challenges" ("provider_id")`);
    await queryRunner.query(
      `CREATE TABLE "session_families" ("id" uuid NOT NULL, "provider_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "absolute_expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "revoked_at" TIMESTAMP WITH TIME ZONE, "revoked_reason" character varying(32), CONSTRAINT "PK_1be9458ef1fb3a7fe042b8d0e29" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_363ed14e86d1082b3faa67d37c" ON "session_families" ("provider_id")`);
    await queryRunner.query(
      `CREATE TABLE "refresh_tokens" ("id" uuid NOT NULL, "family_id" uuid NOT NULL, "token_hash" character varying(64) NOT NULL, "issued_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "UQ_a7838d2ba25be1342091b6695f1" UNIQUE ("token_hash"), CONSTRAINT "PK_7d8bee0204106019488c4c50ffa" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_d5e27da0cd39bc3bb2811fc8ba" ON "refresh_tokens" ("family_id")`);
    await queryRunner.query(
      `CREATE TABLE "signing_keys" ("kid" character varying(64) NOT NULL, "algorithm" character varying(16) NOT NULL, "public_jwk" jsonb NOT NULL, "private_key_sealed" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "superseded_at" TIMESTAMP WITH TIME ZONE, "retire_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_13362ac3e792c69417e1a53d355" PRIMARY KEY ("kid"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "providers" ADD CONSTRAINT "FK_d1ae22264b9accf38e52d31ccdf" FOREIGN KEY ("organisation_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "invites" ADD CONSTRAINT "FK_86700aa5317ffba38e925f549ce" FOREIGN KEY ("organisation_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "invites" ADD CONSTRAINT "FK_547a8b9865f16d776c08c72eac0" FOREIGN KEY ("created_by") REFERENCES "providers"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "mfa_challenges" ADD CONSTRAINT "FK_f26ce1880165e9be8e9e0de0386" FOREIGN KEY ("provider_id") REFERENCES "providers"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "session_families" ADD CONSTRAINT "FK_363ed14e86d1082b3faa67d37ce" FOREIGN KEY ("provider_id") REFERENCES "providers"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "refresh_tokens" ADD CONSTRAINT "FK_d5e27da0cd39bc3bb2811fc8bac" FOREIGN KEY ("family_id") REFERENCES "session_families"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "refresh_tokens" DROP CONSTRAINT "FK_d5e27da0cd39bc3bb2811fc8bac"`);
    await queryRunner.query(`ALTER TABLE "session_families" DROP CONSTRAINT "FK_363ed14e86d1082b3faa67d37ce"`);
    await queryRunner.query(`ALTER TABLE "mfa_challenges" DROP CONSTRAINT "FK_f26ce1880165e9be8e9e0de0386"`);
    await queryRunner.query(`ALTER TABLE "invites" DROP CONSTRAINT "FK_547a8b9865f16d776c08c72eac0"`);
    await queryRunner.query(`ALTER TABLE "invites" DROP CONSTRAINT "FK_86700aa5317ffba38e925f549ce"`);
    await queryRunner.query(`ALTER TABLE "providers" DROP CONSTRAINT "FK_d1ae22264b9accf38e52d31ccdf"`);
    await queryRunner.query(`DROP TABLE "signing_keys"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_d5e27da0cd39bc3bb2811fc8ba"`);
    await queryRunner.query(`DROP TABLE "refresh_tokens"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_363ed14e86d1082b3faa67d37c"`);
    await queryRunner.query(`DROP TABLE "session_families"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_f26ce1880165e9be8e9e0de038"`);
    await queryRunner.query(`DROP TABLE "mfa_challenges"`);
    await queryRunner.query(`DROP TABLE "login_lockouts"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_86700aa5317ffba38e925f549c"`);
    await queryRunner.query(`DROP TABLE "invites"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_d1ae22264b9accf38e52d31ccd"`);
    await queryRunner.query(`DROP TABLE "providers"`);
    await queryRunner.query(`DROP TABLE "organisations"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_c41896bdcf7f6f05e8480092cb"`);
    await queryRunner.query(`DROP TABLE "auth_outbox"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_566514a7285e7c8228de8c6760"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_3d40204a2170af127251e1fd8f"`);
    await queryRunner.query(`DROP TABLE "auth_audit_events"`);
  }
}
