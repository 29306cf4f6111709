import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'organisations' })
export class Organisation {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'varchar', length: 200, unique: true })
  name: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
