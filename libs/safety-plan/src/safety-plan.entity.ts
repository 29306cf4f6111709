import { Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';

/**
 * One acknowledged change to a client's safety plan: a Yjs update, sealed under the client's
 * key, with who made it, when, and which sections it touched (the change log reads these).
 */
@Entity({ name: 'safety_plan_updates' })
@Unique('UQ_safety_plan_updates_id', ['id'])
export class SafetyPlanUpdate {
  /** Made before the update is sealed, which binds the sealed value to this row. */
  @Column({ type: 'uuid' })
  id: string;

  @PrimaryColumn({ name: 'client_id', type: 'uuid' })
  clientId: string;

  /** 1, 2, 3, ... per client, assigned under the plan's lock. */
  @PrimaryColumn({ type: 'integer' })
  seq: number;

  @Column({ name: 'author_id', type: 'uuid' })
  authorId: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** Section ids: codes, never text. */
  @Column({ type: 'varchar', length: 32, array: true })
  sections: string[];

  @Column({ name: 'update_sealed', type: 'text' })
  updateSealed: string;
}

/** The whole plan as of `seq` (sealed), so loading needs only the updates after it. */
@Entity({ name: 'safety_plan_snapshots' })
export class SafetyPlanSnapshot {
  @PrimaryColumn({ name: 'client_id', type: 'uuid' })
  clientId: string;

  @PrimaryColumn({ type: 'integer' })
  seq: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'state_sealed', type: 'text' })
  stateSealed: string;
}

/**
 * A named version ("reviewed with the client on ..."): the plan as of `seq`, sealed whole, with
 * its label (sealed too: it may say something clinical), who named it and when.
 */
@Entity({ name: 'safety_plan_versions' })
@Index('IDX_safety_plan_versions_client', ['clientId', 'createdAt'])
export class SafetyPlanVersion {
  /** Made before the label and state are sealed, which binds them to this row. */
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_safety_plan_versions' })
  id: string;

  @Column({ name: 'client_id', type: 'uuid' })
  clientId: string;

  @Column({ type: 'integer' })
  seq: number;

  @Column({ name: 'author_id', type: 'uuid' })
  authorId: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'label_sealed', type: 'text' })
  labelSealed: string;

  @Column({ name: 'state_sealed', type: 'text' })
  stateSealed: string;
}
