import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Shared clients and who may see them (issue 3): the provider directory, clients and their care
 * teams, consents, emergency access grants and the care team's notices, and the index the
 * per-client access report reads. Generated from the entities. Identifying and free-text fields
 * are sealed per client (`*_sealed`). No foreign keys: rows are only written by the services,
 * which check every id through the access decision first.
 */
export class SharedClients1795780000000 implements MigrationInterface {
  name = 'SharedClients1795780000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "clients" ("id" uuid NOT NULL, "organisation_id" uuid NOT NULL, "display_name_sealed" text NOT NULL, "date_of_birth_sealed" text NOT NULL, "external_id_sealed" text, "created_by" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_f1ab7cf3a5714dbc6bb4e1c28a4" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_clients_organisation" ON "clients"  ("organisation_id", "created_at")`);
    await queryRunner.query(
      `CREATE TABLE "care_team_members" ("client_id" uuid NOT NULL, "provider_id" uuid NOT NULL, "added_by" uuid NOT NULL, "added_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_49df18988a3a336848bff7166cc" PRIMARY KEY ("client_id", "provider_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_care_team_members_provider" ON "care_team_members"  ("provider_id")`);
    await queryRunner.query(
      `CREATE TABLE "consents" ("id" uuid NOT NULL, "client_id" uuid NOT NULL, "organisation_id" uuid NOT NULL, "recipient_ids" uuid array NOT NULL, "categories" text array NOT NULL, "purpose" character varying(32) NOT NULL, "effective_from" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "attestation_method" character varying(32) NOT NULL, "signer_name_sealed" text NOT NULL, "notes_sealed" text, "recorded_by" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "revoked_at" TIMESTAMP WITH TIME ZONE, "revoked_by" uuid, "revocation_reason_sealed" text, CONSTRAINT "PK_9efc68eb6aba7d638fb6ea034dd" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_consents_client" ON "consents"  ("client_id", "created_at")`);
    await queryRunner.query(
      `CREATE TABLE "emergency_access_grants" ("id" uuid NOT NULL, "client_id" uuid NOT NULL, "organisation_id" uuid NOT NULL, "provider_id" uuid NOT NULL, "reason_sealed" text NOT NULL, "opened_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_7c7287d7801a01d6a18dd70773b" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_emergency_access_grants_client_provider" ON "emergency_access_grants"  ("client_id", "provider_id", "expires_at")`,
    );
    await queryRunner.query(
      `CREATE TABLE "client_notices" ("id" uuid NOT NULL, "client_id" uuid NOT NULL, "kind" character varying(32) NOT NULL, "actor_id" uuid NOT NULL, "subject_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_de3beb047fdcd1652963656b944" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_client_notices_client" ON "client_notices"  ("client_id", "created_at")`,
    );
    await queryRunner.query(
      `CREATE TABLE "directory_providers" ("id" uuid NOT NULL, "organisation_id" uuid NOT NULL, "email" character varying(254), "display_name" character varying(200) NOT NULL, "role" character varying(32) NOT NULL, "credential" character varying(16) NOT NULL, "status" character varying(16) NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_f3683cc7a62cf79a891daa8d73f" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_directory_providers_email" ON "directory_providers"  ("email")`);
    await queryRunner.query(
      `CREATE INDEX "IDX_directory_providers_organisation" ON "directory_providers"  ("organisation_id")`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_audit_records_client" ON "audit_records"  ("client_id", "sequence")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."IDX_audit_records_client"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_directory_providers_organisation"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_directory_providers_email"`);
    await queryRunner.query(`DROP TABLE "directory_providers"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_client_notices_client"`);
    await queryRunner.query(`DROP TABLE "client_notices"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_emergency_access_grants_client_provider"`);
    await queryRunner.query(`DROP TABLE "emergency_access_grants"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_consents_client"`);
    await queryRunner.query(`DROP TABLE "consents"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_care_team_members_provider"`);
    await queryRunner.query(`DROP TABLE "care_team_members"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_clients_organisation"`);
    await queryRunner.query(`DROP TABLE "clients"`);
  }
}
